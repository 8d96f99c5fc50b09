import * as assert from "node:assert/strict";
import { AmiClient } from "../../src/ami";
import { startPbx } from "../../simulator";
import { ADMIN, Msg, TAB as tab, amiCalls, amiIn, amiNodes, calls, catchFor, collect, connectionOf, helper, lastStatus, server, openDialog, sink, sleep, waitConnected, waitFor, withCatalogs, startLab, stopLab } from "./harness";
import { liveClientOf, userCountOf } from "../helpers/seam";

/**
 * "ami calls" against the simulated PBX's lab (phones 6001-6005, inbound DIDs in from-pstn,
 * from-internal): the lifecycle steps of real call paths, the filters, one shared tracker per
 * server, the snapshot on input and the status count. Dialplan seconds run at 1/20.
 */

type Pbx = Awaited<ReturnType<typeof startPbx>>;


const nodes = withCatalogs(amiNodes);
const OUTSIDE = '"Lena Hoffmann" <+4930555123>';

/** Places a call as a phone or an outside caller would: the ;1 leg talks `talk` s once answered. */
function place(caller: AmiClient, channel: string, opts: { callerId?: string; talk?: number; timeoutMs?: number } = {}): Promise<unknown> {
  return caller.send("Originate", {
    Channel: channel, Application: "Wait", Data: String(opts.talk ?? 4), CallerID: opts.callerId ?? OUTSIDE,
    Timeout: String(opts.timeoutMs ?? 30000), Async: "true",
  });
}

const steps = (got: Msg[]) => got.map((m) => m.topic);
const ended = (got: Msg[]) => got.filter((m) => m.topic === "ended");

describe("ami calls node", function () {
  this.timeout(15000);
  let pbx: Pbx;
  let caller: AmiClient;

  beforeEach(async () => ({ pbx, caller } = await startLab()));
  afterEach(() => stopLab({ pbx, caller }));

  it("inbound ring group: ringing for each phone, answered by 6001, ended ANSWERED with times, as plain JSON", async () => {
    await helper.load(nodes, [tab, server("s1", pbx.port), amiCalls("c", "s1", {}, ["out"]), sink("out")], { s1: ADMIN });
    const got = collect("out");
    await waitConnected("s1");
    await place(caller, "Local/4930123400@from-pstn");
    await waitFor(() => ended(got).length === 1, "the call to end");
    assert.deepEqual(steps(got), ["ringing", "ringing", "answered", "ended"]);
    assert.deepEqual(got.filter((m) => m.topic === "ringing").map((m) => m.ami.dial.callee.number), ["6001", "6002"]);
    const [answered, end] = [got[2], got[3]];
    assert.equal(answered.payload.answeredBy.number, "6001");
    assert.equal(answered.payload.state, "answered");
    const call = end.payload;
    assert.equal(call.disposition, "ANSWERED");
    assert.equal(call.direction, "inbound");
    assert.deepEqual([call.caller.number, call.caller.name], ["+4930555123", "Lena Hoffmann"]);
    assert.equal(call.answeredBy.number, "6001");
    assert.deepEqual(call.dials.map((d: Msg) => [d.callee.number, d.status]), [["6001", "ANSWER"], ["6002", "CANCEL"]]);
    assert.ok(call.talkTime > 0 && call.ringTime >= 0 && call.totalTime >= call.talkTime, JSON.stringify(call));
    assert.ok(call.startedAt <= call.answeredAt && call.answeredAt <= call.endedAt);
    assert.deepEqual(JSON.parse(JSON.stringify(call)), call, "the payload is plain JSON");
    for (const m of got) {
      assert.deepEqual({ server: m.ami.server, step: m.ami.step, callId: m.ami.callId }, { server: `127.0.0.1:${pbx.port}`, step: m.topic, callId: call.id });
    }
  });

  it("unanswered, busy and abandoned inbound calls end NO ANSWER, BUSY and CANCELLED", async () => {
    await helper.load(nodes, [tab, server("s1", pbx.port), amiCalls("c", "s1", { steps: ["ended"] }, ["out"]), sink("out")], { s1: ADMIN });
    const got = collect("out");
    await waitConnected("s1");
    await place(caller, "Local/4930123402@from-pstn", { callerId: '"Nobody" <+4930111>' });
    await place(caller, "Local/4930123404@from-pstn", { callerId: '"Busy" <+4930222>' });
    await place(caller, "Local/4930123403@from-pstn", { callerId: '"Gives up" <+4930333>', timeoutMs: 4000 });
    await waitFor(() => got.length === 3, "three calls to end", 8000);
    const outcome = Object.fromEntries(got.map((m) => [m.payload.caller.number, m.payload.disposition]));
    assert.deepEqual(outcome, { "+4930111": "NO ANSWER", "+4930222": "BUSY", "+4930333": "CANCELLED" });
    assert.ok(got.every((m) => m.topic === "ended" && m.payload.answeredAt === undefined && m.payload.talkTime === 0));
  });

  it("filters by extension (a ring group's ringing per phone), direction (with the node's own rules) and step", async () => {
    const filters: Record<string, Record<string, unknown>> = {
      e6001: { extensions: ["6001"] },
      e6002: { extensions: "6002" },
      wild: { extensions: ["600*"], steps: ["ringing"] },
      inbound: { directions: ["inbound"] },
      internal: { directions: ["internal"], steps: ["ended"] },
      outbound: { directions: ["outbound"], steps: ["ended"] },
      ended: { steps: ["ended"] },
      rules: { directions: ["inbound"], steps: ["ended"], inboundContexts: "^from-internal$" },
      long: { directions: ["internal"], steps: ["ended"], externalDigits: "20" },
      // Told by trunk channels alone: no inbound context matches, no number is long enough.
      trunkIn: { directions: ["inbound"], steps: ["ended"], inboundContexts: "^nowhere$", trunkChannels: "@(from-pstn|trunk)-", externalDigits: "30" },
      trunkOut: { directions: ["outbound"], steps: ["ended"], inboundContexts: "^nowhere$", trunkChannels: "@(from-pstn|trunk)-", externalDigits: "30" },
    };
    const flow: Msg[] = [tab, server("s1", pbx.port)];
    for (const [id, f] of Object.entries(filters)) flow.push(amiCalls(id, "s1", f, [`o-${id}`]), sink(`o-${id}`));
    await helper.load(nodes, flow, { s1: ADMIN });
    const got = Object.fromEntries(Object.keys(filters).map((id) => [id, collect(`o-${id}`)])) as Record<string, Msg[]>;
    await waitConnected("s1");
    // One after the other: an internal call from 6002 while the ring group rings 6002 would find it busy.
    await place(caller, "Local/4930123400@from-pstn");
    await waitFor(() => got.ended.length === 1, "the ring group call");
    await place(caller, "Local/6003@from-internal", { callerId: '"Ben Fischer" <6002>' });
    await waitFor(() => got.ended.length === 2, "the internal call");
    await place(caller, "Local/004930987654@from-internal", { callerId: '"Clara Weber" <6003>' });
    await waitFor(() => got.ended.length === 3, "the outbound call", 8000);
    await sleep(100);
    const [ringGroup, internal, outbound] = got.ended.map((m) => m.payload.id);
    const ids = (id: string) => got[id].map((m) => m.payload.id);
    const byCall = (id: string, call: string) => got[id].filter((m) => m.payload.id === call);

    assert.deepEqual(steps(got.e6001), ["ringing", "answered", "ended"], "6001: its own ringing only, not 6002's");
    assert.equal(got.e6001[0].ami.dial.callee.number, "6001");
    assert.ok(ids("e6001").every((c) => c === ringGroup), "6001 was in the ring group call only");
    assert.deepEqual(steps(byCall("e6002", ringGroup)), ["ringing", "answered", "ended"], "6002 rang in the ring group");
    assert.equal(byCall("e6002", ringGroup)[0].ami.dial.callee.number, "6002");
    assert.deepEqual(steps(byCall("e6002", internal)), ["answered", "ended"], "6002 placed the internal call: 6003 rang, not 6002");
    assert.equal(byCall("e6002", outbound).length, 0);
    assert.deepEqual(got.wild.map((m) => m.ami.dial.callee.number), ["6001", "6002", "6003"], "the phones that rang, not the trunk");
    assert.deepEqual(steps(got.inbound), ["ringing", "ringing", "answered", "ended"]);
    assert.ok(got.inbound.every((m) => m.payload.id === ringGroup && m.payload.direction === "inbound"), "only the ring group call");
    assert.deepEqual(ids("internal"), [internal]);
    assert.deepEqual(ids("outbound"), [outbound]);
    assert.equal(got.outbound[0].payload.callee.number, "004930987654");
    assert.deepEqual(ids("ended"), [ringGroup, internal, outbound]);
    assert.deepEqual(ids("trunkIn"), [ringGroup], "the call that came from a trunk's channel");
    assert.deepEqual(ids("trunkOut"), [outbound], "the call that reached a trunk's channel");
    assert.deepEqual(ids("rules"), [internal, outbound], "the node's inbound contexts make from-internal calls inbound");
    assert.ok(got.rules.every((m) => m.payload.direction === "inbound"));
    assert.deepEqual(ids("long"), [internal, outbound], "with 20 digits for outbound, 004930987654 is internal");
  });

  it("two nodes on one server share one tracker, one subscription and one seeding; redeploys do not double messages", async () => {
    const flow = (v: string) => [tab, server("s1", pbx.port), amiCalls("a", "s1", { name: v }, ["out-a"]), amiCalls("b", "s1", { steps: ["ended"] }, ["out-b"]), sink("out-a"), sink("out-b")];
    await helper.load(nodes, flow("v0"), { s1: ADMIN });
    await waitConnected("s1");
    const seeds = () => pbx.actions.filter((a) => a.action.get("Action") === "CoreShowChannels").length;
    await waitFor(() => seeds() === 1, "the seeding");
    const first = connectionOf("s1");
    assert.equal(liveClientOf(first).subscriptionCount, 1, "one core subscription for both nodes");
    assert.equal(userCountOf(first.runningFeed("calls")), 2);
    // Redeploy only the changed node: the same tracker goes on, nothing is seeded again.
    await helper.setFlows(flow("v1"), "nodes", { s1: ADMIN });
    await helper.setFlows(flow("v2"), "flows", { s1: ADMIN });
    await sleep(100);
    assert.equal(connectionOf("s1"), first, "the connection was kept");
    assert.equal(liveClientOf(first).subscriptionCount, 1);
    assert.equal(userCountOf(first.runningFeed("calls")), 2);
    assert.equal(seeds(), 1, "no second seeding for a restarted node");
    // A full redeploy: a new connection, again one tracker.
    await helper.setFlows(flow("v3"), "full", { s1: ADMIN });
    await waitConnected("s1");
    const second = connectionOf("s1");
    assert.notEqual(second, first);
    assert.equal(liveClientOf(second).subscriptionCount, 1);
    const [a, b] = [collect("out-a"), collect("out-b")];
    await place(caller, "Local/4930123400@from-pstn");
    await waitFor(() => b.length >= 1, "the call to end");
    await sleep(150);
    assert.deepEqual(steps(a), ["ringing", "ringing", "answered", "ended"], "each step once");
    assert.deepEqual(steps(b), ["ended"]);
    // The last calls node removed: the tracker goes, the ami in's subscription stays.
    await helper.setFlows([tab, server("s1", pbx.port), amiIn("i", "s1", { names: ["Hangup"] })], "nodes", { s1: ADMIN });
    assert.equal(second.runningFeed("calls"), undefined, "no tracker without a calls node");
    assert.equal(liveClientOf(second).subscriptionCount, 1, "only the router's subscription");
  });

  it("seeds a call in progress at deploy, answers a snapshot keeping the message, and counts live calls in its status", async () => {
    const answered = new Promise<void>((resolve) => {
      caller.subscribe("DialEnd", (e) => e.get("DialStatus") === "ANSWER" && resolve());
    });
    await caller.send("Events", { EventMask: "call" });
    await place(caller, "Local/4930123400@from-pstn", { talk: 20 });
    await answered;
    await helper.load(
      nodes,
      [tab, server("s1", pbx.port), amiCalls("c", "s1", {}, ["out"]), amiCalls("other", "s1", { extensions: ["6003"] }), sink("out")],
      { s1: ADMIN },
    );
    const got = collect("out");
    await waitConnected("s1");
    helper.getNode("c").receive({ topic: "ask", keep: 42 });
    await waitFor(() => got.length === 1, "the snapshot");
    const snap = got[0];
    assert.equal(snap.topic, "ask");
    assert.equal(snap.keep, 42, "the input message's properties are kept");
    assert.equal(snap.payload.length, 1);
    const [live] = snap.payload;
    assert.deepEqual([live.seeded, live.state, live.direction], [true, "answered", "inbound"]);
    assert.deepEqual(snap.ami, { server: `127.0.0.1:${pbx.port}`, snapshot: "calls", count: 1, connected: true });
    await waitFor(() => lastStatus("c")?.text === "live calls: 1", "the count in the status");
    assert.deepEqual([lastStatus("c")?.fill, lastStatus("c")?.shape], ["green", "dot"]);
    assert.equal(lastStatus("other")?.text, "live calls: 0", "a node for 6003 watches none");
    await waitFor(() => ended(got).length === 1, "the seeded call to end", 5000);
    const end = ended(got)[0].payload;
    assert.equal(end.id, live.id);
    assert.deepEqual([end.seeded, end.disposition, end.incomplete], [true, "ANSWERED", undefined]);
    await waitFor(() => lastStatus("c")?.text === "live calls: 0", "the count back to 0");
    helper.getNode("c").receive({});
    await waitFor(() => got.length === 3, "a second snapshot");
    assert.deepEqual(got[2].payload, []);
  });

  it("a node without a server or with a bad filter shows why and ends input with an error", async () => {
    const flow = [
      tab,
      server("s1", pbx.port),
      amiCalls("none", "", {}),
      amiCalls("bad", "s1", { inboundContexts: "(" }),
      amiCalls("step", "s1", { steps: ["rang"] }),
      amiCalls("trunk", "s1", { trunkChannels: "PJSIP/[" }),
      catchFor("catch", ["none", "bad"], "errors"),
      sink("errors"),
    ];
    await helper.load(nodes, flow, { s1: ADMIN });
    const errors = collect("errors");
    for (const id of ["none", "bad", "step", "trunk"]) assert.deepEqual([lastStatus(id)?.fill, lastStatus(id)?.shape], ["red", "ring"], id);
    assert.match(String(calls("error", "bad")[0]?.[0]), /invalid inbound contexts regex/);
    assert.match(String(calls("error", "step")[0]?.[0]), /unknown step "rang"/);
    assert.match(String(calls("error", "trunk")[0]?.[0]), /invalid trunk channels regex "PJSIP\/\["/);
    helper.getNode("none").receive({});
    helper.getNode("bad").receive({});
    await waitFor(() => errors.length === 2, "two errors caught");
    assert.deepEqual(errors.map((m) => m.error.message).sort(), ["Error: invalid filter", "Error: no AMI server configured"]);
  });
});

describe("ami calls edit dialog", () => {
  it("starts with every direction and step ticked, and saves lists of what is ticked", () => {
    const fresh = openDialog("asterisk-ami-calls", {});
    assert.equal(fresh.def.category, "Asterisk");
    assert.equal(fresh.def.icon, "asterisk-ami-calls.svg");
    assert.equal(fresh.def.inputs, 1);
    assert.equal(fresh.$("#node-input-step-boxes input:checked").length, 6);
    assert.equal(fresh.$("#node-input-direction-boxes input:checked").length, 3);
    assert.equal(fresh.def.label.call(fresh.node), "ami calls");

    const ed = openDialog("asterisk-ami-calls", { extensions: ["6001"], steps: ["ringing", "ended"], directions: ["inbound"] });
    assert.equal(ed.$("#node-input-extensions-text").val(), "6001");
    assert.deepEqual(ed.$("#node-input-step-boxes input:checked").map((_i: number, el: any) => el.value).get(), ["ringing", "ended"]);
    ed.$("#node-input-extensions-text").val("6001, 60*  6002");
    ed.$("#node-input-step-boxes-ended").prop("checked", false);
    ed.$("#node-input-step-boxes-answered").prop("checked", true);
    ed.$("#node-input-direction-boxes-internal").prop("checked", true);
    ed.$("#node-input-inboundContexts").val("^from-sip");
    ed.$("#node-input-trunkChannels").val("^PJSIP/provider-");
    ed.save();
    assert.deepEqual(ed.node.extensions, ["6001", "60*", "6002"]);
    assert.deepEqual(ed.node.steps, ["ringing", "answered"]);
    assert.deepEqual(ed.node.directions, ["inbound", "internal"]);
    assert.equal(ed.node.inboundContexts, "^from-sip");
    assert.equal(ed.node.trunkChannels, "^PJSIP/provider-");
    assert.equal(ed.def.defaults.trunkChannels.validate("PJSIP/["), false);
    assert.equal(ed.def.label.call(ed.node), "ami calls 6001, 60*, 6002");
    assert.equal(ed.def.defaults.inboundContexts.validate("("), false);
    assert.equal(ed.def.defaults.externalDigits.validate("x"), false);
    assert.equal(ed.def.defaults.externalDigits.validate("10"), true);
  });
});
