import { strict as assert } from "node:assert";
import { byName } from "../../src/ami/names";

describe("names in lists", () => {
  it("sorts as people expect: numbers inside names by value, not by character", () => {
    assert.deepEqual(["queue-10", "queue-2", "queue-1"].sort(byName), ["queue-1", "queue-2", "queue-10"]);
    assert.deepEqual(["60010", "6002", "6001"].sort(byName), ["6001", "6002", "60010"]);
    assert.deepEqual(["PJSIP/6010", "PJSIP/6009", "Local/100@test"].sort(byName), ["Local/100@test", "PJSIP/6009", "PJSIP/6010"]);
  });
});
