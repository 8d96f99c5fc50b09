import * as assert from "node:assert/strict";
import { DeliveryScheduler } from "../../src/node-red/delivery-scheduler";
import { EventBacklog } from "../../src/node-red/event-backlog";
import { ArrayQueue } from "../helpers/array-queue";
import { drained } from "../helpers/backlog-flow";

/** The "ami in" backlog on its own: FIFO, bounded, drops counted and flagged, window sized by the flow's cost. */
describe("reliability: the ami in backlog", () => {
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
