import * as fs from "node:fs";
import * as path from "node:path";
import { FLOOD_MODULE, benchServer, child, runPbx, startNodeRed } from "./processes";
import { PerformanceObserver, monitorEventLoopDelay } from "node:perf_hooks";
import { backlogOf, liveClientOf, socketOf } from "../test/helpers/seam";

/**
 * What a user gets from one "ami in" node with default settings, wired to a node that only counts,
 * in a real (embedded) Node-RED, while the simulated PBX (its own process, Asterisk's 100 ms write
 * timeout) writes bursts at line rate: per burst of 2,000, 5,000, 100,000 and 1,000,000 events, the
 * share delivered, in order or not, events/s, peak RSS and heap, the longest event-loop turn, and
 * whether the session held, and for how long at most the socket was not read. Then the CPU Node-RED
 * uses at a steady 2,000 events/s (each event its own write, as Asterisk writes them), beside two
 * baselines measured in the same run: a bare AmiClient in its own process decoding the same events
 * (the protocol's cost), and the same Node-RED sending the same messages from a node of its own
 * (Node-RED's cost to carry them, without AMI).
 *
 * Run as part of `npm run bench`; alone: `node build/bench/bursts.js`. BENCH_BURSTS="2000,5000"
 * sets the bursts (2,000 and 5,000 with a steady run of 2 s when BENCH_EVENTS asks for a short run), BENCH_STEADY_SECONDS the steady run (10 s), BENCH_BACKLOG_MB the node's Backlog,
 * BENCH_CPU_PROF=file writes Node-RED's CPU profile of the steady run there, BENCH_BURST_PROF=prefix
 * those of the bursts (prefix.<events>.cpuprofile).
 */

const ROOT = path.join(__dirname, "..", "..");
const ADMIN = { username: "admin", secret: "amp111" };
/** A short run (CI's smoke run of `npm run bench` asks for one with a small BENCH_EVENTS). */
const SHORT = Number(process.env.BENCH_EVENTS ?? 400_000) < 400_000;
const BURSTS = (process.env.BENCH_BURSTS ?? (SHORT ? "2000,5000" : "2000,5000,100000,1000000")).split(",").map(Number).filter((n) => n > 0);
const STEADY_RATE = 2000;
const STEADY_SECONDS = Number(process.env.BENCH_STEADY_SECONDS ?? (SHORT ? 2 : 10));

const mb = (n: number): number => Math.round((n / 2 ** 20) * 10) / 10;


// ------------------------------------------------------------------ the baseline (child)

/**
 * A bare AmiClient on the same PBX decoding every event into an object: the protocol's own cost.
 * With `raw`, a plain socket that logs in by hand and only counts the events' blank lines: what
 * receiving 2,000 small writes a second costs a Node.js process at all, before any AMI work.
 */
async function runClient(port: number, raw: boolean): Promise<void> {
  let received = 0;
  let close: () => Promise<unknown>;
  if (raw) {
    const net = await import("node:net");
    const socket = net.connect(port, "127.0.0.1");
    let loggedIn = false;
    let tail = "";
    await new Promise<void>((resolve) => {
      socket.on("data", (chunk: Buffer) => {
        const text = tail + chunk.toString("latin1");
        if (!loggedIn) {
          if (text.includes("Authentication accepted")) {
            loggedIn = true;
            resolve();
          }
          tail = text.slice(-64);
          return;
        }
        for (let i = text.indexOf("\r\n\r\n"); i >= 0; i = text.indexOf("\r\n\r\n", i + 4)) if (i >= tail.length - 3) received++;
        tail = text.slice(-3);
      });
      socket.write(`Action: Login\r\nUsername: ${ADMIN.username}\r\nSecret: ${ADMIN.secret}\r\n\r\n`);
    });
    received = 0;
    close = () => {
      socket.destroy();
      return Promise.resolve();
    };
  } else {
    const { AmiClient } = await import("../src/ami/client");
    const client = new AmiClient({ host: "127.0.0.1", port, ...ADMIN, keepaliveInterval: 0, reconnect: false });
    client.subscribeFrames("*", (frame) => {
      if (frame.toObject().Uniqueid !== undefined) received++;
    });
    const ready = new Promise((r) => client.once("ready", r));
    client.connect();
    await ready;
    close = () => client.close();
  }
  process.send?.({ ready: true });
  process.on("message", (m: { cmd: string; seconds: number }) => {
    void (async () => {
      if (m.cmd === "warm") {
        // A fresh process: what V8 compiles the first time would count against the baseline.
        received = 0;
        process.send?.({ flood: 20_000 });
        while (received < 20_000) await new Promise((r) => setTimeout(r, 20));
        process.send?.({ warmed: true });
      } else if (m.cmd === "steady") {
        received = 0;
        const events = STEADY_RATE * m.seconds;
        const cpu = await cpuPercent(async () => {
          process.send?.({ flood: events, perSecond: STEADY_RATE });
          while (received < events) await new Promise((r) => setTimeout(r, 20));
        });
        process.send?.({ cpu, received });
      } else if (m.cmd === "stop") {
        await close();
        process.exit(0);
      }
    })();
  });
}

// ------------------------------------------------------------------ Node-RED (child)

interface Tally {
  delivered: number;
  /** Flood index of the last event delivered, and how often one came before the one before it. */
  last: number;
  outOfOrder: number;
  lastAt: number;
}

async function runNodeRed(port: number): Promise<void> {
  const tally: Tally = { delivered: 0, last: -1, outOfOrder: 0, lastAt: 0 };
  (global as unknown as { __amiTally: Tally }).__amiTally = tally;
  // The flow's only work: count, and check that each event comes after the one before it.
  const count = `module.exports = function (RED) {
  const { floodIndex } = require(${JSON.stringify(FLOOD_MODULE)});
  function BenchCount(n) {
    RED.nodes.createNode(this, n);
    const t = global.__amiTally;
    this.on("input", (msg, send, done) => {
      const i = floodIndex(msg.topic, msg.payload.Uniqueid);
      if (i < 0) return done(); // not the flood's (FullyBooted...)
      t.delivered++;
      t.lastAt = performance.now();
      if (i <= t.last) t.outOfOrder++;
      t.last = i;
      done();
    });
  }
  RED.nodes.registerType("bench-count", BenchCount);
};\n`;
  // Node-RED's own floor: messages like ami in's (a fresh 16-header payload each) sent straight to the counter.
  const source = `module.exports = function (RED) {
  const { FLOOD_KINDS, FLOOD_UNIQUEID } = require(${JSON.stringify(FLOOD_MODULE)});
  function BenchSource(n) {
    RED.nodes.createNode(this, n);
    global.__amiSource = (i) => {
      const call = Math.floor(i / 7);
      const payload = { Event: "Newstate", Privilege: "call,all", Channel: "Local/100@test-" + call + ";2", ChannelState: "6", ChannelStateDesc: "Up",
        CallerIDNum: "5551234", CallerIDName: "Lab Caller", ConnectedLineNum: "5551234", ConnectedLineName: "Lab Caller", Language: "en",
        AccountCode: "", Context: "test", Exten: "100", Priority: "1", Uniqueid: FLOOD_UNIQUEID + (call * 2), Linkedid: FLOOD_UNIQUEID + (call * 2) };
      this.send({ topic: FLOOD_KINDS[i % 7], payload, ami: { server: "bench", event: "Newstate" } });
    };
  }
  RED.nodes.registerType("bench-source", BenchSource);
};\n`;
  const flow = [
    { id: "tab", type: "tab", label: "bench" },
    benchServer(port),
    { id: "in", type: "asterisk-ami-in", z: "tab", x: 100, y: 40, server: "s1", name: "", nameMode: "list", names: [], regex: "", conditions: [], backlogSize: process.env.BENCH_BACKLOG_MB ?? "", backlog: "", wires: [["count"]] },
    { id: "count", type: "bench-count", z: "tab", x: 300, y: 40, wires: [] },
    { id: "source", type: "bench-source", z: "tab", x: 100, y: 100, wires: [["count"]] },
  ];
  const { RED, userDir } = await startNodeRed({ prefix: "ami-bursts-", nodes: { "bench-count": { source: count }, "bench-source": { source, inputs: 0, outputs: 1 } }, flow });
  for (let i = 0; i < 500 && RED.nodes.getNode("s1")?.connection?.state !== "ready"; i++) await new Promise((r) => setTimeout(r, 20));
  const connection = RED.nodes.getNode("s1").connection;
  const backlog = () => backlogOf(connection, "in");
  await new Promise((r) => setTimeout(r, 300));
  process.send?.({ ready: true });

  process.on("message", (m: { cmd: string; events?: number; seconds?: number }) => {
    void (async () => {
      if (m.cmd === "burst") process.send?.(await burst(m.events ?? 0));
      else if (m.cmd === "floor") process.send?.(await floor(m.seconds ?? STEADY_SECONDS));
      else if (m.cmd === "steady") process.send?.(await steady(m.seconds ?? STEADY_SECONDS));
      else if (m.cmd === "stop") {
        await RED.stop();
        fs.rmSync(userDir, { recursive: true, force: true });
        process.exit(0);
      }
    })();
  });

  async function burst(events: number): Promise<Record<string, unknown>> {
    const client = liveClientOf(connection);
    const base = { received: client.stats.eventsReceived, reconnects: client.stats.reconnects, dropped: backlog().dropped };
    tally.delivered = tally.outOfOrder = 0;
    tally.last = -1;
    (global as { gc?: () => void }).gc?.();
    let peakRss = 0;
    let peakHeap = 0;
    let longestTurn = 0;
    let turnAt = performance.now();
    let turning = true;
    // BENCH_DEBUG=1: the turns over 40 ms, with the time in the socket's data handlers and the bytes read.
    let readMs = 0;
    let readBytes = 0;
    let readStart = 0;
    const long: string[] = [];
    let lastReadAt = 0;
    let readGap = 0;
    const onReadStart = (): void => {
      readStart = performance.now();
      if (lastReadAt > 0) readGap = Math.max(readGap, readStart - lastReadAt);
      lastReadAt = readStart;
    };
    const onRead = (chunk: Buffer): void => void ((readMs += performance.now() - readStart), (readBytes += chunk.length));
    socketOf(client)?.prependListener("data", onReadStart);
    if (process.env.BENCH_DEBUG) socketOf(client)?.on("data", onRead);
    const turn = (): void => {
      const now = performance.now();
      if (now - turnAt > 40 && process.env.BENCH_DEBUG) long.push(`turn ${(now - turnAt).toFixed(0)} ms: reading ${readMs.toFixed(0)} ms (${readBytes} B)`);
      readMs = readBytes = 0;
      longestTurn = Math.max(longestTurn, now - turnAt);
      turnAt = now;
      if (turning) setImmediate(turn);
    };
    setImmediate(turn);
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    let gcMax = 0;
    const gcs = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) gcMax = Math.max(gcMax, e.duration);
    });
    gcs.observe({ entryTypes: ["gc"] });
    let started = 0;
    const profile = process.env.BENCH_BURST_PROF ? await startProfile() : undefined;
    process.send?.({ flood: events });
    await new Promise<void>((resolve) => {
      let quietSince = performance.now();
      let seen = -1;
      const poll = setInterval(() => {
        const m = process.memoryUsage();
        peakRss = Math.max(peakRss, m.rss);
        peakHeap = Math.max(peakHeap, m.heapUsed);
        const got = client.stats.eventsReceived - base.received;
        if (got > 0 && started === 0) started = performance.now();
        const b = backlog();
        const lost = client.stats.reconnects > base.reconnects;
        if (tally.delivered + (b.dropped - base.dropped) >= events || (lost && b.queued === 0)) return void (clearInterval(poll), resolve());
        if (got + tally.delivered !== seen) {
          seen = got + tally.delivered;
          quietSince = performance.now();
        }
        else if (performance.now() - quietSince > 15_000) return void (clearInterval(poll), resolve());
      }, 5);
    });
    turning = false;
    delay.disable();
    gcs.disconnect();
    if (long.length) console.log(long.slice(0, 20).join("\n"));
    if (profile) fs.writeFileSync(`${process.env.BENCH_BURST_PROF}.${events}.cpuprofile`, JSON.stringify(await profile()));
    socketOf(client)?.off("data", onReadStart);
    socketOf(client)?.off("data", onRead);
    const seconds = (tally.lastAt - started) / 1000;
    return {
      events,
      delivered: tally.delivered,
      dropped: backlog().dropped - base.dropped,
      outOfOrder: tally.outOfOrder,
      seconds,
      perSecond: tally.delivered / seconds,
      peakRssMB: mb(peakRss),
      peakHeapMB: mb(peakHeap),
      peakQueuedMB: mb(backlog().peakBytes),
      longestTurnMs: Math.round(longestTurn),
      longestGcMs: Math.round(gcMax),
      readGapMs: Math.round(readGap),
      sessionsLost: client.stats.reconnects - base.reconnects,
    };
  }

  /** The same messages at the same rate from a node that only sends them: Node-RED's own cost. */
  async function floor(seconds: number): Promise<Record<string, unknown>> {
    const source = (global as unknown as { __amiSource: (i: number) => void }).__amiSource;
    tally.delivered = 0;
    tally.last = -1;
    const events = STEADY_RATE * seconds;
    const cpu = await cpuPercent(async () => {
      const start = performance.now();
      let i = 0;
      while (i < events) {
        const due = Math.min(events, Math.floor(((performance.now() - start) / 1000) * STEADY_RATE) + 1);
        for (; i < due; i++) source(i);
        await new Promise((r) => setTimeout(r, 10));
      }
      while (tally.delivered < events) await new Promise((r) => setTimeout(r, 20));
    });
    process.send?.({ flood: 0 });
    return { cpu, delivered: tally.delivered };
  }

  async function steady(seconds: number): Promise<Record<string, unknown>> {
    const measure = cpuPercent;
    const idle = await measure(() => new Promise((r) => setTimeout(r, seconds * 1000)));
    tally.delivered = 0;
    tally.last = -1;
    const events = STEADY_RATE * seconds;
    const profile = process.env.BENCH_CPU_PROF ? await startProfile() : undefined;
    let reads = 0;
    const onData = (): void => void reads++;
    socketOf(liveClientOf(connection))?.on("data", onData);
    const busy = await measure(async () => {
      process.send?.({ flood: events, perSecond: STEADY_RATE });
      while (tally.delivered < events) await new Promise((r) => setTimeout(r, 20));
    });
    socketOf(liveClientOf(connection))?.off("data", onData);
    if (profile) fs.writeFileSync(process.env.BENCH_CPU_PROF as string, JSON.stringify(await profile()));
    if (process.env.BENCH_DEBUG) console.log(JSON.stringify(backlog()));
    return { idleCpu: idle, busyCpu: busy, delivered: tally.delivered, events, outOfOrder: tally.outOfOrder, reads };
  }
}

/** CPU time of this process while `what` runs, in % of one core. */
async function cpuPercent(what: () => Promise<unknown>): Promise<number> {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await what();
  const used = process.cpuUsage(cpu);
  return ((used.user + used.system) / 1000 / (performance.now() - t0)) * 100;
}

/** Starts the V8 profiler in this process; the function returned stops it and gives the profile. */
async function startProfile(): Promise<() => Promise<unknown>> {
  const { Session } = await import("node:inspector");
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object): Promise<any> => new Promise((res, rej) => session.post(method, params ?? {}, (err, r) => (err ? rej(err) : res(r))));
  await post("Profiler.enable");
  await post("Profiler.start");
  return async () => (await post("Profiler.stop")).profile;
}

// ------------------------------------------------------------------ the orchestrator


async function main(): Promise<void> {
  const pbx = child(__filename, ["pbx"]);
  const { port } = await pbx.next();
  const red = child(__filename, ["node-red", String(port)], ["--expose-gc"]);
  await red.next();
  // Node-RED asks for each flood once it is measuring; the PBX answers when the flood is written.
  const run = async (cmd: Record<string, unknown>, to = red): Promise<any> => {
    to.proc.send(cmd);
    const ask = await to.next();
    pbx.proc.send({ cmd: "flood", events: ask.flood, perSecond: ask.perSecond });
    const [result, flood] = await Promise.all([to.next(), pbx.next()]);
    return { ...result, pbxDropped: flood.loggedInAfter < flood.loggedInBefore };
  };
  const version = require(require.resolve("node-red/package.json", { paths: [ROOT] })).version;
  const k = (n: number) => Math.round(n).toLocaleString("en-US");
  console.log("");
  console.log(`Bursts into one "ami in" node (default settings${process.env.BENCH_BACKLOG_MB ? `, Backlog ${process.env.BENCH_BACKLOG_MB} MB` : ""}) -> a node that counts, Node-RED ${version}, the simulated PBX writing at line rate in its own process`);
  console.log(`${"burst".padStart(9)} ${"delivered".padStart(10)} ${"in order".padStart(9)} ${"dropped".padStart(9)} ${"events/s".padStart(9)} ${"peak RSS".padStart(9)} ${"peak heap".padStart(10)} ${"peak queued".padStart(12)} ${"unread for".padStart(13)} ${"longest turn".padStart(13)} ${"longest GC".padStart(11)} ${"session".padStart(8)}`);
  for (const events of BURSTS) {
    const r = await run({ cmd: "burst", events });
    const pct = (100 * r.delivered) / events;
    console.log(
      `${k(events).padStart(9)} ${`${pct.toFixed(pct === 100 ? 0 : 1)} %`.padStart(10)} ${(r.outOfOrder === 0 ? "yes" : `${r.outOfOrder} not`).padStart(9)} ${k(r.dropped).padStart(9)} ${k(r.perSecond).padStart(9)} ` +
        `${`${r.peakRssMB} MB`.padStart(9)} ${`${r.peakHeapMB} MB`.padStart(10)} ${`${r.peakQueuedMB} MB`.padStart(12)} ${`${r.readGapMs} ms`.padStart(13)} ${`${r.longestTurnMs} ms`.padStart(13)} ${`${r.longestGcMs} ms`.padStart(11)} ${(r.sessionsLost === 0 && !r.pbxDropped ? "kept" : "LOST").padStart(8)}`,
    );
  }
  const s = await run({ cmd: "steady", seconds: STEADY_SECONDS });
  const f = await run({ cmd: "floor", seconds: STEADY_SECONDS });
  // The protocol alone: a bare AmiClient in its own process on the same PBX, the same flood.
  const base = child(__filename, ["client", String(port)]);
  await base.next();
  await run({ cmd: "warm" }, base);
  const b = await run({ cmd: "steady", seconds: STEADY_SECONDS }, base);
  base.proc.send({ cmd: "stop" });
  // The floor under both: a plain socket only counting the events it receives.
  const socket = child(__filename, ["raw", String(port)]);
  await socket.next();
  await run({ cmd: "warm" }, socket);
  const r = await run({ cmd: "steady", seconds: STEADY_SECONDS }, socket);
  socket.proc.send({ cmd: "stop" });
  console.log(
    `steady ${k(STEADY_RATE)} events/s for ${STEADY_SECONDS} s (each event its own write, ${k(s.reads)} socket reads): ${k(s.delivered)} of ${k(s.events)} delivered${s.outOfOrder ? `, ${s.outOfOrder} out of order` : ", in order"}`,
  );
  console.log(`  CPU, % of one core: Node-RED with ami in -> counter ${s.busyCpu.toFixed(1)} % (idle on the same connection ${s.idleCpu.toFixed(1)} %)`);
  console.log(`  baselines in this run: bare AmiClient decoding every event ${b.cpu.toFixed(1)} %; Node-RED sending the same messages from a node (no AMI) ${f.cpu.toFixed(1)} %; a plain socket only counting them ${r.cpu.toFixed(1)} %`);
  console.log(`  ratio: ami in flow / (AmiClient + Node-RED's own) = ${(s.busyCpu / (b.cpu + f.cpu)).toFixed(2)}`);
  red.proc.send({ cmd: "stop" });
  pbx.proc.send({ cmd: "close" });
  await new Promise((r) => red.proc.once("exit", r));
}

const [mode, portArg] = process.argv.slice(2);
if (mode === "pbx") void runPbx();
else if (mode === "client" || mode === "raw") void runClient(Number(portArg), mode === "raw");
else if (mode === "node-red") void runNodeRed(Number(portArg));
else
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
