import * as net from "node:net";
import { AmiClient } from "../src/ami/client";

/**
 * One measurement in a fresh process (so heap figures are its own): connect to the flood server,
 * read the whole stream in the given mode, print events/s and memory as JSON.
 */
type Mode = "client-full" | "client-narrow" | "baseline" | "raw";
const [mode, portArg, countArg] = process.argv.slice(2) as [Mode, string, string];
const port = Number(portArg);
const expected = Number(countArg);

let peakHeap = 0;
let peakRss = 0;
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  peakHeap = Math.max(peakHeap, m.heapUsed);
  peakRss = Math.max(peakRss, m.rss);
}, 20);

function finish(started: number, delivered: number): void {
  const seconds = (performance.now() - started) / 1000;
  const m = process.memoryUsage();
  peakHeap = Math.max(peakHeap, m.heapUsed);
  peakRss = Math.max(peakRss, m.rss);
  clearInterval(sampler);
  process.stdout.write(
    JSON.stringify({ mode, seconds, eventsPerSecond: expected / seconds, delivered, peakHeapMB: peakHeap / 2 ** 20, peakRssMB: peakRss / 2 ** 20 }) + "\n",
  );
  process.exit(0);
}

if (mode === "client-full" || mode === "client-narrow") {
  const client = new AmiClient({ host: "127.0.0.1", port, username: "bench", secret: "bench", keepaliveInterval: 0, reconnect: false });
  let delivered = 0;
  let started = 0;
  client.once("ready", () => (started = performance.now()));
  if (mode === "client-full") {
    // Every event decoded into a message (all headers, in order).
    client.subscribe("*", (e) => {
      if (e.event === "BenchDone") finish(started, delivered);
      else delivered++;
    });
  } else {
    // One narrow subscription: the other events are framed and skipped without decoding.
    client.subscribe("UserEvent", () => delivered++);
    client.subscribe("BenchDone", () => finish(started, delivered));
  }
  client.connect();
} else {
  const sock = net.connect({ host: "127.0.0.1", port });
  let started = 0;
  let bannerSeen = false;
  let delivered = 0;
  if (mode === "raw") {
    // Reading the socket and nothing else: the ceiling.
    let tail = "";
    sock.on("data", (d: Buffer) => {
      if (!started) started = performance.now();
      const s = tail + d.toString("latin1", Math.max(0, d.length - 64));
      if (s.includes("BenchDone")) finish(started, expected);
      tail = s.slice(-64);
    });
  } else {
    // The naive parser most AMI clients use: split on "\r\n\r\n", then lines, then the first ":".
    let buffer = "";
    sock.on("data", (d: Buffer) => {
      if (!started) started = performance.now();
      buffer += d.toString();
      const blocks = buffer.split("\r\n\r\n");
      buffer = blocks.pop() ?? "";
      for (let block of blocks) {
        if (!bannerSeen) {
          bannerSeen = true;
          block = block.slice(block.indexOf("\r\n") + 2);
        }
        const msg: Record<string, string> = {};
        for (const line of block.split("\r\n")) {
          const i = line.indexOf(":");
          if (i > 0) msg[line.slice(0, i)] = line.slice(i + 1).trim();
        }
        if (msg.Event === "BenchDone") return finish(started, delivered);
        if (msg.Event) delivered++;
      }
    });
  }
  sock.write("Action: Login\r\nUsername: bench\r\nSecret: bench\r\nActionID: 1\r\n\r\n");
}
