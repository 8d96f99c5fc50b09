import { strict as assert } from "node:assert";
import { AmiMessage } from "../../src/ami/message";
import { AmiClient } from "../../src/ami/client";
import { QueueChange, QueueTracker } from "../../src/ami/queues";
import { trackQueues } from "../../src/ami/tracking";
import { FakeAmi, Fields, waitFor } from "../helpers/fake-ami";
import { startPbx } from "../../simulator";
import { timedMessages } from "../helpers/captures";

/** Local noon of 2026-12-06: far from midnight in any time zone the tests run in. */
const NOON = new Date(2026, 11, 6, 12, 0, 0).getTime();

/** A tracker on a clock the test moves. */
function clocked(options: ConstructorParameters<typeof QueueTracker>[0] = {}) {
  const clock = { now: NOON };
  const tracker = new QueueTracker({ now: () => clock.now, ...options });
  return { clock, tracker };
}

/**
 * Plays a capture through a tracker: the items of the list with ActionID `seedWith` seed it when
 * its Complete arrives, live events go to handle(). Returns every change.
 */
function play(name: string, tracker: QueueTracker, clock: { now: number }, seedWith?: string): QueueChange[] {
  const changes: QueueChange[] = [];
  let list: AmiMessage[] = [];
  for (const { t, msg } of timedMessages(name)) {
    clock.now = NOON + t;
    const id = msg.get("ActionID");
    if (id !== undefined && msg.event) {
      if (id !== seedWith) continue;
      if (msg.get("EventList") === "Complete") changes.push(...tracker.seed(list));
      else list.push(msg);
      if (msg.get("EventList") === "Complete") list = [];
    } else if (msg.event) changes.push(...tracker.handle(msg));
  }
  return changes;
}

function ev(fields: Record<string, string>): AmiMessage {
  return AmiMessage.from(Object.entries(fields));
}

const params = (queue: string, extra: Record<string, string> = {}) => ev({ Event: "QueueParams", Queue: queue, Strategy: "ringall", ServiceLevel: "0", ...extra });
const member = (queue: string, iface: string, name: string, extra: Record<string, string> = {}) =>
  ev({ Event: "QueueMember", Queue: queue, Name: name, Location: iface, StateInterface: iface, Membership: "static", Penalty: "0", CallsTaken: "0", LastCall: "0", InCall: "0", Status: "1", Paused: "0", PausedReason: "", ...extra });
const entry = (queue: string, uniqueid: string, position: number, wait: number) =>
  ev({ Event: "QueueEntry", Queue: queue, Position: String(position), Channel: `PJSIP/x-${uniqueid}`, Uniqueid: uniqueid, CallerIDNum: "5550100", CallerIDName: "<unknown>", Wait: String(wait) });
const join = (queue: string, uniqueid: string, position: number) =>
  ev({ Event: "QueueCallerJoin", Queue: queue, Uniqueid: uniqueid, Channel: `PJSIP/x-${uniqueid}`, CallerIDNum: "5550123", CallerIDName: "Lena", Position: String(position), Count: String(position) });
const leave = (queue: string, uniqueid: string, position: number) => ev({ Event: "QueueCallerLeave", Queue: queue, Uniqueid: uniqueid, Position: String(position), Count: "0" });
const abandon = (queue: string, uniqueid: string, hold: number) => ev({ Event: "QueueCallerAbandon", Queue: queue, Uniqueid: uniqueid, Position: "1", OriginalPosition: "1", HoldTime: String(hold) });
const connect = (queue: string, uniqueid: string, hold: number, iface = "PJSIP/6002") =>
  ev({ Event: "AgentConnect", Queue: queue, Uniqueid: uniqueid, Interface: iface, MemberName: "Bob", HoldTime: String(hold), RingTime: "1" });
const complete = (queue: string, uniqueid: string, talk: number) =>
  ev({ Event: "AgentComplete", Queue: queue, Uniqueid: uniqueid, Interface: "PJSIP/6002", MemberName: "Bob", HoldTime: "1", TalkTime: String(talk), Reason: "caller" });
const status = (queue: string, iface: string, fields: Record<string, string>) =>
  ev({ Event: "QueueMemberStatus", Queue: queue, MemberName: "Bob", Interface: iface, StateInterface: iface, Membership: "static", Penalty: "0", CallsTaken: "0", LastCall: "0", InCall: "0", Status: "1", Paused: "0", PausedReason: "", ...fields });

describe("queue tracking", () => {
  it("queue-status: seeds queues, a waiting caller and a member from QueueStatus (QueueMember's Name/Location)", () => {
    const { clock, tracker } = clocked();
    const changes = play("queue-status", tracker, clock, "qs-all");
    assert.deepEqual(changes.map((c) => `${c.kind} ${c.queue}`), ["queue testq", "queue supportq"]);
    const [support, testq] = tracker.snapshot();
    assert.deepEqual([support.name, testq.name], ["supportq", "testq"], "sorted by name");
    assert.equal(testq.strategy, "ringall");
    assert.equal(testq.serviceLevel, 20, "ServiceLevel 0: the tracker's default");
    assert.equal(testq.waiting, 1);
    const caller = testq.callers[0];
    assert.deepEqual({ ...caller, since: 0 }, { uniqueid: "lab-q-2", channel: "Local/400@test-0000003b;2", position: 1, callerIdNum: "5550400", callerIdName: "Queue Caller", since: 0 });
    assert.equal(testq.longestWaitSince, caller.since);
    assert.ok(clock.now - caller.since >= 1000, "Wait: 1 s before the item arrived");
    assert.deepEqual(support.members.map((m) => [m.name, m.interface, m.state, m.membership, m.paused]), [["Agent One", "Local/100@test", "available", "static", false]]);
    assert.equal(support.members[0].lastCall, undefined, "LastCall 0: never");
    assert.deepEqual([support.loggedIn, support.available, testq.loggedIn], [1, 1, 0]);
    assert.deepEqual([testq.sinceStart.offered, testq.sinceStart.complete], [0, true], "QueueStatus does not count calls offered");
  });

  it("queue-member-events: a member added, paused for lunch, seen in QueueStatus, removed", () => {
    const { clock, tracker } = clocked();
    const changes = play("queue-member-events", tracker, clock, "qs-m");
    assert.deepEqual(changes.map((c) => [c.kind, c.member?.name, c.member?.state, c.reason]), [
      ["member-added", "Temp Member", "available", undefined],
      ["paused", "Temp Member", "paused", "lunch"],
      ["queue", undefined, undefined, undefined],
      ["member-removed", "Temp Member", "paused", undefined],
    ]);
    assert.deepEqual([changes[1].member?.membership, changes[1].member?.pausedReason], ["dynamic", "lunch"]);
    assert.equal(changes[3].member?.since, changes[1].member?.since, "the seed between kept the paused member's since");
    assert.deepEqual(tracker.names(), ["testq"], "events of a queue never seeded make it known");
    assert.deepEqual(tracker.view("testq")?.members, []);
  });

  it("sip-queue-answered: caller-left comes before answered (Asterisk's order), both about the same caller; then completed", () => {
    const { clock, tracker } = clocked();
    const changes = play("sip-queue-answered", tracker, clock);
    const story = changes.map((c) => `${c.kind}${c.member ? ` ${c.member.name}:${c.member.state}` : ""}`);
    assert.deepEqual(story, [
      "caller-joined",
      "member-added Carol:ringing",
      "member-added Bob:ringing",
      "member-state Carol:in-call",
      "caller-left",
      "answered Carol:in-call",
      ...story.slice(6),
    ]);
    const [joined, left, answered] = ["caller-joined", "caller-left", "answered"].map((k) => changes.find((c) => c.kind === k) as QueueChange);
    assert.deepEqual([joined.caller?.callerIdNum, joined.caller?.callerIdName, joined.caller?.position], ["6001", "Alice", 1]);
    assert.equal(left.caller?.uniqueid, joined.caller?.uniqueid);
    assert.equal(left.reason, undefined, "the outcome is not known yet when the caller leaves");
    assert.equal(answered.caller?.uniqueid, joined.caller?.uniqueid, "AgentConnect after the caller left still knows the caller");
    assert.equal(answered.wait, 2, "HoldTime");
    const done = changes.find((c) => c.kind === "completed") as QueueChange;
    assert.ok(done, `completed: ${story.join(", ")}`);
    assert.deepEqual([done.member?.name, done.caller?.uniqueid, typeof done.talk], ["Carol", joined.caller?.uniqueid, "number"]);

    const sipq = tracker.view("sipq");
    assert.ok(sipq);
    assert.equal(sipq.waiting, 0);
    assert.deepEqual([sipq.today.offered, sipq.today.answered, sipq.today.abandoned, sipq.today.answeredInServiceLevel], [1, 1, 0, 1]);
    assert.deepEqual([sipq.today.serviceLevelPct, sipq.today.avgWait, sipq.today.maxWait, sipq.today.avgTalk], [100, 2, 2, done.talk]);
    assert.deepEqual(sipq.sinceStart, { ...sipq.today, since: sipq.sinceStart.since });
    const carol = sipq.members.find((m) => m.name === "Carol");
    assert.ok(carol && carol.callsTaken >= 1 && carol.lastCall !== undefined && carol.lastCall > 1.7e12, "CallsTaken and LastCall (epoch s -> ms)");
  });

  it("abandoned: QueueCallerAbandon then QueueCallerLeave; counts and waits; positions move up", () => {
    const { clock, tracker } = clocked();
    tracker.seed([params("support")]);
    tracker.handle(join("support", "a", 1));
    clock.now += 5000;
    tracker.handle(join("support", "b", 2));
    tracker.handle(join("support", "c", 3));
    clock.now += 7000;
    const gave = tracker.handle(abandon("support", "a", 12));
    assert.deepEqual(gave.map((c) => [c.kind, c.caller?.uniqueid, c.wait]), [["abandoned", "a", 12]]);
    assert.deepEqual(tracker.view("support")?.callers.map((c) => [c.uniqueid, c.position]), [["b", 1], ["c", 2]], "the view right after the abandon has the caller gone");
    const left = tracker.handle(leave("support", "a", 1));
    assert.deepEqual(left.map((c) => [c.kind, c.caller?.uniqueid, c.wait, c.reason]), [["caller-left", "a", 12, "abandoned"]]);
    assert.deepEqual(tracker.handle(leave("support", "a", 1)), [], "a second Leave says nothing");

    const v = tracker.view("support");
    assert.ok(v);
    assert.deepEqual([v.today.offered, v.today.abandoned, v.today.avgAbandonWait, v.today.maxWait, v.today.serviceLevelPct], [3, 1, 12, 12, 0]);
    assert.equal(v.longestWaitSince, NOON + 5000, "b is the oldest now");
  });

  it("a caller who times out leaves without an outcome; a caller joining ahead pushes the others back", () => {
    const { tracker } = clocked();
    tracker.handle(join("q", "a", 1));
    tracker.handle(join("q", "vip", 1));
    assert.deepEqual(tracker.view("q")?.callers.map((c) => [c.uniqueid, c.position]), [["vip", 1], ["a", 2]]);
    const out = tracker.handle(leave("q", "a", 2));
    assert.deepEqual(out.map((c) => [c.kind, c.reason]), [["caller-left", undefined]]);
    assert.deepEqual(tracker.view("q")?.callers.map((c) => c.uniqueid), ["vip"]);
  });

  it("service level: the queue's own ServiceLevel, else the default, or a snapshot's override; over answered + abandoned", () => {
    const { tracker } = clocked({ serviceLevel: 30 });
    tracker.seed([params("own", { ServiceLevel: "10" }), params("plain")]);
    const waits = [3, 9, 10, 11, 25, 40];
    for (const q of ["own", "plain"]) {
      waits.forEach((w, i) => {
        tracker.handle(join(q, `${q}${i}`, 1));
        tracker.handle(connect(q, `${q}${i}`, w));
      });
      tracker.handle(join(q, `${q}x`, 1));
      tracker.handle(abandon(q, `${q}x`, 50));
    }
    const [own, plain] = tracker.snapshot();
    assert.deepEqual([own.serviceLevel, own.today.answeredInServiceLevel, own.today.serviceLevelPct], [10, 3, 42.9], "3 of 7 within 10 s");
    assert.deepEqual([plain.serviceLevel, plain.today.answeredInServiceLevel, plain.today.serviceLevelPct], [30, 5, 71.4]);
    const [own40] = tracker.snapshot({ serviceLevel: 40 });
    assert.deepEqual([own40.serviceLevel, own40.today.answeredInServiceLevel], [40, 6]);
    assert.equal(tracker.view("own", { serviceLevel: 0 })?.today.answeredInServiceLevel, 0);
    assert.deepEqual([own.today.avgWait, own.today.maxWait, own.today.avgAbandonWait], [16.3, 50, 50]);
    // Waits over 300 s are kept in 10 s steps: a threshold between is rounded down.
    tracker.handle(join("plain", "long", 1));
    tracker.handle(connect("plain", "long", 655));
    assert.equal(tracker.view("plain", { serviceLevel: 659 })?.today.answeredInServiceLevel, 6);
    assert.equal(tracker.view("plain", { serviceLevel: 660 })?.today.answeredInServiceLevel, 7);
  });

  it("talk time from AgentComplete; the member's state comes from QueueMemberStatus and keeps its since while it stays", () => {
    const { clock, tracker } = clocked();
    tracker.seed([params("q"), member("q", "PJSIP/6002", "Bob")]);
    const since0 = tracker.view("q")?.members[0].since;
    clock.now += 1000;
    assert.deepEqual(tracker.handle(status("q", "PJSIP/6002", { Status: "1" })), [], "nothing changed");
    assert.equal(tracker.view("q")?.members[0].since, since0);
    clock.now += 1000;
    const ring = tracker.handle(status("q", "PJSIP/6002", { Status: "6" }));
    assert.deepEqual(ring.map((c) => [c.kind, c.member?.state, c.member?.since]), [["member-state", "ringing", clock.now]]);
    tracker.handle(join("q", "u1", 1));
    tracker.handle(connect("q", "u1", 4));
    clock.now += 1000;
    tracker.handle(status("q", "PJSIP/6002", { Status: "2" }));
    clock.now += 1000;
    const calls = tracker.handle(status("q", "PJSIP/6002", { Status: "2", CallsTaken: "1" }));
    assert.deepEqual(calls.map((c) => [c.kind, c.member?.callsTaken, c.member?.since]), [["member-state", 1, clock.now - 1000]], "a count changed, not the state");
    const done = tracker.handle(complete("q", "u1", 42));
    assert.deepEqual(done.map((c) => [c.kind, c.talk, c.reason, c.caller?.uniqueid, c.member?.name]), [["completed", 42, "caller", "u1", "Bob"]]);
    assert.equal(tracker.view("q")?.today.avgTalk, 42);
  });

  it("member state precedence: unavailable > ringing > in a call > paused > available", () => {
    // memberState's own cases: test/ami/queue-members.test.ts.
    const { tracker } = clocked();
    tracker.seed([params("q"), member("q", "A", "a", { Status: "5" }), member("q", "B", "b", { Status: "6" }), member("q", "C", "c", { InCall: "1" }), member("q", "D", "d", { Paused: "1", PausedReason: "lunch" }), member("q", "E", "e")]);
    const v = tracker.view("q");
    assert.ok(v);
    assert.deepEqual([v.loggedIn, v.available, v.ringing, v.inCall, v.paused, v.unavailable], [4, 1, 1, 1, 1, 1]);
    assert.equal(v.members[3].pausedReason, "lunch");
  });

  it("a dropped session marks both periods incomplete; the reseed replaces callers and members, keeping since of those that stayed", () => {
    const { clock, tracker } = clocked();
    tracker.seed([params("q"), member("q", "PJSIP/6001", "Alice"), member("q", "PJSIP/6002", "Bob"), entry("q", "stay", 1, 3), entry("q", "go", 2, 1)]);
    const before = tracker.view("q");
    assert.ok(before && before.today.complete && before.sinceStart.complete);
    tracker.markGap();
    assert.deepEqual([tracker.view("q")?.today.complete, tracker.view("q")?.sinceStart.complete], [false, false]);
    clock.now += 60_000;
    tracker.seed([params("q"), member("q", "PJSIP/6001", "Alice"), member("q", "PJSIP/6002", "Bob", { Status: "2" }), member("q", "PJSIP/6003", "Carol"), entry("q", "stay", 1, 63), entry("q", "new", 2, 10)]);
    const after = tracker.view("q");
    assert.ok(after);
    assert.deepEqual(after.callers.map((c) => [c.uniqueid, c.since]), [["stay", before.callers[0].since], ["new", clock.now - 10_000]]);
    assert.deepEqual(after.members.map((m) => [m.name, m.state, m.since]), [["Alice", "available", before.members[0].since], ["Bob", "in-call", clock.now], ["Carol", "available", clock.now]]);
    assert.deepEqual([after.today.complete, after.sinceStart.complete], [false, false], "still incomplete after the reseed");
    const reseeded = tracker.seed([params("other")]);
    assert.deepEqual(tracker.names(), ["other"], "a queue QueueStatus no longer lists is gone");
    assert.deepEqual(reseeded, [{ kind: "queue-removed", queue: "q" }, { kind: "queue", queue: "other" }], "and said so");
  });

  it("today rolls over at local midnight (lazily, on the clock): counters start again, complete again after a gap", () => {
    const { clock, tracker } = clocked();
    tracker.seed([params("q")]);
    tracker.handle(join("q", "a", 1));
    tracker.handle(abandon("q", "a", 3));
    tracker.markGap();
    tracker.seed([params("q")]);
    const midnight = new Date(2026, 11, 7).getTime();
    clock.now = midnight - 1;
    assert.deepEqual([tracker.view("q")?.today.offered, tracker.view("q")?.today.since, tracker.view("q")?.today.complete], [1, NOON, false], "the first day counts from the tracker's start");
    clock.now = midnight + 1;
    const v = tracker.view("q");
    assert.deepEqual([v?.today.offered, v?.today.abandoned, v?.today.since, v?.today.complete], [0, 0, midnight, true]);
    assert.deepEqual([v?.sinceStart.offered, v?.sinceStart.since, v?.sinceStart.complete], [1, NOON, false]);
    tracker.handle(join("q", "b", 1));
    assert.equal(tracker.view("q")?.today.offered, 1);
    // A day that begins while the session is down is incomplete from the start.
    tracker.markGap();
    clock.now = new Date(2026, 11, 8).getTime() + 5;
    assert.equal(tracker.view("q")?.today.complete, false);
  });

  it("bounds: queues, members per queue and callers in all; beyond them nothing new is tracked and each bound is reported once", () => {
    const limits: string[] = [];
    const { tracker } = clocked({ maxQueues: 2, maxMembers: 2, maxCallers: 3, onLimit: (bound, max) => limits.push(`${bound}:${max}`) });
    tracker.seed([params("a"), member("a", "1", "m1"), member("a", "2", "m2"), member("a", "3", "m3"), params("b"), params("c")]);
    assert.deepEqual(tracker.names(), ["a", "b"]);
    assert.equal(tracker.view("a")?.members.length, 2);
    assert.deepEqual(tracker.handle(status("a", "4", {})), []);
    for (let i = 0; i < 5; i++) tracker.handle(join(i % 2 ? "a" : "b", `u${i}`, 1));
    assert.equal(tracker.snapshot().reduce((n, q) => n + q.waiting, 0), 3);
    assert.equal(tracker.view("b")?.today.offered, 3, "calls beyond the bound are still counted");
    tracker.handle(join("d", "x", 1));
    assert.deepEqual(tracker.names(), ["a", "b"]);
    assert.deepEqual(limits, ["members:2", "queues:2", "callers:3"]);
    assert.deepEqual(tracker.dropped, { queues: 2, members: 2, callers: 2 });
    // Room again once a caller leaves.
    tracker.handle(leave("b", "u0", 1));
    tracker.handle(join("a", "u9", 1));
    assert.equal(tracker.snapshot().reduce((n, q) => n + q.waiting, 0), 3);
  });

  it("snapshots are copies; bad input gives no change and no crash", () => {
    const { tracker } = clocked();
    tracker.seed([params("q"), member("q", "PJSIP/1", "One")]);
    const snap = tracker.snapshot();
    snap[0].members[0].state = "unavailable";
    snap[0].members.pop();
    assert.equal(tracker.view("q")?.members[0].state, "available");
    assert.deepEqual(tracker.handle(ev({ Event: "QueueCallerJoin" })), [], "no Queue header");
    assert.deepEqual(tracker.handle(ev({ Event: "Newchannel", Queue: "q" })), [], "not a queue event");
    for (const name of ["constructor", "toString", "__proto__", "hasOwnProperty"]) assert.deepEqual(tracker.handle(ev({ Event: name, Queue: "q" })), [], `an event named ${name}`);
    assert.deepEqual(tracker.handle(ev({ Event: "QueueCallerJoin", Queue: "q", Position: "1" })), [], "a join without Uniqueid");
    assert.equal(tracker.view("q")?.today.offered, 0, "and it is not counted as offered");
    assert.deepEqual(tracker.handle(ev({ Event: "QueueMemberStatus", Queue: "q", MemberName: "Ghost", Status: "1" })), [], "a member event without Interface");
    assert.deepEqual(tracker.handle(ev({ Event: "QueueMemberRemoved", Queue: "q", Interface: "PJSIP/404", MemberName: "Never" })), [], "removing a member never known");
    assert.deepEqual(tracker.view("q")?.members.map((m) => m.interface), ["PJSIP/1"]);
    const odd = tracker.handle(ev({ Event: "AgentConnect", Queue: "q", HoldTime: "soon" }));
    assert.deepEqual(odd.map((c) => [c.kind, c.wait, c.caller]), [["answered", 0, undefined]]);
  });

  it("trackQueues: seeded from QueueStatus at connect, live events applied, a dropped session marks the counters and the reconnect seeds again", async () => {
    let entries: Fields[] = [[["Event", "QueueEntry"], ["Queue", "support"], ["Position", "1"], ["Uniqueid", "w1"], ["Channel", "PJSIP/1-1"], ["Wait", "5"]]];
    let seeds = 0;
    const srv = await FakeAmi.start({
      onAction: (action, s) => {
        if (action.get("Action") !== "QueueStatus") return s.respond(action, [["Response", "Success"]]);
        seeds++;
        const id = action.get("ActionID") ?? "";
        s.respond(action, [["Response", "Success"], ["EventList", "start"], ["Message", "Queue status will follow"]]);
        const items: Fields[] = [[["Event", "QueueParams"], ["Queue", "support"], ["Strategy", "ringall"], ["ServiceLevel", "30"]], ...entries];
        for (const item of items) s.send([...item, ["ActionID", id]]);
        s.send([["Event", "QueueStatusComplete"], ["ActionID", id], ["EventList", "Complete"], ["ListItems", String(items.length)]]);
      },
    });
    const client = new AmiClient({ host: "127.0.0.1", port: srv.port, username: "admin", secret: "amp111", keepaliveInterval: 0, reconnectDelay: 20, reconnectMaxDelay: 50 });
    try {
      const changes: QueueChange[] = [];
      const tracking = trackQueues(client, (c) => changes.push(c));
      client.connect();
      await waitFor(() => changes.length === 1, 3000, "the seed");
      assert.deepEqual([changes[0].kind, tracking.tracker.view("support")?.waiting, tracking.tracker.view("support")?.serviceLevel], ["queue", 1, 30]);
      srv.broadcast([["Event", "QueueCallerJoin"], ["Queue", "support"], ["Uniqueid", "w2"], ["Channel", "PJSIP/2-1"], ["Position", "2"], ["Count", "2"]]);
      await waitFor(() => changes.length === 2, 3000, "the join");
      assert.equal(tracking.tracker.view("support")?.today.offered, 1);
      entries = [];
      srv.dropAll();
      await waitFor(() => seeds === 2 && changes.length === 3, 3000, "the seed after the reconnect");
      const v = tracking.tracker.view("support");
      assert.deepEqual([v?.waiting, v?.today.offered, v?.today.complete, v?.sinceStart.complete], [0, 1, false, false]);
      tracking.stop();
      assert.equal(client.subscriptionCount, 0);
    } finally {
      await client.close();
      await srv.close();
    }
  });

  it("the simulated call centre: answered, abandoned, a pause with a reason; the live tracker agrees with a fresh QueueStatus", async function () {
    this.timeout(20000);
    const pbx = await startPbx({ port: 0, timeScale: 0.05, callCentre: { traffic: false } });
    const client = new AmiClient({ host: "127.0.0.1", port: pbx.port, username: "admin", secret: "amp111", keepaliveInterval: 0 });
    const centre = pbx.callCentre;
    assert.ok(centre);
    try {
      const changes: QueueChange[] = [];
      const tracking = trackQueues(client, (c) => changes.push(c));
      client.connect();
      await waitFor(() => client.state === "ready", 3000, "the session");
      await tracking.seeded();
      assert.deepEqual(tracking.tracker.view("sales")?.members.map((m) => m.state), ["available", "available", "available", "available"]);

      const first = await centre.join("sales", { callerIdNum: "+4930111", callerIdName: "Anna" });
      await centre.answer(first.uniqueid);
      await centre.hangUp(first.uniqueid);
      const second = await centre.join("sales", { callerIdNum: "+4930222" });
      await centre.abandon(second.uniqueid);
      centre.pause("support", "Local/2101@agents", "lunch");
      const third = await centre.join("support", { callerIdNum: "+4930333" });
      await waitFor(() => changes.some((c) => c.kind === "paused") && changes.some((c) => c.caller?.uniqueid === third.uniqueid), 3000, "the pause and the third caller");

      const kinds = (uniqueid: string) => changes.filter((c) => c.caller?.uniqueid === uniqueid).map((c) => c.kind);
      assert.deepEqual(kinds(first.uniqueid), ["caller-joined", "caller-left", "answered", "completed"]);
      assert.deepEqual(kinds(second.uniqueid), ["caller-joined", "abandoned", "caller-left"]);
      const sales = tracking.tracker.view("sales");
      assert.ok(sales);
      assert.deepEqual([sales.today.offered, sales.today.answered, sales.today.abandoned, sales.serviceLevel, sales.strategy], [2, 1, 1, 20, "rrmemory"]);
      const paused = changes.find((c) => c.kind === "paused");
      assert.deepEqual([paused?.queue, paused?.member?.name, paused?.reason], ["support", "Nina Hahn", "lunch"]);

      // What the events made of the queues is what QueueStatus says now (callers, members, states).
      const fresh = new QueueTracker();
      fresh.seed((await client.send("QueueStatus")).events ?? []);
      const shape = (t: QueueTracker) => t.snapshot().map((q) => ({ name: q.name, callers: q.callers.map((c) => [c.uniqueid, c.position, c.callerIdNum]), members: q.members.map((m) => [m.name, m.state, m.pausedReason, m.callsTaken]) }));
      assert.deepEqual(shape(tracking.tracker), shape(fresh));
      tracking.stop();
    } finally {
      await client.close();
      await pbx.close();
    }
  });
});
