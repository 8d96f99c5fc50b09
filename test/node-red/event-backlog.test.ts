import * as assert from "node:assert/strict";
import { DeliveryScheduler } from "../../src/node-red/delivery-scheduler";
import { EventBacklog } from "../../src/node-red/event-backlog";
import { ArrayQueue } from "../helpers/array-queue";
import { drained, flow } from "../helpers/backlog-flow";

/** The "ami in" backlog on its own: FIFO, bounded, drops counted and flagged, window sized by the flow's cost. */
describe("the ami in backlog", () => {
  it("a fast flow gets everything, in order, and nothing is dropped", async () => {
    const got: Array<[number, number]> = [];
    const b = new EventBacklog<number>(flow(0, got), { queue: new ArrayQueue<number>(), limit: 100 });
    for (let i = 0; i < 1000; i += 10) {
      for (let k = 0; k < 10; k++) b.push(i + k);
      await new Promise((r) => setImmediate(r));
    }
    await drained(b);
    assert.deepEqual(got.map(([i]) => i), Array.from({ length: 1000 }, (_, i) => i));
    assert.equal(b.stats.dropped, 0);
  });

  it("after close nothing more is delivered", async () => {
    const got: Array<[number, number]> = [];
    const b = new EventBacklog<number>(flow(1, got), { queue: new ArrayQueue<number>(), limit: 1000 });
    for (let k = 0; k < 1000; k++) b.push(k);
    const before = b.stats.sent;
    b.close();
    b.push(5000);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(got.length, before, "only what Node-RED had already queued");
  });

  it("a hand-over that throws (now or later, from the scheduler's timer) is reported, loses only its own item, and stops nothing", async () => {
    const scheduler = new DeliveryScheduler({ budgetMs: 20 });
    const got: number[] = [];
    const errors: string[] = [];
    const b = new EventBacklog<number>(
      (item) => {
        if (item % 50 === 7) throw new Error(`bad item ${item}`);
        setImmediate(() => {
          const t = performance.now();
          while (performance.now() - t < 1) {
            /* a 1 ms flow, so that most items wait and are handed over by the timer */
          }
          got.push(item);
        });
      },
      { queue: new ArrayQueue<number>(), limit: 1000, scheduler, onError: (err) => errors.push((err as Error).message) },
    );
    for (let k = 0; k < 200; k++) b.push(k);
    await drained(b);
    assert.deepEqual(errors, ["bad item 7", "bad item 57", "bad item 107", "bad item 157"]);
    assert.deepEqual(got, Array.from({ length: 200 }, (_, i) => i).filter((i) => i % 50 !== 7));
    assert.ok(b.stats.peakQueued > 100, "most were handed over later, from the timer");
  });
});

describe("EventBacklog: bounded, drops counted, the gap carried", () => {
  it("beyond `limit` waiting, the newest are dropped and each drop is told with the running total; the next event taken carries the gap", async () => {
    const got: Array<[number, number]> = [];
    const drops: number[] = [];
    const b = new EventBacklog<number>(flow(0, got), { queue: new ArrayQueue<number>(), limit: 5, scheduler: new DeliveryScheduler({ budgetMs: 1 }) }, (n) => drops.push(n));
    for (let k = 0; k < 20; k++) b.push(k);
    assert.deepEqual([b.stats.sent, b.stats.queued, b.stats.peakQueued, b.stats.dropped, b.full], [1, 5, 5, 14, true]);
    assert.deepEqual(drops, Array.from({ length: 14 }, (_, i) => i + 1));
    await drained(b);
    b.push(100);
    await drained(b);
    assert.deepEqual(got, [[0, 0], [1, 0], [2, 0], [3, 0], [4, 0], [5, 0], [100, 14]]);
  });

  it("drop() counts an event the caller did not push because the backlog was full", async () => {
    const got: Array<[number, number]> = [];
    const b = new EventBacklog<number>(flow(0, got), { queue: new ArrayQueue<number>(), limit: 1, scheduler: new DeliveryScheduler({ budgetMs: 1 }) });
    b.push(0);
    b.push(1);
    assert.equal(b.full, true);
    b.drop();
    assert.equal(b.stats.dropped, 1);
    await drained(b);
    b.push(2);
    await drained(b);
    assert.deepEqual(got, [[0, 0], [1, 0], [2, 1]]);
  });

  it("a limit is a whole number of at least one; none (or Infinity) leaves only the queue's own bound", () => {
    const limitOf = (limit?: number) => {
      const b = new EventBacklog<number>(() => undefined, { queue: new ArrayQueue<number>(), limit, scheduler: new DeliveryScheduler() });
      b.close();
      return b.limit;
    };
    assert.deepEqual([limitOf(0), limitOf(2.7), limitOf(undefined), limitOf(Infinity), limitOf(NaN)], [1, 2, Infinity, Infinity, Infinity]);
  });

  it("once closed: nothing waits, nothing is full, a push or a drop changes nothing", () => {
    const drops: number[] = [];
    const b = new EventBacklog<number>(() => undefined, { queue: new ArrayQueue<number>(), limit: 1, scheduler: new DeliveryScheduler({ budgetMs: 1 }) }, (n) => drops.push(n));
    b.push(0);
    b.push(1);
    b.close();
    b.push(2);
    b.drop();
    assert.deepEqual([b.waiting, b.full, b.stats.queued, b.stats.dropped, drops], [false, false, 0, 0, []]);
  });
});
