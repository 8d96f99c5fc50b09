import * as fs from "node:fs";
import { FLOOD_MODULE, benchServer, startNodeRed } from "./processes";
import { AmiClient } from "../src/ami/client";
import { backlogOf, clientOf, liveClientOf, socketOf, statusOf } from "../test/helpers/seam";
import { ADMIN, EVENTS, FILTERS, Reached, SAMPLE_EVERY, Sample, mb } from "./flow-config";

/**
 * The two readers of the flow benchmark's flood, each run by flow.ts as a child process: a bare
 * AmiClient (the baseline) and a real Node-RED with the ten "ami in" nodes.
 */

// ------------------------------------------------------------------ the baseline (child)

export function runClient(port: number): void {
  const client = new AmiClient({ host: "127.0.0.1", port, ...ADMIN, keepaliveInterval: 0, reconnect: false });
  let received = 0;
  let started = 0;
  let peakHeap = 0;
  const sampler = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 20);
  let lastEventAt = 0;
  let finished = false;
  const finish = (incomplete?: string): void => {
    if (finished) return;
    finished = true;
    const seconds = started > 0 ? (performance.now() - started) / 1000 : 0;
    clearInterval(sampler);
    clearInterval(stall);
    process.send?.({ received, incomplete, eventsPerSecond: received / seconds, seconds, peakHeapMB: mb(peakHeap), reconnects: client.stats.reconnects });
    void client.close().then(() => process.exit(0));
  };
  // Without this, a baseline that lost its session (reconnect is off) would wait forever.
  const stall = setInterval(() => {
    if (started > 0 && performance.now() - lastEventAt > 15_000) finish(`no event for 15 s after ${received} of ${EVENTS}`);
  }, 1000);
  client.subscribe("*", () => {
    if (received++ === 0) started = performance.now();
    lastEventAt = performance.now();
    if (received === EVENTS) finish();
  });
  client.once("ready", () => {
    client.on("state", (c: { state: string }) => {
      if (c.state !== "ready") finish(`session lost (${c.state}) after ${received} of ${EVENTS} events`);
    });
    setTimeout(() => process.send?.({ ready: true }), 200);
  });
  client.connect();
}

// ------------------------------------------------------------------ Node-RED (child)

export async function runNodeRed(port: number): Promise<void> {
  // A minimal counter node: what is measured is the delivery into the flow, not a function node's
  // sandbox. It tells from a message's topic and Uniqueid which event of the flood it carries
  // (floodIndex), to count distinct events.
  const counter = `module.exports = function (RED) {
  const { floodIndex } = require(${JSON.stringify(FLOOD_MODULE)});
  function BenchCounter(n) {
    RED.nodes.createNode(this, n);
    const counts = (global.__amiBenchCounts = global.__amiBenchCounts || {});
    const reached = global.__amiBenchReached;
    counts[n.id] = 0;
    this.on("input", (msg, send, done) => {
      counts[n.id]++;
      const i = floodIndex(msg.topic, msg.payload && msg.payload.Uniqueid);
      if (i >= 0 && i < reached.bits.length) {
        if (reached.bits[i] === 0) {
          reached.bits[i] = 1;
          reached.distinct++;
        }
      } else reached.unknown++;
      done();
    });
  }
  RED.nodes.registerType("bench-counter", BenchCounter);
};\n`;
  const reached: Reached = { bits: new Uint8Array(EVENTS), distinct: 0, unknown: 0 };
  (global as unknown as { __amiBenchReached: Reached }).__amiBenchReached = reached;
  const flow: Array<Record<string, unknown>> = [{ id: "tab", type: "tab", label: "bench" }, benchServer(port)];
  FILTERS.forEach((f0, i) => {
    const f = process.env.BENCH_NOCOND ? { ...f0, conditions: [] } : f0;
    flow.push({ id: `in${i}`, type: "asterisk-ami-in", z: "tab", x: 100, y: 40 * i + 40, server: "s1", name: "", nameMode: "list", names: [], regex: "", conditions: [], backlog: process.env.BENCH_BACKLOG ?? "", wires: [[`count${i}`]], ...f });
    flow.push({ id: `count${i}`, type: "bench-counter", z: "tab", x: 300, y: 40 * i + 40, wires: [] });
  });
  const { RED, userDir } = await startNodeRed({ prefix: "ami-bench-", nodes: { "bench-counter": { source: counter } }, flow });
  for (let i = 0; i < 500 && !RED.nodes.getNode("s1"); i++) await new Promise((r) => setTimeout(r, 20));
  if (!RED.nodes.getNode("s1")) throw new Error(`the flow did not start: ${JSON.stringify(RED.nodes.getNodeList?.().map((n: { id: string; err?: string }) => [n.id, n.err]))}`);
  const connection = RED.nodes.getNode("s1").connection;
  const sessionReady = async (): Promise<void> => {
    for (let i = 0; connection.state !== "ready"; i++) {
      if (i > 500) throw new Error(`no AMI session: ${JSON.stringify(statusOf(connection))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 300));
  };
  await sessionReady();
  const counts = (global as unknown as { __amiBenchCounts: Record<string, number> }).__amiBenchCounts;
  const delivered = (): number => Object.values(counts).reduce((a, b) => a + b, 0);
  const backlogs = () => FILTERS.map((_f, i) => backlogOf(connection, `in${i}`));
  // Warm-up, as benchmarks of a JIT-compiled runtime do: a first flood, not measured, so that the
  // measured one meets compiled code (a Node-RED that runs for months is warm). Cold, the first
  // turns read 2 MiB each several times slower, and the PBX may even drop the session (reported).
  // A warm-up flood that lost the session (cold, the PBX may drop it) is repeated, up to three.
  for (;;) {
    process.send?.({ warm: true });
    const warmed = await new Promise<{ dropped: boolean; again: boolean }>((resolve) => process.once("message", resolve));
    for (let quiet = 0, last = -1; quiet < 10; ) {
      await new Promise((r) => setTimeout(r, 20));
      const now = (clientOf(connection)?.stats.eventsReceived ?? 0) + delivered();
      const idle = backlogs().every((b) => b.queued === 0 && b.inFlight === 0);
      quiet = now === last && idle ? quiet + 1 : 0;
      last = now;
    }
    if (warmed.dropped) await sessionReady();
    if (!warmed.again) break;
  }
  const client = liveClientOf(connection);
  const gc = (global as { gc?: () => void }).gc;
  gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const base = { received: client.stats.eventsReceived, skipped: client.stats.eventsSkipped, delivered: delivered(), reconnects: client.stats.reconnects };
  reached.bits.fill(0);
  reached.distinct = reached.unknown = 0;
  const samples: Sample[] = [];
  let lastData = 0;
  let maxDataGap = 0;
  socketOf(client)?.on("data", () => {
    const now = performance.now();
    if (lastData > 0) maxDataGap = Math.max(maxDataGap, now - lastData);
    lastData = now;
  });
  const { monitorEventLoopDelay, performance: perf } = await import("node:perf_hooks");
  const eluBefore = perf.eventLoopUtilization();
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  let started = 0;
  let nextSample = SAMPLE_EVERY;
  let stalled = false;
  let progress = { at: performance.now(), got: 0, delivered: 0 };
  // BENCH_DEBUG=1: every 100 ms, the ami in windows, what waits, drops and deliveries so far.
  const trace: string[] = [];
  const tracer = process.env.BENCH_DEBUG
    ? setInterval(() => {
        const b = backlogs();
        const sum = (f: (x: (typeof b)[number]) => number) => b.reduce((n, x) => n + f(x), 0);
        trace.push(`${(performance.now() - started).toFixed(0)}ms read=${client.stats.eventsReceived - base.received} win=${sum((x) => x.window)} queued=${sum((x) => x.queued)} dropped=${sum((x) => x.dropped)} delivered=${delivered() - base.delivered} cost(us)=${b.map((x) => Math.round(x.costMs * 1000)).join("/")} win=${b.map((x) => x.window).join("/")}`);
      }, 100)
    : undefined;
  // BENCH_DEBUG=1: turns of the event loop that took over 50 ms, and what was read in them.
  const longTurns: string[] = [];
  let turnAt = performance.now();
  let turnBytes = 0;
  let turnChunks = 0;
  let turning = !!process.env.BENCH_DEBUG;
  let readStart = 0;
  let turnReadMs = 0;
  let totalReadMs = 0;
  socketOf(client)?.prependListener("data", () => (readStart = performance.now()));
  socketOf(client)?.on("data", (chunk: Buffer) => {
    turnBytes += chunk.length;
    turnChunks++;
    const t = performance.now() - readStart;
    turnReadMs += t;
    totalReadMs += t;
  });
  const turn = (): void => {
    const now = performance.now();
    if (now - turnAt > 50 && longTurns.length < 40) longTurns.push(`${(now - started).toFixed(0)}ms: turn ${(now - turnAt).toFixed(1)} ms, read ${turnChunks} chunks ${turnBytes} B in ${turnReadMs.toFixed(1)} ms`);
    turnAt = now;
    turnBytes = turnChunks = turnReadMs = 0;
    if (turning) setImmediate(turn);
  };
  if (turning) setImmediate(turn);
  process.send?.({ ready: true });
  await new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      const got = client.stats.eventsReceived - base.received;
      if (got > 0 && started === 0) started = performance.now();
      const now = performance.now();
      if (got !== progress.got || delivered() !== progress.delivered) progress = { at: now, got, delivered: delivered() };
      else if (started > 0 && now - progress.at > 15_000) {
        // Nothing read and nothing delivered for 15 s: the flood will not complete.
        stalled = true;
        clearInterval(poll);
        resolve();
        return;
      }
      while (got >= nextSample) {
        const m = process.memoryUsage();
        samples.push({ events: nextSample, seconds: (performance.now() - started) / 1000, heapMB: mb(m.heapUsed), rssMB: mb(m.rss) });
        nextSample += SAMPLE_EVERY;
      }
      const idle = backlogs().every((b) => b.queued === 0 && b.inFlight === 0);
      if ((got >= EVENTS || client.stats.reconnects > base.reconnects) && idle) {
        clearInterval(poll);
        resolve();
      }
    }, 5);
  });
  turning = false;
  if (tracer) {
    clearInterval(tracer);
    console.log(trace.join("\n"));
    console.log(longTurns.join("\n"));
    console.log(`time in the socket's data handlers: ${totalReadMs.toFixed(0)} ms`);
  }
  const elu = perf.eventLoopUtilization(eluBefore);
  const seconds = (performance.now() - started) / 1000;
  const got = client.stats.eventsReceived - base.received;
  const skipped = client.stats.eventsSkipped - base.skipped;
  const dels = delivered() - base.delivered;
  const dropped = backlogs().reduce((n, b) => n + b.dropped, 0);
  gc?.();
  const heapAfter = process.memoryUsage().heapUsed;
  process.send?.({
    received: got,
    seconds,
    stalled,
    eventsPerSecond: got / seconds,
    delivered: dels,
    deliveredPerSecond: dels / seconds,
    decoded: got - skipped,
    eventsIntoFlowPerSecond: (got - skipped) / seconds,
    reached: reached.distinct,
    reachedPerSecond: reached.distinct / seconds,
    unknown: reached.unknown,
    skipped,
    skippedPerSecond: skipped / seconds,
    dropped,
    reconnects: client.stats.reconnects - base.reconnects,
    heapBeforeMB: mb(heapBefore),
    heapAfterMB: mb(heapAfter),
    samples,
    maxReadGapMs: Math.round(maxDataGap),
    maxLoopDelayMs: Math.round(loopDelay.max / 1e6),
    loopUtilization: elu.utilization,
    windows: backlogs().map((b) => b.window),
    perNode: FILTERS.map((_f, i) => counts[`count${i}`]),
  });
  await RED.stop();
  fs.rmSync(userDir, { recursive: true, force: true });
  process.exit(0);
}

// ------------------------------------------------------------------ the orchestrator
