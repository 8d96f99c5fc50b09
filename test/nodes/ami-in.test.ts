import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { startPbx } from "../../simulator";
import { ADMIN, Msg, TAB as tab, amiAction, amiIn, amiNodes, calls, collect, connectionOf, helper, lastStatus, server, sink, sleep, statusesOf, waitConnected, waitFor } from "./harness";
import { backlogOf, liveClientOf, routeCountOf, userCountOf } from "../helpers/seam";

type Pbx = Awaited<ReturnType<typeof startPbx>>;

describe("ami in node", function () {
  this.timeout(15000);
  let pbx: Pbx;
  let pbx2: Pbx | undefined;

  beforeEach(async () => {
    pbx = await startPbx({ port: 0, timeScale: 0.05 });
  });
  afterEach(async () => {
    await helper.unload();
    await pbx.close();
    if (pbx2) await pbx2.close();
    pbx2 = undefined;
  });

  it("filters by names, wildcards, regex and header conditions (ANDed), with headers exactly as sent", async () => {
    const flow = [
      tab,
      server("s1", pbx.port),
      amiIn("names", "s1", { names: ["Newchannel", "Hangup"] }, ["o-names"]),
      amiIn("wild", "s1", { names: ["Queue*"] }, ["o-wild"]),
      amiIn("re", "s1", { nameMode: "regex", regex: "^(UserEvent|Hangup)$" }, ["o-re"]),
      amiIn("cond", "s1", { names: ["UserEvent"], conditions: [{ field: "UserEvent", op: "eq", value: "TestEvent" }, { field: "Foo", op: "exists" }] }, ["o-cond"]),
      amiIn("neq", "s1", { names: ["Hangup"], conditions: [{ field: "Channel", op: "regex", value: "^PJSIP/" }, { field: "Cause", op: "neq", value: "16" }] }, ["o-neq"]),
      amiIn("all", "s1", {}, ["o-all"]),
      sink("o-names"), sink("o-wild"), sink("o-re"), sink("o-cond"), sink("o-neq"), sink("o-all"),
    ];
    await helper.load(amiNodes, flow, { s1: ADMIN });
    const got = Object.fromEntries(["o-names", "o-wild", "o-re", "o-cond", "o-neq", "o-all"].map((id) => [id, collect(id)])) as Record<string, Msg[]>;
    await waitConnected("s1");
    pbx.emitEvent({ Event: "Newchannel", Channel: "PJSIP/6001-00000001", CallerIDNum: "004930123", Exten: "100", Uniqueid: "1795663249.98" });
    pbx.emitEvent({ Event: "QueueMemberStatus", Queue: "testq", Status: "1" });
    pbx.emitEvent({ Event: "UserEvent", UserEvent: "TestEvent", Foo: ["bar", "baz"] });
    pbx.emitEvent({ Event: "UserEvent", UserEvent: "Other", Foo: "x" });
    pbx.emitEvent({ Event: "Hangup", Channel: "PJSIP/6001-00000001", Cause: "17" });
    pbx.emitEvent({ Event: "Hangup", Channel: "PJSIP/6002-00000002", Cause: "16" });
    pbx.emitEvent({ Event: "Hangup", Channel: "Local/100@test-00000003;1", Cause: "17" });
    pbx.emitEvent({ Event: "UserEvent", UserEvent: "End" });
    await waitFor(() => got["o-all"].some((m) => m.payload.UserEvent === "End"), "the last event");
    await sleep(50);
    const topics = (id: string) => got[id].map((m) => m.topic);
    assert.deepEqual(topics("o-names"), ["Newchannel", "Hangup", "Hangup", "Hangup"]);
    assert.deepEqual(topics("o-wild"), ["QueueMemberStatus"]);
    assert.deepEqual(topics("o-re"), ["UserEvent", "UserEvent", "Hangup", "Hangup", "Hangup", "UserEvent"]);
    assert.equal(got["o-cond"].length, 1);
    assert.deepEqual(got["o-cond"][0].payload.Foo, ["bar", "baz"], "a repeated header is an array, in order");
    assert.deepEqual(got["o-neq"].map((m) => m.payload.Channel), ["PJSIP/6001-00000001"]);
    const nc = got["o-names"][0];
    assert.equal(nc.payload.Event, "Newchannel");
    assert.equal(nc.payload.CallerIDNum, "004930123", "values are never coerced");
    assert.equal(nc.payload.Uniqueid, "1795663249.98");
    assert.equal(nc.ami.server, `127.0.0.1:${pbx.port}`);
    assert.ok(got["o-all"].length >= 8);
    const ids = Object.values(got).flatMap((msgs) => msgs.map((m) => m._msgid));
    assert.ok(ids.every((id) => /^[0-9a-f]{16}$/.test(id)), "ids of 16 hex digits, as Node-RED's");
    assert.equal(new Set(ids).size, ids.length, "every message its own _msgid");
  });

  it("events that waited in the backlog reach the flow exactly as sent (repeated headers, AGI Env), each with its own _msgid", async () => {
    const raw = fs.readFileSync(path.join(__dirname, "..", "..", "..", "test", "fixtures", "captures", "async-agi.raw"), "latin1");
    const env = /^Env: (.*)\r$/m.exec(raw)?.[1] ?? assert.fail("the capture has an Env");
    await helper.load(amiNodes, [tab, server("s1", pbx.port), amiIn("in", "s1", { names: ["UserEvent", "AsyncAGIStart"] }, ["out"]), sink("out")], { s1: ADMIN });
    const got = collect("out");
    await waitConnected("s1");
    // One burst, read at once: more than a turn's share for a flow not measured yet (16), so most wait.
    const sent: Array<Record<string, string | string[]>> = [];
    for (let i = 0; i < 60; i++) {
      const e: Record<string, string | string[]> =
        i % 10 === 9 ? { Event: "AsyncAGIStart", Channel: `Local/200@test-${i};2`, Env: env } : { Event: "UserEvent", UserEvent: `E${i}`, Var: [`a=${i}`, "b=2", "é日🙂"], constructor: "x", Empty: "" };
      sent.push(e);
      pbx.emitEvent(e);
    }
    await waitFor(() => got.length === 60, "all 60 events");
    const stats = backlogOf(connectionOf("s1"), "in");
    assert.ok(stats.peakQueued > 0, "some events waited in the backlog");
    assert.equal(stats.dropped, 0);
    for (const [i, m] of got.entries()) {
      const { Privilege, ...payload } = m.payload;
      assert.deepEqual(payload, sent[i], `event ${i}`);
      assert.equal(Object.getPrototypeOf(m.payload), Object.prototype);
      assert.equal(m.topic, sent[i].Event);
      if (m.topic === "AsyncAGIStart") assert.equal(m.ami.agiEnv.agi_request, "async", `event ${i} has its AGI environment`);
    }
    assert.equal(new Set(got.map((m) => m._msgid)).size, 60, "every message its own _msgid");
  });

  it("decodes the Env of AsyncAGIStart into msg.ami.agiEnv (capture async-agi), the payload staying as sent", async () => {
    const raw = fs.readFileSync(path.join(__dirname, "..", "..", "..", "test", "fixtures", "captures", "async-agi.raw"), "latin1");
    const env = /^Env: (.*)\r$/m.exec(raw)?.[1] ?? assert.fail("the capture has an Env");
    await helper.load(amiNodes, [tab, server("s1", pbx.port), amiIn("agi", "s1", { names: ["AsyncAGIStart"] }, ["out"]), sink("out")], { s1: ADMIN });
    const got = collect("out");
    await waitConnected("s1");
    pbx.emitEvent({ Event: "AsyncAGIStart", Channel: "Local/200@test-0000003a;2", Env: env });
    pbx.emitEvent({ Event: "AsyncAGIStart", Channel: "Local/200@test-0000003b;2" });
    await waitFor(() => got.length === 2, "both events");
    assert.equal(got[0].payload.Env, env, "the payload keeps the header as Asterisk sent it");
    assert.equal(got[0].ami.agiEnv.agi_request, "async");
    assert.equal(got[0].ami.agiEnv.agi_channel, "Local/200@test-0000003a;2");
    assert.equal(got[0].ami.agiEnv.agi_version, "22.10.1");
    assert.equal(got[0].ami.agiEnv.agi_callerid, "unknown");
    assert.equal(got[1].ami.agiEnv, undefined, "no Env, no agiEnv");
  });

  it("tags events with the server so flows with several PBXs tell them apart", async () => {
    pbx2 = await startPbx({ port: 0, timeScale: 0.05 });
    const flow = [
      tab,
      { ...server("s1", pbx.port), name: "Berlin" },
      server("s2", pbx2.port),
      amiIn("a", "s1", { names: ["UserEvent"] }, ["out"]),
      amiIn("b", "s2", { names: ["UserEvent"] }, ["out"]),
      sink("out"),
    ];
    await helper.load(amiNodes, flow, { s1: ADMIN, s2: ADMIN });
    const got = collect("out");
    await waitConnected("s1");
    await waitConnected("s2");
    pbx.emitEvent({ Event: "UserEvent", UserEvent: "One" });
    pbx2.emitEvent({ Event: "UserEvent", UserEvent: "Two" });
    await waitFor(() => got.length === 2, "two events");
    const byName = Object.fromEntries(got.map((m) => [m.payload.UserEvent, m.ami.server]));
    assert.deepEqual(byName, { One: "Berlin", Two: `127.0.0.1:${pbx2.port}` });
  });

  it("shares one session among many nodes, and events nobody wants are not decoded", async () => {
    const flow = [tab, server("s1", pbx.port)];
    for (let i = 0; i < 5; i++) flow.push(amiIn(`n${i}`, "s1", { names: ["UserEvent"] }, ["out"]));
    flow.push(sink("out"));
    await helper.load(amiNodes, flow, { s1: ADMIN });
    const got = collect("out");
    await waitConnected("s1");
    assert.equal(pbx.loggedIn, 1, "one login for five nodes");
    const client = liveClientOf(connectionOf("s1"));
    const skippedBefore = client.stats.eventsSkipped;
    for (let i = 0; i < 20; i++) pbx.emitEvent({ Event: "VarSet", Channel: "x", Variable: "A", Value: String(i) });
    pbx.emitEvent({ Event: "UserEvent", UserEvent: "Mark" });
    await waitFor(() => got.length === 5, "the UserEvent on every node");
    assert.ok(client.stats.eventsSkipped - skippedBefore >= 20, "VarSet events were skipped without decoding");
  });

  it("does not emit the items of a list that an ami action asked for", async () => {
    const flow = [
      tab,
      server("s1", pbx.port),
      amiIn("all", "s1", {}, ["events"]),
      amiAction("act", "s1", { action: "QueueStatus" }, ["result"]),
      sink("events"),
      sink("result"),
    ];
    await helper.load(amiNodes, flow, { s1: ADMIN });
    const events = collect("events");
    const result = collect("result");
    await waitConnected("s1");
    helper.getNode("act").receive({ payload: {} });
    await waitFor(() => result.length === 1, "the QueueStatus list");
    assert.ok(result[0].payload.length > 0, "the list has items");
    pbx.emitEvent({ Event: "UserEvent", UserEvent: "After" });
    await waitFor(() => events.some((m) => m.payload.UserEvent === "After"), "a later event");
    const listNames = new Set(["QueueParams", "QueueMember", "QueueEntry", "QueueStatusComplete"]);
    assert.deepEqual(events.filter((m) => listNames.has(m.topic)), [], "no list item reached ami in");
  });

  it("shows the connection state, and a node that joins late gets it at once", async () => {
    const flow = [tab, server("s1", pbx.port), amiIn("a", "s1", { names: ["Hangup"] })];
    await helper.load(amiNodes, flow, { s1: ADMIN });
    await waitConnected("s1");
    await waitFor(() => lastStatus("a")?.fill === "green", "green status on a");
    const seen = statusesOf("a").map((s) => `${s.fill}/${s.shape}`);
    assert.ok(seen.includes("yellow/ring"), "connecting (yellow ring) was shown");
    assert.ok(seen.indexOf("yellow/ring") < seen.lastIndexOf("green/dot"));
    assert.match(String(lastStatus("a")?.text), /connected/);
    // Deploy only the new node: the connection stays up and the newcomer is told at once.
    const flow2 = [...flow, amiIn("late", "s1", { names: ["Hangup"] })];
    await helper.setFlows(flow2, "nodes", { s1: ADMIN });
    await waitFor(() => statusesOf("late").length > 0, "a status on the late node");
    assert.equal(statusesOf("late")[0].fill, "green", "the first status the late node shows is the current one");
    assert.equal(pbx.loggedIn, 1);
  });

  it("redeploying does not double events, and the old routes are gone", async () => {
    const flow = [tab, server("s1", pbx.port), amiIn("a", "s1", { names: ["UserEvent"] }, ["out"]), sink("out")];
    await helper.load(amiNodes, flow, { s1: ADMIN });
    await waitConnected("s1");
    for (const [i, type] of ["full", "nodes", "flows", "nodes"].entries()) {
      // full redeploys, and redeploys of the changed node (or flow) only: the connection stays up
      const changed = [tab, server("s1", pbx.port), amiIn("a", "s1", { names: ["UserEvent"], name: `v${i}` }, ["out"]), sink("out")];
      await helper.setFlows(changed, type, { s1: ADMIN });
    }
    assert.equal(routeCountOf(connectionOf("s1")), 1, "the replaced nodes' routes were removed");
    assert.equal(userCountOf(connectionOf("s1")), 1);
    await waitConnected("s1");
    const got = collect("out");
    pbx.emitEvent({ Event: "UserEvent", UserEvent: "Once" });
    await waitFor(() => got.length >= 1, "the event");
    await sleep(100);
    assert.equal(got.length, 1, "exactly one message per event after redeploys");
    assert.equal(liveClientOf(connectionOf("s1")).subscriptionCount, 1, "one core subscription for the router");
    await waitFor(() => pbx.loggedIn === 1, "old sessions to be gone");
  });

  it("refuses an invalid regex with a red status instead of crashing", async () => {
    const flow = [tab, server("s1", pbx.port), amiIn("bad", "s1", { nameMode: "regex", regex: "(" })];
    await helper.load(amiNodes, flow, { s1: ADMIN });
    const st = lastStatus("bad");
    assert.deepEqual([st?.fill, st?.shape], ["red", "ring"]);
    assert.match(String(calls("error", "bad")[0]?.[0]), /invalid event name regex/);
  });
});
