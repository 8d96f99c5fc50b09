import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { AmiClient } from "../../src/ami";
import { startPbx } from "../../simulator";
import * as http from "node:http";
import * as net from "node:net";
import * as mqtt from "mqtt";
import { startCapturePbx } from "../helpers/capture-pbx";
import { ADMIN, Msg, ROOT, amiNodes, collect, helper, sleep, waitConnected, waitFor } from "./harness";

/**
 * Every example flow (examples/, shown in Import > Examples) loads in the test runtime with no
 * missing node type, and its automation runs against the simulated PBX. Debug nodes are swapped
 * for helper nodes with the same ids, so the assertions read what the user would see in the
 * debug sidebar.
 */

// aedes is an ES module; Node.js 20.19+ and 22.12+ require() it.
const { Aedes } = require("aedes");

type Pbx = Awaited<ReturnType<typeof startPbx>>;

const CORE = path.join(path.dirname(require.resolve("@node-red/nodes/package.json")), "core");
const core = (file: string) => require(path.join(CORE, file));
const CORE_NODES: Record<string, unknown> = {
  inject: core("common/20-inject.js"),
  comment: core("common/90-comment.js"),
  change: core("function/15-change.js"),
  csv: core("parsers/70-CSV.js"),
  file: core("storage/10-file.js"),
  "file in": core("storage/10-file.js"),
  "websocket out": core("network/22-websocket.js"),
  function: core("function/10-function.js"),
  switch: core("function/10-switch.js"),
  "mqtt out": core("network/10-mqtt.js"),
  "mqtt-broker": core("network/10-mqtt.js"),
  "websocket in": core("network/22-websocket.js"),
  "http in": core("network/21-httpin.js"),
  "http response": core("network/21-httpin.js"),
  template: core("function/80-template.js"),
};
/** FlowFuse Dashboard 2.0 (a devDependency): example 13 only, which says it needs the package. */
const DASHBOARD_PACKAGE = "@flowfuse/node-red-dashboard";
const DASHBOARD_DIR = path.join(path.dirname(require.resolve(`${DASHBOARD_PACKAGE}/package.json`)), "nodes");
const DASHBOARD_NODES: Record<string, unknown> = Object.fromEntries(
  ["config/ui_base", "config/ui_page", "config/ui_group", "config/ui_theme", "widgets/ui_template", "widgets/ui_table"].map((f) => [
    path.basename(f).replace("_", "-"),
    require(path.join(DASHBOARD_DIR, `${f}.js`)),
  ]),
);
const queuesNode = require(path.join(ROOT, "nodes", "asterisk-ami-queues.js"));
const OURS = new Set(["asterisk-ami-server", "asterisk-ami-in", "asterisk-ami-action", "asterisk-ami-calls", "asterisk-ami-presence", "asterisk-ami-queues"]);
// catch is loaded by the helper itself; debug becomes the helper node.
const PROVIDED = new Set(["catch", "debug", "websocket-listener"]);
const CONFIG_TYPES = new Set(["asterisk-ami-server", "websocket-listener", "mqtt-broker", "ui-base", "ui-page", "ui-group", "ui-theme"]);

const EXAMPLES_DIR = path.join(ROOT, "examples");

function readExample(file: string): Msg[] {
  return JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, file), "utf8"));
}

/** The example as a test flow: on a tab, debug nodes as helper nodes, the server pointed at the PBX. */
function prepare(nodes: Msg[], pbx: Pbx, patch: (n: Msg) => void = () => undefined): { flow: Msg[]; creds: Record<string, unknown>; modules: unknown[] } {
  const flow: Msg[] = [{ id: "tab", type: "tab", label: "example" }];
  const creds: Record<string, unknown> = {};
  const modules = new Set<unknown>([...amiNodes, queuesNode]);
  for (const original of nodes) {
    const n: Msg = JSON.parse(JSON.stringify(original));
    if (!CONFIG_TYPES.has(n.type)) n.z = "tab";
    if (n.type === "debug") {
      n.type = "helper";
    } else if (n.type === "asterisk-ami-server") {
      n.host = "127.0.0.1";
      n.port = String(pbx.port);
      n.reconnectMin = 0.05;
      n.reconnectMax = 0.2;
      creds[n.id] = ADMIN;
    }
    const mod = CORE_NODES[n.type] ?? DASHBOARD_NODES[n.type];
    if (mod) modules.add(mod);
    else if (!OURS.has(n.type) && !PROVIDED.has(n.type) && n.type !== "helper") throw new Error(`example uses node type ${n.type} that the test does not load`);
    patch(n);
    flow.push(n);
  }
  return { flow, creds, modules: [...modules] };
}

/** An MQTT broker (aedes) on a free port of 127.0.0.1 that records what its clients publish. */
async function startBroker(): Promise<{ port: number; received: Received[]; close(): Promise<void> }> {
  const broker = await Aedes.createBroker();
  const received: Received[] = [];
  broker.on("publish", (packet: any, client: unknown) => {
    if (client) received.push({ topic: packet.topic, payload: String(packet.payload), qos: packet.qos, retain: packet.retain });
  });
  const server = net.createServer(broker.handle);
  const sockets = new Set<net.Socket>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    received,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
  };
}

interface Received {
  topic: string;
  payload: string;
  qos: number;
  retain: boolean;
}
interface Subscriber {
  got: Received[];
  end(): Promise<void>;
}

/** An MQTT client subscribed to topic filters, collecting what it receives (retained messages included). */
async function subscribe(port: number, filters: string[]): Promise<Subscriber> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, connectTimeout: 3000 }, false);
  const got: Received[] = [];
  client.on("message", (topic, payload, packet) => got.push({ topic, payload: payload.toString(), qos: packet.qos, retain: packet.retain }));
  await client.subscribeAsync(filters, { qos: 0 });
  return { got, end: () => client.endAsync() };
}

/** Waits until a count has stopped changing for quietMs (the simulated call's last events trail its end). */
async function settled(count: () => number, what: string, quietMs = 300, ms = 5000): Promise<void> {
  const start = Date.now();
  let [n, since] = [count(), Date.now()];
  while (Date.now() - since < quietMs) {
    if (Date.now() - start > ms) throw new Error(`${what} still growing after ${ms} ms`);
    await sleep(20);
    if (count() !== n) [n, since] = [count(), Date.now()];
  }
}

function json(m: Received | undefined): Msg {
  assert.ok(m, "the message was received");
  return JSON.parse(m.payload);
}

function serverId(nodes: Msg[]): string {
  return nodes.find((n) => n.type === "asterisk-ami-server")!.id;
}

describe("example flows", function () {
  this.timeout(30000);
  let pbx: Pbx;

  before(async () => {
    await helper.startServer();
    // The helper runs a node module's function again at each load (a runtime does it once), and
    // the websocket nodes and the dashboard's socket.io each add an 'upgrade' listener to the
    // server that outlives the load: one per loaded example with a websocket or a dashboard, past
    // Node's warning at 10 in this file. Test-only; not a leak of the examples.
    helper._server.setMaxListeners(50);
  });
  after(async () => {
    await helper.stopServer();
  });
  beforeEach(async () => {
    pbx = await startPbx({ port: 0, timeScale: 0.05 });
  });
  afterEach(async () => {
    await helper.unload();
    await pbx.close();
  });

  const files = fs.readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith(".json"));

  it("every example uses only core nodes and ours (and Dashboard 2.0's, saying so), explains itself in a comment, and loads with nothing missing", async () => {
    assert.ok(files.length >= 7, `${files.length} examples`);
    for (const file of files) {
      const nodes = readExample(file);
      assert.ok(nodes.some((n) => n.type === "comment" && String(n.info ?? "").length > 40), `${file} has an explaining comment`);
      if (nodes.some((n) => n.type in DASHBOARD_NODES)) {
        assert.ok(nodes.some((n) => n.type === "comment" && String(n.info).includes(`install ${DASHBOARD_PACKAGE}`)), `${file}: a comment says it needs ${DASHBOARD_PACKAGE}`);
      }
      assert.equal(nodes.filter((n) => n.type === "asterisk-ami-server").length, 1, `${file} has one server node`);
      assert.ok(!JSON.stringify(nodes).includes("amp111"), `${file} carries no secret`);
      // What a user wants at a glance in the debug sidebar: the payload (the event name is the
      // message's topic), or what went wrong after a Catch node; never the whole message folded up.
      const caught = new Set(nodes.filter((n) => n.type === "catch").flatMap((n) => (n.wires as string[][]).flat()));
      for (const d of nodes.filter((n) => n.type === "debug")) {
        assert.equal(d.complete, caught.has(d.id) ? "error" : "payload", `${file}: debug node ${d.name ?? d.id} shows ${caught.has(d.id) ? "msg.error" : "msg.payload"}`);
      }
      const { flow, creds, modules } = prepare(nodes, pbx);
      await helper.load(modules, flow, creds);
      for (const n of nodes) assert.ok(helper.getNode(n.id), `${file}: node ${n.id} (${n.type}) is running`);
      await helper.unload();
    }
    const both = new Set(files.flatMap((f) => readExample(f).map((n) => n.type)));
    for (const t of OURS) assert.ok(both.has(t), `an example uses ${t}`);
  });

  it("every node of ours in the examples has every property its editor defines (opening it and clicking Done changes nothing)", () => {
    for (const file of fs.readdirSync(EXAMPLES_DIR)) {
      for (const n of readExample(file)) {
        if (!OURS.has(n.type)) continue;
        const html = fs.readFileSync(path.join(ROOT, "nodes", `${n.type}.html`), "utf8");
        const block = /defaults:\s*\{([\s\S]*?)\n\s*\},\n/.exec(html)?.[1] ?? "";
        const keys = [...block.matchAll(/^\s*(\w+):\s*\{/gm)].map((m) => m[1]);
        assert.ok(keys.length > 3, `${n.type}: defaults read from its editor file`);
        const missing = keys.filter((k) => !(k in n));
        assert.deepEqual(missing, [], `${file}: ${n.type} "${n.name}" lacks ${missing.join(", ")}`);
      }
    }
  });

  it("01 ami in: names, wildcard, regex plus condition", async () => {
    const nodes = readExample("01 - ami in - events from Asterisk.json");
    const { flow, creds, modules } = prepare(nodes, pbx);
    await helper.load(modules, flow, creds);
    const [calls, queues, user] = [collect("d01a"), collect("d01b"), collect("d01c")];
    await waitConnected(serverId(nodes));
    pbx.emitEvent({ Event: "Newchannel", Channel: "PJSIP/6001-00000001", Exten: "100" });
    pbx.emitEvent({ Event: "QueueCallerJoin", Queue: "testq", Position: "1" });
    pbx.emitEvent({ Event: "UserEvent", UserEvent: "Other" });
    pbx.emitEvent({ Event: "UserEvent", UserEvent: "TestEvent", Foo: "bar" });
    pbx.emitEvent({ Event: "Hangup", Channel: "PJSIP/6001-00000001", Cause: "16" });
    await waitFor(() => calls.length === 2, "Newchannel and Hangup");
    assert.deepEqual(calls.map((m) => m.topic), ["Newchannel", "Hangup"]);
    assert.deepEqual(queues.map((m) => m.topic), ["QueueCallerJoin"]);
    assert.deepEqual(user.map((m) => m.payload.UserEvent), ["TestEvent"]);
    assert.equal(calls[0].ami.server, "PBX");
  });

  it("02 ami action: plain, Command, action from msg, list", async () => {
    const nodes = readExample("02 - ami action - send actions.json");
    const { flow, creds, modules } = prepare(nodes, pbx);
    await helper.load(modules, flow, creds);
    const out = Object.fromEntries(["d02a", "d02b", "d02c", "d02d", "d02e"].map((id) => [id, collect(id)]));
    for (const id of ["n02a", "n02b", "n02c", "n02d"]) helper.getNode(id).receive({});
    await waitFor(() => ["d02a", "d02b", "d02c", "d02d"].every((id) => out[id].length === 1), "four answers");
    assert.equal(out.d02a[0].payload.Response, "Success");
    assert.match(out.d02b[0].payload, /^Asterisk 22/);
    assert.equal(out.d02c[0].payload.Ping, "Pong");
    assert.ok(Array.isArray(out.d02d[0].payload));
    assert.equal(out.d02e.length, 0);
  });

  it("03 click-to-call: a function node builds the Originate (another JS realm), result from its own OriginateResponse", async () => {
    const nodes = readExample("03 - click-to-call.json");
    const { flow, creds, modules } = prepare(nodes, pbx);
    await helper.load(modules, flow, creds);
    const [ok, failed] = [collect("d03a"), collect("d03b")];
    helper.getNode("n03").receive({});
    await waitFor(() => ok.length + failed.length > 0, "the call result", 15000);
    assert.equal(failed.length, 0, failed[0]?.error?.message);
    assert.equal(ok[0].payload.Event, "OriginateResponse");
    assert.equal(ok[0].payload.Response, "Success");
    const sent = pbx.actions.filter((a) => a.action.get("Action") === "Originate").map((a) => a.action.toObject());
    assert.equal(sent.length, 1);
    // Every header the function node built arrived, with the node's own fields beside them.
    assert.equal(sent[0].Channel, "Local/100@test");
    assert.equal(sent[0].Exten, "100");
    assert.equal(sent[0].CallerID, "Click to call <100>");
    assert.equal(sent[0].Variable, "CLICK_TO_CALL=yes");
    assert.equal(sent[0].Context, "test");
    assert.equal(sent[0].Async, "true");
  });

  /**
   * A CSV example's header row: written when the file is new, before any line, and not again when
   * the flow starts over on the file it wrote (a restart or a redeploy).
   */
  async function checkHeaderOnce(nodes: Msg[], file: string, header: string): Promise<string[]> {
    const rows = fs.readFileSync(file, "utf8").trim().split("\n");
    assert.equal(rows[0], header, "the first row names the columns");
    assert.equal(rows.filter((r) => r === header).length, 1);
    await helper.unload();
    const { flow, creds, modules } = prepare(nodes, pbx, (n) => {
      if (n.type === "file" || n.type === "file in") n.filename = file;
    });
    await helper.load(modules, flow, creds);
    await sleep(500); // past the start inject (0.1 s) and the read of the existing file
    const again = fs.readFileSync(file, "utf8").trim().split("\n");
    assert.deepEqual(again, rows, "started again on its own file: no second header");
    return rows.slice(1);
  }

  it("04 call log: a real call's Hangup events become CSV lines in the file, after a header row", async () => {
    const nodes = readExample("04 - call log to CSV.json");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ami-calllog-"));
    const file = path.join(dir, "call-log.csv");
    const { flow, creds, modules } = prepare(nodes, pbx, (n) => {
      if (n.type === "file" || n.type === "file in") n.filename = file;
    });
    await helper.load(modules, flow, creds);
    const lines = collect("d04");
    await waitConnected(serverId(nodes));
    await sleep(300); // the header check runs 0.1 s after the start (the example's comment says so)
    const caller = new AmiClient({ host: "127.0.0.1", port: pbx.port, username: "admin", secret: "amp111", keepaliveInterval: 0 });
    caller.connect();
    try {
      await caller.send("Originate", { Channel: "Local/100@test", Application: "Wait", Data: "1", Async: "true" }, { waitForResult: true });
      await waitFor(() => lines.length >= 2, "two Hangup lines (both Local legs)", 15000);
    } finally {
      await caller.close();
    }
    await sleep(100);
    const rows = await checkHeaderOnce(nodes, file, "Linkedid,Uniqueid,Channel,CallerIDNum,CallerIDName,ConnectedLineNum,Exten,Cause,Cause-txt");
    assert.ok(rows.length >= 2, rows.join("\n"));
    for (const row of rows) {
      const cols = row.split(",");
      assert.equal(cols.length, 9, row);
      assert.match(cols[2], /^Local\/100@test-/, row);
      assert.match(cols[0], /^\d+\.\d+$/, "Linkedid first");
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /**
   * An example run on real SIP phone calls: loaded against a capture played back (its connect-time
   * lists answered as that PBX answered them), `ready` run once connected (a websocket client, an
   * inject), then the capture's events sent. Returns what the named debug nodes got.
   */
  async function runOnSip(
    file: string,
    capture: string,
    debugIds: string[],
    options: { patch?: (n: Msg) => void; collected?: (got: Msg[][]) => void; ready?: () => Promise<void>; done?: () => void; speed?: number } = {},
  ): Promise<Msg[][]> {
    const nodes = readExample(file);
    const sip = await startCapturePbx(capture);
    try {
      const { flow, creds, modules } = prepare(nodes, { port: sip.port } as Pbx, options.patch);
      await helper.load(modules, flow, creds);
      const got = debugIds.map((id) => collect(id));
      options.collected?.(got);
      await waitConnected(serverId(nodes));
      await sleep(100); // the trackers' lists at connect
      await options.ready?.();
      try {
        const delivered = await sip.play(capture, { speed: options.speed });
        assert.ok(delivered > 20, `${capture}: only ${delivered} events reached Node-RED`);
        await sleep(200);
      } finally {
        options.done?.();
      }
      await helper.unload();
      return got;
    } finally {
      await sip.close();
    }
  }

  /** Example 05 for `extension` on real SIP calls: the pop-ups a browser got. */
  async function popupsFor(capture: string, extension = "6001"): Promise<Msg[]> {
    const WebSocket = require("ws");
    const received: Msg[] = [];
    let ws: { close(): void } | undefined;
    await runOnSip("05 - call pop-up over websocket.json", capture, [], {
      // What a user changes for another phone: the condition, and the extension the pop-up names.
      patch: (n) => {
        if (n.type === "asterisk-ami-in") for (const c of n.conditions as Msg[]) {
          if (c.field === "DestChannel") c.value = `^PJSIP/${extension}-`;
          if (c.field === "Exten") c.value = extension;
        }
        if (n.type === "change") for (const r of n.rules as Msg[]) r.to = String(r.to).replace('"extension": "6001"', `"extension": "${extension}"`);
      },
      ready: async () => {
        const socket = new WebSocket(helper.url().replace(/^http/, "ws") + "/ws/asterisk-callpop");
        ws = socket;
        socket.on("message", (data: Buffer) => received.push(JSON.parse(String(data))));
        await new Promise((resolve, reject) => {
          socket.once("open", resolve);
          socket.once("error", reject);
        });
      },
      done: () => ws?.close(),
    });
    return received;
  }

  it("05 call pop-up on real SIP calls: one pop-up, with the caller, when the phone rings; none for the calls it makes", async () => {
    // sip-internal-answered: Alice (6001) calls Bob (6002). Bob's phone pops up once (the example
    // used to pop twice: from Alice's own Newchannel for exten 6002, and from the DialBegin).
    const bob = await popupsFor("sip-internal-answered", "6002");
    assert.deepEqual(bob.map((p) => [p.event, p.callerNum, p.callerName, p.extension]), [["DialBegin", "6001", "Alice", "6002"]]);
    assert.match(bob[0].channel, /^PJSIP\/6002-/);
    assert.equal(bob[0].server, "PBX");
    assert.deepEqual(await popupsFor("sip-internal-answered"), [], "Alice made the call: no pop-up for 6001");
    // sip-ringgroup-inbound: the provider's caller rings 6001 and 6002.
    const inbound = await popupsFor("sip-ringgroup-inbound");
    assert.deepEqual(inbound.map((p) => [p.callerNum, p.callerName]), [["+4930123456", "Outside Caller"]]);
    assert.deepEqual(await popupsFor("sip-queue-answered"), [], "6001 called the queue");
  });

  it("06 queue status table: QueueStatus list becomes one row per queue", async () => {
    const nodes = readExample("06 - queue status table.json");
    const { flow, creds, modules } = prepare(nodes, pbx);
    await helper.load(modules, flow, creds);
    const [table, failed] = [collect("d06"), collect("d06b")];
    helper.getNode("n06").receive({});
    await waitFor(() => table.length + failed.length > 0, "the table");
    assert.equal(failed.length, 0, failed[0]?.error?.message);
    const rows = table[0].payload as Msg[];
    assert.ok(Array.isArray(rows));
    const byQueue = Object.fromEntries(rows.map((r) => [r.queue, r]));
    assert.deepEqual(Object.keys(byQueue).sort(), ["supportq", "testq"]);
    assert.deepEqual(byQueue.supportq.members, ["Agent One"]);
    assert.deepEqual(byQueue.testq.members, []);
    assert.equal(typeof byQueue.testq.waiting, "number");
  });

  it("07 mini IVR: a function node scripts AsyncAGIStart -> ANSWER -> STREAM FILE -> HANGUP, each awaiting its result", async () => {
    const nodes = readExample("07 - mini IVR with Async AGI.json");
    const { flow, creds, modules } = prepare(nodes, pbx);
    await helper.load(modules, flow, creds);
    const [done, failed] = [collect("d07"), collect("d07b")];
    await waitConnected(serverId(nodes));
    helper.getNode("n07").receive({});
    await waitFor(() => done.length + failed.length > 0, "the IVR to finish", 20000);
    assert.equal(failed.length, 0, failed[0]?.error?.message);
    assert.equal(done.length, 1);
    assert.equal(done[0].payload.code, 200);
    assert.equal(done[0].ami.action, "AGI");
    assert.equal(done[0].step, 3, "the script ran its three steps");
    const agi = pbx.actions.filter((a) => a.action.get("Action") === "AGI").map((a) => a.action.toObject());
    assert.deepEqual(agi.map((a) => a.Command), ["ANSWER", 'STREAM FILE hello-world ""', "HANGUP"]);
    assert.equal(new Set(agi.map((a) => a.Channel)).size, 1, "all on the channel from AsyncAGIStart");
    assert.match(String(agi[0].Channel), /^Local\/200@test-/);
  });

  it("07 mini IVR on a PBX without the sound: STREAM FILE's result=-1 is seen as a failure, the script warns and hangs up", async () => {
    const nodes = readExample("07 - mini IVR with Async AGI.json");
    const { flow, creds, modules } = prepare(nodes, pbx, (n) => {
      if (n.id === "f07") n.func = String(n.func).replace("STREAM FILE hello-world", "STREAM FILE no-such-sound");
    });
    assert.ok(flow.some((n) => String(n.func ?? "").includes("no-such-sound")));
    await helper.load(modules, flow, creds);
    const warnings: string[] = [];
    const script = helper.getNode("f07");
    script.warn = (text: unknown) => warnings.push(String(text));
    const [done, failed] = [collect("d07"), collect("d07b")];
    const before = pbx.actions.length;
    await waitConnected(serverId(nodes));
    helper.getNode("n07").receive({});
    await waitFor(() => done.length + failed.length > 0, "the IVR to finish", 20000);
    assert.equal(failed.length, 0, failed[0]?.error?.message);
    assert.deepEqual(warnings, ['STREAM FILE no-such-sound "": STREAM FILE failed (result=-1): the sound file could not be played (missing from the sounds directory?) or the channel hung up']);
    const agi = pbx.actions.slice(before).filter((a) => a.action.get("Action") === "AGI").map((a) => a.action.get("Command"));
    assert.deepEqual(agi, ["ANSWER", 'STREAM FILE no-such-sound ""', "HANGUP"], "hung up right after the failed step");
    assert.equal(done[0].payload.ok, true, "the HANGUP itself worked");
  });

  // ---- 08-12: calls and presence. Calls are placed as in test/simulator/call-paths.test.ts.

  async function dialler(): Promise<AmiClient> {
    const c = new AmiClient({ host: "127.0.0.1", port: pbx.port, username: "admin", secret: "amp111", keepaliveInterval: 0, events: "off" });
    c.connect();
    await waitFor(() => c.state === "ready", "the dialler's session");
    return c;
  }
  function place(c: AmiClient, channel: string, opts: { callerId?: string; talk?: number; timeoutMs?: number } = {}): Promise<unknown> {
    return c.send("Originate", {
      Channel: channel, Application: "Wait", Data: String(opts.talk ?? 4), CallerID: opts.callerId ?? '"Lena Hoffmann" <+4930555123>',
      Timeout: String(opts.timeoutMs ?? 30000), Async: "true",
    });
  }

  it("08 caller-ID notification: one message when 6001 rings, none for 6002 in the same ring group", async () => {
    const nodes = readExample("08 - caller-ID notification for one extension.json");
    const { flow, creds, modules } = prepare(nodes, pbx);
    await helper.load(modules, flow, creds);
    const [notes, steps] = [collect("d08"), collect("v08")];
    await waitConnected(serverId(nodes));
    const c = await dialler();
    try {
      await place(c, "Local/4930123400@from-pstn");
      await waitFor(() => notes.length === 1, "the notification");
      await sleep(300);
    } finally {
      await c.close();
    }
    assert.equal(steps.length, 1, "the calls node let only 6001's ringing through");
    assert.deepEqual(notes[0].payload, { extension: "6001", number: "+4930555123", name: "Lena Hoffmann", callId: notes[0].payload.callId, direction: "inbound" });
    assert.equal(notes[0].topic, "Call for 6001 from Lena Hoffmann <+4930555123>");
  });

  /** Example 09 for `extension` on real SIP calls played back: the alerts it raised. */
  async function missedCallAlerts(capture: string, extension = "6001"): Promise<string[]> {
    const [alerts] = await runOnSip("09 - missed-call alert.json", capture, ["d09"], {
      // What a user changes for another phone: the extension watched, and the one the alert names.
      patch: (n) => {
        if (n.type === "asterisk-ami-calls") n.extensions = [extension];
        if (n.type === "change") for (const r of n.rules as Msg[]) r.to = String(r.to).replace("Missed call for 6001", `Missed call for ${extension}`);
      },
    });
    return alerts.map((a) => String(a.payload));
  }

  it("04 and 10 call logs and 08 caller-ID notification on real SIP calls: a line per channel, a line per call, the notification for the phone rung", async () => {
    const [inbound] = await runOnSip("08 - caller-ID notification for one extension.json", "sip-ringgroup-inbound", ["d08"]);
    assert.deepEqual(
      inbound.map((m) => m.payload),
      [{ extension: "6001", number: "+4930123456", name: "Outside Caller", callId: inbound[0]?.payload.callId, direction: "inbound" }],
      "the trunk's caller, after its caller-ID change, ringing 6001 in the ring group",
    );
    for (const capture of ["sip-internal-answered", "sip-queue-answered", "sip-blind-transfer"]) {
      const [notes] = await runOnSip("08 - caller-ID notification for one extension.json", capture, ["d08"]);
      assert.deepEqual(notes, [], `${capture}: 6001 makes the call, its phone does not ring`);
    }
    // 04: one CSV line per hung-up channel, after its header: the two phones of a SIP call.
    const dir04 = fs.mkdtempSync(path.join(os.tmpdir(), "ami-sip-hangups-"));
    try {
      const file = path.join(dir04, "call-log.csv");
      await runOnSip("04 - call log to CSV.json", "sip-internal-answered", [], {
        patch: (n) => {
          if (n.type === "file" || n.type === "file in") n.filename = file;
        },
        ready: () => sleep(300),
      });
      const [header, ...rows] = fs.readFileSync(file, "utf8").trim().split("\n");
      assert.equal(header, "Linkedid,Uniqueid,Channel,CallerIDNum,CallerIDName,ConnectedLineNum,Exten,Cause,Cause-txt");
      assert.deepEqual(rows.map((r) => r.split(",").map((c, i) => (i === 2 ? c.replace(/-[0-9a-f]{8}$/, "") : c)).slice(2, 9).join(",")).sort(), [
        "PJSIP/6001,6001,Alice,6002,6002,16,Normal Clearing",
        "PJSIP/6002,6002,Bob,6001,,16,Normal Clearing",
      ]);
      assert.equal(new Set(rows.map((r) => r.split(",")[0])).size, 1, "both legs carry the call's Linkedid");
    } finally {
      fs.rmSync(dir04, { recursive: true, force: true });
    }

    const expected: Record<string, string[]> = {
      // direction, callerNumber, callerName, callee, answeredBy, disposition
      "sip-internal-answered": ["internal", "6001", "Alice", "6002", "6002", "ANSWERED"],
      "sip-internal-noanswer": ["internal", "6001", "Alice", "6002", "", "NO ANSWER"],
      // A ring group: the callee is the number called (the DID the trunk delivered), the members are dials.
      "sip-ringgroup-inbound": ["inbound", "+4930123456", "Outside Caller", "4930555100", "6002", "ANSWERED"],
      // A queue: the callee is the queue's number (not "Carol was called"), Carol answered.
      "sip-queue-answered": ["internal", "6001", "Alice", "700", "6003", "ANSWERED"],
      "sip-hold-resume": ["internal", "6001", "Alice", "6002", "6002", "ANSWERED"],
      "sip-blind-transfer": ["internal", "6001", "Alice", "6002", "6002", "ANSWERED"],
      "sip-dtmf": ["internal", "6001", "Alice", "6002", "6002", "ANSWERED"],
    };
    for (const [capture, want] of Object.entries(expected)) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ami-sip-log-"));
      const file = path.join(dir, "calls.csv");
      try {
        await runOnSip("10 - call log with durations.json", capture, ["d10"], {
          patch: (n) => {
            if (n.type === "file" || n.type === "file in") n.filename = file;
          },
          ready: () => sleep(300), // the header check, 0.1 s after the start
        });
        const [header, ...rows] = fs.readFileSync(file, "utf8").trim().split("\n");
        assert.match(header, /^start,callId,/);
        assert.equal(rows.length, 1, `${capture}: one line per call\n${rows.join("\n")}`);
        const cols = rows[0].split(",");
        assert.deepEqual([cols[2], cols[3], cols[4], cols[5], cols[6], cols[7]], want, `${capture}: ${rows[0]}`);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  it("09 missed-call alert on real SIP calls: only calls that rang the extension, never the calls it made", async () => {
    // sip-internal-noanswer: Alice (6001) calls Bob (6002), nobody answers. Bob missed a call; Alice did not.
    assert.deepEqual(await missedCallAlerts("sip-internal-noanswer"), [], "6001 made the call");
    const bob = await missedCallAlerts("sip-internal-noanswer", "6002");
    assert.equal(bob.length, 1, bob.join("\n"));
    assert.match(bob[0], /^Missed call for 6002 from Alice <6001>: NO ANSWER, rang [\d.]+ s, at /);
    // sip-queue-answered: Alice calls queue 700, Bob and Carol ring, Carol answers: nobody missed it.
    for (const ext of ["6001", "6002", "6003"]) assert.deepEqual(await missedCallAlerts("sip-queue-answered", ext), [], ext);
    // sip-ringgroup-inbound: 6001 and 6002 ring, 6002 answers: answered by a colleague, not missed.
    assert.deepEqual(await missedCallAlerts("sip-ringgroup-inbound"), []);
  });

  it("09 missed-call alert: a caller who gives up while 6001 rings is an alert, an answered call is not", async () => {
    const nodes = readExample("09 - missed-call alert.json");
    const { flow, creds, modules } = prepare(nodes, pbx);
    await helper.load(modules, flow, creds);
    const alerts = collect("d09");
    // The switch passes its message on and the next node replaces the payload: read it as it arrives.
    const endedCalls: string[] = [];
    helper.getNode("s09").on("input", (m: Msg) => endedCalls.push(m.payload.disposition));
    await waitConnected(serverId(nodes));
    const c = await dialler();
    try {
      await place(c, "Local/4930123400@from-pstn", { callerId: '"Answered" <+4930100>' });
      await waitFor(() => endedCalls.length === 1, "the answered call to end");
      // 6001 rings 2-4 s; the caller gives up after 1 s.
      await place(c, "Local/4930123400@from-pstn", { timeoutMs: 1000 });
      await waitFor(() => endedCalls.length === 2, "the abandoned call to end");
      await sleep(100);
    } finally {
      await c.close();
    }
    assert.deepEqual(endedCalls, ["ANSWERED", "CANCELLED"]);
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0].topic, "missed call");
    assert.match(alerts[0].payload, /^Missed call for 6001 from Lena Hoffmann <\+4930555123>: CANCELLED, rang [\d.]+ s, at \d{4}-\d\d-\d\dT/);
  });

  it("10 call log with durations: one CSV line per ended call, with disposition and times, after a header row", async () => {
    const nodes = readExample("10 - call log with durations.json");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ami-calls-log-"));
    const file = path.join(dir, "calls.csv");
    const { flow, creds, modules } = prepare(nodes, pbx, (n) => {
      if (n.type === "file" || n.type === "file in") n.filename = file;
    });
    await helper.load(modules, flow, creds);
    const lines = collect("d10");
    await waitConnected(serverId(nodes));
    await sleep(300); // the header check runs 0.1 s after the start
    const c = await dialler();
    try {
      await place(c, "Local/4930123400@from-pstn");
      await place(c, "Local/4930123402@from-pstn", { callerId: '"Nobody Home" <+4930999>' });
      await waitFor(() => lines.length === 2, "two CSV lines", 8000);
      await sleep(100);
    } finally {
      await c.close();
    }
    const rows = (await checkHeaderOnce(nodes, file, "start,callId,direction,callerNumber,callerName,callee,answeredBy,disposition,ringTime,talkTime,totalTime")).map((r) => r.split(","));
    fs.rmSync(dir, { recursive: true, force: true });
    assert.equal(rows.length, 2, "one line per call, not per channel");
    const byCaller = Object.fromEntries(rows.map((r) => [r[3], r]));
    const [start, callId, direction, , name, callee, answeredBy, disposition, ring, talk, total] = byCaller["+4930555123"];
    assert.match(start, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
    assert.match(callId, /^\d+\.\d+$/);
    // The lab's from-pstn rings 6001 and 6002 (a ring group): the callee is the number called.
    assert.deepEqual([direction, name, callee, answeredBy, disposition], ["inbound", "Lena Hoffmann", "4930123400", "6001", "ANSWERED"]);
    assert.ok(Number(talk) > 0 && Number(ring) >= 0 && Number(total) >= Number(talk), `${ring} ${talk} ${total}`);
    const missed = byCaller["+4930999"];
    assert.deepEqual([missed[5], missed[6], missed[7], missed[9]], ["6004", "", "NO ANSWER", "0"]);
  });

  it("11 presence panel on real SIP phones: 6001@phones and 6001@test are two entries; the call moves the phones' ones", async () => {
    const last = (got: Msg[]) => got[got.length - 1]?.payload;
    let panelsSoFar: Msg[] = [];
    const [panels] = await runOnSip("11 - presence panel data.json", "sip-presence", ["d11"], {
      ready: async () => {
        helper.getNode("k11").receive({});
        await waitFor(() => last(panelsSoFar) && Object.keys(last(panelsSoFar)).length === 5, "the panel from the snapshot (ExtensionStateList as this PBX answered it)");
        assert.deepEqual(Object.keys(last(panelsSoFar)).sort(), ["6001@phones", "6001@test", "6002@phones", "6002@test", "6003@phones"]);
      },
      collected: (got) => (panelsSoFar = got[0]),
    });
    const history = (id: string) => panels.map((m) => m.payload[id]?.state).filter((st, i, a) => st !== a[i - 1]);
    assert.deepEqual(history("6002@phones"), ["idle", "ringing", "in use", "idle"]);
    assert.deepEqual(history("6001@phones"), ["idle", "in use", "idle"]);
    assert.deepEqual([history("6001@test"), history("6002@test")], [["idle"], ["idle"]], "the Custom: hints never overwrite the phones'");
  });

  it("11 presence panel: the snapshot and then each change, one object keyed by extension@context", async () => {
    const nodes = readExample("11 - presence panel data.json");
    const { flow, creds, modules } = prepare(nodes, pbx);
    await helper.load(modules, flow, creds);
    const panels = collect("d11");
    await waitConnected(serverId(nodes));
    helper.getNode("k11").receive({});
    const last = () => panels[panels.length - 1]?.payload;
    await waitFor(() => last()?.["6001@test"]?.state === "idle" && last()?.["6002@test"]?.state === "idle", "the panel from the snapshot");
    assert.deepEqual(Object.keys(last()).sort(), ["6001@test", "6002@test"]);
    // (through JSON: the function node builds the object in its own realm)
    assert.deepEqual(JSON.parse(JSON.stringify(last()["6001@test"])), { exten: "6001", context: "test", state: "idle", since: last()["6001@test"].since });
    assert.equal(typeof last()["6001@test"].since, "number");
    const c = await dialler();
    try {
      await place(c, "Local/6001@phones", { talk: 10 });
      await waitFor(() => last()["6001@test"].state === "in use", "6001 in use on the panel");
      assert.equal(last()["6002@test"].state, "idle", "the other extensions stay in the object");
      await waitFor(() => last()["6001@test"].state === "idle", "6001 idle again", 8000);
    } finally {
      await c.close();
    }
    const seen = panels.map((m) => m.payload["6001@test"]?.state).filter((s, i, a) => s !== a[i - 1]);
    assert.deepEqual(seen.slice(-4), ["idle", "ringing", "in use", "idle"]);
  });

  it("12 AMI to MQTT bridge, end to end through a real MQTT broker: subscribers get the raw events, call steps and presence, a later one the retained presence", async () => {
    const nodes = readExample("12 - AMI to MQTT bridge.json");
    const broker = await startBroker();
    const clients: Subscriber[] = [];
    try {
      // The example's broker node says localhost:1883; the copy under test points at the test's broker.
      const { flow, creds, modules } = prepare(nodes, pbx, (n) => {
        if (n.type === "mqtt-broker") Object.assign(n, { broker: "127.0.0.1", port: String(broker.port) });
      });
      // Two live subscribers, one for the events and call steps, one for the retained presence: aedes
      // stores a retained message before it forwards it, so a later plain message can overtake it, and
      // its per-client dedupe then drops the retained one for a client that gets both
      // (moscajs/aedes#955, #994). With one subscriber on pbx/# the presence changes went missing.
      const events = await subscribe(broker.port, ["pbx/PBX/+", "pbx/PBX/calls/+"]);
      clients.push(events);
      const presence = await subscribe(broker.port, ["pbx/PBX/presence/#"]);
      clients.push(presence);
      await helper.load(modules, flow, creds);
      const published = collect("m12"); // what the mqtt out node is given
      await waitConnected(serverId(nodes));
      // mqtt out drops (does not queue) what it is given before its broker node is connected.
      const b12 = helper.getNode("b12");
      await waitFor(() => b12.connected === true, `the example's mqtt-broker node (${b12.broker}:${b12.port}) to connect to the test broker at 127.0.0.1:${broker.port}`);
      // The start (session events, the presence snapshot) may come before that: count from a quiet point.
      await settled(() => published.length + broker.received.length, "the flow's output at start");
      const [p0, b0] = [published.length, broker.received.length];
      // The lab's hints are in context "test": pbx/<server>/presence/<context>/<exten>.
      const states = (x: string) => presence.got.filter((m) => m.topic === `pbx/PBX/presence/test/${x}`).map((m) => json(m).state);
      const c = await dialler();
      try {
        await place(c, "Local/4930123400@from-pstn");
        await waitFor(() => events.got.some((m) => m.topic === "pbx/PBX/calls/ended"), "pbx/PBX/calls/ended at the subscriber", 8000);
        await waitFor(() => states("6001").includes("in use") && states("6001").at(-1) === "idle", "6001 idle again after the call at the presence subscriber", 8000);
      } finally {
        await c.close();
      }

      // The call's last events trail its end, and each hop (flow, broker, subscribers) lags the one
      // before: wait until they agree, then read them all at one instant (no await below until the
      // late subscriber). If they never agree, the assertions say how they differ.
      const isPresence = (m: Msg | Received) => String(m.topic).includes("/presence/");
      const ofKind = (presenceOnly: boolean, msgs: Array<Msg | Received>) => msgs.filter((m) => isPresence(m) === presenceOnly).map((m) => m.topic).join(" ");
      const agree = () =>
        [true, false].every((k) => ofKind(k, broker.received.slice(b0)) === ofKind(k, published.slice(p0))) && events.got.length + presence.got.length === broker.received.length;
      await settled(() => published.length, "the flow's output after the call");
      await waitFor(agree, "the broker and the subscribers to have what the flow published").catch(() => undefined);

      // What the flow hands to mqtt out: the topics and the retain flag the change nodes set.
      const topics = published.map((m) => m.topic);
      for (const t of ["pbx/PBX/Newchannel", "pbx/PBX/DialBegin", "pbx/PBX/Hangup", "pbx/PBX/calls/answered", "pbx/PBX/presence/test/6002"]) assert.ok(topics.includes(t), `${t} in ${[...new Set(topics)].join(" ")}`);
      // The events people build on, not the PBX's chatter (VarSet was half of a real SIP call's messages).
      const chatter = topics.filter((t) => /^pbx\/PBX\/(VarSet|Newexten|RTCPSent|RTCPReceived|DeviceStateChange|ExtensionStatus)$/.test(t));
      assert.deepEqual(chatter, [], "no chatter bridged by default");
      assert.deepEqual(topics.filter((t) => t.startsWith("pbx/PBX/calls/")), ["pbx/PBX/calls/ringing", "pbx/PBX/calls/ringing", "pbx/PBX/calls/answered", "pbx/PBX/calls/ended"]);
      assert.ok(published.filter(isPresence).every((m) => m.retain === true), "presence is handed over retained");
      assert.ok(published.filter((m) => !isPresence(m)).every((m) => m.retain === false), "events and calls are handed over not retained");

      // What reached the broker from Node-RED: every message of the call, QoS 0 (the mqtt out
      // node's), retained exactly when the flow said so; in order within each kind (aedes reports a
      // retained message once stored, after plain ones that came in behind it).
      for (const k of [true, false]) {
        assert.equal(ofKind(k, broker.received.slice(b0)), ofKind(k, published.slice(p0)), `the broker got the ${k ? "presence" : "events and calls"} mqtt out was given during the call, in order`);
      }
      for (const p of broker.received) {
        assert.equal(p.qos, 0, `${p.topic} QoS`);
        assert.equal(p.retain, isPresence(p), `${p.topic} retain flag`);
      }

      // The live subscribers: each message once, in order, byte for byte what the broker got.
      assert.deepEqual(events.got, broker.received.filter((m) => !isPresence(m)).map((m) => ({ ...m, retain: false })), "the events subscriber got every event and call step");
      assert.deepEqual(presence.got, broker.received.filter(isPresence).map((m) => ({ ...m, retain: false })), "the presence subscriber got every presence change");
      const raw = json(events.got.find((m) => m.topic === "pbx/PBX/Newchannel"));
      assert.equal(raw.Event, "Newchannel", "an event's payload: its headers as JSON");
      assert.match(raw.Channel, /^Local\/4930123400@from-pstn/);
      const ended = json(events.got.find((m) => m.topic === "pbx/PBX/calls/ended"));
      assert.deepEqual([ended.state, ended.direction, ended.disposition], ["ended", "inbound", "ANSWERED"], "a call step's payload: the call as JSON");
      assert.deepEqual(states("6001").slice(-3), ["ringing", "in use", "idle"]);

      // A subscriber that connects after it all: the broker hands it the retained presence (the
      // last state of each extension, retain flag set), and nothing of the events or calls.
      const late = await subscribe(broker.port, ["pbx/#"]);
      clients.push(late);
      await waitFor(() => ["6001", "6002"].every((x) => late.got.some((m) => m.topic === `pbx/PBX/presence/test/${x}`)), "the retained presence of 6001 and 6002 at a subscriber that connected afterwards");
      await sleep(200);
      assert.deepEqual(late.got.map((m) => m.topic).sort(), ["pbx/PBX/presence/test/6001", "pbx/PBX/presence/test/6002"], "only presence is retained, one message per extension@context");
      for (const m of late.got) {
        assert.equal(m.retain, true, `${m.topic} arrives flagged retained`);
        const p = json(m);
        assert.deepEqual([p.kind, p.context, p.exten, p.state], ["extension", ...m.topic.split("/").slice(-2), "idle"], `${m.topic} carries the extension's current state`);
      }
    } finally {
      for (const s of clients) await s.end();
      await helper.unload(); // Node-RED's MQTT client goes before the broker does
      await broker.close();
    }
  });

  // ---- 13, 14: the queue wallboards, on the simulated PBX's call centre (no random traffic).

  interface Board {
    tiles: Msg[];
    agents: Msg[];
    calls: Msg[];
  }

  /**
   * What a wallboard shows as the call centre moves: the board from the snapshot at start, a caller
   * who joins sales and abandons, a support caller answered by an agent, an agent who pauses.
   * `board` reads what last reached the widgets (13) or the page (14).
   */
  async function wallboardScenario(board: () => Board | undefined): Promise<void> {
    const centre = pbx.callCentre!;
    // (through JSON: the function node builds the board in its own realm)
    const read = (): Board | undefined => {
      const b = board();
      return b && JSON.parse(JSON.stringify(b));
    };
    const tile = (queue: string) => read()?.tiles.find((t) => t.queue === queue);
    const agent = (queue: string, name: string) => read()?.agents.find((a) => a.queue === queue && a.agent === name);
    const call = (from: string) => read()?.calls.find((c) => c.from === from);
    await waitFor(() => tile("sales") !== undefined && agent("support", "Nina Hahn") !== undefined, "the board from the snapshot at start", 8000);
    assert.deepEqual(read()!.tiles.map((t) => t.queue), ["sales", "support", "supportq", "testq"], "a tile per queue, by name");
    const fresh = { waiting: 0, longestWaitSince: null, answered: 0, abandoned: 0, serviceLevelPct: null, complete: true };
    assert.deepEqual({ ...tile("sales"), queue: undefined }, { queue: undefined, ...fresh, serviceLevel: 20, available: 4, loggedIn: 4 });
    assert.deepEqual({ ...tile("support"), queue: undefined }, { queue: undefined, ...fresh, serviceLevel: 30, available: 6, loggedIn: 6 });
    assert.deepEqual(read()!.agents.filter((a) => a.queue === "sales").map((a) => [a.agent, a.state, a.colour]), [
      ["Julia Roth", "available", "#16a34a"],
      ["Lisa Bauer", "available", "#16a34a"],
      ["Max Vogel", "available", "#16a34a"],
      ["Tom Meyer", "available", "#16a34a"],
    ]);
    assert.deepEqual(read()!.calls, []);

    const t0 = Date.now();
    const lena = await centre.join("sales", { callerIdNum: "+4930555123", callerIdName: "Lena Hoffmann" });
    await waitFor(() => tile("sales")?.waiting === 1 && call("Lena Hoffmann +4930555123") !== undefined, "sales: 1 waiting, Lena in the live calls");
    const since = tile("sales")!.longestWaitSince;
    assert.ok(since >= t0 - 1000 && since <= Date.now(), `the longest wait counts from the join (${since - t0} ms)`);
    assert.deepEqual({ ...call("Lena Hoffmann +4930555123"), since: 0 }, { from: "Lena Hoffmann +4930555123", to: "sales", status: "waiting in sales", agent: "", since: 0 });

    await centre.abandon(lena.uniqueid);
    await waitFor(() => tile("sales")?.abandoned === 1 && call("Lena Hoffmann +4930555123") === undefined, "sales: 1 abandoned, Lena gone from the live calls");
    assert.deepEqual([tile("sales")!.waiting, tile("sales")!.longestWaitSince, tile("sales")!.serviceLevelPct], [0, null, 0]);

    // A caller in a queue nobody answers (testq has no members): no call step at all, still a live call.
    const noah = await centre.join("testq", { callerIdNum: "+4930555129", callerIdName: "Noah Braun" });
    await waitFor(() => call("Noah Braun +4930555129")?.status === "waiting in testq", "Noah waiting in testq in the live calls");
    await centre.abandon(noah.uniqueid);
    await waitFor(() => call("Noah Braun +4930555129") === undefined && tile("testq")?.abandoned === 1, "Noah gone");

    const jonas = await centre.join("support", { callerIdNum: "+4930555124", callerIdName: "Jonas Wagner" });
    await centre.answer(jonas.uniqueid, "Local/2101@agents");
    await waitFor(() => tile("support")?.answered === 1 && call("Jonas Wagner +4930555124")?.status === "talking", "support: 1 answered, Jonas talking");
    assert.deepEqual([tile("support")!.waiting, tile("support")!.serviceLevelPct], [0, 100], "answered at once: within the service level");
    assert.equal(agent("support", "Nina Hahn")!.state, "in a call");
    assert.equal(call("Jonas Wagner +4930555124")!.agent, "Nina Hahn", "who answered, by the member's name (the channel is Local/2101@agents-…)");

    centre.pause("sales", "Local/2001@agents", "lunch");
    await waitFor(() => agent("sales", "Lisa Bauer")?.state === "paused", "Lisa Bauer paused");
    assert.deepEqual([agent("sales", "Lisa Bauer")!.reason, agent("sales", "Lisa Bauer")!.colour], ["lunch", "#dc2626"]);
    await waitFor(() => tile("sales")?.available === 3, "sales: one agent fewer available");
  }

  /**
   * GET from the flows' HTTP routes (http in): the test helper keeps them in an express app of their
   * own (its RED.httpNode) that no server listens on; one is started for the request.
   */
  async function httpNodeGet(urlPath: string): Promise<{ status: number; type: string; body: string }> {
    const app = helper._registryUtil.createNodeApi({}).httpNode;
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as net.AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}${urlPath}`);
      return { status: res.status, type: res.headers.get("content-type") ?? "", body: await res.text() };
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }

  async function callCentrePbx(): Promise<void> {
    await pbx.close();
    pbx = await startPbx({ port: 0, timeScale: 0.05, callCentre: { traffic: false } });
  }

  it("13 queue wallboard on Dashboard 2.0: the tile, agents' table and live calls widgets get the call centre's numbers as it moves", async () => {
    await callCentrePbx();
    const nodes = readExample("13 - queue wallboard (Dashboard 2.0).json");
    const { flow, creds, modules } = prepare(nodes, pbx);
    await helper.load(modules, flow, creds);
    const [tiles, agents, calls] = [collect("t13"), collect("a13"), collect("l13")];
    await waitConnected(serverId(nodes));
    await wallboardScenario(() => tiles.length && agents.length ? { tiles: tiles[tiles.length - 1].payload.tiles, agents: agents[agents.length - 1].payload, calls: calls[calls.length - 1]?.payload ?? [] } : undefined);
    assert.ok(tiles.every((m) => typeof m.payload.at === "number"), "the tiles carry the host's time (the page counts waits on its clock)");
  });

  it("14 queue wallboard with core nodes: the page is served self-contained, and what it receives over the websocket follows the call centre", async () => {
    await callCentrePbx();
    const nodes = readExample("14 - queue wallboard (core nodes).json");
    const { flow, creds, modules } = prepare(nodes, pbx);
    await helper.load(modules, flow, creds);
    const page = await httpNodeGet("/queue-wallboard");
    assert.equal(page.status, 200);
    assert.match(page.type, /^text\/html/);
    assert.match(page.body, /<title>Queue wallboard<\/title>/);
    // No CDN: nothing loaded from another host (many PBX networks have no internet).
    assert.doesNotMatch(page.body, /(src|href)\s*=\s*["']?(https?:)?\/\/|@import|url\(/i);
    const WebSocket = require("ws");
    const socket = new WebSocket(helper.url().replace(/^http/, "ws") + "/ws/queue-wallboard");
    const received: Board[] = [];
    socket.on("message", (data: Buffer) => received.push(JSON.parse(String(data))));
    try {
      await new Promise((resolve, reject) => {
        socket.once("open", resolve);
        socket.once("error", reject);
      });
      await waitConnected(serverId(nodes));
      socket.send("hello"); // as the page does on each (re)connect
      await waitFor(() => received.length > 0, "the board in answer to hello");
      await wallboardScenario(() => received[received.length - 1]);
    } finally {
      socket.close();
    }
  });
});
