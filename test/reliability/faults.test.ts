import * as assert from "node:assert/strict";
import { ChildProcess, fork } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { startPbx } from "../../simulator";
import { ADMIN, ROOT, TAB as tab, amiAction, amiIn, catchFor, collect, connectionOf, helper, lastStatus, server, sink, sleep, statusesOf, waitConnected, waitFor } from "../nodes/harness";
import { AmiProxy, MiB, activeResources, allLogText, freePort, functionNode, gc, heapAfterGc, logged, nodes, resetSpies, tlsNode } from "./support";
import { backlogOf, framerOf, liveClientOf, liveSocketOf, routeCountOf, socketOf } from "../helpers/seam";

type Pbx = Awaited<ReturnType<typeof startPbx>>;

/**
 * The fault scenarios, each through the Node-RED nodes as a user has them, against the
 * simulated PBX. Each asserts what the user sees (status, Catch, events, log) and that nothing is
 * lost or sent twice. Time bounds are upper bounds derived from the configured intervals, with slack.
 */

const texts = (id: string): string[] => statusesOf(id).map((s) => String(s.text));
const received = (pbx: Pbx, name: string) => pbx.actions.filter((a) => String(a.action.get("Action")).toLowerCase() === name.toLowerCase());

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
    const seen = texts("events").slice(before);
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
    await waitFor(() => texts("events").slice(before).some((t) => /^reconnecting in/.test(t)), "reconnecting", intervalMs + pongTimeoutMs + 2000);
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
    assert.ok(!texts("events").some((t) => t.includes(secret)));
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
      await waitFor(() => texts("a").some((x) => /^reconnecting in \d+ s$/.test(x)), "a status showing the retry");
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
      await waitFor(() => texts("a").some((x) => /^reconnecting in \d+ s$/.test(x)), "the retry after redeploys");
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

  it("7. 100 redeploys of 5 ami in + 5 ami action: one AMI session at the end, no growth in listeners, timers or heap", async function () {
    this.timeout(60000);
    pbx = await startPbx({ port: 0, timeScale: 0.05 });
    const flow = (n: number) => {
      const f: Array<Record<string, unknown>> = [tab, server("s1", pbx!.port, { keepalive: 30 })];
      for (let k = 0; k < 5; k++) {
        f.push(amiIn(`in${k}`, "s1", { names: ["UserEvent"], name: `in${k}-${n}` }, ["ev"]));
        f.push(amiAction(`act${k}`, "s1", { action: "Ping", name: `act${k}-${n}` }, ["out"]));
      }
      f.push(sink("ev"), sink("out"));
      return f;
    };
    await helper.load(nodes(), flow(0), { s1: ADMIN });
    const types = ["full", "nodes", "flows"];
    let warm: ReturnType<typeof snapshot> | undefined;
    let warmHeap = 0;
    function snapshot() {
      const conn = connectionOf("s1");
      const client = liveClientOf(conn);
      const sock = socketOf(client);
      const events = helper._events;
      return {
        users: conn.userCount,
        routes: routeCountOf(conn),
        subscriptions: client.subscriptionCount,
        clientListeners: client.eventNames().reduce((n: number, e) => n + client.listenerCount(e), 0),
        socketListeners: ["data", "close", "error", "end"].reduce((n, e) => n + (sock?.listenerCount(e) ?? 0), 0),
        runtimeListeners: events.eventNames().reduce((n: number, e: string) => n + events.listenerCount(e), 0),
        processListeners: process.eventNames().reduce((n, e) => n + process.listenerCount(e as string), 0),
        resources: activeResources(),
      };
    }
    for (let i = 1; i <= 100; i++) {
      await helper.setFlows(flow(i), types[i % 3], { s1: ADMIN });
      if (i % 10 === 0) {
        await waitConnected("s1");
        const ev = collect("ev");
        const out = collect("out");
        for (let k = 0; k < 5; k++) helper.getNode(`act${k}`).receive({ payload: {} });
        pbx.emitEvent({ Event: "UserEvent", UserEvent: `round${i}` });
        await waitFor(() => out.length === 5 && ev.length === 5, "5 answers and the event on each of the 5 ami in");
        await sleep(50);
        assert.equal(ev.length, 5, "no doubled events");
        await waitFor(() => pbx!.sessions === 1, "old sessions gone");
        resetSpies();
        if (i === 20) {
          await sleep(200);
          warm = snapshot();
          warmHeap = await heapAfterGc();
        }
      }
    }
    await waitConnected("s1");
    await waitFor(() => pbx!.sessions === 1 && pbx!.loggedIn === 1, "exactly one session");
    await sleep(200);
    resetSpies();
    const end = snapshot();
    const endHeap = await heapAfterGc();
    const logins = received(pbx, "Login").length;
    console.log(`      (100 redeploys: ${logins} logins; warm ${JSON.stringify(warm)}; end ${JSON.stringify(end)}; heap ${(warmHeap / MiB).toFixed(1)} -> ${(endHeap / MiB).toFixed(1)} MiB)`);
    assert.equal(pbx.sessions, 1);
    assert.deepEqual(
      [end.users, end.routes, end.subscriptions, end.clientListeners, end.socketListeners],
      [10, 5, 1, warm!.clientListeners, warm!.socketListeners],
    );
    assert.equal(end.runtimeListeners, warm!.runtimeListeners, "runtime event listeners");
    assert.equal(end.processListeners, warm!.processListeners, "process listeners");
    for (const kind of ["TCPSocketWrap", "TCPServerWrap"]) assert.equal(end.resources[kind] ?? 0, warm!.resources[kind] ?? 0, kind);
    assert.ok((end.resources.Timeout ?? 0) <= (warm!.resources.Timeout ?? 0) + 2, `timers ${warm!.resources.Timeout} -> ${end.resources.Timeout}`);
    // 80 redeploys after the warm point: a leak of one connection, node or router per deploy shows as megabytes.
    assert.ok(endHeap - warmHeap < 4 * MiB, `heap grew ${((endHeap - warmHeap) / MiB).toFixed(2)} MiB over 80 redeploys`);
  });

  describe("8. event storm while the flow is slow (the PBX in its own process, as Asterisk is)", () => {
    let child: ChildProcess | undefined;
    let port = 0;
    const replies: any[] = [];
    const next = async (): Promise<any> => {
      await waitFor(() => replies.length > 0, "the PBX process", 20000);
      return replies.shift();
    };
    beforeEach(async () => {
      child = fork(path.join(__dirname, "pbx-process.js"), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
      child.on("message", (m) => replies.push(m));
      port = (await next()).port;
    });
    afterEach(async () => {
      child?.send({ cmd: "close" });
      await new Promise((r) => child?.once("exit", r));
      child = undefined;
      replies.length = 0;
    });

    function stormFlow(blockMs: number, backlog: number): Array<Record<string, unknown>> {
      return [
        tab,
        server("s1", port),
        amiIn("in", "s1", { backlog: String(backlog) }, ["slow"]),
        { id: "slow", type: "function", z: "t1", x: 0, y: 0, func: `const t = Date.now(); while (Date.now() - t < ${blockMs}) {} return msg;`, outputs: 1, wires: [["out"]] },
        sink("out"),
      ];
    }

    it("8a. a flow 50 times slower than the storm: the socket keeps being read (the PBX never drops us), memory stays bounded, every dropped event is counted and shown", async () => {
      const events = 60_000;
      const backlog = 500;
      // What one held event costs on the heap: the AmiMessage of a ~430-byte flood event is about
      // 1.9 KiB and its Node-RED message (msg.payload from toObject) about 0.4 KiB (measured with
      // --expose-gc on 7,000 flood events). 4 KiB per event leaves room for V8's layout to differ.
      const perEvent = 4 * 1024;
      // While the storm runs, the node holds at most `backlog` events waiting (as bytes outside the
      // heap now, at most 2 KiB each or 1 MiB in all) and the messages handed to Node-RED for one
      // turn (about 20 ms of this 2 ms flow: 10, far below `backlog`): 2 x backlog events bound both.
      // On top of that, a fixed allowance for what the storm adds once and for all (code V8
      // compiles, Node-RED's own state).
      const fixed = 4 * MiB;
      const liveBound = 2 * backlog * perEvent + fixed;
      // Once drained the node holds nothing per event: the bound is what a leak of 100 bytes per
      // storm event would add by itself (5.7 MiB), what the storm compiles once included.
      const leakBound = events * 100;
      await helper.load(nodes(functionNode), stormFlow(2, backlog), { s1: ADMIN });
      // Counted, not kept: the test itself must not hold the delivered messages while memory is measured.
      let delivered = 0;
      let flagged = 0;
      helper.getNode("out").on("input", (m: any) => {
        delivered++;
        flagged += m.ami.dropped ?? 0;
      });
      // The helper's spies keep every message sent and the runtime's metric log lines (six per
      // message): the harness's memory, not the node's. Forgotten before each measurement (warn
      // and status, asserted below, are kept).
      const forgetHarnessRecords = (): void => {
        helper._NodePrototype.send.resetHistory();
        helper.log()?.resetHistory();
      };
      await waitConnected("s1");
      const client = liveClientOf(connectionOf("s1"));
      const stats = () => backlogOf(connectionOf("s1"), "in");
      await sleep(200);
      forgetHarnessRecords();
      const heap0 = await heapAfterGc();
      const received0 = client.stats.eventsReceived;
      const delivered0 = delivered;
      let peak = heap0;
      let paused = false;
      // The live heap when the node holds the most: the moment the last event of the storm was read
      // (the backlog is full then: the storm's last events were being dropped). A full GC now cannot
      // cost the session: nothing is left to read.
      let full: { heap: number; queued: number; inFlight: number } | undefined;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().heapUsed);
        paused ||= socketOf(client)?.isPaused() ?? false;
        if (!full && client.stats.eventsReceived - received0 >= events) {
          const { queued, inFlight } = stats();
          forgetHarnessRecords();
          gc();
          full = { heap: process.memoryUsage().heapUsed, queued, inFlight };
        }
      }, 5);
      // The node's part — never pausing the socket, handing events over within ~20 ms per turn —
      // is asserted strictly below (isPaused sampled every 5 ms). The PBX's write timeout gets
      // 300 ms instead of Asterisk's 100 ms default: on this shared 2-core CI machine, the
      // scheduler and the test process's own GC (scavenges of 10-20 ms, a mark-compact while V8
      // sizes a cold heap) pause reading beyond 100 ms now and then. At 100 ms, 4 of 10 runs of
      // this test alone lost the session (load average 3 on 2 cores); at 300 ms none has. 8b keeps 100 ms.
      child!.send({ cmd: "flood", events, writeTimeoutMs: 300 });
      const flood = await next();
      await waitFor(() => stats().queued === 0 && stats().inFlight === 0, "the backlog to drain", 20000);
      clearInterval(sampler);
      await sleep(50);
      assert.equal(flood.loggedInAfter, 1, "the PBX (write timeout) never dropped the session");
      assert.equal(client.stats.reconnects, 0);
      assert.ok(!paused, "the socket was never paused");
      assert.ok(!texts("in").some((t) => /reconnecting/.test(t)));
      const wanted = client.stats.eventsReceived - received0;
      assert.ok(wanted >= events, "every event of the storm arrived");
      const s = stats();
      assert.ok(s.dropped > 0, "the slow flow could not take them all");
      assert.equal(delivered - delivered0 + s.dropped, wanted, `delivered ${delivered - delivered0} + dropped ${s.dropped} = every event: nothing lost silently`);
      assert.ok(flagged > 0 && flagged <= s.dropped, `the message after a gap says how many were dropped (${flagged} of ${s.dropped}; drops after the last message have no next message)`);
      assert.ok(s.peakQueued <= backlog);
      forgetHarnessRecords();
      const heapEnd = await heapAfterGc();
      assert.ok(full, "the live heap was measured when the storm had been read");
      const f = full;
      const mib = (n: number) => `${(n / MiB).toFixed(1)} MiB`;
      console.log(
        `      (storm of ${events} into a 2 ms/message flow: ${delivered - delivered0} delivered, ${s.dropped} dropped and counted, peak queued ${s.peakQueued}; ` +
          `heap after GC ${mib(heap0)} -> ${mib(f.heap)} with ${f.queued} queued + ${f.inFlight} in flight (+${mib(f.heap - heap0)}, bound ${mib(liveBound)}) -> ${mib(heapEnd)} drained (+${mib(heapEnd - heap0)}, bound ${mib(leakBound)}); ` +
          `heapUsed peak without GC +${mib(peak - heap0)})`,
      );
      assert.ok(f.queued >= backlog * 0.8, `the backlog was (nearly) full when measured: ${f.queued} of ${backlog}`);
      assert.ok(f.heap - heap0 < liveBound, `live heap grew ${mib(f.heap - heap0)} with the backlog full (bound ${mib(liveBound)}: 2 x ${backlog} events x ${perEvent / 1024} KiB + ${mib(fixed)})`);
      assert.ok(heapEnd - heap0 < leakBound, `live heap after the storm grew ${mib(heapEnd - heap0)} (bound ${mib(leakBound)}: 100 bytes per storm event)`);
      // heapUsed without GC also counts garbage V8 has not collected yet: 20-100 MiB here, depending
      // on how far V8 has sized its heap (a process that ran other tests first collects earlier).
      // So it gets only the bound that tells a bounded node from one holding the storm: every event at 4 KiB.
      assert.ok(peak - heap0 < events * perEvent, `heapUsed peaked at +${mib(peak - heap0)}, as much as holding the whole storm (${mib(events * perEvent)})`);
      assert.ok(texts("in").some((t) => new RegExp(`^connected, \\d+ dropped$`).test(t)), `the status shows the count: ${texts("in").slice(-3).join(" | ")}`);
      assert.ok(logged("warn", "in").some((l) => /dropping events: the flow takes them more slowly than Asterisk sends them and the backlog of 64 MB or 500 events is full/.test(l)));
      await helper.clearFlows(); // stops the nodes while the spies still record (unload restores them first)
      const summary = logged("warn", "in").filter((l) => /dropped since the node started/.test(l));
      assert.ok(summary.length > 0 && summary[summary.length - 1].includes(`(${s.dropped} dropped since the node started)`), summary.join("\n"));
    });

    it("8b. a flow that blocks the event loop 200 ms per message: nothing in Node.js reads the socket then; the PBX drops the session, and the user sees it", async () => {
      await helper.load(nodes(functionNode), stormFlow(200, 100), { s1: ADMIN });
      await waitConnected("s1");
      const client = liveClientOf(connectionOf("s1"));
      const heap0 = process.memoryUsage().heapUsed;
      child!.send({ cmd: "flood", events: 30_000 });
      const flood = await next();
      await waitFor(() => client.stats.reconnects >= 1, "the lost session to be noticed", 10000);
      const peak = process.memoryUsage().heapUsed;
      console.log(`      (200 ms per message: PBX sessions after the storm ${flood.loggedInAfter}; ami in dropped ${backlogOf(connectionOf("s1"), "in").dropped}, heap +${((peak - heap0) / MiB).toFixed(1)} MiB)`);
      assert.equal(flood.loggedInAfter, 0, "the PBX dropped the client that stopped reading");
      assert.ok(logged("warn", "s1").some((l) => /AMI connection lost.*reconnecting in \d+ ms/.test(l)), "a warning says the session was lost");
      await waitFor(() => texts("in").some((t) => /^reconnecting in \d+ s/.test(t)), "reconnecting in the status", 5000);
      assert.ok(backlogOf(connectionOf("s1"), "in").dropped > 0, "and the node counted what it dropped");
      assert.ok(peak - heap0 < 48 * MiB);
    });
  });

  it("9. a frame that never ends, or an absurdly long line: connection reset with a protocol error; memory bounded by the frame limit", async () => {
    pbx = await startPbx({ port: 0, timeScale: 0.05 });
    proxy = new AmiProxy(pbx.port);
    await proxy.start();
    await helper.load(nodes(), [tab, server("s1", proxy.port), amiIn("events", "s1", { names: ["UserEvent"] }, ["ev"]), sink("ev")], { s1: ADMIN });
    const ev = collect("ev");
    const limit = 1 * MiB; // the core's maxFrameBytes
    const cases: Array<[string, (i: number) => Buffer]> = [
      ["lines without a blank line", (i) => Buffer.from(i === 0 ? "Event: Garbage\r\n" : `X-Header-${i}: ${"y".repeat(1000)}\r\n`.repeat(64))],
      ["one line without an end", (i) => (i === 0 ? Buffer.from("Event: Garbage\r\nData: ") : Buffer.alloc(64 * 1024, 0x78))],
    ];
    for (const [what, chunk] of cases) {
      await waitConnected("s1");
      const client = liveClientOf(connectionOf("s1"));
      const framer = framerOf(client);
      const before = client.stats.reconnects;
      const errorsBefore = logged("error", "s1").length;
      let peakBuffered = 0;
      // After each chunk the client read (its own data listener runs first): what the framer holds.
      const sock = liveSocketOf(client);
      const sample = (): void => {
        peakBuffered = Math.max(peakBuffered, framer.bufferedBytes);
      };
      sock.on("data", sample);
      await heapAfterGc();
      const mem0 = process.memoryUsage();
      const offered = 64 * MiB;
      const written = await proxy.inject(offered, chunk);
      sock.off("data", sample);
      const mem1 = process.memoryUsage();
      await waitFor(() => client.stats.reconnects > before, `${what}: the session to be reset`);
      const err = logged("error", "s1").slice(errorsBefore);
      assert.ok(err.some((l) => /AMI protocol error: frame exceeds 1048576 bytes without an end; dropping the connection/.test(l)), `${what}: ${err.join(" | ")}`);
      console.log(`      (${what}: reset after ${(written / MiB).toFixed(1)} of ${offered / MiB} MiB offered; framer held at most ${(peakBuffered / MiB).toFixed(2)} MiB; heap+buffers +${((mem1.heapUsed + mem1.arrayBuffers - mem0.heapUsed - mem0.arrayBuffers) / MiB).toFixed(1)} MiB)`);
      assert.ok(written < offered, `${what}: the client reset the connection after ${(written / MiB).toFixed(1)} MiB, not after all ${offered / MiB} MiB`);
      assert.ok(peakBuffered > limit / 2, `${what}: the framer did buffer the frame (${peakBuffered} bytes)`);
      assert.ok(peakBuffered <= limit + 3, `${what}: at most the frame limit held (${peakBuffered} bytes)`);
      const grew = mem1.heapUsed + mem1.arrayBuffers - mem0.heapUsed - mem0.arrayBuffers;
      assert.ok(grew < 32 * MiB, `${what}: memory grew ${(grew / MiB).toFixed(1)} MiB`);
      await waitFor(() => lastStatus("events")?.text === "connected", `${what}: connected again`);
      assert.ok(texts("events").some((t) => /^reconnecting in \d+ s$/.test(t)));
    }
    pbx.emitEvent({ Event: "UserEvent", UserEvent: "AfterGarbage" });
    await waitFor(() => ev.length === 1, "events resume");
  });
});
