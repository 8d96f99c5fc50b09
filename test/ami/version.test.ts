import { strict as assert } from "node:assert";
import { amiVersionToAsterisk } from "../../src/ami/version";

describe("Asterisk versions", () => {
  it("maps AMI versions to Asterisk majors, and refuses to guess for 2.8", () => {
    assert.equal(amiVersionToAsterisk("11.0.0"), 22);
    assert.equal(amiVersionToAsterisk("9.0.0"), 20);
    assert.equal(amiVersionToAsterisk("5.0.1"), 16);
    assert.equal(amiVersionToAsterisk("2.8.0"), undefined);
    assert.equal(amiVersionToAsterisk("nonsense"), undefined);
  });
});
