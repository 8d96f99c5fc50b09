import { strict as assert } from "node:assert";
import { closeCall, disposition } from "../../src/ami/call-outcome";
import { callOf, dialOf, legOf } from "../helpers/call-shapes";

const dials = (...statuses: Array<string | undefined>) => statuses.map((s, i) => dialOf("PJSIP/6001-1", `PJSIP/600${i + 2}-1`, `600${i + 2}`, s));

describe("call outcome", () => {
  it("a dialled party answering makes it ANSWERED, whatever else happened", () => {
    assert.equal(disposition(callOf("1", { answeredAt: 5, dials: dials("ANSWER", "CANCEL"), queues: [{ queue: "q", joinedAt: 0, leftAt: 3, abandoned: true }] })), "ANSWERED");
  });

  it("a queue call: CANCELLED when the caller gave up, NO ANSWER when the queue let it go; the agents' dials say nothing", () => {
    assert.equal(disposition(callOf("1", { queues: [{ queue: "q", joinedAt: 0, leftAt: 30, abandoned: true }], dials: dials("NOANSWER") })), "CANCELLED");
    assert.equal(disposition(callOf("1", { queues: [{ queue: "q", joinedAt: 0, leftAt: 30 }], dials: dials("CANCEL") })), "NO ANSWER");
  });

  it("the dials decide otherwise: a cancel (or a dial never ended) first, then no answer, then busy, else FAILED", () => {
    assert.deepEqual(
      [dials("CANCEL", "BUSY"), dials(undefined), dials("NOANSWER", "BUSY"), dials("BUSY", "CHANUNAVAIL"), dials("CONGESTION"), dials("CHANUNAVAIL")].map((d) => disposition(callOf("1", { dials: d }))),
      ["CANCELLED", "CANCELLED", "NO ANSWER", "BUSY", "FAILED", "FAILED"],
    );
    assert.equal(disposition(callOf("1", { pbxAnsweredAt: 1, dials: dials("NOANSWER") })), "NO ANSWER", "rang out, then voicemail answered: a missed call");
  });

  it("no dial, no queue: the PBX's answer makes it ANSWERED; with no answer the first leg's hangup cause tells", () => {
    assert.equal(disposition(callOf("1", { pbxAnsweredAt: 1 })), "ANSWERED");
    const causes = ["17", "18", "19", "16", "0", "21", undefined];
    assert.deepEqual(causes.map((cause) => disposition(callOf("1", { legs: [legOf("PJSIP/2-1", "2"), legOf("PJSIP/1-1", "1", { cause })] }))), ["BUSY", "NO ANSWER", "NO ANSWER", "CANCELLED", "CANCELLED", "FAILED", "FAILED"]);
  });

  it("closing a call: ring time from ringing (or the start) to the answer, talk time from the answer, total from the start, in tenths of seconds", () => {
    const call = callOf("1", { startedAt: 1000, ringingAt: 2000, answeredAt: 4550, dials: dials("ANSWER"), onHold: true });
    closeCall(call, 10_000, undefined);
    assert.deepEqual([call.state, call.endedAt, call.disposition, call.ringTime, call.talkTime, call.totalTime, call.onHold, call.incomplete], ["ended", 10_000, "ANSWERED", 2.6, 5.5, 9, false, undefined]);
    const unanswered = callOf("2", { startedAt: 1000, dials: dials("NOANSWER") });
    closeCall(unanswered, 16_000, undefined);
    assert.deepEqual([unanswered.ringTime, unanswered.talkTime, unanswered.totalTime], [15, 0, 15]);
  });

  it("a call only the PBX answered gets the PBX's answer as its answeredAt; an unseen end with no answer has no disposition", () => {
    const ivr = callOf("1", { startedAt: 0, pbxAnsweredAt: 1000 });
    closeCall(ivr, 5000, undefined);
    assert.deepEqual([ivr.disposition, ivr.answeredAt, ivr.talkTime], ["ANSWERED", 1000, 4]);
    const gone = callOf("2", { startedAt: 0, dials: dials(undefined) });
    closeCall(gone, 5000, "gone-after-reconnect");
    assert.deepEqual([gone.incomplete, gone.disposition], ["gone-after-reconnect", undefined]);
    const stale = callOf("3", { startedAt: 0, answeredAt: 1000 });
    closeCall(stale, 5000, "stale");
    assert.deepEqual([stale.incomplete, stale.disposition], ["stale", "ANSWERED"], "answered before its end went unseen: that much was seen");
  });
});
