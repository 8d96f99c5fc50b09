import * as fs from "node:fs";
import * as path from "node:path";
import { FLOOD_MODULE, benchServer, child, runPbx, startNodeRed } from "./processes";
import { AmiClient } from "../src/ami/client";
import { backlogOf, clientOf, liveClientOf, socketOf } from "../test/helpers/seam";

/**
 * Flow benchmark: a real (embedded) Node-RED runtime with this package, ten "ami in" nodes with
 * different filters (names, a list, wildcards, a regex, header conditions) each feeding a counter,
 * and the simulated PBX flooding events from its own process (Asterisk's 100 ms write timeout
 * included: a client that stops reading is dropped). The headline is events delivered into the
 * flow: distinct events of the flood that reached at least one node, per second. One event may
 * reach several nodes (with these filters, 5 of the flood's 7 kinds are wanted and one of each
 * kind makes 13 messages: 2.6 per event delivered, 1.86 per event flooded), so messages/s is
 * reported beside it, and so are the messages the ami in backlogs dropped. Also: events/s read
 * and skipped without decoding, heap and RSS every 100,000 events, and, from the same PBX in the
 * same run, a bare AmiClient reading the same flood (every event decoded) as the baseline. A run
 * that lost its session or stopped before the whole flood was read is reported as INCOMPLETE,
 * without rates. Before the measured flood comes a warm-up flood (a tenth of it, at most 100,000
 * events, not measured), repeated up to three times while the PBX drops the session in it (cold).
 *
 * Run as part of `npm run bench`; alone: `node build/bench/flow.js`. BENCH_FLOW_EVENTS sets the
 * flood size (1,000,000 by default, 100,000 when BENCH_EVENTS asks for a short run);
 * BENCH_TRACE_GC=1 traces Node-RED's garbage collector, BENCH_CPU_PROF=dir writes its CPU profile there,
 * BENCH_DEBUG=1 prints every 100 ms the ami in windows, costs, waiting and dropped events, and the
 * event-loop turns over 50 ms with what they read, BENCH_BACKLOG=n sets the nodes' Backlog,
 * BENCH_NODE_FLAGS="..." gives Node-RED's process more Node.js flags (--max-semi-space-size=64).
 */

const ROOT = path.join(__dirname, "..", "..");
const SHORT = Number(process.env.BENCH_EVENTS ?? 400_000) < 400_000;
const EVENTS = Number(process.env.BENCH_FLOW_EVENTS ?? (SHORT ? 100_000 : 1_000_000));
/** Events flooded before the measured flood, to warm the JIT up (not measured). */
const WARMUP_EVENTS = Math.min(100_000, Math.max(20_000, Math.floor(EVENTS / 10)));
/** Warm-up floods at most: one more each time the PBX dropped the session in the last (cold). */
const MAX_WARMUPS = 3;
const SAMPLE_EVERY = EVENTS >= 500_000 ? 100_000 : 20_000;
const ADMIN = { username: "admin", secret: "amp111" };

/**
 * The ten nodes' filters; VarSet and Newexten (2 of the flood's 7 kinds) are wanted by none. Every
 * kind a node with header conditions wants is also wanted by a node without conditions, so every
 * event decoded for the flow is wanted by at least one node.
 */
const FILTERS: Array<Record<string, unknown>> = [
  { names: ["Newchannel"] },
  { names: ["Hangup"] },
  { names: ["Newchannel", "Hangup", "Newstate"] },
  { names: ["Dial*"] },
  { names: ["*state"] },
  { nameMode: "regex", regex: "^(UserEvent|Hangup)$" },
  { names: ["UserEvent"], conditions: [{ field: "UserEvent", op: "eq", value: "TestEvent" }] },
  { names: ["Hangup"], conditions: [{ field: "Cause", op: "eq", value: "16" }] },
  { names: ["Newstate"], conditions: [{ field: "ChannelStateDesc", op: "eq", value: "Up" }, { field: "Channel", op: "regex", value: "^Local/" }] },
  { names: ["DialBegin"], conditions: [{ field: "DestChannel", op: "exists" }] },
];


/** Set by the counter nodes: which events of the flood reached at least one node. */
interface Reached {
  bits: Uint8Array;
  distinct: number;
  /** Messages a counter could not map to an event of the flood. */
  unknown: number;
}

interface Sample {
  events: number;
  seconds: number;
  heapMB: number;
  rssMB: number;
}

function mb(n: number): number {
  return Math.round((n / 2 ** 20) * 10) / 10;
}


// ------------------------------------------------------------------ the baseline (child)

function runClient(port: number): void {
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

async function runNodeRed(port: number): Promise<void> {
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
      if (i > 500) throw new Error(`no AMI session: ${JSON.stringify(connection.status)}`);
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


async function main(): Promise<void> {
  const pbx = child(__filename, ["pbx"]);
  const { port } = await pbx.next();
  // The baseline: the bare client on the same PBX and flood.
  const base = child(__filename, ["client", String(port)]);
  await base.next();
  pbx.proc.send({ cmd: "flood", events: EVENTS });
  const baseline = await base.next();
  await pbx.next();
  await new Promise((r) => base.proc.once("exit", r));
  // Node-RED with ten ami in nodes.
  const red = child(__filename, ["node-red", String(port)], [
    "--expose-gc",
    ...(process.env.BENCH_NODE_FLAGS ? process.env.BENCH_NODE_FLAGS.split(" ").filter(Boolean) : []),
    ...(process.env.BENCH_TRACE_GC ? ["--trace-gc"] : []),
    ...(process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
  ]);
  // Warm-up floods: one, or up to MAX_WARMUPS while the PBX drops the session (cold start).
  const warmDrops: boolean[] = [];
  for (;;) {
    await red.next(); // asks for a warm-up flood
    pbx.proc.send({ cmd: "flood", events: WARMUP_EVENTS });
    const warm = await pbx.next();
    const dropped = warm.loggedInAfter < warm.loggedInBefore;
    warmDrops.push(dropped);
    const again = dropped && warmDrops.length < MAX_WARMUPS;
    red.proc.send({ dropped, again });
    if (!again) break;
  }
  await red.next();
  pbx.proc.send({ cmd: "flood", events: EVENTS });
  const flood = await pbx.next();
  const r = await red.next();
  pbx.proc.send({ cmd: "close" });
  await new Promise((res) => red.proc.once("exit", res));

  const k = (n: number) => Math.round(n).toLocaleString("en-US");
  // Complete: every event of the flood read on one session that the PBX still had at the end.
  const problems: string[] = [];
  if (r.received < EVENTS) problems.push(`Node-RED read ${k(r.received)} of ${k(EVENTS)} events`);
  if (r.reconnects > 0) problems.push(`Node-RED lost its session ${r.reconnects} time(s)`);
  if (flood.loggedInAfter < flood.loggedInBefore) problems.push(`the PBX dropped the session (write timeout): ${flood.loggedInBefore} logged in before the flood, ${flood.loggedInAfter} after`);
  if (r.stalled) problems.push("nothing was read or delivered for 15 s");
  const baseProblem = baseline.incomplete ? `baseline incomplete: ${baseline.incomplete}` : undefined;
  const complete = problems.length === 0;
  const perEvent = r.reached > 0 ? r.delivered / r.reached : 0;

  console.log("");
  console.log(`Flow benchmark: ${k(EVENTS)} events flooded by the simulated PBX (own process, 100 ms write timeout) into Node-RED ${require(require.resolve("node-red/package.json", { paths: [ROOT] })).version}: 10 ami in nodes (names, list, wildcards, regex, header conditions) -> counter nodes`);
  if (complete) {
    console.log(
      `RESULT: ${k(r.reachedPerSecond)} events/s delivered into the flow (${k(r.reached)} distinct events reached at least one node in ${r.seconds.toFixed(2)} s), ` +
        `${k(r.deliveredPerSecond)} messages/s (${perEvent.toFixed(2)} per event delivered); dropped by the backlogs: ${k(r.dropped)} messages, ${k(r.decoded - r.reached)} events reached no node`,
    );
  } else {
    console.log(`RESULT: INCOMPLETE RUN, no rates reported: ${problems.join("; ")}.`);
    console.log(`  counted until it ended (${r.seconds.toFixed(2)} s): ${k(r.received)} events read, ${k(r.reached)} reached a node, ${k(r.delivered)} messages delivered, ${k(r.dropped)} dropped by the backlogs`);
  }
  console.log(`${"what".padEnd(56)} ${"value".padStart(16)}`);
  const row = (what: string, value: string) => console.log(`${what.padEnd(56)} ${value.padStart(16)}`);
  const rate = (n: number, unit: string) => (complete ? `${k(n)} ${unit}` : "(incomplete)");
  row("baseline: bare AmiClient, every event decoded", baseProblem ? "(incomplete)" : `${k(baseline.eventsPerSecond)} ev/s`);
  row("Node-RED: events read from the socket", rate(r.eventsPerSecond, "ev/s"));
  row("Node-RED: events decoded for the flow (wanted by a node)", rate(r.eventsIntoFlowPerSecond, "ev/s"));
  row("Node-RED: events delivered (reached >= 1 node)", rate(r.reachedPerSecond, "ev/s"));
  row("Node-RED: messages delivered (over the 10 nodes)", rate(r.deliveredPerSecond, "msg/s"));
  row("Node-RED: events skipped without decoding", rate(r.skippedPerSecond, "ev/s"));
  row("Node-RED: events read / decoded / delivered", `${k(r.received)} / ${k(r.decoded)} / ${k(r.reached)}`);
  row("Node-RED: messages dropped by ami in backlogs", k(r.dropped));
  row("Node-RED: events decoded that reached no node", k(r.decoded - r.reached));
  row("Node-RED: sessions lost (client reconnects)", String(r.reconnects));
  row("PBX: sessions logged in before -> after the flood", `${flood.loggedInBefore} -> ${flood.loggedInAfter}`);
  const drops = warmDrops.filter(Boolean).length;
  row(
    `warm-up floods before it (${k(WARMUP_EVENTS)} events each, not measured)`,
    drops === 0 ? "1, session kept" : `${warmDrops.length}, session dropped in ${drops}${warmDrops[warmDrops.length - 1] ? " (the measured flood met a cold runtime)" : ""}`,
  );
  row("Node-RED / baseline (events read)", complete && !baseProblem ? `${(r.eventsPerSecond / baseline.eventsPerSecond).toFixed(2)}` : "(incomplete)");
  row("heap after gc, before -> after the flood", `${r.heapBeforeMB} -> ${r.heapAfterMB} MB`);
  row("Node-RED: longest gap between socket reads", `${r.maxReadGapMs} ms`);
  row("Node-RED: longest event-loop delay", `${r.maxLoopDelayMs} ms`);
  row("Node-RED: event-loop utilization during the flood", `${Math.round(r.loopUtilization * 100)} %`);
  if (baseProblem) console.log(baseProblem);
  if (r.unknown > 0) console.log(`note: ${k(r.unknown)} messages carried no event of the flood (not counted as events delivered)`);
  console.log(`messages per node: ${r.perNode.join(", ")} (delivered ${k(r.delivered)} in ${r.seconds.toFixed(2)} s); delivery windows at the end: ${r.windows.join(", ")}`);
  console.log("heapUsed / RSS over the flood:");
  for (const s of r.samples as Sample[]) console.log(`  ${k(s.events).padStart(9)} events  ${s.seconds.toFixed(2).padStart(6)} s  heap ${String(s.heapMB).padStart(6)} MB  RSS ${String(s.rssMB).padStart(6)} MB`);
}

const [mode, portArg] = process.argv.slice(2);
if (mode === "pbx") void runPbx();
else if (mode === "client") runClient(Number(portArg));
else if (mode === "node-red") void runNodeRed(Number(portArg));
else
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
