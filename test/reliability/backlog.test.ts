import * as assert from "node:assert/strict";
import { DeliveryScheduler } from "../../src/node-red/delivery-scheduler";
import { EventBacklog } from "../../src/node-red/event-backlog";
import { ArrayQueue } from "../helpers/array-queue";

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
    const b = new EventBacklog<number>(flow(0, got), { queue: new ArrayQueue<number>(), limit: 100 });
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

  it("waiting events are handed over once per turn: right after the turn's reading of the socket, or from a timer in a turn without reads", async () => {
    const scheduler = new DeliveryScheduler({ budgetMs: 20 });
    const b = new EventBacklog<number>(
      () =>
        setImmediate(() => {
          const t = performance.now();
          while (performance.now() - t < 1) {
            /* a 1 ms flow */
          }
        }),
      { queue: new ArrayQueue<number>(), limit: 1000, scheduler },
    );
    for (let k = 0; k < 300; k++) b.push(k);
    const first = b.stats.sent;
    assert.ok(first > 0 && first < 300, `${first} handed over at once, the rest waits`);
    // The next turn: the check phase measures; the timers phase of the turn after would hand over.
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    const beforeRead = b.stats.sent;
    scheduler.readChunk(65536); // a full read: more may follow in this turn
    assert.equal(b.stats.sent, beforeRead, "not in the middle of the turn's reading");
    scheduler.readChunk(1200); // a short read ends it
    const afterRead = b.stats.sent;
    assert.ok(afterRead > beforeRead, "handed over right after the reading");
    assert.ok(afterRead - beforeRead <= 22, `about 20 ms of a 1 ms flow: ${afterRead - beforeRead}`);
    scheduler.readChunk(800);
    assert.equal(b.stats.sent, afterRead, "once per turn");
    // Turns without reads: the timer hands the rest over.
    await drained(b);
    assert.equal(b.stats.sent, 300);
  });
});
