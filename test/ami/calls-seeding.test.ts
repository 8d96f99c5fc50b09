import { strict as assert } from "node:assert";
import { CallTracker } from "../../src/ami/calls";
import { AmiMessage } from "../../src/ami/message";
import { timedMessages } from "../helpers/captures";

/**
 * The call tracker across a reconnect and over time (src/ami/calls.ts, continued from
 * calls.test.ts, which follows live calls through the captures): calls seeded from
 * CoreShowChannels, what a reconnect leaves known, the direction of a call found in progress, the
 * bounds on live calls.
 */

function ev(fields: Record<string, string>): AmiMessage {
  return AmiMessage.from(Object.entries(fields));
}

describe("call tracking across reconnects, and its bounds", () => {
  it("seeds calls in progress from CoreShowChannels (coreshowchannels-during-call)", () => {
    const items = timedMessages("coreshowchannels-during-call").map((m) => m.msg).filter((m) => m.event === "CoreShowChannel");
    assert.equal(items.length, 2);
    const tracker = new CallTracker({ now: () => 10_000 });
    assert.deepEqual(tracker.seed(items), []);
    const [call] = tracker.snapshot();
    assert.equal(call.id, "lab-csc-1");
    assert.equal(call.seeded, true);
    assert.equal(call.state, "answered");
    assert.equal(call.legs.length, 2);
    assert.deepEqual([call.caller.number, call.caller.name], ["5551234", "Lab Caller"]);
    assert.equal(call.startedAt, 10_000 - 2000, "from the channel's Duration");
  });

  it("after a reconnect, a call that is gone is ended as incomplete instead of guessed; a live one is kept with a gap", () => {
    const tracker = new CallTracker({ now: () => 0 });
    tracker.handle(ev({ Event: "Newchannel", Channel: "A/1", ChannelStateDesc: "Up", Uniqueid: "9.1", Linkedid: "9.1" }));
    tracker.handle(ev({ Event: "Newchannel", Channel: "B/1", ChannelStateDesc: "Up", Uniqueid: "8.1", Linkedid: "8.1" }));
    tracker.markGap();
    const updates = tracker.seed([ev({ Event: "CoreShowChannel", Channel: "B/1", ChannelStateDesc: "Up", Uniqueid: "8.1", Linkedid: "8.1", Duration: "00:01:00" })]);
    assert.deepEqual(updates.map((u) => [u.step, u.call.id, u.call.incomplete]), [["ended", "9.1", "gone-after-reconnect"]]);
    assert.equal(updates[0].call.disposition, undefined, "nobody had answered and its end was not seen: no outcome is made up");
    const [live] = tracker.snapshot();
    assert.equal(live.id, "8.1");
    assert.equal(live.gap, true);
  });

  it("a call answered before a reconnect and gone after it is still ANSWERED (that much was seen)", () => {
    const tracker = new CallTracker({ now: () => 0 });
    const a = { Channel: "A/1", Uniqueid: "6.1", Linkedid: "6.1" };
    const dest = { DestChannel: "B/1", DestUniqueid: "6.2", DestLinkedid: "6.1" };
    tracker.handle(ev({ Event: "Newchannel", ...a, ChannelStateDesc: "Ring" }));
    tracker.handle(ev({ Event: "DialBegin", ...a, ...dest, DialString: "6002" }));
    tracker.handle(ev({ Event: "DialEnd", ...a, ...dest, DialStatus: "ANSWER" }));
    tracker.markGap();
    const [update] = tracker.seed([]);
    assert.deepEqual([update.call.incomplete, update.call.disposition, update.call.answeredBy?.number], ["gone-after-reconnect", "ANSWERED", "6002"]);
  });

  it("trunk channels tell the direction, also of a call found in progress whose dialled number is unknown", () => {
    const items = [
      ev({ Event: "CoreShowChannel", Channel: "PJSIP/6001-00000001", ChannelStateDesc: "Up", Context: "from-internal", Uniqueid: "4.1", Linkedid: "4.1" }),
      ev({ Event: "CoreShowChannel", Channel: "PJSIP/provider-00000002", ChannelStateDesc: "Up", Context: "from-internal", Uniqueid: "4.2", Linkedid: "4.1" }),
      ev({ Event: "CoreShowChannel", Channel: "PJSIP/provider-00000003", ChannelStateDesc: "Up", Context: "ivr-main", Uniqueid: "5.1", Linkedid: "5.1" }),
    ];
    const directions = (options: ConstructorParameters<typeof CallTracker>[0]) => {
      const tracker = new CallTracker(options);
      tracker.seed(items);
      return tracker.snapshot().map((c) => [c.id, c.direction]);
    };
    assert.deepEqual(directions({}), [["4.1", "internal"], ["5.1", "internal"]], "contexts and digits cannot tell");
    assert.deepEqual(directions({ trunkChannels: "^PJSIP/provider-" }), [["4.1", "outbound"], ["5.1", "inbound"]]);
  });

  it("is bounded: stale calls are reaped and the number of live calls is capped", () => {
    let now = 0;
    const tracker = new CallTracker({ now: () => now, staleAfterMs: 3_600_000, maxCalls: 100 });
    for (let i = 0; i < 150; i++) tracker.handle(ev({ Event: "Newchannel", Channel: `X/${i}`, ChannelStateDesc: "Ring", Uniqueid: `${i}.0`, Linkedid: `${i}.0` }));
    assert.equal(tracker.size, 100);
    now = 2 * 3_600_000;
    const reaped = tracker.handle(ev({ Event: "Newchannel", Channel: "Y/1", ChannelStateDesc: "Ring", Uniqueid: "y.1", Linkedid: "y.1" }));
    assert.equal(reaped.filter((u) => u.call.incomplete === "stale").length, 100);
    assert.equal(tracker.size, 1);
  });
});
