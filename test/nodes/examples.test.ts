import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { AmiClient } from "../../src/ami";
import { startPbx } from "../../simulator";
import { ADMIN, Msg, ROOT, amiNodes, collect, helper, sleep, waitConnected, waitFor } from "./harness";

/**
 * Every example flow (examples/, shown in Import > Examples) loads in the test runtime with no
 * missing node type, and its automation runs against the simulated PBX. Debug nodes are swapped
 * for helper nodes with the same ids, so the assertions read what the user would see in the
 * debug sidebar.
 */

type Pbx = Awaited<ReturnType<typeof startPbx>>;

const CORE = path.join(path.dirname(require.resolve("@node-red/nodes/package.json")), "core");
const core = (file: string) => require(path.join(CORE, file));
const CORE_NODES: Record<string, unknown> = {
  inject: core("common/20-inject.js"),
  comment: core("common/90-comment.js"),
  change: core("function/15-change.js"),
  csv: core("parsers/70-CSV.js"),
  file: core("storage/10-file.js"),
  "websocket out": core("network/22-websocket.js"),
};
const OURS = new Set(["asterisk-ami-server", "asterisk-ami-in", "asterisk-ami-action"]);
// catch is loaded by the helper itself; debug becomes the helper node.
const PROVIDED = new Set(["catch", "debug", "websocket-listener"]);
const CONFIG_TYPES = new Set(["asterisk-ami-server", "websocket-listener"]);

const EXAMPLES_DIR = path.join(ROOT, "examples");

function readExample(file: string): Msg[] {
  return JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, file), "utf8"));
}

/** The example as a test flow: on a tab, debug nodes as helper nodes, the server pointed at the PBX. */
function prepare(nodes: Msg[], pbx: Pbx, patch: (n: Msg) => void = () => undefined): { flow: Msg[]; creds: Record<string, unknown>; modules: unknown[] } {
  const flow: Msg[] = [{ id: "tab", type: "tab", label: "example" }];
  const creds: Record<string, unknown> = {};
  const modules = new Set<unknown>(amiNodes);
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
    const mod = CORE_NODES[n.type];
    if (mod) modules.add(mod);
    else if (!OURS.has(n.type) && !PROVIDED.has(n.type) && n.type !== "helper") throw new Error(`example uses node type ${n.type} that the test does not load`);
    patch(n);
    flow.push(n);
  }
  return { flow, creds, modules: [...modules] };
}

function serverId(nodes: Msg[]): string {
  return nodes.find((n) => n.type === "asterisk-ami-server")!.id;
}

describe("example flows", function () {
  this.timeout(30000);
  let pbx: Pbx;

  before(async () => {
    await helper.startServer();
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

  it("every example uses only core nodes and ours, explains itself in a comment, and loads with nothing missing", async () => {
    assert.ok(files.length >= 7, `${files.length} examples`);
    for (const file of files) {
      const nodes = readExample(file);
      assert.ok(nodes.some((n) => n.type === "comment" && String(n.info ?? "").length > 40), `${file} has an explaining comment`);
      assert.equal(nodes.filter((n) => n.type === "asterisk-ami-server").length, 1, `${file} has one server node`);
      assert.ok(!JSON.stringify(nodes).includes("amp111"), `${file} carries no secret`);
      const { flow, creds, modules } = prepare(nodes, pbx);
      await helper.load(modules, flow, creds);
      for (const n of nodes) assert.ok(helper.getNode(n.id), `${file}: node ${n.id} (${n.type}) is running`);
      await helper.unload();
    }
    const both = new Set(files.flatMap((f) => readExample(f).map((n) => n.type)));
    for (const t of OURS) assert.ok(both.has(t), `an example uses ${t}`);
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

  it("03 click-to-call: async Originate, result from its own OriginateResponse", async () => {
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
    assert.equal(sent[0].Channel, "Local/100@test");
    assert.equal(sent[0].Exten, "100");
  });

  it("04 call log: a real call's Hangup events become CSV lines in the file", async () => {
    const nodes = readExample("04 - call log to CSV.json");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ami-calllog-"));
    const file = path.join(dir, "call-log.csv");
    const { flow, creds, modules } = prepare(nodes, pbx, (n) => {
      if (n.type === "file") n.filename = file;
    });
    await helper.load(modules, flow, creds);
    const lines = collect("d04");
    await waitConnected(serverId(nodes));
    const caller = new AmiClient({ host: "127.0.0.1", port: pbx.port, username: "admin", secret: "amp111", keepaliveInterval: 0 });
    caller.connect();
    try {
      await caller.send("Originate", { Channel: "Local/100@test", Application: "Wait", Data: "1", Async: "true" }, { waitForResult: true });
      await waitFor(() => lines.length >= 2, "two Hangup lines (both Local legs)", 15000);
    } finally {
      await caller.close();
    }
    await sleep(100);
    const text = fs.readFileSync(file, "utf8");
    const rows = text.trim().split("\n");
    assert.ok(rows.length >= 2, text);
    for (const row of rows) {
      const cols = row.split(",");
      assert.equal(cols.length, 9, row);
      assert.match(cols[2], /^Local\/100@test-/, row);
      assert.match(cols[0], /^\d+\.\d+$/, "Linkedid first");
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("05 call pop-up: DialBegin/Newchannel for 6001 pushed to a websocket client", async () => {
    const nodes = readExample("05 - call pop-up over websocket.json");
    const { flow, creds, modules } = prepare(nodes, pbx);
    await helper.load(modules, flow, creds);
    const popups = collect("d05");
    await waitConnected(serverId(nodes));
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const WebSocket = require("ws");
    const url = helper.url().replace(/^http/, "ws") + "/ws/asterisk-callpop";
    const ws = new WebSocket(url);
    const received: Msg[] = [];
    ws.on("message", (data: Buffer) => received.push(JSON.parse(String(data))));
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    try {
      pbx.emitEvent({ Event: "DialBegin", Channel: "PJSIP/trunk-00000001", CallerIDNum: "004930123456", CallerIDName: "Alice", Linkedid: "1795664509.1", DestChannel: "PJSIP/6001-00000002", DestExten: "6001" });
      pbx.emitEvent({ Event: "DialBegin", Channel: "PJSIP/trunk-00000003", CallerIDNum: "555", CallerIDName: "Bob", Linkedid: "1795664509.3", DestChannel: "PJSIP/6002-00000004", DestExten: "6002" });
      pbx.emitEvent({ Event: "Newchannel", Channel: "PJSIP/trunk-00000005", CallerIDNum: "777", CallerIDName: "Carol", Exten: "6001", Linkedid: "1795664509.5" });
      await waitFor(() => received.length === 2, "two pop-ups on the websocket");
    } finally {
      ws.close();
    }
    assert.deepEqual(received.map((p) => [p.event, p.callerNum, p.callerName]), [["DialBegin", "004930123456", "Alice"], ["Newchannel", "777", "Carol"]]);
    assert.equal(received[0].channel, "PJSIP/6001-00000002");
    assert.equal(received[0].server, "PBX");
    assert.equal(popups.length, 2);
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

  it("07 mini IVR: AsyncAGIStart -> ANSWER -> STREAM FILE -> HANGUP, each awaiting its result", async () => {
    const nodes = readExample("07 - mini IVR with Async AGI.json");
    const { flow, creds, modules } = prepare(nodes, pbx);
    await helper.load(modules, flow, creds);
    const [done, failed] = [collect("d07"), collect("d07b")];
    await waitConnected(serverId(nodes));
    helper.getNode("n07").receive({});
    await waitFor(() => done.length + failed.length > 0, "the IVR to finish", 20000);
    assert.equal(failed.length, 0, failed[0]?.error?.message);
    assert.equal(done[0].payload.code, 200);
    assert.equal(done[0].ami.action, "AGI");
    const agi = pbx.actions.filter((a) => a.action.get("Action") === "AGI").map((a) => a.action.toObject());
    assert.deepEqual(agi.map((a) => a.Command), ["ANSWER", 'STREAM FILE hello-world ""', "HANGUP"]);
    assert.equal(new Set(agi.map((a) => a.Channel)).size, 1, "all on the channel from AsyncAGIStart");
    assert.match(String(agi[0].Channel), /^Local\/200@test-/);
  });
});
