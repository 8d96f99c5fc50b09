import { strict as assert } from "node:assert";
import { CallUpdate } from "../../src/ami/call-types";
import { AmiClient } from "../../src/ami/client";
import { PresenceChange } from "../../src/ami/presence";
import { trackCalls, trackPresence } from "../../src/ami/tracking";
import { startPbx } from "../../simulator";
import { FakeAmi, Fields, waitFor, wire } from "../helpers/fake-ami";
import { ended, newClient, place, SCALE, track } from "./lab-calls";

/**
 * Wrong conclusions src/ami once drew, found while driving the lab; each test states the right one
 * and keeps it from coming back.
 */
describe("call tracking: regressions found with the lab", function () {
  this.timeout(10000);

  // Regression (seeding race): the seed settles in the `.then` of CoreShowChannels, after the
  // events that came in the same read as the list's Complete were dispatched. Unless they are held
  // back until the seed is applied, a Hangup right behind the list is dropped and the seed then
  // adds a channel that is already gone: the call would never end (until reaped as stale, 4 h).
  it("a Hangup arriving right behind CoreShowChannelsComplete ends the seeded call", async () => {
    const channel: Fields = [["Channel", "PJSIP/6001-00000001"], ["ChannelStateDesc", "Up"], ["CallerIDNum", "6001"], ["Uniqueid", "9.1"], ["Linkedid", "9.1"]];
    const srv = await FakeAmi.start({
      onAction: (a, s) => {
        const id = a.get("ActionID") ?? "";
        if (a.get("Action") !== "CoreShowChannels") return s.respond(a, [["Response", "Success"]]);
        s.socket.write(
          wire([["Response", "Success"], ["ActionID", id], ["EventList", "start"], ["Message", "Channels will follow"]]) +
            wire([["Event", "CoreShowChannel"], ["ActionID", id], ...channel, ["Duration", "00:00:30"]]) +
            wire([["Event", "CoreShowChannelsComplete"], ["ActionID", id], ["EventList", "Complete"], ["ListItems", "1"]]) +
            wire([["Event", "Hangup"], ["Privilege", "call,all"], ...channel, ["Cause", "16"], ["Cause-txt", "Normal Clearing"]]),
        );
      },
    });
    const client = new AmiClient({ host: "127.0.0.1", port: srv.port, username: "admin", secret: "amp111", keepaliveInterval: 0 });
    const updates: CallUpdate[] = [];
    const tracking = trackCalls(client, (u) => updates.push(u));
    try {
      client.connect();
      await waitFor(() => client.state === "ready", 3000, "login");
      await tracking.seeded();
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(tracking.tracker.size, 0, "the call whose only channel hung up is over");
      assert.equal(updates.find((u) => u.step === "ended")?.call.id, "9.1");
    } finally {
      tracking.stop();
      await client.close();
      await new Promise((r) => srv.server.close(r));
    }
  });

  // Regression (presence seeding race): the seed replaces every entry with the list items; live
  // changes that arrived meanwhile (or in the same read) must be applied after it, or a phone that
  // started ringing right after ExtensionStateList was built is reported "ringing -> idle".
  it("a presence change arriving right behind ExtensionStateListComplete is not undone by the seed", async () => {
    const hint: Fields = [["Exten", "6001"], ["Context", "test"], ["Hint", "Custom:6001"]];
    const srv = await FakeAmi.start({
      onAction: (a, s) => {
        const id = a.get("ActionID") ?? "";
        const list = (items: Fields[], complete: string, after: Fields[] = []): void => {
          s.socket.write(
            wire([["Response", "Success"], ["ActionID", id], ["EventList", "start"], ["Message", "will follow"]]) +
              items.map((i) => wire([i[0], ["ActionID", id], ...i.slice(1)])).join("") +
              wire([["Event", complete], ["ActionID", id], ["EventList", "Complete"], ["ListItems", String(items.length)]]) +
              after.map((e) => wire(e)).join(""),
          );
        };
        if (a.get("Action") === "ExtensionStateList") {
          list([[["Event", "ExtensionStatus"], ...hint, ["Status", "0"], ["StatusText", "Idle"]]], "ExtensionStateListComplete", [
            [["Event", "ExtensionStatus"], ["Privilege", "call,all"], ...hint, ["Status", "8"], ["StatusText", "Ringing"]],
          ]);
        } else if (a.get("Action") === "DeviceStateList") list([], "DeviceStateListComplete");
        else s.respond(a, [["Response", "Success"]]);
      },
    });
    const client = new AmiClient({ host: "127.0.0.1", port: srv.port, username: "admin", secret: "amp111", keepaliveInterval: 0 });
    const changes: PresenceChange[] = [];
    const tracking = trackPresence(client, (c) => changes.push(c));
    try {
      client.connect();
      await waitFor(() => client.state === "ready", 3000, "login");
      await tracking.seeded();
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(tracking.tracker.get("extension", "6001@test")?.state, "ringing");
      assert.ok(!changes.some((c) => c.previous === "ringing" && c.presence.state === "idle"), "no bogus ringing -> idle");
    } finally {
      tracking.stop();
      await client.close();
      await new Promise((r) => srv.server.close(r));
    }
  });

  // Regression (disposition when the PBX hangs up): with no dial answered, a first leg that hung up
  // with cause 16 reads like "the caller hung up" (CANCELLED). When the queue times out
  // (QueueCallerLeave, no QueueCallerAbandon), the PBX ended the call: NO ANSWER.
  it("a queue call nobody answers before the queue's timeout is NO ANSWER, not CANCELLED", async () => {
    const pbx = await startPbx({ timeScale: SCALE });
    const client = newClient(pbx);
    const lab = await track(client);
    try {
      await client.send("QueuePause", { Queue: "supportq", Interface: "Local/100@test", Paused: "true" });
      await place(client, "Local/4930123401@from-pstn", { timeoutMs: 120000 }); // Queue(supportq,r,,,60): 3 s here
      const call = await ended(lab, 6000);
      assert.equal(call.disposition, "NO ANSWER");
    } finally {
      lab.calls.stop();
      lab.presence.stop();
      await client.close();
      await pbx.close();
    }
  });
});
