import { child, runPbx } from "./processes";
import { EVENTS, MAX_WARMUPS, ROOT, Sample, WARMUP_EVENTS } from "./flow-config";
import { runClient, runNodeRed } from "./flow-readers";

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
 *
 * This file runs the flood and reports; the two readers are in flow-readers.ts, the settings in
 * flow-config.ts. Each process is this file started again with its role as argument.
 */

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
