import * as assert from "node:assert/strict";
import { listOf } from "../../src/node-red/wildcards";

describe("ami in filters (pure)", () => {
  it("splits editor text on commas and spaces, dropping duplicates", () => {
    assert.deepEqual(listOf("Hangup, Newchannel,,Hangup  Queue*"), ["Hangup", "Newchannel", "Queue*"]);
    assert.deepEqual(listOf(["6001", " 60* ", 6001, null]), ["6001", "60*"], "an array from the editor");
  });
});
