import * as assert from "node:assert/strict";
import * as path from "node:path";
import { inspect } from "node:util";
import { startPbx } from "../../simulator";
import { ADMIN, ROOT, TAB as tab, amiAction, amiIn, catchFor, collect, helper, server, sink, sleep, statusesOf, waitConnected, waitFor } from "../nodes/harness";
import { allLogText, debugNode, logged, nodes } from "./support";
import { clientOf, statusOf } from "../helpers/seam";

type Pbx = Awaited<ReturnType<typeof startPbx>>;

/** Header injection, action switching and secrets, through the nodes against the simulated PBX. */
describe("reliability: security", function () {
  this.timeout(30000);
  let pbx: Pbx;

  afterEach(async () => {
    await helper.unload();
    await pbx.close();
  });

  it("injection: CR/LF + 'Action: Originate' in values, keys, Variable entries, ActionID or the action name never reaches the PBX as an action; a node fixed to one action cannot be switched", async () => {
    pbx = await startPbx({ port: 0, timeScale: 0.05 });
    const inject = "\r\nAction: Originate\r\nChannel: Local/100@test\r\nApplication: System\r\nData: touch /tmp/pwned\r\n";
    const flow = [
      tab,
      server("s1", pbx.port),
      amiAction("ue", "s1", { action: "UserEvent", fields: [{ name: "UserEvent", value: "Safe", type: "str" }, { name: "Body", value: "body", type: "msg" }] }, ["out"]),
      amiAction("ping", "s1", { action: "Ping" }, ["out"]),
      amiAction("any", "s1", { actionSource: "msg", action: "" }, ["out"]),
      catchFor("catch", ["ue", "ping", "any"], "caught"),
      sink("out"),
      sink("caught"),
    ];
    await helper.load(nodes(), flow, { s1: ADMIN });
    const [out, caught] = [collect("out"), collect("caught")];
    await waitConnected("s1");
    const refused: Array<[string, string, Record<string, unknown>, RegExp]> = [
      ["value", "ue", { payload: { Foo: `a${inject}` } }, /header "Foo" contains a CR, LF or NUL character \(it would inject AMI headers\)/],
      ["value, bare LF", "ue", { payload: { Foo: "a\nAction: Originate" } }, /header "Foo" contains a CR, LF or NUL/],
      ["value, bare CR", "ue", { payload: { Foo: "a\rAction: Originate" } }, /header "Foo" contains a CR, LF or NUL/],
      ["value, NUL", "ue", { payload: { Foo: "a\0Action: Originate" } }, /header "Foo" contains a CR, LF or NUL/],
      ["value ending the action early", "ue", { payload: { Foo: "a\r\n\r\nAction: Originate\r\nChannel: Local/1@test\r\n\r\n" } }, /header "Foo" contains a CR, LF or NUL/],
      ["array value", "ue", { payload: { Foo: ["ok", `b${inject}`] } }, /header "Foo" contains a CR, LF or NUL/],
      ["key", "ue", { payload: { [`Foo${inject}X`]: "1" } }, /header name .* contains a colon, space or control character/],
      ["key with a colon", "ue", { payload: { "Action: Originate": "1" } }, /header name .* contains a colon, space or control character/],
      ["Variable value", "ue", { payload: { Variable: { A: `1${inject}` } } }, /header "Variable\.A" contains a CR, LF or NUL/],
      ["Variable name", "ue", { payload: { Variable: { [`A${inject}B`]: "1" } } }, /a variable name in "Variable" contains a CR, LF or NUL character/],
      ["Variable entry in a list", "ue", { payload: { Variable: ["A=1", `B=2${inject}`] } }, /header "Variable" contains a CR, LF or NUL/],
      // Asterisk splits Variable headers on commas: a second variable (here a dialplan function) would be set.
      ["Variable value with a comma", "ue", { payload: { Variable: { NOTE: "hi,CALLERID(name)=Boss" } } }, /variable "NOTE" in "Variable" contains a comma/],
      ["typed field from msg", "ue", { payload: {}, body: `x${inject}` }, /header "Body" contains a CR, LF or NUL/],
      ["action name from msg", "any", { payload: { Action: `Ping${inject}` } }, /invalid action: header "Action" contains a CR, LF or NUL character/],
      ["fixed node, payload.Action", "ping", { payload: { Action: "Originate", Channel: "Local/100@test", Application: "System", Data: "id" } }, /msg\.payload\.Action "Originate" differs from this node's action "Ping"/],
      ["fixed node, other case and spaces", "ping", { payload: { ACTION: " originate " } }, /differs from this node's action "Ping"/],
      ["fixed node, Command", "ping", { payload: { action: "Command", Command: "core stop now" } }, /differs from this node's action "Ping"/],
    ];
    for (const [, id, msg] of refused) helper.getNode(id).receive(msg);
    await waitFor(() => caught.length + out.length >= refused.length, `${refused.length} outcomes`);
    await sleep(50);
    assert.equal(out.length, 0, `nothing was answered: ${out.map((m) => m.ami?.action).join(", ")}`);
    assert.equal(caught.length, refused.length);
    for (const [what, id, , why] of refused) {
      const c = caught.find((m) => m.error.source.id === id && why.test(m.error.message));
      assert.ok(c, `${what}: Catch says why (${caught.filter((m) => m.error.source.id === id).map((m) => m.error.message).join(" | ")})`);
      assert.match(String(c.ami.error), /^ERR_AMI_INVALID_(ACTION|INPUT)$/);
    }
    // Not refused, and still no extra action: an ActionID from the message is ignored, msg.topic means nothing.
    const actionsBefore = pbx.actions.length;
    helper.getNode("ue").receive({ payload: { ActionID: `1${inject}`, Foo: "fine" }, body: "b" });
    helper.getNode("ping").receive({ payload: {}, topic: "Originate", action: "Originate" });
    await waitFor(() => out.length === 2, "the two harmless messages answered");
    await sleep(100);
    const names = pbx.actions.map((a) => String(a.action.get("Action")));
    assert.ok(!names.some((n) => /originate/i.test(n)), `the PBX received: ${names.join(", ")}`);
    assert.deepEqual(names.slice(actionsBefore).sort(), ["Ping", "UserEvent"], "exactly the two harmless actions, nothing before them");
    assert.deepEqual(names.slice(0, actionsBefore), ["Login"], "nothing from the refused messages");
    const ue = pbx.actions.slice(actionsBefore).find((a) => a.action.get("Action") === "UserEvent")!.action;
    assert.ok(!/Originate/.test(String(ue.get("ActionID"))), "the ActionID is the client's own");
    assert.equal(ue.getAll("Action").length, 1);
  });

  it("secrets: never in logs (any level), node status, errors, Catch, debug output, the exported flow, the admin API or the catalog endpoint", async () => {
    const secret = "Sup3r-S3cret-AMI-Value";
    const wrong = "An0ther-Wr0ng-S3cret";
    pbx = await startPbx({ port: 0, timeScale: 0.05, authFailDelayMs: 20, users: [{ username: "nodered", secret, read: ["all"], write: ["all"] }] });
    pbx.setRefuseLogins(true); // first the PBX refuses the right secret: auth failure, retries
    const debug = (id: string, wire = false) => ({ id, type: "debug", z: "t1", x: 0, y: 0, name: "", active: true, tosidebar: true, console: true, tostatus: true, complete: "true", targetType: "full", statusVal: "", statusType: "auto", wires: wire ? [] : [] });
    const flow = [
      tab,
      server("s1", pbx.port, { authType: "md5", keepalive: 0.2 }),
      server("s2", pbx.port, { authType: "plain" }),
      amiIn("events", "s1", {}, ["dbg"]),
      amiIn("events2", "s2", {}, ["dbg"]),
      amiAction("ping", "s1", { action: "Ping" }, ["dbg"]),
      amiAction("cmd", "s1", { action: "Command", fields: [{ name: "Command", value: "no such command", type: "str" }] }, ["dbg"]),
      amiAction("bad", "s1", { action: "UserEvent" }, ["dbg"]),
      amiAction("never", "s2", { action: "Ping", timeout: "0.2" }, ["dbg"]),
      catchFor("catch", ["ping", "cmd", "bad", "never"], "dbg"),
      { id: "status", type: "status", z: "t1", x: 0, y: 0, scope: null, wires: [["dbg"]] },
      debug("dbg"),
    ];
    const published: unknown[] = [];
    const onComms = (m: unknown) => published.push(m);
    helper._events.on("comms", onComms);
    try {
      helper.settings({ logging: { console: { level: "trace" } } });
      await helper.load(nodes(debugNode), flow, { s1: { username: "nodered", secret }, s2: { username: "nodered", secret: wrong } });
      await waitFor(() => statusesOf("events").some((s) => /^auth failed/.test(String(s.text))), "auth failed with the right secret refused");
      pbx.setRefuseLogins(false);
      await waitConnected("s1");
      const caughtBefore = published.length;
      helper.getNode("ping").receive({ payload: {} });
      helper.getNode("cmd").receive({ payload: {} });
      helper.getNode("bad").receive({ payload: { UserEvent: "x", Foo: "a\r\nb" } });
      helper.getNode("never").receive({ payload: {} });
      pbx.emitEvent({ Event: "UserEvent", UserEvent: "Hello" });
      await waitFor(() => published.length - caughtBefore >= 5, "debug output");
      pbx.dropAll(); // a lost session, then a reconnect
      await sleep(100);
      await waitConnected("s1");
      pbx.setHalfOpen(true); // a keepalive failure
      await waitFor(() => logged("warn", "s1").some((l) => /keepalive/.test(l)), "a keepalive failure", 8000);
      pbx.setHalfOpen(false);
      await waitConnected("s1");
      // What the editor can fetch: the flows (through Node-RED's own admin handlers), the node's
      // credentials as the editor sees them, and the catalog.
      const nrDir = path.dirname(require.resolve("node-red/package.json", { paths: [ROOT] }));
      const req = (m: string) => require(require.resolve(m, { paths: [nrDir] }));
      const runtimeFlows = req("@node-red/runtime/lib/api/flows");
      const redNodes = helper._redNodes;
      runtimeFlows.init({
        log: { audit: () => undefined },
        flows: { getFlows: () => redNodes.getFlows() },
        nodes: { getCredentials: (id: string) => redNodes.getCredentials(id), getCredentialDefinition: (t: string) => redNodes.getCredentialDefinition(t) },
      });
      const adminFlows = req("@node-red/editor-api/lib/admin/flows");
      adminFlows.init({ flows: runtimeFlows });
      const editorCreds = req("@node-red/editor-api/lib/editor/credentials");
      editorCreds.init({ flows: runtimeFlows });
      helper._httpAdmin.get("/flows", adminFlows.get);
      helper._httpAdmin.get("/credentials/:type/:id", editorCreds.get);
      const flows = await helper.request().get("/flows").set("Node-RED-API-Version", "v2").expect(200);
      assert.ok(flows.body.flows.some((n: any) => n.id === "s1"), "the flows API answers");
      const creds = await helper.request().get("/credentials/asterisk-ami-server/s1").expect(200);
      assert.deepEqual(creds.body, { username: "nodered", has_secret: true });
      const catalog = await helper.request().get("/asterisk-ami/catalog").expect(200);
      const everything = [
        allLogText(),
        inspect(statusesOf("events"), { depth: 5 }),
        ...["events", "events2", "ping", "cmd", "bad", "never"].map((id) => inspect(statusesOf(id), { depth: 5 })),
        inspect(published, { depth: 10 }),
        JSON.stringify(redNodes.getFlows()),
        JSON.stringify(flows.body),
        JSON.stringify(creds.body),
        JSON.stringify(catalog.body),
        inspect(statusOf(helper.getNode("s1").connection), { depth: 4 }),
        inspect(clientOf(helper.getNode("s1").connection), { depth: 4 }),
        inspect(helper.getNode("s1").connection, { depth: 4 }),
      ].join("\n");
      const debugMessages = published.filter((p: any) => p.topic === "debug");
      assert.ok(debugMessages.length >= 5, "the debug node published messages");
      assert.ok(debugMessages.some((p: any) => /ERR_AMI_INVALID_ACTION/.test(JSON.stringify(p))), "a Catch message reached the debug sidebar");
      assert.ok(debugMessages.some((p: any) => /ERR_AMI_TIMEOUT/.test(JSON.stringify(p))), "the never-connected server's timeout too");
      assert.ok(/authentication failed for user \\?"nodered\\?"/.test(everything), "the auth failures were logged");
      for (const s of [secret, wrong]) {
        const parts = everything.split("\n").filter((l) => l.includes(s));
        assert.ok(parts.length === 0, `the secret ${s} appears in: ${parts.slice(0, 3).join(" / ").slice(0, 600)}`);
      }
    } finally {
      helper._events.off("comms", onComms);
      helper.settings({});
    }
  });
});
