import * as assert from "node:assert/strict";
import { DeliveryScheduler } from "../../src/node-red/delivery-scheduler";
import { EventBacklog } from "../../src/node-red/event-backlog";
import { ArrayQueue } from "../helpers/array-queue";
import { drained, flow } from "../helpers/backlog-flow";

/** The "ami in" backlog on its own: FIFO, bounded, drops counted and flagged, window sized by the flow's cost. */
describe("reliability: the ami in backlog", () => {
  it("a slow flow: at most `limit` wait, the rest is dropped and counted, the next message carries the gap, and the window shrinks to the budget", async () => {
    const got: Array<[number, number]> = [];
    const drops: number[] = [];
    const b = new EventBacklog<number>(flow(2, got), { queue: new ArrayQueue<number>(), limit: 50, scheduler: new DeliveryScheduler({ budgetMs: 20 }) }, (n) => drops.push(n));
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

  /** Counts turns of the event loop: one setImmediate per turn, first in its check phase. */
  function turnCounter() {
    const c = { turn: 0, on: true };
    const tick = () => {
      c.turn++;
      if (c.on) setImmediate(tick);
    };
    setImmediate(tick);
    return c;
  }

  it("backlogs share one budget per turn: two slow flows together get about 20 ms of a turn, not 20 ms each", async () => {
    const scheduler = new DeliveryScheduler({ budgetMs: 20 });
    const turns = turnCounter();
    const perTurn = new Map<number, number>();
    const make = () =>
      new EventBacklog<number>(
        (_item) =>
          setImmediate(() => {
            const t = performance.now();
            while (performance.now() - t < 2) {
              /* a 2 ms flow */
            }
            perTurn.set(turns.turn, (perTurn.get(turns.turn) ?? 0) + 1);
          }),
        { queue: new ArrayQueue<number>(), limit: 1000, scheduler },
      );
    const a = make();
    const b = make();
    for (let k = 0; k < 150; k++) {
      a.push(k);
      b.push(k);
    }
    await drained(a);
    await drained(b);
    turns.on = false;
    assert.equal(a.stats.sent + b.stats.sent, 300, "all delivered");
    assert.equal(a.stats.dropped + b.stats.dropped, 0);
    // Measured costs settle within a turn or two; then a turn holds about 20 ms / 2 ms = 10
    // messages of the two flows together (12 allowed for rounding), where budgets of their own
    // would let each have 10.
    const counts = [...perTurn.values()];
    const busy = counts.slice(2);
    assert.ok(busy.length > 0);
    assert.ok(Math.max(...busy) <= 12, `messages per turn: ${counts.join(", ")}`);
  });

  it("a slow flow does not starve a fast one on the same scheduler: each gets an equal share of time", async () => {
    const scheduler = new DeliveryScheduler({ budgetMs: 20 });
    const order: string[] = [];
    const flowOf = (name: string, costMs: number) => (_item: number) =>
      setImmediate(() => {
        const t = performance.now();
        while (performance.now() - t < costMs) {
          /* the flow */
        }
        order.push(name);
      });
    const slow = new EventBacklog<number>(flowOf("slow", 5), { queue: new ArrayQueue<number>(), limit: 1000, scheduler });
    const fast = new EventBacklog<number>(flowOf("fast", 0.05), { queue: new ArrayQueue<number>(), limit: 1000, scheduler });
    for (let k = 0; k < 100; k++) slow.push(k);
    for (let k = 0; k < 400; k++) fast.push(k);
    await drained(fast);
    const slowBefore = order.filter((n) => n === "slow").length;
    await drained(slow);
    assert.equal(order.length, 500);
    // Equal time: while the fast flow's 400 messages (~20 ms of work) went through, the slow one
    // (5 ms a message) had about as much time, a handful of messages, far from all 100.
    assert.ok(slowBefore < 40, `the slow flow got ${slowBefore} of its 100 messages before the fast one was done`);
  });

});
