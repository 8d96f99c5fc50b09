import { strict as assert } from "node:assert";
import { cloneCall, isFirstLeg } from "../../src/ami/call-types";
import { callOf, dialOf, legOf } from "../helpers/call-shapes";

describe("call shapes", () => {
  it("a clone shares nothing with the tracker's call: every nested part is a copy", () => {
    const call = callOf("1.1", {
      caller: { number: "6001" },
      callee: { number: "6002" },
      answeredBy: { number: "6002" },
      legs: [legOf("PJSIP/6001-1", "1.1")],
      dials: [dialOf("PJSIP/6001-1", "PJSIP/6002-2", "6002", "ANSWER")],
      transfers: [{ kind: "blind", at: 1, target: "6003" }],
      queues: [{ queue: "sales", joinedAt: 0 }],
    });
    const before = JSON.stringify(call);
    const copy = cloneCall(call);
    assert.deepEqual(copy, call);
    copy.caller.number = "x";
    copy.callee!.number = "x";
    copy.answeredBy!.number = "x";
    copy.legs[0].state = "x";
    copy.dials[0].callee.number = "x";
    copy.transfers[0].target = "x";
    copy.queues[0].leftAt = 9;
    copy.legs.push(legOf("x", "x"));
    assert.equal(JSON.stringify(call), before);
  });

  it("the first leg is the one whose Uniqueid is the call's Linkedid", () => {
    const call = callOf("1.1");
    assert.deepEqual([isFirstLeg(call, legOf("PJSIP/6001-1", "1.1")), isFirstLeg(call, legOf("PJSIP/6002-2", "1.2"))], [true, false]);
  });
});
