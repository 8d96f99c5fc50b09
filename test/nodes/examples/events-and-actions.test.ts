import * as assert from "node:assert/strict";
import { Pbx, readExample, prepare, serverId, useExamplePbx } from "../../helpers/example-flows";
import { Msg, collect, helper, waitConnected, waitFor } from "../harness";

/**
 * Examples 01-03, 06 and 07: ami in and ami action on their own (events by name, wildcard and regex;
 * plain actions, Command, lists; a click-to-call Originate; a queue status table; a mini IVR on Async AGI).
 */

describe("example flows", function () {
  this.timeout(30000);
  let pbx: Pbx;
  useExamplePbx((p) => (pbx = p));

  it("01 ami in: names, wildcard, regex plus condition", async () => {
    const nodes = readExample("01 - ami in - events from Asterisk.json");
    const { flow, creds, modules } = prepare(nodes, pbx);
    await helper.load(modules, flow, creds);
    const [calls, queues, user] = [collect("d01a"), collect("d01b"), collect("d01c")];
    await waitConnected(serverId(nodes));
    pbx.emitEvent({ Event: "Newchannel", Channel: "PJSIP/6001-00000001", Exten: "100" });
    pbx.emitEvent({ Event: "QueueCallerJoin", Queue: "testq", Position: "1" });
    pbx.emitEvent({ Event: "UserEvent", UserEvent: "Other" });
    pbx.emitEvent({ Event: "UserEvent", UserEvent: "TestEvent", Foo: "bar" });
    pbx.emitEvent({ Event: "Hangup", Channel: "PJSIP/6001-00000001", Cause: "16" });
    await waitFor(() => calls.length === 2, "Newchannel and Hangup");
    assert.deepEqual(calls.map((m) => m.topic), ["Newchannel", "Hangup"]);
    assert.deepEqual(queues.map((m) => m.topic), ["QueueCallerJoin"]);
    assert.deepEqual(user.map((m) => m.payload.UserEvent), ["TestEvent"]);
    assert.equal(calls[0].ami.server, "PBX");
  });

  it("02 ami action: plain, Command, action from msg, list", async () => {
    const nodes = readExample("02 - ami action - send actions.json");
    const { flow, creds, modules } = prepare(nodes, pbx);
    await helper.load(modules, flow, creds);
    const out = Object.fromEntries(["d02a", "d02b", "d02c", "d02d", "d02e"].map((id) => [id, collect(id)]));
    for (const id of ["n02a", "n02b", "n02c", "n02d"]) helper.getNode(id).receive({});
    await waitFor(() => ["d02a", "d02b", "d02c", "d02d"].every((id) => out[id].length === 1), "four answers");
    assert.equal(out.d02a[0].payload.Response, "Success");
    assert.match(out.d02b[0].payload, /^Asterisk 22/);
    assert.equal(out.d02c[0].payload.Ping, "Pong");
    assert.ok(Array.isArray(out.d02d[0].payload));
    assert.equal(out.d02e.length, 0);
  });

  it("03 click-to-call: a function node builds the Originate (another JS realm), result from its own OriginateResponse", async () => {
    const nodes = readExample("03 - click-to-call.json");
    const { flow, creds, modules } = prepare(nodes, pbx);
    await helper.load(modules, flow, creds);
    const [ok, failed] = [collect("d03a"), collect("d03b")];
    helper.getNode("n03").receive({});
    await waitFor(() => ok.length + failed.length > 0, "the call result", 15000);
    assert.equal(failed.length, 0, failed[0]?.error?.message);
    assert.equal(ok[0].payload.Event, "OriginateResponse");
    assert.equal(ok[0].payload.Response, "Success");
    const sent = pbx.actions.filter((a) => a.action.get("Action") === "Originate").map((a) => a.action.toObject());
    assert.equal(sent.length, 1);
    // Every header the function node built arrived, with the node's own fields beside them.
    assert.equal(sent[0].Channel, "Local/100@test");
    assert.equal(sent[0].Exten, "100");
    assert.equal(sent[0].CallerID, "Click to call <100>");
    assert.equal(sent[0].Variable, "CLICK_TO_CALL=yes");
    assert.equal(sent[0].Context, "test");
    assert.equal(sent[0].Async, "true");
  });

  it("06 queue status table: QueueStatus list becomes one row per queue", async () => {
    const nodes = readExample("06 - queue status table.json");
    const { flow, creds, modules } = prepare(nodes, pbx);
    await helper.load(modules, flow, creds);
    const [table, failed] = [collect("d06"), collect("d06b")];
    helper.getNode("n06").receive({});
    await waitFor(() => table.length + failed.length > 0, "the table");
    assert.equal(failed.length, 0, failed[0]?.error?.message);
    const rows = table[0].payload as Msg[];
    assert.ok(Array.isArray(rows));
    const byQueue = Object.fromEntries(rows.map((r) => [r.queue, r]));
    assert.deepEqual(Object.keys(byQueue).sort(), ["supportq", "testq"]);
    assert.deepEqual(byQueue.supportq.members, ["Agent One"]);
    assert.deepEqual(byQueue.testq.members, []);
    assert.equal(typeof byQueue.testq.waiting, "number");
  });

  it("07 mini IVR: a function node scripts AsyncAGIStart -> ANSWER -> STREAM FILE -> HANGUP, each awaiting its result", async () => {
    const nodes = readExample("07 - mini IVR with Async AGI.json");
    const { flow, creds, modules } = prepare(nodes, pbx);
    await helper.load(modules, flow, creds);
    const [done, failed] = [collect("d07"), collect("d07b")];
    await waitConnected(serverId(nodes));
    helper.getNode("n07").receive({});
    await waitFor(() => done.length + failed.length > 0, "the IVR to finish", 20000);
    assert.equal(failed.length, 0, failed[0]?.error?.message);
    assert.equal(done.length, 1);
    assert.equal(done[0].payload.code, 200);
    assert.equal(done[0].ami.action, "AGI");
    assert.equal(done[0].step, 3, "the script ran its three steps");
    const agi = pbx.actions.filter((a) => a.action.get("Action") === "AGI").map((a) => a.action.toObject());
    assert.deepEqual(agi.map((a) => a.Command), ["ANSWER", 'STREAM FILE hello-world ""', "HANGUP"]);
    assert.equal(new Set(agi.map((a) => a.Channel)).size, 1, "all on the channel from AsyncAGIStart");
    assert.match(String(agi[0].Channel), /^Local\/200@test-/);
  });

  it("07 mini IVR on a PBX without the sound: STREAM FILE's result=-1 is seen as a failure, the script warns and hangs up", async () => {
    const nodes = readExample("07 - mini IVR with Async AGI.json");
    const { flow, creds, modules } = prepare(nodes, pbx, (n) => {
      if (n.id === "f07") n.func = String(n.func).replace("STREAM FILE hello-world", "STREAM FILE no-such-sound");
    });
    assert.ok(flow.some((n) => String(n.func ?? "").includes("no-such-sound")));
    await helper.load(modules, flow, creds);
    const warnings: string[] = [];
    const script = helper.getNode("f07");
    script.warn = (text: unknown) => warnings.push(String(text));
    const [done, failed] = [collect("d07"), collect("d07b")];
    const before = pbx.actions.length;
    await waitConnected(serverId(nodes));
    helper.getNode("n07").receive({});
    await waitFor(() => done.length + failed.length > 0, "the IVR to finish", 20000);
    assert.equal(failed.length, 0, failed[0]?.error?.message);
    assert.deepEqual(warnings, ['STREAM FILE no-such-sound "": STREAM FILE failed (result=-1): the sound file could not be played (missing from the sounds directory?) or the channel hung up']);
    const agi = pbx.actions.slice(before).filter((a) => a.action.get("Action") === "AGI").map((a) => a.action.get("Command"));
    assert.deepEqual(agi, ["ANSWER", 'STREAM FILE no-such-sound ""', "HANGUP"], "hung up right after the failed step");
    assert.equal(done[0].payload.ok, true, "the HANGUP itself worked");
  });
});
