import * as assert from "node:assert/strict";
import { DROP_REPORT_MS, DropReport, DropTexts } from "../../src/node-red/drop-report";

const PERIOD = 40;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Texts that say exactly what the report was asked to say. */
const texts: DropTexts = {
  started: () => "started",
  summary: (count, total, final) => `${final ? "final" : "sum"} ${count} of ${total}`,
};

function report(): { drops: DropReport; said: string[]; waitFor: (n: number) => Promise<void> } {
  const said: string[] = [];
  const drops = new DropReport((t) => said.push(t), texts, PERIOD);
  const waitFor = async (n: number): Promise<void> => {
    for (const until = Date.now() + 5000; said.length < n && Date.now() < until; ) await sleep(5);
  };
  return { drops, said, waitFor };
}

describe("DropReport (the ami in node's warnings about dropped events)", () => {
  it("says so at once on the first drop, then sums up what was dropped at most once a period", async () => {
    const { drops, said, waitFor } = report();
    drops.dropped(1);
    assert.deepEqual(said, ["started"], "the first drop is said at once");
    drops.dropped(2);
    drops.dropped(3);
    assert.deepEqual(said, ["started"], "not again within the period");
    await waitFor(2);
    assert.deepEqual(said, ["started", "sum 3 of 3"], "the period's sum: every drop since the start, the total so far");
    drops.dropped(4);
    await waitFor(3);
    assert.deepEqual(said, ["started", "sum 3 of 3", "sum 1 of 4"]);
    drops.close();
  });

  it("a period without drops ends the warnings: the next drop is said at once again", async () => {
    const { drops, said, waitFor } = report();
    drops.dropped(1);
    await waitFor(2);
    assert.deepEqual(said, ["started", "sum 1 of 1"]);
    await sleep(PERIOD * 3);
    assert.deepEqual(said, ["started", "sum 1 of 1"], "nothing said about a quiet period");
    drops.dropped(2);
    assert.deepEqual(said, ["started", "sum 1 of 1", "started"]);
    drops.close();
  });

  it("on close, the last sum if anything was dropped since the one before, and nothing after", async () => {
    const { drops, said } = report();
    drops.dropped(1);
    drops.dropped(2);
    drops.close();
    assert.deepEqual(said, ["started", "final 2 of 2"]);
    await sleep(PERIOD * 2);
    assert.deepEqual(said, ["started", "final 2 of 2"], "the timer is gone");
    const quiet = report();
    quiet.drops.close();
    assert.deepEqual(quiet.said, [], "nothing dropped, nothing said");
  });

  it("by default sums up every 10 s", () => {
    assert.equal(DROP_REPORT_MS, 10_000);
  });
});
