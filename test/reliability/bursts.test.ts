import * as assert from "node:assert/strict";
import { ChildProcess, fork } from "node:child_process";
import * as path from "node:path";
import { ADMIN, TAB as tab, amiIn, connectionOf, helper, server, sink, waitConnected, waitFor } from "../nodes/harness";
import { floodIndex } from "../../simulator/flood";
import { functionNode, nodes } from "./support";
import { backlogOf, liveClientOf } from "../helpers/seam";

/**
 * Bursts as a PBX sends them (a trunk dropping 200 calls, a reload, a campaign): the simulated PBX,
 * in its own process with Asterisk's write timeout, writes a burst at line rate; "ami in" nodes with
 * default settings feed flows. No event may be lost while memory allows, all must come in order,
 * the session must hold. When the flow is slower than the PBX for the whole burst and the bound in
 * bytes is small, the drops are counted exactly and the memory stays within the bound.
 */

/** What reached one sink: how many events of the flood, whether each came after the one before. */
interface Tally {
  count: number;
  last: number;
  outOfOrder: number;
  gapsFlagged: number;
}

function tally(id: string): Tally {
  const t: Tally = { count: 0, last: -1, outOfOrder: 0, gapsFlagged: 0 };
  helper.getNode(id).on("input", (msg: { topic?: string; payload?: Record<string, unknown>; ami?: { dropped?: number } }) => {
    const i = floodIndex(msg.topic, msg.payload?.Uniqueid);
    if (i < 0) return; // FullyBooted and the like
    t.count++;
    if (i <= t.last) t.outOfOrder++;
    t.last = i;
    t.gapsFlagged += msg.ami?.dropped ?? 0;
  });
  return t;
}

describe("reliability: bursts of events into ami in (the PBX in its own process)", function () {
  this.timeout(60000);
  let child: ChildProcess | undefined;
  let port = 0;
  const replies: Array<Record<string, number>> = [];
  const next = async (): Promise<Record<string, number>> => {
    await waitFor(() => replies.length > 0, "the PBX process", 30000);
    return replies.shift()!;
  };
  // The test helper spies on Node.prototype (send, status, warn...) and on the runtime's log, and
  // Node-RED logs two metrics per message to that log: each call recorded, proxied and re-emitted
  // costs about 0.1 ms, ten times what the runtime's own delivery costs (profiled: 3.7 s of sinon in
  // a 100,000-event burst). The bursts are about delivery, so the spies are taken off before each
  // burst (helper.unload takes them off again, harmlessly) and the ami in nodes' status and warn
  // calls are recorded on the nodes themselves.
  const seen = new Map<string, { status: string[]; warn: string[] }>();
  function unspy(ids: string[]): void {
    for (const id of ids) {
      const n = helper.getNode(id);
      const rec = { status: [] as string[], warn: [] as string[] };
      seen.set(id, rec);
      const status = n.status.bind(n);
      const warn = n.warn.bind(n);
      n.status = (st: { text?: string }) => (rec.status.push(String(st?.text)), status(st));
      n.warn = (m: unknown) => (rec.warn.push(String(m)), warn(m));
    }
    helper._sandbox.restore();
  }

  beforeEach(async () => {
    child = fork(path.join(__dirname, "pbx-process.js"), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    child.on("message", (m: Record<string, number>) => replies.push(m));
    port = (await next()).port;
  });
  afterEach(async () => {
    seen.clear();
    await helper.unload();
    child?.send({ cmd: "close" });
    await new Promise((r) => child?.once("exit", r));
    child = undefined;
    replies.length = 0;
  });

  /** Floods `events` and waits until the nodes' sinks got `expected` between them, or their backlogs are idle. */
  /**
   * The PBX drops a client whose writes stay blocked: here after 300 ms, not Asterisk's 100 ms. On
   * this shared 2-core machine the 100,000-event burst lost the session in 1 of 3 runs at 100 ms
   * while the longest turn of this process's event loop was 50 ms (measured as below): the other
   * process's scheduling, not the node, so the burst's delivery is what is tested here (as storm
   * 8a does). `npm run bench` (bench/bursts.ts) floods with the 100 ms and reports the session.
   */
  async function burst(events: number, done: () => boolean, writeTimeoutMs = 300): Promise<Record<string, number>> {
    // The longest turn of the event loop during the burst, said when the burst fails.
    let longest = 0;
    let at = performance.now();
    let on = true;
    const turn = (): void => {
      const now = performance.now();
      longest = Math.max(longest, now - at);
      at = now;
      if (on) setImmediate(turn);
    };
    setImmediate(turn);
    try {
      child!.send({ cmd: "flood", events, writeTimeoutMs });
      const flood = await next();
      const client = liveClientOf(connectionOf("s1"));
      await waitFor(() => done() || client.stats.reconnects > 0, `the burst of ${events} to be delivered`, 40000).catch((err: Error) => {
        throw new Error(`${err.message} (longest turn ${longest.toFixed(0)} ms; PBX sessions after the flood ${flood.loggedInAfter})`);
      });
      assert.equal(client.stats.reconnects, 0, `the session was lost during the burst (longest turn ${longest.toFixed(0)} ms; PBX sessions after the flood ${flood.loggedInAfter})`);
      return flood;
    } finally {
      on = false;
    }
  }

  for (const events of [2_000, 5_000, 100_000]) {
    it(`a burst of ${events.toLocaleString("en-US")} events at line rate into a counting flow: every one delivered, in order, the session kept (default settings)`, async () => {
      await helper.load(nodes(functionNode), [tab, server("s1", port), amiIn("in", "s1", {}, ["count"]), { id: "count", type: "function", z: "t1", x: 0, y: 0, func: "context.set('n', (context.get('n') || 0) + 1);\nreturn msg;", outputs: 1, wires: [["out"]] }, sink("out")], { s1: ADMIN });
      const got = tally("out");
      await waitConnected("s1");
      unspy(["in"]);
      const client = liveClientOf(connectionOf("s1"));
      const flood = await burst(events, () => got.count >= events);
      const stats = backlogOf(connectionOf("s1"), "in");
      assert.equal(got.count, events, "every event delivered");
      assert.equal(got.outOfOrder, 0, "in order");
      assert.equal(stats.dropped, 0, "nothing dropped");
      assert.equal(flood.loggedInAfter, 1, "the PBX never dropped the session (write timeout)");
      assert.equal(client.stats.reconnects, 0);
      console.log(`      (${events} events: peak waiting ${stats.peakQueued} events, ${(stats.peakBytes / 2 ** 20).toFixed(1)} MB; ${stats.costMs.toFixed(3)} ms per message, window ${stats.window})`);
    });
  }

  it("a flow slower than the PBX for the whole burst, with a small bound (0.25 MB): delivered + dropped = sent, drops counted and flagged, never more than the bound waiting", async () => {
    const events = 20_000;
    const bound = 0.25;
    await helper.load(
      nodes(functionNode),
      [
        tab,
        server("s1", port),
        amiIn("in", "s1", { backlogSize: String(bound) }, ["slow"]),
        // 1 ms per message: the flow takes about 1,000 events/s, the PBX writes far faster.
        { id: "slow", type: "function", z: "t1", x: 0, y: 0, func: "const t = Date.now(); while (Date.now() - t < 1) {}\nreturn msg;", outputs: 1, wires: [["out"]] },
        sink("out"),
      ],
      { s1: ADMIN },
    );
    const got = tally("out");
    await waitConnected("s1");
    unspy(["in"]);
    const stats = () => backlogOf(connectionOf("s1"), "in");
    const flood = await burst(events, () => stats().queued === 0 && stats().inFlight === 0 && got.count + stats().dropped >= events);
    const s = stats();
    assert.ok(s.dropped > 0, "the slow flow could not take them all");
    assert.equal(got.count + s.dropped, events, `delivered ${got.count} + dropped ${s.dropped} = sent ${events}`);
    assert.equal(got.outOfOrder, 0, "what was delivered came in order");
    assert.ok(got.gapsFlagged > 0 && got.gapsFlagged <= s.dropped, `msg.ami.dropped on the message after a gap (${got.gapsFlagged} of ${s.dropped})`);
    assert.ok(s.peakBytes <= bound * 2 ** 20, `at most the bound waited: ${s.peakBytes} bytes`);
    assert.equal(flood.loggedInAfter, 1, "the session held");
    const rec = seen.get("in")!;
    assert.ok(rec.status.some((t) => /dropped/.test(t)), `the status shows the drops: ${rec.status.slice(-3).join(" | ")}`);
    assert.ok(rec.warn.some((l) => /backlog of 0\.25 MB is full/.test(l)), rec.warn.join("\n"));
  });

  it("five ami in nodes with different filters on one connection each get every event of theirs, in order, from a 100,000-event burst", async () => {
    const events = 100_000;
    const filters: Array<[Record<string, unknown>, (i: number) => boolean]> = [
      [{ names: ["Newchannel"] }, (i) => i % 7 === 0],
      [{ names: ["Hangup"] }, (i) => i % 7 === 6],
      [{ names: ["Dial*"] }, (i) => i % 7 === 2],
      [{ nameMode: "regex", regex: "^(UserEvent|Newstate)$" }, (i) => i % 7 === 4 || i % 7 === 5],
      [{ names: ["VarSet"], conditions: [{ field: "Variable", op: "eq", value: "VAR1" }] }, (i) => i % 7 === 1],
    ];
    const flow: Array<Record<string, unknown>> = [tab, server("s1", port)];
    filters.forEach(([f], k) => flow.push(amiIn(`in${k}`, "s1", f, [`out${k}`]), sink(`out${k}`)));
    await helper.load(nodes(), flow, { s1: ADMIN });
    const tallies = filters.map((_f, k) => tally(`out${k}`));
    const expected = filters.map(([, wanted]) => Array.from({ length: events }, (_x, i) => i).filter(wanted).length);
    await waitConnected("s1");
    unspy(filters.map((_f, k) => `in${k}`));
    const flood = await burst(events, () => tallies.every((t, k) => t.count >= expected[k]));
    filters.forEach((_f, k) => {
      const s = backlogOf(connectionOf("s1"), `in${k}`);
      assert.equal(tallies[k].count, expected[k], `node ${k}: all ${expected[k]} of its events`);
      assert.equal(tallies[k].outOfOrder, 0, `node ${k}: in order`);
      assert.equal(s.dropped, 0, `node ${k}: nothing dropped`);
    });
    assert.equal(flood.loggedInAfter, 1, "the session held");
  });
});
