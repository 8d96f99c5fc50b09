import { strict as assert } from "node:assert";
import { Call } from "../../src/ami/call-types";
import { AmiMessage } from "../../src/ami/message";
import { startPbx } from "../../simulator";
import { waitFor } from "../helpers/fake-ami";
import { ended, Lab, newClient, place, SCALE, track } from "./lab-calls";

/**
 * The calls people automate, placed in the simulated PBX's default lab (contexts from-pstn,
 * phones, from-internal, trunk) and read back through the core's call and presence trackers.
 * Dialplan seconds run at 1/20: a phone rings for 0.1-0.45 s and talks for 1-4.5 s.
 */

describe("simulated PBX: the calls people automate, as the call tracker concludes them", function () {
  this.timeout(10000);
  let lab: Lab;

  beforeEach(async () => {
    const pbx = await startPbx({ timeScale: SCALE });
    const client = newClient(pbx);
    lab = { pbx, client, ...(await track(client)) };
  });

  afterEach(async () => {
    lab.calls.stop();
    lab.presence.stop();
    await lab.client.close();
    await lab.pbx.close();
  });

  it("inbound ring group: both phones ring, 6001 answers, 6002 is cancelled and hung up answered elsewhere", async () => {
    const seen: AmiMessage[] = [];
    const off = lab.client.subscribe(["DialBegin", "DialState", "DialEnd", "Hangup", "BridgeEnter"], (e) => seen.push(e));
    await place(lab.client, "Local/4930123400@from-pstn");
    const call = await ended(lab);
    off();

    const ringing = lab.updates.filter((u) => u.step === "ringing");
    assert.deepEqual(ringing.map((u) => u.dial?.callee.number), ["6001", "6002"]);
    assert.equal(call.direction, "inbound");
    assert.equal(call.disposition, "ANSWERED");
    assert.deepEqual(call.caller, { ...call.caller, number: "+4930555123", name: "Lena Hoffmann" });
    assert.equal(call.answeredBy?.number, "6001");
    assert.match(call.answeredBy?.channel ?? "", /^Local\/6001@phones-[0-9a-f]{8};1$/);
    assert.deepEqual(call.dials.map((d) => [d.callee.number, d.status]), [["6001", "ANSWER"], ["6002", "CANCEL"]]);
    const loser = call.legs.find((l) => /^Local\/6002@phones-.*;1$/.test(l.channel));
    assert.equal(loser?.cause, "26");
    assert.equal(loser?.causeText, "Answered elsewhere");
    assert.ok(call.ringTime !== undefined && call.talkTime !== undefined && call.talkTime > 0);

    // The wire: one DialBegin per member from the same channel, RINGING each, ANSWER, CANCEL,
    // the loser's hangup (26), then the bridge.
    const dialer = seen.find((e) => e.event === "DialBegin" && e.get("Channel"))?.get("Channel");
    const of = (e: AmiMessage): string => (e.get("DestChannel") ?? e.get("Channel") ?? "").replace(/-[0-9a-f]{8};/, ";");
    const story = seen
      .filter((e) => ((e.event ?? "").startsWith("Dial") && e.get("Channel") === dialer) || (e.event === "Hangup" && /6002@phones.*;1$/.test(e.get("Channel") ?? "")) || e.event === "BridgeEnter")
      .map((e) => `${e.event} ${of(e)} ${e.get("DialStatus") ?? e.get("Cause") ?? ""}`.trim());
    assert.deepEqual(story.slice(0, 8), [
      "DialBegin Local/6001@phones;1",
      "DialBegin Local/6002@phones;1",
      "DialState Local/6001@phones;1 RINGING",
      "DialState Local/6002@phones;1 RINGING",
      "DialEnd Local/6001@phones;1 ANSWER",
      "DialEnd Local/6002@phones;1 CANCEL",
      "Hangup Local/6002@phones;1 26",
      "BridgeEnter Local/6001@phones;1",
    ]);
  });

  it("presence: the answering phone goes ringing, in use, idle; the cancelled one ringing, idle", async () => {
    await place(lab.client, "Local/4930123400@from-pstn");
    await ended(lab);
    await waitFor(() => lab.presence.tracker.get("extension", "6001@test")?.state === "idle", 3000, "6001 idle again");
    const states = (id: string): string[] => lab.changes.filter((c) => c.presence.id === id).map((c) => c.presence.state);
    assert.deepEqual(states("6001@test"), ["ringing", "in use", "idle"]);
    assert.deepEqual(states("Custom:6001"), ["ringing", "in use", "idle"]);
    assert.deepEqual(states("6002@test"), ["ringing", "idle"]);
    assert.equal(lab.presence.tracker.get("device", "Local/6001@phones"), undefined, "a Local channel's device is not presence (one per number dialled)");
  });

  it("inbound, nobody answers: NO ANSWER after the Dial timeout", async () => {
    await place(lab.client, "Local/4930123402@from-pstn");
    const call = await ended(lab);
    assert.equal(call.disposition, "NO ANSWER");
    assert.equal(call.direction, "inbound");
    assert.deepEqual(call.dials.map((d) => [d.callee.number, d.status]), [["6004", "NOANSWER"]]);
    assert.equal(call.answeredAt, undefined);
  });

  it("inbound to a busy phone: BUSY", async () => {
    await place(lab.client, "Local/4930123404@from-pstn");
    const call = await ended(lab);
    assert.equal(call.disposition, "BUSY");
    assert.deepEqual(call.dials.map((d) => [d.callee.number, d.status]), [["6005", "BUSY"]]);
  });

  it("inbound, the caller gives up while it rings: DialEnd CANCEL, CANCELLED", async () => {
    await place(lab.client, "Local/4930123403@from-pstn", { timeoutMs: 4000 }); // gives up after 4 s (0.2 s here)
    const call = await ended(lab);
    assert.equal(call.disposition, "CANCELLED");
    assert.equal(call.direction, "inbound");
    assert.deepEqual(call.dials.map((d) => [d.callee.number, d.status]), [["6004", "CANCEL"]]);
    assert.equal(call.ringingAt !== undefined, true);
  });

  it("inbound to the support queue: the member answers, with app_queue's events around it", async () => {
    const agent: AmiMessage[] = [];
    lab.client.subscribe(["QueueCallerJoin", "AgentCalled", "AgentConnect", "QueueCallerLeave", "AgentComplete", "DialEnd"], (e) => agent.push(e));
    await place(lab.client, "Local/4930123401@from-pstn", { talk: 20 });
    const call = await ended(lab);
    assert.equal(call.disposition, "ANSWERED");
    assert.equal(call.direction, "inbound");
    assert.equal(call.answeredBy?.number, "100");
    assert.match(call.answeredBy?.channel ?? "", /^Local\/100@test-[0-9a-f]{8};1$/);
    const names = agent.filter((e) => e.event !== "DialEnd" || e.get("Channel")).map((e) => e.event);
    assert.deepEqual(names, ["QueueCallerJoin", "AgentCalled", "DialEnd", "QueueCallerLeave", "AgentConnect", "AgentComplete"]);
    const connect = agent.find((e) => e.event === "AgentConnect") as AmiMessage;
    assert.equal(connect.get("Queue"), "supportq");
    assert.equal(connect.get("MemberName"), "Agent One");
    assert.equal(connect.get("Interface"), "Local/100@test");
    assert.equal(connect.get("Linkedid"), call.id);
    assert.ok(connect.get("RingTime") !== undefined && connect.get("HoldTime") !== undefined);
    const complete = agent.find((e) => e.event === "AgentComplete") as AmiMessage;
    assert.equal(complete.get("Reason"), "agent"); // Agent One hangs up after 2.5 s; the caller would talk 20
    assert.ok(complete.get("TalkTime") !== undefined);
  });

  it("answered by the PBX, then a queue the caller gives up in: CANCELLED, not ANSWERED (extension 400)", async () => {
    await place(lab.client, "Local/400@test", { talk: 2 }); // Answer, Queue(testq) with nobody: the caller leaves after 0.1 s
    const call = await ended(lab);
    assert.ok(call.pbxAnsweredAt !== undefined, "the PBX answered");
    assert.deepEqual(call.queues.map((q) => [q.queue, q.abandoned]), [["testq", true]]);
    assert.equal(call.disposition, "CANCELLED");
    assert.equal(call.answeredBy, undefined);
    assert.ok(!lab.updates.some((u) => u.step === "answered"), "no answered step for the PBX's answer");
  });

  it("answered by the PBX, then the queue times out: NO ANSWER (extension 400)", async () => {
    await place(lab.client, "Local/400@test", { talk: 60 }); // the queue's 10 s timeout (0.5 s here) comes first
    const call = await ended(lab, 6000);
    assert.deepEqual(call.queues.map((q) => [q.queue, q.abandoned ?? false, q.leftAt !== undefined]), [["testq", false, true]]);
    assert.equal(call.disposition, "NO ANSWER");
  });

  it("internal call between phones: internal, and the calling phone is in use meanwhile", async () => {
    await place(lab.client, "Local/6003@from-internal", { callerId: '"Anna Schmidt" <6001>' });
    const call = await ended(lab);
    assert.equal(call.direction, "internal");
    assert.equal(call.disposition, "ANSWERED");
    assert.equal(call.caller.number, "6001");
    assert.equal(call.answeredBy?.number, "6003");
    await waitFor(() => lab.presence.tracker.get("device", "Custom:6001")?.state === "idle", 3000, "caller's phone idle");
    const caller = lab.changes.filter((c) => c.presence.id === "6001@test").map((c) => c.presence.state);
    assert.deepEqual(caller, ["in use", "idle"]);
  });

  it("outbound call through the trunk: outbound", async () => {
    await place(lab.client, "Local/004930987654@from-internal", { callerId: '"Ben Fischer" <6002>' });
    const call = await ended(lab);
    assert.equal(call.direction, "outbound");
    assert.equal(call.disposition, "ANSWERED");
    assert.equal(call.callee?.number, "004930987654");
  });

  it("a call in progress when a client connects is seeded, then ends normally", async () => {
    await place(lab.client, "Local/4930123400@from-pstn", { talk: 20 });
    await waitFor(() => lab.updates.some((u) => u.step === "answered"), 3000, "answered");
    const late = newClient(lab.pbx);
    const seen = await track(late);
    try {
      const [live] = seen.calls.tracker.snapshot();
      assert.equal(live?.seeded, true);
      assert.equal(live.state, "answered");
      assert.equal(live.direction, "inbound");
      const call = await ended(seen);
      assert.equal(call.seeded, true);
      assert.equal(call.disposition, "ANSWERED");
      assert.equal(call.incomplete, undefined);
      assert.equal(call.id, (await ended(lab)).id);
    } finally {
      seen.calls.stop();
      seen.presence.stop();
      await late.close();
    }
  });

  it("a reconnect in the middle of a call keeps it (gap) and it still ends correctly", async () => {
    await place(lab.client, "Local/4930123400@from-pstn", { talk: 20 });
    await waitFor(() => lab.updates.some((u) => u.step === "answered"), 3000, "answered");
    const id = lab.updates[0].call.id;
    lab.pbx.dropAll();
    await waitFor(() => lab.client.state !== "ready", 2000, "the drop");
    await waitFor(() => lab.client.state === "ready", 3000, "the reconnect");
    await lab.calls.seeded();
    assert.equal(lab.calls.tracker.get(id)?.gap, true);
    const call = await ended(lab);
    assert.equal(call.id, id);
    assert.equal(call.gap, true);
    assert.equal(call.incomplete, undefined);
    assert.equal(call.disposition, "ANSWERED");
  });

  it("a call that ends while the client is reconnecting ends as incomplete", async () => {
    const slow = newClient(lab.pbx, { reconnectDelay: 1500, reconnectMaxDelay: 1500 });
    const seen = await track(slow);
    try {
      await place(lab.client, "Local/4930123400@from-pstn", { talk: 4 }); // hangs up 0.2 s after the answer
      await waitFor(() => seen.updates.some((u) => u.step === "answered"), 3000, "answered");
      lab.pbx.dropAll();
      await waitFor(() => lab.updates.some((u) => u.step === "ended"), 5000, "the call to end (seen by the fast client)");
      const call = await ended(seen, 6000);
      assert.equal(call.incomplete, "gone-after-reconnect");
      assert.equal(call.gap, true);
    } finally {
      seen.calls.stop();
      seen.presence.stop();
      await slow.close();
    }
  });
});

describe("simulated PBX: background traffic", function () {
  this.timeout(30000);

  it("carries a realistic mix the tracker reads as several dispositions and directions, and leaks no timer", async () => {
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    await new Promise((r) => setImmediate(r)); // mocha arms this test's own timeout timer first
    const before = timers();
    const pbx = await startPbx({ timeScale: SCALE, traffic: { callsPerMinute: 600, seed: 20261126 } });
    const client = newClient(pbx);
    const lab = await track(client);
    const endedCalls = (): Call[] => lab.updates.filter((u) => u.step === "ended").map((u) => u.call);
    const dispositions = (): Set<string> => new Set(endedCalls().map((c) => c.disposition ?? ""));
    const directions = (): Set<string> => new Set(lab.updates.map((u) => u.call.direction));
    try {
      const phoneRang = (): boolean => lab.changes.some((c) => c.presence.state === "ringing" && /^(600\d@test|Custom:600\d)$/.test(c.presence.id));
      const mixed = (): boolean => endedCalls().length >= 8 && dispositions().size >= 3 && directions().has("inbound") && directions().has("internal") && phoneRang();
      const seen = (): string => `${endedCalls().length} ended, dispositions ${[...dispositions()].join(",")}, directions ${[...directions()].join(",")}, a phone rang: ${phoneRang()}`;
      await waitFor(mixed, 20000, "a mix of calls").catch((e: Error) => {
        throw new Error(`${e.message}; saw ${seen()}`);
      });
      const answered = endedCalls().filter((c) => c.disposition === "ANSWERED");
      assert.ok(answered.length > 0);
      // Outside callers carry names and +4930 numbers.
      const inbound = endedCalls().filter((c) => c.direction === "inbound");
      assert.ok(inbound.every((c) => /^\+4930\d{7}$/.test(c.caller.number ?? "") && (c.caller.name ?? "").length > 0), JSON.stringify(inbound.map((c) => c.caller)));
    } finally {
      lab.calls.stop();
      lab.presence.stop();
      await client.close();
      await pbx.close();
    }
    await new Promise((r) => setTimeout(r, 50));
    // The traffic timer and every channel's wait are ref'd timers: none may outlive close().
    assert.ok(timers() <= before, `timers before ${before}, after close ${timers()}`);
  });
});
