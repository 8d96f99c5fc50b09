import { strict as assert } from "node:assert";
import { CallTracker } from "../../src/ami/calls";
import { Call, CallUpdate } from "../../src/ami/call-types";
import { AmiMessage } from "../../src/ami/message";
import { timedMessages } from "../helpers/captures";
import { clickToCall } from "../helpers/click-to-call";

function replay(name: string, tracker?: CallTracker): { updates: CallUpdate[]; tracker: CallTracker } {
  let clock = 0;
  const base = Date.UTC(2026, 10, 26);
  const t = tracker ?? new CallTracker({ now: () => base + clock });
  const updates: CallUpdate[] = [];
  for (const { t: at, msg } of timedMessages(name)) {
    clock = at;
    if (msg.event) updates.push(...t.handle(msg));
  }
  return { updates, tracker: t };
}

function ended(updates: CallUpdate[]): Call[] {
  return updates.filter((u) => u.step === "ended").map((u) => u.call);
}

function ev(fields: Record<string, string>): AmiMessage {
  return AmiMessage.from(Object.entries(fields));
}

describe("call tracking", () => {
  it("dial-outcomes: no answer, busy and answered calls, with callers, callees and dispositions", () => {
    const { updates, tracker } = replay("dial-outcomes");
    assert.equal(tracker.size, 0, "every call ended");
    const calls = ended(updates);
    assert.equal(calls.length, 3);
    const [noAnswer, busy, answered] = calls;

    assert.equal(noAnswer.disposition, "NO ANSWER");
    assert.deepEqual([noAnswer.caller.number, noAnswer.caller.name, noAnswer.callee?.number], ["6001", "Alice", "700"]);
    assert.equal(noAnswer.answeredBy, undefined);
    assert.equal(noAnswer.talkTime, 0);
    assert.ok((noAnswer.ringTime ?? 0) >= 2.5 && (noAnswer.ringTime ?? 0) <= 4, `rang ${noAnswer.ringTime} s (Dial timeout 3 s)`);

    assert.equal(busy.disposition, "BUSY");
    assert.deepEqual([busy.caller.number, busy.caller.name, busy.callee?.number], ["6002", "Bob", "800"]);
    assert.equal(busy.dials[0].status, "BUSY");

    assert.equal(answered.disposition, "ANSWERED");
    assert.deepEqual([answered.caller.number, answered.caller.name], ["6003", "Carol"]);
    assert.equal(answered.answeredBy?.number, "100");
    assert.equal(answered.answeredBy?.channel, "Local/100@test-0000006b;1");
    assert.ok((answered.talkTime ?? 0) >= 1.5, `talked ${answered.talkTime} s (extension 100 waits 2 s)`);
    assert.equal(answered.legs.length, 4);
    assert.ok(answered.legs.every((l) => l.endedAt !== undefined && l.cause === "16"));
    for (const c of calls) {
      assert.equal(c.direction, "internal");
      assert.equal(c.state, "ended");
      assert.ok(c.id.startsWith("1795664"));
      assert.ok((c.totalTime ?? 0) >= (c.ringTime ?? 0) + (c.talkTime ?? 0) - 0.2);
    }

    const steps = (id: string) => updates.filter((u) => u.call.id === id).map((u) => u.step);
    assert.deepEqual(steps(noAnswer.id), ["ringing", "ended"]);
    assert.deepEqual(steps(busy.id), ["ringing", "ended"]);
    assert.deepEqual(steps(answered.id), ["ringing", "answered", "ended"]);
    const ringing = updates.find((u) => u.step === "ringing" && u.call.id === answered.id);
    assert.deepEqual([ringing?.call.caller.number, ringing?.dial?.callee.number], ["6003", "100"]);
    assert.equal(ringing?.call.state, "ringing", "a step carries the call as it was at that step");
  });

  it("originate-context-exten: a two-leg call answered by the dialplan and bridged", () => {
    const calls = ended(replay("originate-context-exten").updates);
    assert.ok(calls.length >= 1);
    for (const c of calls) {
      assert.equal(c.disposition, "ANSWERED");
      assert.ok(c.legs.length >= 2);
    }
  });

  it("busy-burst: 20 simultaneous originates are 20 separate calls, all ended", () => {
    const { updates, tracker } = replay("busy-burst");
    const calls = ended(updates);
    assert.equal(calls.length, 20);
    assert.equal(new Set(calls.map((c) => c.id)).size, 20);
    assert.equal(tracker.size, 0);
    assert.ok(calls.every((c) => c.disposition === "ANSWERED"));
  });

  it("a ring group: each member rings, the one who answers is answeredBy, the others are cancelled", () => {
    let now = 1_000_000;
    const tracker = new CallTracker({ now: () => now });
    const chan = (name: string, uid: string, state: string, extra: Record<string, string> = {}) =>
      ev({ Event: "Newchannel", Channel: name, ChannelState: "0", ChannelStateDesc: state, CallerIDNum: "0301234567", CallerIDName: "Customer", Context: "from-pstn", Exten: "600", Uniqueid: uid, Linkedid: "1.1", ...extra });
    const dial = (evName: string, dest: string, destUid: string, extra: Record<string, string>) =>
      ev({ Event: evName, Channel: "PJSIP/trunk-1", Uniqueid: "1.1", Linkedid: "1.1", CallerIDNum: "0301234567", DestChannel: dest, DestUniqueid: destUid, DestLinkedid: "1.1", ...extra });
    const all: CallUpdate[] = [];
    const feed = (m: AmiMessage) => all.push(...tracker.handle(m));
    feed(chan("PJSIP/trunk-1", "1.1", "Ring"));
    feed(chan("PJSIP/6001-1", "1.2", "Down"));
    feed(chan("PJSIP/6002-1", "1.3", "Down"));
    feed(dial("DialBegin", "PJSIP/6001-1", "1.2", { DialString: "6001" }));
    feed(dial("DialBegin", "PJSIP/6002-1", "1.3", { DialString: "6002" }));
    now += 4000;
    feed(ev({ Event: "Newstate", Channel: "PJSIP/6002-1", ChannelStateDesc: "Up", Uniqueid: "1.3", Linkedid: "1.1" }));
    feed(dial("DialEnd", "PJSIP/6002-1", "1.3", { DialStatus: "ANSWER" }));
    feed(dial("DialEnd", "PJSIP/6001-1", "1.2", { DialStatus: "CANCEL" }));
    feed(ev({ Event: "Hangup", Channel: "PJSIP/6001-1", Uniqueid: "1.2", Linkedid: "1.1", Cause: "26", "Cause-txt": "Answered elsewhere" }));
    feed(ev({ Event: "Newstate", Channel: "PJSIP/trunk-1", ChannelStateDesc: "Up", Uniqueid: "1.1", Linkedid: "1.1" }));
    now += 60_000;
    feed(ev({ Event: "Hangup", Channel: "PJSIP/6002-1", Uniqueid: "1.3", Linkedid: "1.1", Cause: "16" }));
    assert.equal(tracker.size, 1, "not ended while the caller's leg lives");
    feed(ev({ Event: "Hangup", Channel: "PJSIP/trunk-1", Uniqueid: "1.1", Linkedid: "1.1", Cause: "16" }));
    assert.deepEqual(all.map((u) => `${u.step}${u.dial ? ":" + u.dial.callee.number : ""}`), ["ringing:6001", "ringing:6002", "answered", "ended"]);
    const call = all[3].call;
    assert.equal(call.direction, "inbound");
    assert.equal(call.caller.number, "0301234567");
    assert.equal(call.callee?.number, "600", "the ring group's number, not whichever member was named first");
    assert.deepEqual(call.dials.map((d) => d.callee.number), ["6001", "6002"], "the members rung");
    assert.equal(call.answeredBy?.number, "6002");
    assert.equal(call.disposition, "ANSWERED");
    assert.equal(call.ringTime, 4);
    assert.equal(call.talkTime, 60);
    assert.deepEqual(call.dials.map((d) => d.status), ["CANCEL", "ANSWER"]);
  });

  it("a caller who gives up while it rings is CANCELLED; an outbound call is told by its number", () => {
    const tracker = new CallTracker({ now: () => 0 });
    const out: CallUpdate[] = [];
    const f = (m: Record<string, string>) => out.push(...tracker.handle(ev(m)));
    f({ Event: "Newchannel", Channel: "PJSIP/6001-1", ChannelStateDesc: "Ring", CallerIDNum: "6001", Context: "from-internal", Exten: "004930123456", Uniqueid: "2.1", Linkedid: "2.1" });
    f({ Event: "DialBegin", Channel: "PJSIP/6001-1", Uniqueid: "2.1", Linkedid: "2.1", DestChannel: "PJSIP/trunk-2", DestUniqueid: "2.2", DestLinkedid: "2.1", DialString: "trunk/004930123456" });
    f({ Event: "DialEnd", Channel: "PJSIP/6001-1", Uniqueid: "2.1", Linkedid: "2.1", DestChannel: "PJSIP/trunk-2", DestUniqueid: "2.2", DestLinkedid: "2.1", DialStatus: "CANCEL" });
    f({ Event: "Hangup", Channel: "PJSIP/6001-1", Uniqueid: "2.1", Linkedid: "2.1", Cause: "16" });
    const call = out.at(-1)?.call;
    assert.equal(call?.disposition, "CANCELLED");
    assert.equal(call?.direction, "outbound");
    assert.equal(call?.callee?.number, "004930123456");
  });

  it("hold and transfers are reported", () => {
    const tracker = new CallTracker({ now: () => 0 });
    const out: CallUpdate[] = [];
    const f = (m: Record<string, string>) => out.push(...tracker.handle(ev(m)));
    f({ Event: "Newchannel", Channel: "PJSIP/6001-1", ChannelStateDesc: "Up", Uniqueid: "3.1", Linkedid: "3.1" });
    f({ Event: "Hold", Channel: "PJSIP/6001-1", Uniqueid: "3.1", Linkedid: "3.1" });
    f({ Event: "Unhold", Channel: "PJSIP/6001-1", Uniqueid: "3.1", Linkedid: "3.1" });
    f({ Event: "BlindTransfer", Result: "Success", TransfererChannel: "PJSIP/6001-1", TransfererUniqueid: "3.1", TransfererLinkedid: "3.1", Extension: "6002", Context: "from-internal" });
    assert.deepEqual(out.map((u) => u.step), ["hold", "unhold", "transfer"]);
    assert.equal(out[2].transfer?.target, "6002");
  });

  it("an inbound call from a trunk carries its caller from Newchannel on, even when nobody answers", () => {
    const tracker = new CallTracker({ now: () => 0 });
    const out: CallUpdate[] = [];
    const f = (m: Record<string, string>) => out.push(...tracker.handle(ev(m)));
    const trunk = { Channel: "PJSIP/trunk-7", Uniqueid: "7.1", Linkedid: "7.1", CallerIDNum: "+4930111222", CallerIDName: "Lena Hoffmann" };
    f({ Event: "Newchannel", ...trunk, ChannelStateDesc: "Ring", Context: "from-pstn", Exten: "6001" });
    f({ Event: "Newchannel", Channel: "PJSIP/6001-7", ChannelStateDesc: "Down", CallerIDNum: "+4930111222", Context: "from-internal", Exten: "6001", Uniqueid: "7.2", Linkedid: "7.1" });
    const dest = { DestChannel: "PJSIP/6001-7", DestUniqueid: "7.2", DestLinkedid: "7.1" };
    f({ Event: "DialBegin", ...trunk, ...dest, DialString: "6001" });
    f({ Event: "DialEnd", ...trunk, ...dest, DialStatus: "CANCEL" });
    f({ Event: "Hangup", Channel: "PJSIP/6001-7", Uniqueid: "7.2", Linkedid: "7.1", Cause: "16" });
    f({ Event: "Hangup", ...trunk, Cause: "16" });
    assert.deepEqual(out.map((u) => u.step), ["ringing", "ended"]);
    for (const u of out) assert.deepEqual([u.call.caller.number, u.call.caller.name, u.call.direction], ["+4930111222", "Lena Hoffmann", "inbound"], u.step);
    assert.equal(out[1].call.disposition, "CANCELLED");
  });

  it("originate-context-exten: the originated leg picking up is not the answer; the dialled 100 answering is", () => {
    const { updates } = replay("originate-context-exten");
    const [call] = ended(updates);
    assert.deepEqual(updates.filter((u) => u.call.id === call.id).map((u) => u.step), ["ringing", "answered", "ended"]);
    assert.equal(call.answeredBy?.number, "100");
    assert.equal(call.answeredBy?.channel, "Local/100@test-0000002d;1");
    assert.ok(call.pbxAnsweredAt !== undefined && call.answeredAt !== undefined && call.pbxAnsweredAt <= call.answeredAt);
    assert.equal(call.disposition, "ANSWERED");
  });

  describe("what the PBX answers is not a party answering", () => {
    let now = 0;
    let tracker: CallTracker;
    let out: CallUpdate[];
    const f = (m: Record<string, string>) => out.push(...tracker.handle(ev(m)));
    const first = { Channel: "PJSIP/6001-5", Uniqueid: "5.1", Linkedid: "5.1", CallerIDNum: "6001", CallerIDName: "Anna" };
    const up = () => f({ Event: "Newstate", ...first, ChannelStateDesc: "Up" });
    const dial = (status: string, to = "6004") => {
      const dest = { DestChannel: `PJSIP/${to}-5`, DestUniqueid: `5.${to}`, DestLinkedid: "5.1" };
      f({ Event: "Newchannel", Channel: dest.DestChannel, ChannelStateDesc: "Down", Uniqueid: dest.DestUniqueid, Linkedid: "5.1" });
      f({ Event: "DialBegin", ...first, ...dest, DialString: to });
      now += 5000;
      f({ Event: "DialEnd", ...first, ...dest, DialStatus: status });
      if (status === "ANSWER") now += 30_000;
      f({ Event: "Hangup", Channel: dest.DestChannel, Uniqueid: dest.DestUniqueid, Linkedid: "5.1", Cause: status === "ANSWER" ? "16" : "19" });
    };
    const hangup = () => f({ Event: "Hangup", ...first, Cause: "16" });
    beforeEach(() => {
      now = 0;
      tracker = new CallTracker({ now: () => now });
      out = [];
      f({ Event: "Newchannel", ...first, ChannelStateDesc: "Down", Context: "from-internal", Exten: "s" });
    });
    const endedCall = () => {
      assert.equal(out.at(-1)?.step, "ended");
      return out.at(-1)!.call;
    };

    it("click-to-call: the agent's phone picks up, the number it calls does not answer: NO ANSWER", () => {
      now = 2000;
      up();
      dial("NOANSWER");
      now += 500;
      hangup();
      const call = endedCall();
      assert.deepEqual(out.map((u) => u.step), ["ringing", "ended"]);
      assert.equal(call.disposition, "NO ANSWER");
      assert.equal(call.pbxAnsweredAt, 2000);
      assert.equal(call.answeredAt, undefined);
      assert.equal(call.talkTime, 0);
    });

    it("click-to-call answered at the other end: ANSWERED by 6004, talk time from its answer", () => {
      up();
      dial("ANSWER");
      hangup();
      const call = endedCall();
      assert.deepEqual(out.map((u) => u.step), ["ringing", "answered", "ended"]);
      assert.equal(call.answeredBy?.number, "6004");
      assert.equal(call.answeredAt, 5000);
      assert.equal(call.talkTime, 30);
    });

    it("an IVR answers, the caller waits in a queue and gives up: CANCELLED, not ANSWERED", () => {
      up();
      f({ Event: "QueueCallerJoin", ...first, Queue: "support" });
      dial("CANCEL", "100");
      f({ Event: "QueueCallerAbandon", ...first, Queue: "support" });
      f({ Event: "QueueCallerLeave", ...first, Queue: "support" });
      hangup();
      assert.equal(endedCall().disposition, "CANCELLED");
    });

    it("rings out, then voicemail answers: NO ANSWER (a missed call)", () => {
      dial("NOANSWER");
      up();
      now += 20_000;
      hangup();
      const call = endedCall();
      assert.equal(call.disposition, "NO ANSWER");
      assert.equal(call.answeredBy, undefined);
    });

    it("only the PBX, nobody dialled (an IVR, a conference): ANSWERED, by nobody, timed from the PBX's answer", () => {
      now = 1000;
      up();
      now = 61_000;
      hangup();
      const call = endedCall();
      assert.deepEqual(out.map((u) => u.step), ["ended"]);
      assert.equal(call.disposition, "ANSWERED");
      assert.equal(call.answeredBy, undefined);
      assert.equal(call.answeredAt, 1000);
      assert.deepEqual([call.ringTime, call.talkTime, call.totalTime], [1, 60, 61]);
    });
  });

  it("an attended transfer is reported on the call transferred, and the consultation call ends with it", () => {
    const tracker = new CallTracker({ now: () => 0 });
    const out: CallUpdate[] = [];
    const f = (m: Record<string, string>) => out.push(...tracker.handle(ev(m)));
    // Bob (A.2) called by Alice (A.1); Alice consults Carol (C.2) from a second channel (C.1).
    const leg = (channel: string, uid: string, linked: string) => ({ Channel: channel, Uniqueid: uid, Linkedid: linked });
    const alice = leg("PJSIP/6001-a", "A.1", "A.1");
    const bob = leg("PJSIP/6002-a", "A.2", "A.1");
    const alice2 = leg("PJSIP/6001-c", "C.1", "C.1");
    const carol = leg("PJSIP/6003-c", "C.2", "C.1");
    for (const [l, state] of [[alice, "Up"], [bob, "Up"], [alice2, "Up"], [carol, "Up"]] as const) f({ Event: "Newchannel", ...l, ChannelStateDesc: state });
    f({ Event: "DialBegin", ...alice2, DestChannel: carol.Channel, DestUniqueid: "C.2", DestLinkedid: "C.1", DialString: "6003" });
    f({ Event: "DialEnd", ...alice2, DestChannel: carol.Channel, DestUniqueid: "C.2", DestLinkedid: "C.1", DialStatus: "ANSWER" });
    f({
      Event: "AttendedTransfer", Result: "Success",
      OrigTransfererChannel: alice.Channel, OrigTransfererUniqueid: "A.1", OrigTransfererLinkedid: "A.1",
      SecondTransfererChannel: alice2.Channel, SecondTransfererUniqueid: "C.1", SecondTransfererLinkedid: "C.1",
      TransfereeChannel: bob.Channel, TransfereeUniqueid: "A.2", TransfereeLinkedid: "A.1",
      TransferTargetChannel: carol.Channel, TransferTargetUniqueid: "C.2", TransferTargetLinkedid: "C.1", TransferTargetCallerIDNum: "6003", DestType: "Bridge",
    });
    const transfer = out.find((u) => u.step === "transfer");
    assert.equal(transfer?.call.id, "A.1");
    assert.deepEqual(transfer?.transfer, { kind: "attended", at: 0, target: "6003", targetCall: "C.1", result: "Success" });
    // Alice's two channels leave; Carol, now talking to Bob, is re-linked to Bob's call.
    f({ Event: "Hangup", ...alice2, Cause: "16" });
    f({ Event: "Hangup", ...alice, Cause: "16" });
    f({ Event: "Newstate", ...carol, Linkedid: "A.1", ChannelStateDesc: "Up" });
    const consultation = out.find((u) => u.step === "ended" && u.call.id === "C.1")?.call;
    assert.ok(consultation, "the consultation call ended instead of lingering");
    assert.equal(consultation.disposition, "ANSWERED");
    assert.deepEqual(tracker.snapshot().map((c) => [c.id, c.legs.filter((l) => l.endedAt === undefined).map((l) => l.uniqueid)]), [["A.1", ["A.2", "C.2"]]]);
    f({ Event: "Hangup", ...bob, Cause: "16" });
    f({ Event: "Hangup", ...carol, Linkedid: "A.1", Cause: "16" });
    assert.equal(tracker.size, 0);
    assert.equal(out.filter((u) => u.step === "ended" && u.call.id === "A.1").length, 1);
  });

  it("click-to-call (an Originate to PJSIP/6001): 6001 places the call to the number; it is not a call to 6001", () => {
    // The events: test/helpers/click-to-call.ts (what the call filter makes of them: test/node-red/call-filter.test.ts).
    const out = clickToCall();
    const ended = out.find((u) => u.step === "ended")?.call;
    assert.ok(ended);
    assert.equal(ended.originated, true);
    assert.deepEqual([ended.caller.number, ended.caller.name, ended.callee?.number, ended.answeredBy?.number], ["6001", undefined, "004930123456", "004930123456"]);
    assert.deepEqual([ended.direction, ended.disposition], ["outbound", "ANSWERED"]);
    assert.deepEqual(out.filter((u) => u.step === "ringing").map((u) => u.dial?.callee.number), ["004930123456"], "only the number called rings, not 6001");
    assert.deepEqual(ended.dials.map((d) => d.callee.number), ["004930123456"]);
  });

  it("every real SIP capture ends as a user would log it: caller, callee, who answered, direction, disposition, steps, times", () => {
    // What the phones did (NAME.phones.log) against what the tracker concludes from AMI alone.
    const expected: Record<string, { steps: string; call: Array<string | undefined>; ring: number; talk: number; transfers?: string }> = {
      "sip-internal-answered": { steps: "ringing:6002 answered ended", call: ["internal", "6001", "Alice", "6002", "6002", "ANSWERED"], ring: 2, talk: 3 },
      "sip-internal-noanswer": { steps: "ringing:6002 ended", call: ["internal", "6001", "Alice", "6002", undefined, "NO ANSWER"], ring: 15, talk: 0 },
      "sip-ringgroup-inbound": { steps: "ringing:6001 ringing:6002 answered ended", call: ["inbound", "+4930123456", "Outside Caller", "4930555100", "6002", "ANSWERED"], ring: 2, talk: 3 },
      "sip-hold-resume": { steps: "ringing:6002 answered hold unhold ended", call: ["internal", "6001", "Alice", "6002", "6002", "ANSWERED"], ring: 1, talk: 5 },
      "sip-blind-transfer": { steps: "ringing:6002 answered transfer ringing:6003 ended", call: ["internal", "6001", "Alice", "6002", "6002", "ANSWERED"], ring: 1, talk: 7, transfers: "blind:6003" },
      "sip-attended-transfer": { steps: "ringing:6002 answered hold ringing:6003 transfer ended", call: ["internal", "6001", "Alice", "6002", "6002", "ANSWERED"], ring: 1, talk: 11.1, transfers: "attended:6003" },
      "sip-queue-answered": { steps: "ringing:6003 ringing:6002 answered ended", call: ["internal", "6001", "Alice", "700", "6003", "ANSWERED"], ring: 2, talk: 3 },
      "sip-dtmf": { steps: "ringing:6002 answered ended", call: ["internal", "6001", "Alice", "6002", "6002", "ANSWERED"], ring: 1, talk: 5.3 },
    };
    for (const [capture, want] of Object.entries(expected)) {
      const { updates } = replay(capture);
      assert.equal(updates.map((u) => u.step + (u.dial ? `:${u.dial.callee.number}` : "")).join(" "), want.steps, capture);
      const calls = ended(updates);
      assert.equal(calls.length, 1, `${capture}: one call`);
      const c = calls[0];
      assert.deepEqual([c.direction, c.caller.number, c.caller.name, c.callee?.number, c.answeredBy?.number, c.disposition], want.call, capture);
      assert.ok(Math.abs((c.ringTime ?? -1) - want.ring) <= 0.5 && Math.abs((c.talkTime ?? -1) - want.talk) <= 0.5, `${capture}: ring ${c.ringTime} s, talk ${c.talkTime} s`);
      assert.equal(c.transfers.map((t) => `${t.kind}:${t.target}`).join(" "), want.transfers ?? "", capture);
    }
    assert.equal(ended(replay("sip-queue-answered").updates)[0].callee?.name, "sipq", "a queue call's callee is the queue");
  });

  it("what is not a click-to-call stays as it was: a callback through a trunk, ARI dialling into a call, an IVR before a queue or group", () => {
    const run = (events: Array<Record<string, string>>) => {
      const tracker = new CallTracker({ now: () => 0 });
      const out: CallUpdate[] = [];
      for (const e of events) out.push(...tracker.handle(ev(e)));
      return { out, live: tracker.snapshot()[0] };
    };
    // An Originate that rings the customer first through the trunk: the caller is the number rung, not "provider".
    const cb = { Channel: "PJSIP/provider-0000000a", Uniqueid: "8.1", Linkedid: "8.1" };
    const callback = run([
      { Event: "Newchannel", ...cb, ChannelStateDesc: "Down", CallerIDNum: "100", CallerIDName: "Callback" },
      { Event: "DialBegin", DestChannel: cb.Channel, DestUniqueid: "8.1", DestLinkedid: "8.1", DialString: "0301234567@provider" },
    ]);
    assert.deepEqual([callback.live.originated, callback.live.caller.number], [true, "0301234567"]);
    // An inbound call into which ARI dials another channel (a DialBegin without a caller, mid-call): still the customer's call.
    const trunk = { Channel: "PJSIP/provider-0000000b", Uniqueid: "9.1", Linkedid: "9.1" };
    const ari = run([
      { Event: "Newchannel", ...trunk, ChannelStateDesc: "Ring", CallerIDNum: "+4917012345", CallerIDName: "Customer", Context: "from-pstn", Exten: "4930555100" },
      { Event: "DialBegin", ...trunk, CallerIDNum: "+4917012345", Exten: "4930555100", DestChannel: "PJSIP/6001-0000000c", DestUniqueid: "9.2", DestLinkedid: "9.1", DialString: "6001" },
      { Event: "DialBegin", DestChannel: "PJSIP/6009-0000000d", DestUniqueid: "9.3", DestLinkedid: "9.1", DialString: "6009" },
    ]);
    assert.deepEqual([ari.live.originated, ari.live.caller.number, ari.live.caller.name], [undefined, "+4917012345", "Customer"]);
    // An IVR (extension s) before a queue: the callee is the queue's extension the caller is at then.
    const ivr = { Channel: "PJSIP/provider-0000000e", Uniqueid: "10.1", Linkedid: "10.1" };
    const queued = run([
      { Event: "Newchannel", ...ivr, ChannelStateDesc: "Ring", CallerIDNum: "+4917012345", Context: "ivr", Exten: "s" },
      { Event: "QueueCallerJoin", ...ivr, Context: "queues", Exten: "700", Queue: "support", Position: "1", Count: "1" },
    ]);
    assert.deepEqual(queued.live.callee, { number: "700", name: "support" });
    // An inbound call in a context the rules do not know, to a ring group: the group's DID does not make it outbound.
    const grp = { Channel: "PJSIP/sipgate-0000000f", Uniqueid: "11.1", Linkedid: "11.1" };
    const group = run([
      { Event: "Newchannel", ...grp, ChannelStateDesc: "Ring", CallerIDNum: "+4917012345", Context: "from-sipgate", Exten: "4930555100" },
      ...["6001", "6002"].map((n, i) => ({ Event: "DialBegin", ...grp, Exten: "4930555100", DestChannel: `PJSIP/${n}-0000001${i}`, DestUniqueid: `11.${i + 2}`, DestLinkedid: "11.1", DialString: n })),
    ]);
    assert.deepEqual([group.live.callee?.number, group.live.direction], ["4930555100", "internal"]);
    assert.deepEqual(group.out.map((u) => u.call.direction), ["internal", "internal"], "no flip mid-call");
  });

  it("real SIP phones: a transfer names the party transferred to, blind (REFER) and attended (DTMF *2, no target channel)", () => {
    // sip-blind-transfer: Alice (6001) calls Bob (6002), Bob REFERs her to 6003.
    const blind = replay("sip-blind-transfer").updates.filter((u) => u.step === "transfer");
    assert.deepEqual(blind.map((u) => [u.transfer?.kind, u.transfer?.target, u.transfer?.result, u.call.caller.number]), [["blind", "6003", "Success", "6001"]]);
    // sip-attended-transfer: Bob consults Carol through *2 (a Local channel inside the same call, so
    // SecondTransfererLinkedid is the call's own), then hangs up: Alice goes to Carol, 6003.
    const attended = replay("sip-attended-transfer").updates.filter((u) => u.step === "transfer");
    assert.equal(attended.length, 1);
    const t = attended[0].transfer;
    assert.deepEqual([t?.kind, t?.target, t?.result, t?.targetCall], ["attended", "6003", "Success", undefined]);
    assert.notEqual(t?.target, attended[0].call.id, "never the call's own id");
  });
});
