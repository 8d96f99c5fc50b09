import { strict as assert } from "node:assert";
import { callerOf, count, keepSince, memberChanged, memberOf, memberState, own } from "../../src/ami/queue-members";
import { edited, firstMessage as first } from "../helpers/capture-frames";

describe("queue member states", () => {
  it("member state precedence: unavailable > ringing > in a call > paused > available", () => {
    const cases: Array<[string, boolean, boolean, string]> = [
      ["5", true, true, "unavailable"],
      ["4", false, false, "unavailable"],
      ["6", true, true, "ringing"],
      ["7", false, false, "ringing"],
      ["2", false, true, "in-call"],
      ["3", false, false, "in-call"],
      ["8", false, false, "in-call"],
      ["1", true, true, "in-call"],
      ["1", false, true, "paused"],
      ["0", false, true, "paused"],
      ["1", false, false, "available"],
      ["0", false, false, "available"],
      ["", false, false, "available"],
    ];
    for (const [s, inCall, paused, want] of cases) assert.equal(memberState(s, inCall, paused), want, `Status ${s} InCall ${inCall} Paused ${paused}`);
  });
});

describe("queue members and callers read from events", () => {
  it("a QueueStatus item (Name, Location) and a QueueMember* event (MemberName, Interface) give the same member", () => {
    const item = memberOf(first("queue-status", (m) => m.event === "QueueMember"), 1000);
    assert.deepEqual(item, {
      name: "Agent One",
      interface: "Local/100@test",
      stateInterface: "Local/100@test",
      state: "available",
      paused: false,
      membership: "static",
      penalty: 0,
      callsTaken: 0,
      since: 1000,
    });
    const paused = memberOf(first("queue-member-events", (m) => m.event === "QueueMemberPause"), 2000);
    assert.deepEqual([paused.name, paused.interface, paused.state, paused.paused, paused.pausedReason, paused.membership, paused.penalty], ["Temp Member", "Local/101@test", "paused", true, "lunch", "dynamic", 1]);
  });

  it("LastCall (epoch seconds, 0 for never) becomes ms; a PausedReason counts only while paused", () => {
    const rung = memberOf(first("sip-queue-answered", (m) => m.event === "QueueMemberStatus" && m.get("LastCall") !== "0"), 0);
    assert.deepEqual([rung.interface, rung.state, rung.callsTaken, rung.lastCall], ["PJSIP/6003", "ringing", 1, 1796549277000]);
    const never = memberOf(first("sip-queue-answered", (m) => m.event === "QueueMemberStatus" && m.get("LastCall") === "0"), 0);
    assert.equal("lastCall" in never, false);
    const pause = first("queue-member-events", (m) => m.event === "QueueMemberPause");
    assert.equal(memberOf(pause, 0).pausedReason, "lunch");
    assert.equal("pausedReason" in memberOf(edited(pause, { Paused: "0" }), 0), false, "unpaused: the last reason is not shown");
  });

  it("a member keeps its since while its state stays; only what a wallboard shows is a change", () => {
    const a = memberOf(first("queue-status", (m) => m.event === "QueueMember"), 1000);
    assert.equal(keepSince(a, { ...a, callsTaken: 1, since: 5000 }).since, 1000, "same state: since kept");
    assert.equal(keepSince(a, { ...a, state: "ringing", since: 5000 }).since, 5000, "new state: since now");
    assert.equal(keepSince(undefined, { ...a, since: 5000 }).since, 5000);
    assert.equal(memberChanged(a, { ...a, since: 9999 }), false, "since alone is no change");
    for (const field of ["state", "name", "membership", "stateInterface", "pausedReason"] as const) assert.equal(memberChanged(a, { ...a, [field]: "x" }), true, field);
    assert.equal(memberChanged(a, { ...a, callsTaken: 1 }), true);
    assert.equal(memberChanged(a, { ...a, paused: true }), true);
  });

  it("a caller: QueueCallerJoin joined now, QueueEntry Wait seconds ago; caller IDs Asterisk does not know left out", () => {
    const joined = callerOf(first("sip-queue-answered", (m) => m.event === "QueueCallerJoin"), 10_000);
    assert.deepEqual(joined, { uniqueid: "1796549447.61", channel: "PJSIP/6001-00000039", position: 1, since: 10_000, callerIdNum: "6001", callerIdName: "Alice" });
    const entry = callerOf(first("queue-status", (m) => m.event === "QueueEntry"), 10_000);
    assert.deepEqual([entry.uniqueid, entry.position, entry.since, entry.callerIdNum], ["lab-q-2", 1, 9_000, "5550400"]);
    const nobody = callerOf(edited(first("sip-queue-answered", (m) => m.event === "QueueCallerJoin"), { CallerIDNum: "<unknown>", CallerIDName: "" }), 0);
    assert.equal("callerIdNum" in nobody || "callerIdName" in nobody, false);
  });

  it("counts are whole and never negative; anything else is 0", () => {
    assert.deepEqual(["12", "3.7", "0", "-4", "", "abc", undefined, "Infinity"].map(count), [12, 3, 0, 0, 0, 0, 0, 0]);
  });

  it("own keeps the value (a short one as it is, a long one as a string of its own)", () => {
    const frame = "Interface: PJSIP/some-long-trunk-name-0001\r\n";
    const slice = frame.slice(11, frame.length - 2);
    assert.equal(own(slice), "PJSIP/some-long-trunk-name-0001");
    assert.equal(own("6001"), "6001");
  });
});
