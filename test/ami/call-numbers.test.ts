import { strict as assert } from "node:assert";
import { dialledNumber, known, numberOrUndefined } from "../../src/ami/call-numbers";

describe("dialled numbers", () => {
  it("reads the number out of dial strings", () => {
    assert.equal(dialledNumber("PJSIP/6001"), "6001");
    assert.equal(dialledNumber("Local/100@test"), "100");
    assert.equal(dialledNumber("700@test"), "700");
    assert.equal(dialledNumber("PJSIP/trunk/sip:004930123@carrier"), "sip:004930123");
    assert.equal(dialledNumber("PJSIP/6001&PJSIP/6002"), "6001");
    assert.equal(dialledNumber(""), undefined);
  });
});

describe("call numbers", () => {
  it("an extension is a number only when it is digits (with * # or a leading +), never s or a pattern", () => {
    assert.deepEqual(["700", "+4930555123", "*76", "#1"].map(numberOrUndefined), ["700", "+4930555123", "*76", "#1"]);
    assert.deepEqual(["s", "_6XXX", "", "h", "6001a"].map(numberOrUndefined), [undefined, undefined, undefined, undefined, undefined]);
    assert.equal(numberOrUndefined(undefined), undefined);
  });

  it("a caller ID Asterisk does not know (<unknown>, empty) is no caller ID; anything else is kept as sent", () => {
    // A channel with no caller ID yet (busy-burst, dial-outcomes: a Newchannel of an Originate) says CallerIDNum: <unknown>.
    assert.deepEqual([known("<unknown>"), known(""), known(undefined)], [undefined, undefined, undefined]);
    assert.deepEqual([known("6001"), known("Alice"), known("unknown")], ["6001", "Alice", "unknown"]);
  });
});
