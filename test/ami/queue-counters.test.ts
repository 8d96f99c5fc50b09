import { strict as assert } from "node:assert";
import { PeriodCounters, WaitHistogram, localDay } from "../../src/ami/queue-counters";

describe("queue counters", () => {
  it("the wait histogram is exact to the second up to 300 s", () => {
    const h = new WaitHistogram();
    assert.equal(h.atMost(20), 0, "nothing answered yet");
    for (const wait of [0, 19, 20, 21, 299, 300]) h.add(wait);
    assert.deepEqual([h.atMost(0), h.atMost(19), h.atMost(20), h.atMost(20.9), h.atMost(21), h.atMost(299), h.atMost(300)], [1, 2, 3, 3, 4, 5, 6]);
    assert.equal(h.atMost(-1), 0);
  });

  it("above 300 s waits are kept in 10 s steps (a threshold rounds down), and a wait over an hour is never within it", () => {
    const h = new WaitHistogram();
    for (const wait of [301, 310, 311, 3600, 3601, 7200]) h.add(wait);
    assert.equal(h.atMost(300), 0);
    assert.equal(h.atMost(310), 2, "301 and 310 share the bin up to 310");
    assert.equal(h.atMost(319), 2, "319 rounds down to 310");
    assert.equal(h.atMost(320), 3);
    assert.equal(h.atMost(3600), 4);
    assert.equal(h.atMost(100_000), 4, "over an hour: never within the service level");
  });

  it("a period's view: counts, averages to a tenth, longest wait of answered and abandoned, service level over answered + abandoned", () => {
    const p = new PeriodCounters(1234, true);
    assert.deepEqual(p.view(20), {
      since: 1234,
      offered: 0,
      answered: 0,
      abandoned: 0,
      answeredInServiceLevel: 0,
      serviceLevelPct: null,
      avgWait: null,
      avgAbandonWait: null,
      avgTalk: null,
      maxWait: null,
      complete: true,
    });
    for (let i = 0; i < 4; i++) p.joined();
    p.answer(10);
    p.answer(25);
    p.abandon(40);
    p.finished(61);
    p.finished(62);
    assert.deepEqual(p.view(20), {
      since: 1234,
      offered: 4,
      answered: 2,
      abandoned: 1,
      answeredInServiceLevel: 1,
      serviceLevelPct: 33.3,
      avgWait: 17.5,
      avgAbandonWait: 40,
      avgTalk: 61.5,
      maxWait: 40,
      complete: true,
    });
    assert.equal(p.view(30).serviceLevelPct, 66.7, "the threshold is the caller's");
    p.complete = false;
    assert.equal(p.view(20).complete, false);
  });

  it("today starts at the host's local midnight and ends at the next", () => {
    const at = new Date(2026, 11, 6, 15, 30, 0).getTime();
    assert.deepEqual(localDay(at), { start: new Date(2026, 11, 6).getTime(), next: new Date(2026, 11, 7).getTime() });
    const midnight = new Date(2026, 11, 7).getTime();
    assert.deepEqual(localDay(midnight), { start: midnight, next: new Date(2026, 11, 8).getTime() }, "midnight belongs to the day it starts");
  });
});
