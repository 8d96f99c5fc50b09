import * as assert from "node:assert/strict";
import { EventBacklog } from "../../src/node-red/event-router";

/** The "ami in" backlog on its own: FIFO, bounded, drops counted and flagged, window sized by the flow's cost. */
describe("reliability: the ami in backlog", () => {
  /** Node-RED's delivery: a setImmediate per message, then the receiving node's work. */
  function flow(costMs: number, got: Array<[number, number]>) {
    return (item: number, gap: number) =>
      setImmediate(() => {
        const t = performance.now();
        while (performance.now() - t < costMs) {
          /* a slow node */
        }
        got.push([item, gap]);
      });
  }
  const drained = (b: EventBacklog<number>) =>
    new Promise<void>((resolve) => {
      const check = () => (b.stats.queued === 0 && b.stats.inFlight === 0 ? resolve() : setTimeout(check, 5));
      check();
    });

  it("a fast flow gets everything, in order, and nothing is dropped", async () => {
    const got: Array<[number, number]> = [];
    const b = new EventBacklog<number>(flow(0, got), { limit: 100 });
    for (let i = 0; i < 1000; i += 10) {
      for (let k = 0; k < 10; k++) b.push(i + k);
      await new Promise((r) => setImmediate(r));
    }
    await drained(b);
    assert.deepEqual(got.map(([i]) => i), Array.from({ length: 1000 }, (_, i) => i));
    assert.equal(b.stats.dropped, 0);
  });

  it("a slow flow: at most `limit` wait, the rest is dropped and counted, the next message carries the gap, and the window shrinks to the budget", async () => {
    const got: Array<[number, number]> = [];
    const drops: number[] = [];
    const b = new EventBacklog<number>(flow(2, got), { limit: 50, turnBudgetMs: 20 }, (n) => drops.push(n));
    for (let burst = 0; burst < 5; burst++) {
      for (let k = 0; k < 400; k++) b.push(burst * 400 + k);
      await new Promise((r) => setTimeout(r, 30));
    }
    assert.ok(b.stats.peakQueued <= 50);
    await drained(b);
    const s = b.stats;
    assert.equal(got.length + s.dropped, 2000, "every event delivered or counted");
    assert.deepEqual(drops, Array.from({ length: s.dropped }, (_, i) => i + 1), "each drop reported with the running total");
    const order = got.map(([i]) => i);
    assert.deepEqual(order, [...order].sort((x, y) => x - y), "FIFO");
    const flagged = got.reduce((n, [, gap]) => n + gap, 0);
    assert.ok(flagged > 0 && flagged <= s.dropped);
    for (let k = 1; k < got.length; k++) {
      if (got[k][1] > 0) assert.ok(got[k][0] - got[k - 1][0] - 1 >= got[k][1], "the gap sits where events are missing");
    }
    assert.ok(s.window <= 20, `window ${s.window}: about 20 ms of a 2 ms/message flow per turn`);
  });

  it("after close nothing more is delivered", async () => {
    const got: Array<[number, number]> = [];
    const b = new EventBacklog<number>(flow(1, got), { limit: 1000 });
    for (let k = 0; k < 1000; k++) b.push(k);
    const before = b.stats.sent;
    b.close();
    b.push(5000);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(got.length, before, "only what Node-RED had already queued");
  });
});
