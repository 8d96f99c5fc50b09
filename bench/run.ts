import { ChildProcess, execFileSync, fork } from "node:child_process";
import * as path from "node:path";

/**
 * npm run bench: streams realistic AMI events from a separate process over loopback and measures,
 * in the same run, our client (every event decoded; one narrow subscription), a naive baseline
 * parser and raw socket reading. Each measurement runs in its own process; the median of the runs
 * is reported, with ratios against the baseline measured in this run (machines are noisy: compare
 * ratios, not absolute figures across runs).
 */
const COUNT = Number(process.env.BENCH_EVENTS ?? 400_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const MODES = ["baseline", "client-full", "client-narrow", "raw"] as const;

interface Result {
  mode: string;
  eventsPerSecond: number;
  delivered: number;
  peakHeapMB: number;
  peakRssMB: number;
}

function startServer(): Promise<{ child: ChildProcess; port: number; averageBytes: number }> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, "flood-server.js"), [String(COUNT)], { stdio: ["ignore", "pipe", "inherit", "ipc"] });
    child.stdout?.once("data", (d: Buffer) => {
      const info = JSON.parse(d.toString()) as { port: number; averageBytes: number };
      resolve({ child, ...info });
    });
    child.once("error", reject);
  });
}

function measure(mode: string, port: number): Result {
  const out = execFileSync(process.execPath, [path.join(__dirname, "consume.js"), mode, String(port), String(COUNT)], {
    encoding: "utf8",
    timeout: 120_000,
  });
  return JSON.parse(out.trim().split("\n").pop() as string) as Result;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  const server = await startServer();
  console.log(`AMI event stream: ${COUNT} events, ${server.averageBytes.toFixed(0)} bytes on average (Newchannel, VarSet, DialBegin, Newstate, Hangup, UserEvent from the captures), ${RUNS} runs each, median shown`);
  const rows: Array<Result & { mbps: number }> = [];
  for (const mode of MODES) {
    const runs: Result[] = [];
    for (let i = 0; i < RUNS; i++) runs.push(measure(mode, server.port));
    const eps = median(runs.map((r) => r.eventsPerSecond));
    const pick = runs.find((r) => r.eventsPerSecond === eps) as Result;
    rows.push({ ...pick, mbps: (eps * server.averageBytes) / 2 ** 20 });
  }
  server.child.send("stop");
  // Call tracking: memory per call and CPU per event, in its own process with gc exposed.
  const calls = execFileSync(process.execPath, ["--expose-gc", path.join(__dirname, "calls.js")], { encoding: "utf8", timeout: 300_000 });
  // Queue tracking: memory per member and caller, CPU per event with 50 x 50 members and 500 callers.
  const queues = execFileSync(process.execPath, ["--expose-gc", path.join(__dirname, "queues.js")], { encoding: "utf8", timeout: 300_000 });
  const base = rows.find((r) => r.mode === "baseline") as Result;
  const label: Record<string, string> = {
    baseline: "naive baseline (split, lines, first ':')",
    "client-full": "AmiClient, every event decoded",
    "client-narrow": "AmiClient, one narrow subscription",
    raw: "raw socket reading (ceiling)",
  };
  console.log("");
  console.log(`${"what".padEnd(40)} ${"events/s".padStart(10)} ${"MB/s".padStart(7)} ${"x baseline".padStart(11)} ${"peak heap".padStart(10)} ${"peak RSS".padStart(9)} ${"delivered".padStart(10)}`);
  for (const r of rows) {
    console.log(
      `${label[r.mode].padEnd(40)} ${Math.round(r.eventsPerSecond).toString().padStart(10)} ${r.mbps.toFixed(1).padStart(7)} ${(r.eventsPerSecond / base.eventsPerSecond).toFixed(2).padStart(11)} ${(r.peakHeapMB.toFixed(1) + " MB").padStart(10)} ${(r.peakRssMB.toFixed(0) + " MB").padStart(9)} ${String(r.delivered).padStart(10)}`,
    );
  }
  console.log("");
  process.stdout.write(calls);
  process.stdout.write(queues);
  // Node-RED itself: ten ami in nodes fed by the simulated PBX's flood (bench/flow.ts), with the
  // bare client on the same flood as its baseline. BENCH_FLOW_EVENTS sets its size.
  const flow = execFileSync(process.execPath, [path.join(__dirname, "flow.js")], { encoding: "utf8", timeout: 600_000 });
  process.stdout.write(flow);
  // What one ami in node with default settings delivers from bursts, and its CPU at a steady
  // 2,000 events/s beside two baselines from the same run (bench/bursts.ts).
  const bursts = execFileSync(process.execPath, [path.join(__dirname, "bursts.js")], { encoding: "utf8", timeout: 900_000 });
  process.stdout.write(bursts);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
