import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { AmiClient } from "../../src/ami";
import { startPbx } from "../../simulator";
import { ADMIN, Msg, NODES_DIR, TAB as tab, amiIn, amiNodes, collect, connectionOf, helper, lastStatus, openDialog, server, sink, sleep, waitConnected, waitFor, withCatalogs, startLab, stopLab } from "./harness";
import { userCountOf } from "../helpers/seam";

/**
 * "ami queues" against the simulated PBX's lab: queue testq (ringall, no members; extension 400
 * puts a caller in it, 10 s timeout) and supportq (static member Local/100@test "Agent One").
 * Live events of an answered call are the sip-queue-answered capture's, sent by the PBX.
 */

type Pbx = Awaited<ReturnType<typeof startPbx>>;

const queuesNode = require(path.join(NODES_DIR, "asterisk-ami-queues.js"));
const nodes = withCatalogs([...amiNodes, queuesNode]);

function amiQueues(id: string, serverId: string, extra: Record<string, unknown> = {}, wires: string[] = []): Record<string, unknown> {
  return { id, type: "asterisk-ami-queues", z: "t1", x: 0, y: 0, server: serverId, name: "", queues: [], changes: [], serviceLevel: "", wires: [wires], ...extra };
}

/** The events of an answered call in supportq, in the order Asterisk 22 sends them (sip-queue-answered). */
function answeredCall(pbx: Pbx, uniqueid: string): void {
  const member = { Queue: "supportq", MemberName: "Agent One", Interface: "Local/100@test", StateInterface: "Local/100@test", Membership: "static", Penalty: "0", LastCall: "0", InCall: "0", Paused: "0", PausedReason: "" };
  const caller = { Channel: `PJSIP/6001-${uniqueid}`, Uniqueid: uniqueid, CallerIDNum: "6001", CallerIDName: "Alice", Queue: "supportq" };
  pbx.emitEvent({ Event: "QueueCallerJoin", ...caller, Position: "1", Count: "1" });
  pbx.emitEvent({ Event: "AgentCalled", ...caller, Interface: "Local/100@test", MemberName: "Agent One" });
  pbx.emitEvent({ Event: "QueueMemberStatus", ...member, CallsTaken: "0", Status: "6" });
  pbx.emitEvent({ Event: "QueueMemberStatus", ...member, CallsTaken: "0", Status: "2" });
  pbx.emitEvent({ Event: "QueueCallerLeave", ...caller, Position: "1", Count: "0" });
  pbx.emitEvent({ Event: "AgentConnect", ...caller, Interface: "Local/100@test", MemberName: "Agent One", HoldTime: "4", RingTime: "2" });
}

describe("ami queues node", function () {
  this.timeout(15000);
  let pbx: Pbx;
  let caller: AmiClient;

  beforeEach(async () => ({ pbx, caller } = await startLab()));
  afterEach(() => stopLab({ pbx, caller }));

  it("sends each change of the watched queues: topic the kind, payload the queue after it, msg.ami what it is about", async () => {
    const flow = [
      tab,
      server("s1", pbx.port),
      amiQueues("support", "s1", { queues: ["support*"] }, ["o-support"]),
      amiQueues("testq", "s1", { queues: "testq" }, ["o-testq"]),
      amiQueues("answers", "s1", { changes: ["answered", "abandoned"], serviceLevel: "3" }, ["o-answers"]),
      sink("o-support"), sink("o-testq"), sink("o-answers"),
    ];
    await helper.load(nodes, flow, { s1: ADMIN });
    const [support, testq, answers] = [collect("o-support"), collect("o-testq"), collect("o-answers")];
    await waitConnected("s1");
    await waitFor(() => support.length === 1 && testq.length === 1, "the seeded queues");
    assert.deepEqual([support[0].topic, support[0].payload.name, testq[0].payload.name], ["queue", "supportq", "testq"]);

    answeredCall(pbx, "1796549447.61");
    await waitFor(() => answers.length === 1, "the answered call");
    await waitFor(() => support.length === 6, "every change");
    assert.deepEqual(support.slice(1).map((m) => `${m.topic} ${m.payload.waiting}`), ["caller-joined 1", "member-state 1", "member-state 1", "caller-left 0", "answered 0"]);
    const answered = support[5];
    assert.deepEqual(answered.ami, {
      server: `127.0.0.1:${pbx.port}`,
      queue: "supportq",
      kind: "answered",
      caller: { ...answered.ami.caller, uniqueid: "1796549447.61", callerIdNum: "6001", callerIdName: "Alice", position: 1 },
      member: { ...answered.ami.member, name: "Agent One", state: "in-call" },
      wait: 4,
    });
    assert.deepEqual([answered.payload.today.answered, answered.payload.serviceLevel, answered.payload.today.serviceLevelPct], [1, 20, 100], "the queue's own threshold: 20 s default; 4 s is within");
    assert.equal(answered.payload.today.answeredInServiceLevel, 1);
    assert.deepEqual([answers[0].topic, answers[0].payload.serviceLevel, answers[0].payload.today.answeredInServiceLevel], ["answered", 3, 0], "the node's 3 s: 4 s is not within");
    // Each node's message owns what it carries: a flow that changes one changes no other node's.
    answers[0].ami.caller.callerIdName = "changed by a flow";
    answers[0].ami.member.name = "changed by a flow";
    assert.deepEqual([answered.ami.caller.callerIdName, answered.ami.member.name], ["Alice", "Agent One"]);
    assert.equal(testq.length, 1, "nothing of supportq on the testq node");

    // A real caller in testq (extension 400): it joins, and leaves when its channel goes.
    await caller.send("Originate", { Channel: "Local/400@test", Application: "Wait", Data: "4", CallerID: '"Queue Caller" <5550400>', Async: "true" });
    await waitFor(() => testq.some((m) => m.topic === "caller-joined"), "the caller in testq");
    const joined = testq.find((m) => m.topic === "caller-joined") as Msg;
    assert.deepEqual([joined.payload.waiting, joined.ami.caller.callerIdNum, joined.payload.today.offered], [1, "5550400", 1]);
    await waitFor(() => testq.some((m) => m.topic === "caller-left"), "the caller to leave", 8000);
    const left = testq.find((m) => m.topic === "caller-left") as Msg;
    assert.equal(left.payload.waiting, 0);
  });

  it("answers a snapshot of the watched queues keeping the message, shares one tracker and shows waiting and available", async () => {
    const flow = [tab, server("s1", pbx.port), amiQueues("a", "s1", {}, ["out"]), amiQueues("b", "s1", { queues: ["testq"] }, ["out-b"]), sink("out"), sink("out-b")];
    await helper.load(nodes, flow, { s1: ADMIN });
    const [got, gotB] = [collect("out"), collect("out-b")];
    await waitConnected("s1");
    helper.getNode("a").receive({ topic: "board", keep: true });
    helper.getNode("b").receive({});
    await waitFor(() => got.some((m) => m.topic === "board") && gotB.some((m) => Array.isArray(m.payload)), "the snapshots");
    const snap = got.find((m) => m.topic === "board") as Msg;
    assert.equal(snap.keep, true);
    assert.deepEqual(snap.payload.map((q: Msg) => [q.name, q.waiting, q.loggedIn, q.available]), [["supportq", 0, 1, 1], ["testq", 0, 0, 0]]);
    assert.deepEqual(snap.ami, { server: `127.0.0.1:${pbx.port}`, snapshot: "queues", count: 2, connected: true });
    assert.deepEqual((gotB.find((m) => Array.isArray(m.payload)) as Msg).payload.map((q: Msg) => q.name), ["testq"]);
    assert.equal(pbx.actions.filter((x) => x.action.get("Action") === "QueueStatus").length, 1, "one seeding for two nodes");
    assert.equal(userCountOf(connectionOf("s1").runningFeed("queues")), 2);

    await waitFor(() => lastStatus("a")?.text === "0 waiting, 1 of 1 available", "the status");
    assert.deepEqual([lastStatus("a")?.fill, lastStatus("a")?.shape], ["green", "dot"]);
    assert.equal(lastStatus("b")?.text, "0 waiting, 0 of 0 available");
    answeredCall(pbx, "u-1");
    await waitFor(() => lastStatus("a")?.text === "0 waiting, 0 of 1 available", "the agent in a call");
    pbx.emitEvent({ Event: "QueueCallerJoin", Queue: "testq", Uniqueid: "u-2", Channel: "PJSIP/6002-1", Position: "1", Count: "1" });
    await waitFor(() => lastStatus("b")?.text === "1 waiting, 0 of 0 available", "a caller waiting in testq");
    await waitFor(() => lastStatus("a")?.text === "1 waiting, 0 of 1 available", "summed over the watched queues");
  });

  it("serves the queue names to the editor: from the tracker, else a QueueSummary; none for a server not deployed", async () => {
    await helper.load(nodes, [tab, server("s1", pbx.port), amiQueues("a", "s1", { queues: ["nothing"] })], { s1: ADMIN });
    await waitConnected("s1");
    await waitFor(() => connectionOf("s1").runningFeed("queues").current?.tracker.size === 2, "the seeded tracker");
    const fromTracker = await helper.request().get("/asterisk-ami/queues/s1").expect(200);
    assert.deepEqual(fromTracker.body, ["supportq", "testq"]);
    assert.equal(pbx.actions.filter((x) => x.action.get("Action") === "QueueSummary").length, 0);
    assert.deepEqual((await helper.request().get("/asterisk-ami/queues/nosuch").expect(200)).body, []);
    await helper.unload();

    await helper.load(nodes, [tab, server("s2", pbx.port), amiIn("i", "s2", { names: ["Hangup"] })], { s2: ADMIN });
    await waitConnected("s2");
    const fromSummary = await helper.request().get("/asterisk-ami/queues/s2").expect(200);
    assert.deepEqual(fromSummary.body, ["supportq", "testq"]);
    assert.equal(pbx.actions.filter((x) => x.action.get("Action") === "QueueSummary").length, 1);
  });

  it("closes while connected: the session logs off, the tracker goes with the last node", async () => {
    await helper.load(nodes, [tab, server("s1", pbx.port), amiQueues("a", "s1", {})], { s1: ADMIN });
    await waitConnected("s1");
    const connection = connectionOf("s1");
    await waitFor(() => connection.runningFeed("queues")?.current !== undefined, "the tracker");
    await helper.setFlows([tab, server("s1", pbx.port), amiIn("i", "s1", { names: ["Hangup"] })], "nodes", { s1: ADMIN });
    assert.equal(connection.runningFeed("queues"), undefined, "no tracker without a queues node");
    await helper.unload();
    await waitFor(() => pbx.sessions === 1, "the node's session to end (the test's caller stays)");
    const names = pbx.actions.map((a) => String(a.action.get("Action")));
    assert.equal(names[names.length - 1], "Logoff");
  });

  it("says queue-removed (payload null) when the QueueStatus after a reconnect no longer lists a queue", async () => {
    const port = pbx.port;
    await helper.load(nodes, [tab, server("s1", port), amiQueues("a", "s1", {}, ["o"]), sink("o")], { s1: ADMIN });
    const out = collect("o");
    await waitConnected("s1");
    await waitFor(() => out.filter((m) => m.topic === "queue").length === 2, "testq and supportq seeded");
    // The PBX restarts with testq gone from queues.conf.
    await caller.close();
    await pbx.close();
    const config = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ami-queues-")), "lab.json");
    fs.writeFileSync(config, JSON.stringify({ queues: [{ name: "supportq", strategy: "ringall", members: [{ interface: "Local/100@test", name: "Agent One", penalty: 0 }] }] }));
    pbx = await startPbx({ port, timeScale: 0.05, config });
    caller = new AmiClient({ host: "127.0.0.1", port, username: "admin", secret: "amp111", keepaliveInterval: 0, events: "off" });
    await waitFor(() => out.some((m) => m.topic === "queue-removed"), "queue-removed", 10_000);
    const removed = out.find((m) => m.topic === "queue-removed") as Msg;
    assert.deepEqual([removed.payload, removed.ami.queue, removed.ami.kind], [null, "testq", "queue-removed"]);
    helper.getNode("a").receive({});
    await waitFor(() => out.some((m) => m.ami?.snapshot === "queues"), "the snapshot");
    assert.deepEqual((out.find((m) => m.ami?.snapshot === "queues") as Msg).payload.map((q: { name: string }) => q.name), ["supportq"]);
  });

  it("shows the connection state when the PBX goes away, and a bad service level in its status", async () => {
    await helper.load(nodes, [tab, server("s1", pbx.port), amiQueues("a", "s1", {}), amiQueues("bad", "s1", { serviceLevel: "soon" })], { s1: ADMIN });
    await waitConnected("s1");
    await waitFor(() => lastStatus("a")?.fill === "green", "green");
    assert.deepEqual(lastStatus("bad"), { fill: "red", shape: "ring", text: "invalid settings" });
    await pbx.close();
    await waitFor(() => lastStatus("a")?.shape === "ring", "a ring once disconnected");
    assert.match(String(lastStatus("a")?.text), /reconnecting|disconnected|connecting/);
    pbx = await startPbx({ port: 0, timeScale: 0.05 });
  });
});

describe("ami queues edit dialog", () => {
  it("saves the queues, the kinds ticked and the service level", () => {
    const ed = openDialog("asterisk-ami-queues", { changes: ["answered"] });
    assert.equal(ed.def.icon, "asterisk-ami-queues.svg");
    assert.equal(ed.$("#node-input-change-boxes input").length, 13);
    assert.equal(ed.$("#node-input-change-boxes input:checked").length, 1);
    ed.$("#node-input-change-boxes-abandoned").prop("checked", true);
    ed.$("#node-input-queues-text").val("supportq, sales-*");
    ed.$("#node-input-serviceLevel").val("30");
    ed.save();
    assert.deepEqual(ed.node.changes, ["abandoned", "answered"]);
    assert.deepEqual(ed.node.queues, ["supportq", "sales-*"]);
    assert.equal(ed.node.serviceLevel, "30");
    assert.equal(ed.def.label.call(ed.node), "ami queues supportq, sales-*");
    assert.deepEqual(ed.def.defaults.changes.value.length, 13, "every kind by default");
  });

  it("completes queue names from the server's endpoint once a server is chosen", async () => {
    const ed = openDialog("asterisk-ami-queues", {});
    const asked: string[] = [];
    ed.$.getJSON = (url: string) => {
      asked.push(url);
      return ed.$.Deferred().resolve(["sales", "supportq", "testq"]).promise();
    };
    const field = ed.$("#node-input-queues-text")[0].__search;
    // The editor's arrays come from the DOM's realm: compared as plain data.
    const search = (text: string) => JSON.parse(JSON.stringify(field(text)));
    assert.deepEqual(search("s"), [], "no server chosen: no names");
    ed.$("#node-input-server").val("abc 1").trigger("change");
    await sleep(10);
    assert.deepEqual(asked, ["asterisk-ami/queues/abc%201"]);
    assert.deepEqual(search("s").map((o: Msg) => o.label), ["sales", "supportq"]);
    assert.deepEqual(search("testq, SU"), [{ value: "testq, supportq", label: "supportq" }], "the last name of the list");
  });
});
