import * as assert from "node:assert/strict";
import { DeliveryScheduler } from "../../src/node-red/delivery-scheduler";
import { EventBacklog } from "../../src/node-red/event-backlog";
import { ArrayQueue } from "../helpers/array-queue";
import { drained } from "../helpers/backlog-flow";

/** The "ami in" backlog on its own: FIFO, bounded, drops counted and flagged, window sized by the flow's cost. */
describe("DeliveryScheduler, through the backlogs it serves", () => {
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

describe("DeliveryScheduler: one budget per turn, shared", () => {
  /** A backlog of `n` items pushed at once into a flow that takes no time; how many went at once. */
  const handedAtOnce = (scheduler: DeliveryScheduler, n: number) => {
    const b = new EventBacklog<number>((item) => void setImmediate(() => item), { queue: new ArrayQueue<number>(), scheduler });
    for (let k = 0; k < n; k++) b.push(k);
    return b;
  };

  it("hands events over at once while the turn's budget lasts (unmeasured: 1.25 ms each), the rest waits and follows", async () => {
    const b = handedAtOnce(new DeliveryScheduler({ budgetMs: 20 }), 100);
    assert.deepEqual([b.stats.sent, b.stats.queued], [16, 84]);
    await drained(b);
    assert.equal(b.stats.sent, 100);
  });

  it("backlogs on one scheduler share its budget; on schedulers of their own they do not", async () => {
    const shared = new DeliveryScheduler({ budgetMs: 10 });
    const a = handedAtOnce(shared, 50);
    const b = handedAtOnce(shared, 50);
    assert.deepEqual([a.stats.sent, b.stats.sent], [8, 0]);
    const c = handedAtOnce(new DeliveryScheduler({ budgetMs: 10 }), 50);
    assert.equal(c.stats.sent, 8);
    await Promise.all([a, b, c].map(drained));
    assert.deepEqual([a, b, c].map((x) => x.stats.sent), [50, 50, 50]);
  });

  it("a budget smaller than one message still lets the first one through, and the rest follow", async () => {
    const b = handedAtOnce(new DeliveryScheduler({ budgetMs: 1 }), 20);
    assert.equal(b.stats.sent, 1);
    await drained(b);
    assert.equal(b.stats.sent, 20);
  });
});
