import { strict as assert } from "node:assert";
import { CallUpdate } from "../../src/ami/calls";
import { AmiClient } from "../../src/ami/client";
import { PresenceChange } from "../../src/ami/presence";
import { trackCalls, trackPresence } from "../../src/ami/tracking";
import { FakeAmi, Fields, waitFor } from "../helpers/fake-ami";

describe("call and presence tracking on a live client", () => {
  let srv: FakeAmi;
  let client: AmiClient;
  let liveChannels: Fields[];
  afterEach(async () => {
    await client?.close();
    await srv?.close();
  });

  beforeEach(async () => {
    liveChannels = [];
    srv = await FakeAmi.start({
      onAction: (action, s) => {
        const id = action.get("ActionID") ?? "";
        const list = (items: Fields[], complete: string) => {
          s.respond(action, [["Response", "Success"], ["EventList", "start"], ["Message", "will follow"]]);
          for (const item of items) s.send([item[0], ["ActionID", id], ...item.slice(1)]);
          s.send([["Event", complete], ["ActionID", id], ["EventList", "Complete"], ["ListItems", String(items.length)]]);
        };
        switch (action.get("Action")) {
          case "CoreShowChannels":
            return list(liveChannels, "CoreShowChannelsComplete");
          case "ExtensionStateList":
            return list([[["Event", "ExtensionStatus"], ["Exten", "6001"], ["Context", "test"], ["Hint", "Custom:6001"], ["Status", "0"], ["StatusText", "Idle"]]], "ExtensionStateListComplete");
          case "DeviceStateList":
            return list([[["Event", "DeviceStateChange"], ["Device", "Custom:6001"], ["State", "NOT_INUSE"]]], "DeviceStateListComplete");
          default:
            s.respond(action, [["Response", "Success"]]);
        }
      },
    });
    client = new AmiClient({ host: "127.0.0.1", port: srv.port, username: "admin", secret: "amp111", keepaliveInterval: 0, reconnectDelay: 20, reconnectMaxDelay: 50 });
  });

  it("seeds the calls in progress at connect, follows them, and ends the ones gone after a reconnect as incomplete", async () => {
    liveChannels = [
      [["Event", "CoreShowChannel"], ["Channel", "PJSIP/6001-1"], ["ChannelStateDesc", "Up"], ["CallerIDNum", "6001"], ["Uniqueid", "5.1"], ["Linkedid", "5.1"], ["Duration", "00:00:30"]],
      [["Event", "CoreShowChannel"], ["Channel", "PJSIP/6002-1"], ["ChannelStateDesc", "Up"], ["CallerIDNum", "6002"], ["Uniqueid", "6.1"], ["Linkedid", "6.1"], ["Duration", "00:00:10"]],
    ];
    const updates: CallUpdate[] = [];
    const tracking = trackCalls(client, (u) => updates.push(u));
    client.connect();
    await waitFor(() => tracking.tracker.size === 2, 3000, "seeded calls");
    // One channel each, up: the PBX has them (an IVR, voicemail); no party answered that we know of.
    assert.ok(tracking.tracker.snapshot().every((c) => c.seeded && c.state === "new" && c.pbxAnsweredAt !== undefined));
    srv.broadcast([["Event", "Hangup"], ["Channel", "PJSIP/6001-1"], ["Uniqueid", "5.1"], ["Linkedid", "5.1"], ["Cause", "16"]]);
    await waitFor(() => updates.length === 1);
    assert.equal(updates[0].step, "ended");
    assert.equal(updates[0].call.disposition, "ANSWERED");
    liveChannels = [];
    srv.dropAll();
    await waitFor(() => updates.length === 2, 3000, "the gone call ended");
    assert.equal(updates[1].call.id, "6.1");
    assert.equal(updates[1].call.incomplete, "gone-after-reconnect");
    assert.equal(tracking.tracker.size, 0);
    tracking.stop();
    assert.equal(client.subscriptionCount, 0);
  });

  it("holds at most maxHeldEvents while a list is on its way; beyond, marks a gap and reads the list again", async () => {
    // CoreShowChannels answers only when the test says so; meanwhile 8 Newchannel events arrive.
    let answer: (() => void) | undefined;
    let lists = 0;
    srv.close().catch(() => undefined);
    srv = await FakeAmi.start({
      onAction: (action, s) => {
        if (action.get("Action") !== "CoreShowChannels") return s.respond(action, [["Response", "Success"]]);
        lists++;
        const id = action.get("ActionID") ?? "";
        const send = () => {
          s.respond(action, [["Response", "Success"], ["EventList", "start"], ["Message", "will follow"]]);
          s.send([["Event", "CoreShowChannelsComplete"], ["ActionID", id], ["EventList", "Complete"], ["ListItems", "0"]]);
        };
        if (lists === 1) answer = send;
        else send();
      },
    });
    client = new AmiClient({ host: "127.0.0.1", port: srv.port, username: "admin", secret: "amp111", keepaliveInterval: 0 });
    const updates: CallUpdate[] = [];
    const tracking = trackCalls(client, (u) => updates.push(u), { maxHeldEvents: 5 });
    client.connect();
    await waitFor(() => answer !== undefined, 3000, "the first list asked for");
    for (let i = 1; i <= 8; i++) srv.broadcast([["Event", "Newchannel"], ["Channel", `PJSIP/600${i}-1`], ["ChannelStateDesc", "Ring"], ["CallerIDNum", `600${i}`], ["Exten", "7000"], ["Uniqueid", `${i}.1`], ["Linkedid", `${i}.1`]]);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(updates.length, 0, "held while the list is on its way");
    answer?.();
    await waitFor(() => lists === 2, 3000, "the list read again");
    await tracking.seeded();
    // The first 5 were applied after the first list; the second list (no channels) ends them as gone.
    assert.equal(tracking.tracker.size, 0, "the second list is what the tracker knows");
    assert.ok(updates.length > 0, "the held events were applied before the second list");
    tracking.stop();
  });

  it("seeds presence after each connect and reports changes", async () => {
    const changes: PresenceChange[] = [];
    const tracking = trackPresence(client, (c) => changes.push(c));
    client.connect();
    await waitFor(() => tracking.tracker.size === 2, 3000, "seeded presence");
    assert.equal(tracking.tracker.get("extension", "6001@test")?.state, "idle");
    srv.broadcast([["Event", "ExtensionStatus"], ["Exten", "6001"], ["Context", "test"], ["Hint", "Custom:6001"], ["Status", "8"], ["StatusText", "Ringing"]]);
    await waitFor(() => changes.some((c) => c.presence.state === "ringing"));
    assert.equal(changes.at(-1)?.previous, "idle");
    tracking.stop();
  });
});
