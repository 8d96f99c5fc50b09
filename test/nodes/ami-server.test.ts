import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { startPbx } from "../../simulator";
import { ADMIN, ROOT, TAB as tab, amiAction, amiIn, amiNodes, catchFor, sink, calls, connectionOf, helper, lastStatus, node, server, sleep, statusesOf, waitConnected, waitFor } from "./harness";

type Pbx = Awaited<ReturnType<typeof startPbx>>;

const hangups = (id: string, serverId = "s1") => amiIn(id, serverId, { names: ["Hangup"] });

/** Resolves to the time a full stop of the flows took. */
async function timedUnload(): Promise<number> {
  const t0 = Date.now();
  await helper.unload();
  return Date.now() - t0;
}

describe("asterisk-ami-server config node", function () {
  this.timeout(20000);
  let pbx: Pbx | undefined;

  afterEach(async () => {
    await helper.unload();
    if (pbx) await pbx.close();
    pbx = undefined;
  });

  it("keeps username and secret in credentials, never in the flow", async () => {
    pbx = await startPbx({ port: 0, timeScale: 0.05 });
    const flow = [tab, server("s1", pbx.port), hangups("a")];
    await helper.load(amiNodes, flow, { s1: ADMIN });
    await waitConnected("s1");
    const exported = JSON.stringify(helper._redNodes.getFlows());
    assert.ok(!exported.includes("amp111"), "the secret is not in the flow");
    assert.ok(!/"username"\s*:/.test(exported), "nor the username");
    assert.deepEqual(helper._redNodes.getCredentialDefinition("asterisk-ami-server"), { username: { type: "text" }, secret: { type: "password" } });
    assert.equal(node("s1").credentials.secret, "amp111");
  });

  it("connects when the first node uses it, once, and logs off when the last is removed", async () => {
    pbx = await startPbx({ port: 0, timeScale: 0.05 });
    const unused = [tab, server("s1", pbx.port)];
    await helper.load(amiNodes, unused, { s1: ADMIN });
    await sleep(200);
    assert.equal(pbx.sessions, 0, "a config node nobody uses does not connect");
    const used = [tab, server("s1", pbx.port), hangups("a"), hangups("b"), hangups("c")];
    await helper.setFlows(used, "nodes", { s1: ADMIN });
    await waitConnected("s1");
    assert.equal(pbx.loggedIn, 1, "three nodes, one session");
    await helper.setFlows([tab, server("s1", pbx.port)], "nodes", { s1: ADMIN });
    await waitFor(() => pbx!.sessions === 0, "the session to end");
    const actions = pbx.actions.map((a) => String(a.action.get("Action")));
    assert.equal(actions[actions.length - 1], "Logoff", "a clean Logoff");
    assert.equal(connectionOf("s1").state, "idle");
  });

  it("says auth failed (red ring) when the PBX refuses the login, and retries", async () => {
    pbx = await startPbx({ port: 0, timeScale: 0.05, authFailDelayMs: 20 });
    await helper.load(amiNodes, [tab, server("s1", pbx.port), hangups("a")], { s1: { username: "admin", secret: "wrong" } });
    await waitFor(() => lastStatus("a")?.fill === "red", "a red status");
    const st = lastStatus("a");
    assert.equal(st?.shape, "ring");
    assert.match(String(st?.text), /auth-failed/);
    assert.ok(calls("warn", "s1").some((args) => /authentication failed|login refused/i.test(String(args[0]))), "the log says so");
    await waitFor(() => pbx!.actions.filter((a) => a.action.get("Action") === "Login").length >= 2, "a second login attempt");
  });

  it("a PBX that is down at deploy: reconnecting status, a warning, then connected when it comes up", async () => {
    // Find a free port, then start nothing there yet.
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", () => r()));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const t0 = Date.now();
    await helper.load(amiNodes, [tab, server("s1", port), hangups("a")], { s1: ADMIN });
    assert.ok(Date.now() - t0 < 2000, "the deploy is not blocked");
    await waitFor(() => statusesOf("a").some((s) => /reconnecting/.test(String(s.text))), "a reconnecting status");
    assert.ok(calls("warn", "s1").some((args) => /retrying in/.test(String(args[0]))), "a warning in the log");
    pbx = await startPbx({ port, timeScale: 0.05 });
    await waitFor(() => lastStatus("a")?.fill === "green", "connected once the PBX is up", 5000);
  });

  it("close finishes fast with an unreachable PBX (no answer to SYN, or a port that never sends the banner)", async () => {
    // 10.255.255.1 is not routed here: the TCP connect hangs (or fails) until it is destroyed.
    await helper.load(amiNodes, [tab, server("s1", 5038, { host: "10.255.255.1" }), hangups("a")], { s1: ADMIN });
    await sleep(100);
    let took = await timedUnload();
    assert.ok(took < 1000, `close took ${took} ms`);
    const silent = net.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", () => r()));
    try {
      await helper.load(amiNodes, [tab, server("s1", (silent.address() as net.AddressInfo).port), hangups("a")], { s1: ADMIN });
      await waitFor(() => connectionOf("s1").state === "connecting", "a connect that waits for the banner");
      took = await timedUnload();
      assert.ok(took < 1000, `close took ${took} ms`);
    } finally {
      silent.close();
    }
  });

  it("close finishes fast when the PBX stops answering (half-open): the forcing timer ends it", async () => {
    pbx = await startPbx({ port: 0, timeScale: 0.05 });
    helper.settings({ asteriskAmiServerCloseTimeout: 300 });
    try {
      await helper.load(amiNodes, [tab, server("s1", pbx.port), hangups("a")], { s1: ADMIN });
      await waitConnected("s1");
      pbx.setHalfOpen(true);
      const took = await timedUnload();
      // The Logoff is never answered; the client alone would wait 2 s for Goodbye.
      assert.ok(took >= 250 && took < 1000, `close took ${took} ms`);
    } finally {
      helper.settings({});
      pbx.setHalfOpen(false);
    }
  });

  it("pushes reconnecting then connected to every user when the PBX restarts", async () => {
    pbx = await startPbx({ port: 0, timeScale: 0.05 });
    await helper.load(amiNodes, [tab, server("s1", pbx.port), hangups("a"), hangups("b")], { s1: ADMIN });
    await waitConnected("s1");
    const before = statusesOf("a").length;
    await pbx.restart();
    await waitFor(() => statusesOf("a").slice(before).some((s) => s.fill === "green"), "connected again");
    for (const id of ["a", "b"]) {
      const after = statusesOf(id).slice(before).map((s) => `${s.fill}/${s.shape}`);
      assert.ok(after.includes("yellow/ring"), `${id} saw reconnecting/connecting: ${after.join(", ")}`);
      assert.equal(after[after.length - 1], "green/dot");
    }
  });

  it("connects over TLS with a standard tls-config node, and refuses a certificate that does not verify", async () => {
    const dir = path.join(ROOT, "test", "fixtures", "tls");
    pbx = await startPbx({ port: 0, timeScale: 0.05, tls: { key: fs.readFileSync(path.join(dir, "server.key")), cert: fs.readFileSync(path.join(dir, "server.crt")), port: 0 } });
    const tlsConfig = (id: string, servername: string) => ({ id, type: "tls-config", cert: "", key: "", ca: path.join(dir, "ca.crt"), certname: "", keyname: "", caname: "", servername, verifyservercert: true, alpnprotocol: "" });
    const flow = [
      tab,
      tlsConfig("tls-good", "pbx.test"),
      tlsConfig("tls-bad", "other.example"),
      server("s1", pbx.tlsPort!, { usetls: true, tls: "tls-good" }),
      server("s2", pbx.tlsPort!, { usetls: true, tls: "tls-bad" }),
      hangups("a", "s1"),
      hangups("b", "s2"),
      amiAction("act", "s1", {}, ["out"]),
      sink("out"),
    ];
    const tlsNode = require(path.join(path.dirname(require.resolve("@node-red/nodes/package.json")), "core", "network", "05-tls.js"));
    await helper.load([tlsNode, ...amiNodes], flow, { s1: ADMIN, s2: ADMIN });
    await waitConnected("s1");
    const out: any[] = [];
    helper.getNode("out").on("input", (m: any) => out.push(m));
    helper.getNode("act").receive({ payload: {} });
    await waitFor(() => out.length === 1, "the Ping over TLS");
    assert.equal(out[0].payload.Ping, "Pong");
    await waitFor(() => statusesOf("b").some((s) => /reconnecting/.test(String(s.text))), "the bad certificate name to be refused");
    assert.notEqual(connectionOf("s2").state, "ready");
  });

  it("logs in with the configured event classes and applies server-side Filter expressions", async () => {
    pbx = await startPbx({ port: 0, timeScale: 0.05 });
    const all = amiIn("all", "s1", {}, ["out"]);
    const flow = [
      tab,
      server("s1", pbx.port, { events: "classes", eventClasses: "call, user", filters: ["Event: UserEvent", "  "] }),
      all,
      sink("out"),
    ];
    await helper.load(amiNodes, flow, { s1: ADMIN });
    await waitConnected("s1");
    const login = pbx.actions.find((a) => a.action.get("Action") === "Login")!.action;
    assert.equal(login.get("Events"), "call,user");
    const filters = pbx.actions.filter((a) => a.action.get("Action") === "Filter").map((a) => a.action.toObject());
    assert.deepEqual(filters.map((f) => [f.Operation, f.Filter]), [["Add", "Event: UserEvent"]]);
    const got: any[] = [];
    helper.getNode("out").on("input", (m: any) => got.push(m));
    pbx.emitEvent({ Event: "Newchannel", Privilege: "call,all", Channel: "PJSIP/1-1" });
    pbx.emitEvent({ Event: "UserEvent", Privilege: "user,all", UserEvent: "Passes" });
    await waitFor(() => got.length >= 1, "the UserEvent");
    await sleep(100);
    assert.deepEqual(got.map((m) => m.topic), ["UserEvent"], "the server filter dropped Newchannel");
  });

  it("keepalive pings at the configured interval; the server's action timeout is the default", async () => {
    pbx = await startPbx({ port: 0, timeScale: 0.05 });
    const flow = [
      tab,
      server("s1", pbx.port, { keepalive: 0.1, actionTimeout: 0.3 }),
      amiAction("act", "s1", { action: "CoreStatus" }),
      catchFor("catch", ["act"], "caught"),
      sink("caught"),
    ];
    await helper.load(amiNodes, flow, { s1: ADMIN });
    await waitConnected("s1");
    await waitFor(() => pbx!.actions.filter((a) => a.action.get("Action") === "Ping").length >= 3, "three keepalive pings", 2000);
    const caught: any[] = [];
    helper.getNode("caught").on("input", (m: any) => caught.push(m));
    pbx.setResponseDelay(1000);
    const t0 = Date.now();
    helper.getNode("act").receive({ payload: {} });
    await waitFor(() => caught.length === 1, "the timeout");
    const took = Date.now() - t0;
    assert.equal(caught[0].error.code, "ERR_AMI_TIMEOUT");
    assert.ok(took >= 250 && took < 900, `timed out after the server default of 0.3 s (${took} ms)`);
    pbx.setResponseDelay(0);
  });

  it("an incomplete configuration says why on every node and never connects", async () => {
    pbx = await startPbx({ port: 0, timeScale: 0.05 });
    const flow = [
      tab,
      server("s1", pbx.port, { host: "" }),
      hangups("a"),
      amiAction("act", "s1"),
      catchFor("catch", ["act"], "caught"),
      sink("caught"),
    ];
    await helper.load(amiNodes, flow, { s1: ADMIN });
    const caught: any[] = [];
    helper.getNode("caught").on("input", (m: any) => caught.push(m));
    assert.deepEqual(lastStatus("a"), { fill: "red", shape: "ring", text: "asterisk-ami-server.errors.no-host" });
    assert.equal(lastStatus("act")?.text, "asterisk-ami-server.errors.no-host");
    helper.getNode("act").receive({ payload: {} });
    await waitFor(() => caught.length === 1, "the error");
    assert.equal(caught[0].error.code, "ERR_AMI_NOT_CONFIGURED");
    await sleep(100);
    assert.equal(pbx.sessions, 0);
  });

  it("stopping the flows logs off cleanly", async () => {
    pbx = await startPbx({ port: 0, timeScale: 0.05 });
    await helper.load(amiNodes, [tab, server("s1", pbx.port), hangups("a")], { s1: ADMIN });
    await waitConnected("s1");
    const took = await timedUnload();
    await waitFor(() => pbx!.sessions === 0, "the session to end");
    const names = pbx.actions.map((a) => String(a.action.get("Action")));
    assert.equal(names[names.length - 1], "Logoff");
    assert.ok(took < 1000, `a clean close is quick (${took} ms)`);
  });

  it("serves the event and action catalog to the editor", async () => {
    pbx = await startPbx({ port: 0, timeScale: 0.05 });
    await helper.load(amiNodes, [tab, server("s1", pbx.port)], { s1: ADMIN });
    const res = await helper.request().get("/asterisk-ami/catalog").expect(200);
    assert.equal(res.body.asteriskVersion, "22.10.1");
    assert.deepEqual(res.body.actions.Originate.required, ["Channel"]);
    assert.ok(res.body.actions.Originate.params.includes("Async"));
    assert.ok(!res.body.actions.Originate.params.includes("ActionID"));
    assert.deepEqual(res.body.actions.Originate.classes, ["originate"]);
    assert.ok(res.body.events.Newchannel.fields.includes("Uniqueid"));
  });
});
