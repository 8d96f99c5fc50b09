import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { startPbx } from "../../simulator";
import { ADMIN, ROOT, TAB as tab, amiAction, amiIn, catchFor, collect, connectionOf, helper, lastStatus, server, sink, sleep, statusTextsOf, statusesOf, waitConnected, waitFor } from "../nodes/harness";
import { AmiProxy, allLogText, freePort, functionNode, logged, nodes, received, tlsNode } from "./support";
import { liveClientOf } from "../helpers/seam";

type Pbx = Awaited<ReturnType<typeof startPbx>>;

/**
 * The fault scenarios of the PBX and the network failing (7-9, too much load, are in
 * overload.test.ts), each through the Node-RED nodes as a user has them, against the
 * simulated PBX. Each asserts what the user sees (status, Catch, events, log) and that nothing is
 * lost or sent twice. Time bounds are upper bounds derived from the configured intervals, with slack.
 */

describe("reliability: fault scenarios through the nodes", function () {
  this.timeout(30000);
  let pbx: Pbx | undefined;
  let proxy: AmiProxy | undefined;

  afterEach(async () => {
    await helper.unload();
    if (proxy) await proxy.close();
    if (pbx) await pbx.close();
    pbx = proxy = undefined;
  });

  it("1. PBX restarts while a list action is collecting: the action rejects clearly, the connection comes back, events resume, status reconnecting -> connected", async () => {
    pbx = await startPbx({ port: 0, timeScale: 0.05 });
    proxy = new AmiProxy(pbx.port);
    await proxy.start();
    const flow = [
      tab,
      server("s1", proxy.port),
      amiIn("events", "s1", {}, ["ev"]),
      amiAction("list", "s1", { action: "QueueStatus" }, ["out"]),
      catchFor("catch", ["list"], "caught"),
      sink("ev"),
      sink("out"),
      sink("caught"),
    ];
    await helper.load(nodes(), flow, { s1: ADMIN });
    const [ev, out, caught] = [collect("ev"), collect("out"), collect("caught")];
    await waitConnected("s1");
    pbx.emitEvent({ Event: "UserEvent", UserEvent: "Before" });
    await waitFor(() => ev.some((m) => m.payload.UserEvent === "Before"), "an event before the restart");
    // Pass the list's start and first item, then hold the rest back: the list is collecting.
    let items = 0;
    proxy.hold = (frame) => /^Event: Queue(Params|Member|Entry|StatusComplete)\r\n/.test(frame) && /\r\nActionID: /.test(frame) && ++items > 1;
    const before = statusesOf("events").length;
    helper.getNode("list").receive({ payload: {} });
    await waitFor(() => items > 1, "the list to be half-way");
    await pbx.restart();
    await waitFor(() => caught.length === 1, "the list action to reach Catch");
    const err = caught[0].error;
    assert.equal(out.length, 0);
    assert.equal(caught[0].ami.error, "ERR_AMI_DISCONNECTED");
    assert.match(err.message, /QueueStatus: the AMI connection ended before the list completed; the action was sent and may have taken effect, so it is not re-sent \(Asterisk shut down/);
    await waitFor(() => lastStatus("events")?.fill === "green", "connected again", 3000);
    const seen = statusTextsOf("events").slice(before);
    const reconnecting = seen.findIndex((t) => /^reconnecting in \d+ s$/.test(t));
    assert.ok(reconnecting >= 0, `reconnecting shown: ${seen.join(" | ")}`);
    assert.equal(seen[seen.length - 1], "connected");
    proxy.hold = undefined;
    pbx.emitEvent({ Event: "UserEvent", UserEvent: "After" });
    await waitFor(() => ev.some((m) => m.payload.UserEvent === "After"), "events to resume");
    await sleep(100);
    assert.deepEqual(ev.filter((m) => m.topic === "UserEvent").map((m) => m.payload.UserEvent), ["Before", "After"], "each event once");
    assert.ok(!ev.some((m) => /^Queue/.test(m.topic)), "no item of the broken list reached ami in");
    assert.equal(received(pbx, "QueueStatus").length, 1, "the list action was not re-sent");
  });

  it("2. the connection drops with 100 actions in flight: all 100 reach Catch with a disconnection error within their timeout; none is received twice", async () => {
    pbx = await startPbx({ port: 0, timeScale: 0.05 });
    const timeoutS = 5;
    const flow = [
      tab,
      server("s1", pbx.port),
      amiAction("orig", "s1", { action: "Originate", timeout: String(timeoutS), waitForResult: false }, ["out"]),
      amiAction("ping", "s1", { action: "Ping" }, ["out"]),
      catchFor("catch", ["orig"], "caught"),
      sink("out"),
      sink("caught"),
    ];
    await helper.load(nodes(), flow, { s1: ADMIN });
    const [out, caught] = [collect("out"), collect("caught")];
    await waitConnected("s1");
    pbx.setResponseDelay(5000); // the PBX takes them and answers none for now (one 5 s timer; later ones see 0)
    const sentAt = Date.now();
    for (let i = 0; i < 100; i++) {
      helper.getNode("orig").receive({ payload: { Channel: `Local/${i}@test`, Context: "test", Exten: "100", Priority: 1, Async: true, Variable: { CALL: String(i) } } });
    }
    await waitFor(() => received(pbx!, "Originate").length === 100, "100 Originates at the PBX");
    assert.equal(liveClientOf(connectionOf("s1")).inFlight, 100, "100 in flight");
    pbx.dropAll();
    pbx.setResponseDelay(0);
    await waitFor(() => caught.length === 100, "100 errors in Catch", timeoutS * 1000);
    const took = Date.now() - sentAt;
    console.log(`      (100 in flight: all in Catch ${took} ms after the first was sent; timeout ${timeoutS} s)`);
    assert.ok(took < timeoutS * 1000, `all 100 within their ${timeoutS} s timeout (${took} ms)`);
    assert.equal(out.length, 0);
    for (const c of caught) {
      assert.equal(c.ami.error, "ERR_AMI_DISCONNECTED");
      assert.match(c.error.message, /the AMI connection ended before the response; the action was sent and may have taken effect, so it is not re-sent/);
    }
    assert.equal(new Set(caught.map((c) => c.payload.Variable.CALL)).size, 100, "each message once in Catch");
    await waitConnected("s1");
    helper.getNode("ping").receive({ payload: {} });
    await waitFor(() => out.length === 1, "an action on the new session");
    await sleep(200);
    const originates = received(pbx, "Originate");
    assert.equal(originates.length, 100, "the PBX received each Originate once");
    assert.equal(new Set(originates.map((a) => a.action.getAll("Variable")[0])).size, 100);
    assert.equal(new Set(originates.map((a) => a.session)).size, 1, "all on the first session; none re-sent after reconnecting");
  });

  it("3. half-open peer: detected by the keepalive within ping interval + pong timeout, then reconnect", async () => {
    pbx = await startPbx({ port: 0, timeScale: 0.05 });
    const intervalMs = 200;
    const pongTimeoutMs = 5000; // the core's keepaliveTimeout (not a node setting)
    await helper.load(nodes(), [tab, server("s1", pbx.port, { keepalive: intervalMs / 1000 }), amiIn("events", "s1", { names: ["UserEvent"] }, ["ev"]), sink("ev")], { s1: ADMIN });
    const ev = collect("ev");
    await waitConnected("s1");
    await waitFor(() => received(pbx!, "Ping").length >= 1, "a first keepalive Ping");
    const before = statusesOf("events").length;
    const t0 = Date.now();
    pbx.setHalfOpen(true);
    await waitFor(() => statusTextsOf("events").slice(before).some((t) => /^reconnecting in/.test(t)), "reconnecting", intervalMs + pongTimeoutMs + 2000);
    const detected = Date.now() - t0;
    console.log(`      (half-open detected after ${detected} ms; bound ${intervalMs} + ${pongTimeoutMs} ms)`);
    assert.ok(detected <= intervalMs + pongTimeoutMs + 500, `detected after ${detected} ms (bound ${intervalMs + pongTimeoutMs} ms + slack)`);
    assert.ok(logged("warn", "s1").some((l) => /keepalive: no answer to Ping within 5000 ms; reconnecting/.test(l)), "the log says why");
    pbx.setHalfOpen(false);
    await waitFor(() => lastStatus("events")?.text === "connected", "connected again", 12000);
    pbx.emitEvent({ Event: "UserEvent", UserEvent: "Back" });
    await waitFor(() => ev.length === 1, "events resume");
    assert.equal(pbx.loggedIn, 1);
  });

  it("4. wrong secret: status says authentication failed; at most one login per configured interval; the secret is in no log line", async () => {
    const secret = "Wr0ng-S3cret-4-never-logged";
    pbx = await startPbx({ port: 0, timeScale: 0.05, authFailDelayMs: 20 });
    const intervalS = 0.5; // reconnectMax: a refused login is retried no faster
    await helper.load(nodes(), [tab, server("s1", pbx.port, { reconnectMin: 0.05, reconnectMax: intervalS }), amiIn("events", "s1")], { s1: { username: "admin", secret } });
    const t0 = Date.now();
    await waitFor(() => /^auth failed, retry in \d+ s$/.test(String(lastStatus("events")?.text)), "auth failed status");
    assert.deepEqual([lastStatus("events")?.fill, lastStatus("events")?.shape], ["red", "ring"]);
    await sleep(3000);
    const window = Date.now() - t0;
    const logins = received(pbx, "Login").map((a) => a.at);
    const gaps = logins.slice(1).map((at, i) => at - logins[i]);
    assert.ok(logins.length >= 2, "it retries");
    assert.ok(logins.length <= Math.floor(window / (intervalS * 1000)) + 1, `${logins.length} logins in ${window} ms`);
    console.log(`      (${logins.length} logins in ${window} ms, gaps ${gaps.join(", ")} ms; interval ${intervalS * 1000} ms)`);
    assert.ok(gaps.every((g) => g >= intervalS * 1000 - 15), `gaps between logins: ${gaps.join(", ")} ms`);
    assert.ok(logged("warn", "s1").some((l) => /authentication failed for user "admin"/.test(l)));
    const text = allLogText();
    assert.ok(text.length > 0);
    assert.ok(!text.includes(secret), "the secret is in a log line");
    assert.ok(!statusTextsOf("events").some((t) => t.includes(secret)));
  });

  it("5. PBX unreachable at deploy: the runtime stays responsive, deploys and redeploys work, the status shows the retry", async () => {
    const port = await freePort();
    let maxLag = 0;
    let last = Date.now();
    const ticker = setInterval(() => {
      const now = Date.now();
      maxLag = Math.max(maxLag, now - last - 10);
      last = now;
    }, 10);
    try {
      const flow = (n: number) => [
        tab,
        server("s1", port),
        server("s2", 5038, { host: "10.255.255.1" }), // not routed: the connect hangs or fails
        amiIn("a", "s1", { name: `a${n}` }),
        amiIn("b", "s2", { name: `b${n}` }),
        amiAction("act", "s1", { name: `act${n}`, timeout: "0.3" }, ["out"]),
        { id: "echo", type: "function", z: "t1", x: 0, y: 0, func: "return msg;", outputs: 1, wires: [["out"]] },
        catchFor("catch", ["act"], "caught"),
        sink("out"),
        sink("caught"),
      ];
      let t = Date.now();
      await helper.load(nodes(functionNode), flow(0), { s1: ADMIN, s2: ADMIN });
      assert.ok(Date.now() - t < 2000, `the deploy is not blocked (${Date.now() - t} ms)`);
      await waitFor(() => statusTextsOf("a").some((x) => /^reconnecting in \d+ s$/.test(x)), "a status showing the retry");
      for (const [i, type] of ["full", "nodes", "flows", "full", "nodes"].entries()) {
        t = Date.now();
        await helper.setFlows(flow(i + 1), type, { s1: ADMIN, s2: ADMIN });
        assert.ok(Date.now() - t < 3000 + 500, `${type} redeploy took ${Date.now() - t} ms (bound: the 3 s close timeout)`);
      }
      const out = collect("out");
      const caught = collect("caught");
      helper.getNode("echo").receive({ payload: "still here" });
      helper.getNode("act").receive({ payload: {} });
      await waitFor(() => out.length === 1 && caught.length === 1, "a flow runs and the action fails in its timeout");
      assert.equal(caught[0].ami.error, "ERR_AMI_TIMEOUT");
      assert.match(caught[0].error.message, /not sent: the AMI connection was not ready within 300 ms/);
      await waitFor(() => statusTextsOf("a").some((x) => /^reconnecting in \d+ s$/.test(x)), "the retry after redeploys");
      assert.ok(logged("warn", "s1").some((l) => /ECONNREFUSED.*retrying in \d+ s/.test(l)), "a warning says why");
      assert.ok(maxLag < 500, `the event loop was never held (${maxLag} ms)`);
      pbx = await startPbx({ port, timeScale: 0.05 });
      await waitFor(() => lastStatus("a")?.text === "connected", "connected once the PBX is up", 3000);
    } finally {
      clearInterval(ticker);
    }
  });

  it("6. TLS: a certificate from another CA or for another name is refused with a clear error; the right CA works", async () => {
    const dir = path.join(ROOT, "test", "fixtures", "tls");
    pbx = await startPbx({ port: 0, timeScale: 0.05, tls: { key: fs.readFileSync(path.join(dir, "server.key")), cert: fs.readFileSync(path.join(dir, "server.crt")), port: 0 } });
    const tlsConfig = (id: string, ca: string, servername: string) => ({ id, type: "tls-config", cert: "", key: "", ca: path.join(dir, ca), certname: "", keyname: "", caname: "", servername, verifyservercert: true, alpnprotocol: "" });
    const flow = [
      tab,
      tlsConfig("tls-good", "ca.crt", "pbx.test"),
      tlsConfig("tls-ca", "other-ca.crt", "pbx.test"),
      tlsConfig("tls-name", "ca.crt", "other.example"),
      server("good", pbx.tlsPort!, { usetls: true, tls: "tls-good" }),
      server("wrongca", pbx.tlsPort!, { usetls: true, tls: "tls-ca" }),
      server("wrongname", pbx.tlsPort!, { usetls: true, tls: "tls-name" }),
      amiIn("a", "wrongca"),
      amiIn("b", "wrongname"),
      amiAction("act", "good", {}, ["out"]),
      sink("out"),
    ];
    await helper.load(nodes(tlsNode), flow, { good: ADMIN, wrongca: ADMIN, wrongname: ADMIN });
    const out = collect("out");
    await waitConnected("good");
    helper.getNode("act").receive({ payload: {} });
    await waitFor(() => out.length === 1, "a Ping over TLS");
    assert.equal(out[0].payload.Ping, "Pong");
    await waitFor(() => logged("warn", "wrongca").length > 0 && logged("warn", "wrongname").length > 0, "both refusals logged");
    assert.match(logged("warn", "wrongca")[0], /self[- ]signed|unable to verify|unable to get local issuer/i);
    assert.match(logged("warn", "wrongname")[0], /Hostname\/IP does not match certificate's altnames/);
    assert.match(String(lastStatus("a")?.text), /^(reconnecting in \d+ s|connecting)$/);
    assert.equal(pbx.loggedIn, 1, "only the verified connection logged in");
  });

});
