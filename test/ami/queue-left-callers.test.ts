import { strict as assert } from "node:assert";
import { LeftCallers, MAX_LEFT } from "../../src/ami/queue-left-callers";
import type { QueueCaller } from "../../src/ami/queue-types";

const caller = (uniqueid: string): QueueCaller => ({ uniqueid, channel: `PJSIP/${uniqueid}`, position: 1, since: 0 });

describe("callers who left a queue", () => {
  it("are remembered per queue until their call completes, for the event that tells the outcome", () => {
    const left = new LeftCallers();
    const gone = left.remember("sales", caller("u1"), 12);
    assert.deepEqual(gone, { caller: caller("u1"), wait: 12, leaveSeen: false });
    assert.equal(left.get("sales", "u1"), gone);
    assert.equal(left.get("support", "u1"), undefined, "the same channel in another queue is another caller");
    assert.equal(left.take("sales", "u1"), gone);
    assert.equal(left.get("sales", "u1"), undefined, "taken: forgotten");
  });

  it(`are bounded: past ${MAX_LEFT} the one that left first is let go; leaving again counts as the latest`, () => {
    const left = new LeftCallers();
    for (let i = 0; i < MAX_LEFT; i++) left.remember("q", caller(`u${i}`), i);
    left.remember("q", caller("u0"), 99);
    left.remember("q", caller("new"), 0);
    assert.equal(left.get("q", "u0")?.wait, 99, "u0 left again: kept");
    assert.equal(left.get("q", "u1"), undefined, "the oldest after it is let go");
    assert.ok(left.get("q", "u2") && left.get("q", "new"));
  });
});
