import { strict as assert } from "node:assert";
import { AmiMessage } from "../../src/ami/message";
import { PresenceChange, PresenceTracker } from "../../src/ami/presence";
import { timedMessages } from "../helpers/captures";

function ev(fields: Record<string, string>): AmiMessage {
  return AmiMessage.from(Object.entries(fields));
}

describe("presence", () => {
  it("follows the presence capture: seeded idle, then in use, ringing, on hold, idle, unavailable", () => {
    const tracker = new PresenceTracker({ now: () => 0 });
    const messages = timedMessages("presence").map((m) => m.msg);
    const seedItems = messages.filter((m) => m.event !== undefined && m.get("ActionID") !== undefined && /^(ExtensionStatus|DeviceStateChange)$/.test(m.event));
    const seeded = tracker.seed(seedItems);
    assert.equal(tracker.get("extension", "6001@test")?.state, "idle");
    assert.equal(tracker.get("device", "Queue:testq_avail"), undefined, "a queue's pseudo-device is not a person's");
    assert.equal(seeded.length, tracker.size);
    const changes: PresenceChange[] = [];
    for (const m of messages) {
      if (m.get("ActionID") !== undefined) continue;
      const c = tracker.handle(m);
      if (c) changes.push(c);
    }
    const ext = changes.filter((c) => c.presence.id === "6001@test").map((c) => c.presence.state);
    assert.deepEqual(ext, ["in use", "ringing", "on hold", "idle", "unavailable", "idle"]);
    const dev = changes.filter((c) => c.presence.id === "Custom:6001").map((c) => [c.presence.state, (c.presence as { raw: string }).raw]);
    assert.deepEqual(dev, [["in use", "INUSE"], ["ringing", "RINGING"], ["on hold", "ONHOLD"], ["idle", "NOT_INUSE"], ["unavailable", "UNAVAILABLE"], ["idle", "NOT_INUSE"]]);
    assert.equal(changes.find((c) => c.presence.id === "6001@test" && c.presence.state === "ringing")?.previous, "in use");
  });

  it("real SIP phones (sip-presence): 6001@phones and 6001@test are two extensions; a call changes only the phones' hints", () => {
    const tracker = new PresenceTracker({ now: () => 0 });
    const messages = timedMessages("sip-presence").map((m) => m.msg);
    const firstList = messages.filter((m) => m.get("ActionID") !== undefined && /^(ExtensionStatus|DeviceStateChange)$/.test(m.event ?? ""));
    tracker.seed(firstList.slice(0, firstList.length / 2));
    const ids = tracker.snapshot().map((p) => p.id).sort();
    assert.deepEqual(ids, ["6001@phones", "6001@test", "6002@phones", "6002@test", "6003@phones", "Custom:6001", "PJSIP/6001", "PJSIP/6002", "PJSIP/6003", "PJSIP/provider"]);
    const changes = messages.filter((m) => m.get("ActionID") === undefined).flatMap((m) => tracker.handle(m) ?? []);
    const of = (id: string) => changes.filter((c) => c.presence.id === id).map((c) => c.presence.state);
    assert.deepEqual(of("6002@phones"), ["ringing", "in use", "idle"]);
    assert.deepEqual(of("6001@phones"), ["in use", "idle"]);
    assert.deepEqual([of("6001@test"), of("6002@test")], [[], []], "the other context's hints (Custom:) did not move");
    assert.deepEqual(of("PJSIP/6002"), ["ringing", "in use", "idle"]);
  });

  it("stays bounded over weeks: no Local or Queue devices, idle devices let go past the bound, hints and busy phones kept", () => {
    let clock = 0;
    const tracker = new PresenceTracker({ now: () => clock, maxEntries: 100 });
    const device = (id: string, state: string) => ev({ Event: "DeviceStateChange", Device: id, State: state });
    // 20 hints and 10 phones in a call: what a person watches.
    for (let i = 0; i < 20; i++) tracker.handle(ev({ Event: "ExtensionStatus", Exten: String(6000 + i), Context: "phones", Hint: `PJSIP/${6000 + i}`, Status: "0", StatusText: "Idle" }));
    for (let i = 0; i < 10; i++) tracker.handle(device(`PJSIP/${6000 + i}`, "INUSE"));
    // 300 calls a minute for weeks: a Local device per number dialled, queue pseudo-devices, and
    // devices that come and go (trunk registrations, hot-desking phones).
    for (let n = 0; n < 50_000; n++) {
      clock++;
      assert.equal(tracker.handle(device(`Local/0301234${n}@from-internal`, n % 2 ? "INUSE" : "NOT_INUSE")), undefined);
      tracker.handle(device(`Queue:q${n % 50}_avail`, "INUSE"));
      tracker.handle(device(`PJSIP/guest-${n}`, "NOT_INUSE"));
    }
    assert.equal(tracker.size, 100, "never past the bound");
    const snapshot = tracker.snapshot();
    assert.equal(snapshot.filter((p) => p.kind === "extension").length, 20, "every hint kept");
    assert.equal(snapshot.filter((p) => p.kind === "device" && p.state === "in use").length, 10, "phones in a call kept");
    assert.ok(!snapshot.some((p) => /^(Local\/|Queue:)/.test(p.id)));
    assert.ok(tracker.get("device", "PJSIP/guest-49999"), "the newest kept, the longest idle let go");
    assert.equal(tracker.get("device", "PJSIP/guest-0"), undefined);
    assert.equal(tracker.dropped, 0);
  });

  it("a repeated state is not a change; a removed hint is forgotten", () => {
    const tracker = new PresenceTracker();
    const s = (status: string) => ev({ Event: "ExtensionStatus", Exten: "6001", Context: "test", Hint: "PJSIP/6001", Status: status, StatusText: "x" });
    assert.ok(tracker.handle(s("0")));
    assert.equal(tracker.handle(s("0")), undefined);
    assert.equal(tracker.handle(s("9"))?.presence.state, "ringing", "ringing while in use is ringing");
    assert.equal(tracker.handle(s("17"))?.presence.state, "on hold");
    assert.equal(tracker.handle(s("-1"))?.previous, "on hold");
    assert.equal(tracker.size, 0);
  });
});
