import { strict as assert } from "node:assert";
import { DEFAULT_EXTERNAL_DIGITS, DEFAULT_INBOUND_CONTEXTS, DirectionRules, callDirection } from "../../src/ami/call-direction";
import { callOf, dialOf, legOf } from "../helpers/call-shapes";

const rules = (trunkChannels?: string): DirectionRules => ({
  inboundContexts: new RegExp(DEFAULT_INBOUND_CONTEXTS, "i"),
  trunkChannels: trunkChannels === undefined ? undefined : new RegExp(trunkChannels, "i"),
  externalNumberMinLength: DEFAULT_EXTERNAL_DIGITS,
});

describe("call direction", () => {
  it("inbound: the first channel entered through an inbound context (the default ones, any case)", () => {
    for (const context of ["from-pstn", "from-trunk", "FROM-DID", "inbound-de", "ext-did-0002"]) {
      const call = callOf("1.1", { legs: [legOf("PJSIP/provider-00000001", "1.1", { context }), legOf("PJSIP/6001-00000002", "1.2", { context: "from-internal" })] });
      assert.equal(callDirection(call, rules()), "inbound", context);
    }
    // The first leg is the one whose Uniqueid is the Linkedid, wherever it is in the list.
    const reordered = callOf("1.1", { legs: [legOf("PJSIP/6001-00000002", "1.2", { context: "phones" }), legOf("PJSIP/provider-00000001", "1.1", { context: "from-pstn" })] });
    assert.equal(callDirection(reordered, rules()), "inbound");
    // Its first channel gone to another call (re-linked): the first leg it still has stands for it.
    const relinked = callOf("1.1", { legs: [legOf("PJSIP/provider-00000003", "1.3", { context: "from-pstn" }), legOf("PJSIP/6001-00000002", "1.2", { context: "phones" })] });
    assert.equal(callDirection(relinked, rules()), "inbound");
  });

  it("with trunk channels: a call that starts on a trunk is inbound, one that reaches or dials a trunk outbound", () => {
    const trunk = rules("^PJSIP/provider-");
    const first = callOf("2.1", { legs: [legOf("PJSIP/provider-0000000a", "2.1", { context: "ivr" })] });
    assert.equal(callDirection(first, trunk), "inbound");
    const reaches = callOf("3.1", { legs: [legOf("PJSIP/6001-0000000b", "3.1", { context: "phones" }), legOf("PJSIP/provider-0000000c", "3.2")] });
    assert.equal(callDirection(reaches, trunk), "outbound");
    const dials = callOf("4.1", { legs: [legOf("PJSIP/6001-0000000d", "4.1", { context: "phones" })], dials: [dialOf("PJSIP/6001-0000000d", "PJSIP/provider-0000000e", "110")] });
    assert.equal(callDirection(dials, trunk), "outbound", "a short number through a trunk is still outbound");
    assert.equal(callDirection(dials, rules()), "internal", "without trunk channels, 110 is too short to leave the PBX");
  });

  it("outbound by the number dialled first: DEFAULT_EXTERNAL_DIGITS (7) digits or more, a leading + not counted", () => {
    const dialling = (number: string) => callOf("5.1", { legs: [legOf("PJSIP/6001-0000000f", "5.1", { context: "phones" })], dials: [dialOf("PJSIP/6001-0000000f", "PJSIP/x-1", number)] });
    assert.deepEqual(["004930123456", "1234567", "+123456", "+1234567", "123456", "6002", "sip:004930123"].map((n) => callDirection(dialling(n), rules())), ["outbound", "outbound", "internal", "outbound", "internal", "internal", "internal"]);
  });

  it("no dial yet: the callee decides (a queue's number is where the call went)", () => {
    const queued = callOf("6.1", { legs: [legOf("PJSIP/6001-00000010", "6.1", { context: "phones" })], callee: { number: "700", name: "sales" } });
    assert.equal(callDirection(queued, rules()), "internal");
    const external = callOf("6.1", { legs: queued.legs, callee: { number: "004930123456" } });
    assert.equal(callDirection(external, rules()), "outbound");
    assert.equal(callDirection(callOf("7.1"), rules()), "internal", "a call with nothing known yet");
  });
});
