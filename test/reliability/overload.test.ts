import * as assert from "node:assert/strict";
import { ChildProcess, fork } from "node:child_process";
import * as path from "node:path";
import { startPbx } from "../../simulator";
import { ADMIN, TAB as tab, amiAction, amiIn, collect, connectionOf, helper, lastStatus, server, sink, sleep, statusTextsOf, waitConnected, waitFor } from "../nodes/harness";
import { AmiProxy, MiB, activeResources, functionNode, gc, heapAfterGc, logged, nodes, received, resetSpies } from "./support";
import { backlogOf, framerOf, liveClientOf, liveSocketOf, routeCountOf, socketOf, userCountOf } from "../helpers/seam";

type Pbx = Awaited<ReturnType<typeof startPbx>>;

/**
 * The fault scenarios of too much, continued from faults.test.ts (1-6: the PBX and the
 * network failing): a hundred redeploys, event storms into slow flows, frames that never end.
 * Each through the Node-RED nodes as a user has them; each asserts what the user sees (status,
 * log, messages) and that memory and resources stay within their bounds.
 */

describe("reliability: overload scenarios through the nodes", function () {
  this.timeout(30000);
  let pbx: Pbx | undefined;
  let proxy: AmiProxy | undefined;

  afterEach(async () => {
    await helper.unload();
    if (proxy) await proxy.close();
    if (pbx) await pbx.close();
    pbx = proxy = undefined;
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
        users: userCountOf(conn),
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
      assert.ok(!statusTextsOf("in").some((t) => /reconnecting/.test(t)));
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
      assert.ok(statusTextsOf("in").some((t) => new RegExp(`^connected, \\d+ dropped$`).test(t)), `the status shows the count: ${statusTextsOf("in").slice(-3).join(" | ")}`);
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
      await waitFor(() => statusTextsOf("in").some((t) => /^reconnecting in \d+ s/.test(t)), "reconnecting in the status", 5000);
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
      assert.ok(statusTextsOf("events").some((t) => /^reconnecting in \d+ s$/.test(t)));
    }
    pbx.emitEvent({ Event: "UserEvent", UserEvent: "AfterGarbage" });
    await waitFor(() => ev.length === 1, "events resume");
  });
});
