import * as assert from "node:assert/strict";
import { AmiClient } from "../../src/ami";
import { startPbx } from "../../simulator";
import { ADMIN, Msg, TAB as tab, amiAction, amiIn, amiNodes, catchFor, collect, helper, lastStatus, server, sink, sleep, statusesOf, waitConnected, waitFor } from "./harness";

type Pbx = Awaited<ReturnType<typeof startPbx>>;


function action(extra: Record<string, unknown>): Record<string, unknown> {
  return amiAction("act", "s1", extra, ["out"]);
}

/** A flow with one action node, its output, and a Catch node for it. */
function flowWith(pbx: Pbx, act: Record<string, unknown>, serverExtra: Record<string, unknown> = {}): Array<Record<string, unknown>> {
  return [
    tab,
    server("s1", pbx.port, serverExtra),
    act,
    catchFor("catch", [act.id as string], "caught"),
    sink("out"),
    sink("caught"),
  ];
}

/** Actions of a given name the PBX received (outside login/keepalive). */
function received(pbx: Pbx, name: string): Array<Record<string, string | string[]>> {
  return pbx.actions.filter((a: any) => String(a.action.get("Action")).toLowerCase() === name.toLowerCase()).map((a: any) => a.action.toObject());
}

describe("ami action node", function () {
  this.timeout(20000);
  let pbx: Pbx;
  let out: Msg[];
  let caught: Msg[];

  async function load(act: Record<string, unknown>, serverExtra: Record<string, unknown> = {}, creds = ADMIN): Promise<void> {
    await helper.load(amiNodes, flowWith(pbx, act, serverExtra), { s1: creds });
    out = collect("out");
    caught = collect("caught");
  }
  async function run(msg: Msg, what = "an outcome"): Promise<void> {
    const before = out.length + caught.length;
    helper.getNode("act").receive(msg);
    await waitFor(() => out.length + caught.length > before, what, 15000);
  }

  beforeEach(async () => {
    pbx = await startPbx({ port: 0, timeScale: 0.05 });
  });
  afterEach(async () => {
    await helper.unload();
    await pbx.close();
  });

  it("a plain action: payload is the response headers, msg.ami the detail, every input property kept", async () => {
    await load(action({ action: "CoreStatus" }));
    await run({ payload: 1700000000000, topic: "keep me", _custom: { a: 1 }, req: "opaque" });
    const m = out[0];
    assert.equal(m.payload.Response, "Success");
    assert.ok("CoreStartupTime" in m.payload);
    assert.equal(m.payload.ActionID, m.ami.actionId);
    assert.equal(m.topic, "keep me");
    assert.deepEqual(m._custom, { a: 1 });
    assert.equal(m.req, "opaque");
    assert.equal(m.ami.server, `127.0.0.1:${pbx.port}`);
    assert.equal(m.ami.action, "CoreStatus");
    assert.equal(m.ami.response.Response, "Success");
    assert.equal(received(pbx, "CoreStatus").length, 1, "sent exactly once");
  });

  it("takes the action from the node; a message cannot turn it into another action", async () => {
    await load(action({ action: "Originate", fields: [{ name: "Channel", value: "Local/100@test", type: "str" }] }));
    await run({ payload: { Action: "Command", Command: "core stop now" } });
    assert.equal(out.length, 0);
    assert.equal(caught.length, 1);
    assert.equal(caught[0].error.code, "ERR_AMI_INVALID_INPUT");
    assert.equal(received(pbx, "Command").length, 0, "nothing was sent");
    assert.equal(received(pbx, "Originate").length, 0);
  });

  it("takes the action from msg.payload.Action when set to", async () => {
    await load(action({ action: "", actionSource: "msg" }));
    await run({ payload: { Action: "Command", Command: "core show version" } });
    assert.equal(typeof out[0].payload, "string");
    assert.match(out[0].payload, /^Asterisk /);
    assert.equal(out[0].ami.action, "Command");
    await run({ payload: "no action here" });
    assert.equal(caught[0].error.code, "ERR_AMI_INVALID_INPUT");
  });

  it("evaluates typed-input fields (str, num, msg, flow, global, env, JSONata) and merges msg.payload (message wins)", async () => {
    process.env.AMI_TEST_VAR_VALUE = "from-env";
    await load(
      action({
        action: "UserEvent",
        fields: [
          { name: "UserEvent", value: "Typed", type: "str" },
          { name: "Num", value: "42", type: "num" },
          { name: "FromMsg", value: "data.x", type: "msg" },
          { name: "FromFlow", value: "fv", type: "flow" },
          { name: "FromGlobal", value: "gv", type: "global" },
          { name: "FromEnv", value: "AMI_TEST_VAR_VALUE", type: "env" },
          { name: "FromJsonata", value: "data.x & '-' & $string(data.n * 2)", type: "jsonata" },
          { name: "Overridden", value: "node", type: "str" },
          { name: "Missing", value: "data.missing", type: "msg" },
        ],
      }),
    );
    const act = helper.getNode("act");
    act.context().flow.set("fv", "flow-value");
    act.context().global.set("gv", "global-value");
    await run({ data: { x: "m", n: 21 }, payload: { overridden: "message", Extra: ["a", "b"] } });
    assert.equal(out.length, 1, caught[0]?.error?.message);
    const sent = received(pbx, "UserEvent")[0];
    assert.equal(sent.UserEvent, "Typed");
    assert.equal(sent.Num, "42");
    assert.equal(sent.FromMsg, "m");
    assert.equal(sent.FromFlow, "flow-value");
    assert.equal(sent.FromGlobal, "global-value");
    assert.equal(sent.FromEnv, "from-env");
    assert.equal(sent.FromJsonata, "m-42");
    assert.equal(sent.overridden, "message", "msg.payload wins by default, case-insensitively");
    assert.equal(sent.Overridden, undefined);
    assert.deepEqual(sent.Extra, ["a", "b"], "arrays become repeated headers");
    assert.equal(sent.Missing, undefined, "an undefined value is not sent");
  });

  it("a field that cannot be evaluated is invalid input, to Catch, and nothing is sent", async () => {
    await load(action({ action: "UserEvent", fields: [{ name: "UserEvent", value: "nothing.here", type: "msg" }] }));
    await run({ payload: {} });
    assert.equal(caught[0].error.code, "ERR_AMI_INVALID_INPUT");
    assert.match(caught[0].error.message, /field UserEvent/);
    assert.equal(received(pbx, "UserEvent").length, 0);
  });

  it("lets the node's fields win when told to", async () => {
    await load(action({ action: "UserEvent", merge: "node", fields: [{ name: "UserEvent", value: "NodeWins", type: "str" }] }));
    await run({ payload: { userevent: "MsgLoses", Other: "1" } });
    const sent = received(pbx, "UserEvent")[0];
    assert.equal(sent.UserEvent, "NodeWins");
    assert.equal(sent.userevent, undefined);
    assert.equal(sent.Other, "1");
  });

  it("a list action: payload is the array of items without the Complete event", async () => {
    await load(action({ action: "QueueStatus" }));
    await run({ payload: {} });
    const m = out[0];
    assert.ok(Array.isArray(m.payload) && m.payload.length > 0);
    assert.ok(m.payload.some((e: Msg) => e.Event === "QueueParams" && e.Queue === "testq"));
    assert.ok(m.payload.every((e: Msg) => e.Event !== "QueueStatusComplete" && e.ActionID === m.ami.actionId));
    assert.equal(m.ami.complete.Event, "QueueStatusComplete");
    assert.equal(m.ami.complete.ListItems, String(m.payload.length));
    assert.deepEqual(m.ami.events, m.payload);
    assert.equal(m.ami.response.EventList, "start");
  });

  it("Command: payload is the output text joined with \\n, lines in msg.ami.output", async () => {
    await load(action({ action: "Command", fields: [{ name: "Command", value: "dialplan show test", type: "str" }] }));
    await run({ payload: {} });
    const m = out[0];
    assert.ok(Array.isArray(m.ami.output) && m.ami.output.length > 3);
    assert.equal(m.payload, m.ami.output.join("\n"));
    assert.match(m.payload, /'100' =>/);
  });

  it("async Originate waits for its own OriginateResponse even when another session's arrives first", async () => {
    const flow = flowWith(
      pbx,
      action({
        action: "Originate",
        fields: [
          { name: "Channel", value: "Local/100@test", type: "str" },
          { name: "Application", value: "Wait", type: "str" },
          { name: "Data", value: "1", type: "str" },
          { name: "Async", value: "true", type: "str" },
        ],
      }),
    );
    // An ami in node records the order in which OriginateResponse events reach this session.
    flow.push(amiIn("orr", "s1", { names: ["OriginateResponse"] }, ["seen"]), sink("seen"));
    await helper.load(amiNodes, flow, { s1: ADMIN });
    out = collect("out");
    caught = collect("caught");
    const seen = collect("seen");
    await waitConnected("s1");
    // Responses are held back, so another session's result (broadcast to every session, with that
    // session's ActionID) reaches this one before our own "queued" response and result.
    pbx.setResponseDelay(300);
    helper.getNode("act").receive({ payload: {} });
    await waitFor(() => received(pbx, "Originate").length === 1, "the Originate to reach the PBX");
    pbx.emitEvent({ Event: "OriginateResponse", ActionID: "0a1b2c3d4e5f-1", Response: "Failure", Channel: "Local/999@other", Context: "", Exten: "", Reason: "0", Uniqueid: "<unknown>" });
    await waitFor(() => out.length + caught.length > 0, "the Originate result", 15000);
    pbx.setResponseDelay(0);
    assert.equal(caught.length, 0, caught[0]?.error?.message);
    const m = out[0];
    assert.equal(seen[0].payload.ActionID, "0a1b2c3d4e5f-1", "the other session's result came first");
    assert.ok(seen.some((e) => e.payload.ActionID === m.ami.actionId), "and ours later");
    assert.equal(m.payload.Event, "OriginateResponse");
    assert.equal(m.payload.Response, "Success");
    assert.equal(m.payload.ActionID, m.ami.actionId);
    assert.match(m.payload.Channel, /^Local\/100@test/);
    assert.equal(m.ami.originateResponse.Response, "Success");
    assert.match(m.ami.response.Message, /queued/);
    assert.equal(received(pbx, "Originate").length, 1, "sent once");
  });

  it("async Originate: a real second AMI session's OriginateResponse, broadcast to this one first, is not taken", async () => {
    const flow = flowWith(
      pbx,
      action({
        action: "Originate",
        waitForResult: true,
        fields: [
          { name: "Channel", value: "Local/100@test", type: "str" },
          { name: "Application", value: "Wait", type: "str" },
          { name: "Data", value: "1", type: "str" },
          { name: "Async", value: "true", type: "str" },
        ],
      }),
    );
    flow.push(amiIn("orr", "s1", { names: ["OriginateResponse"] }, ["seen"]), sink("seen"));
    await helper.load(amiNodes, flow, { s1: ADMIN });
    out = collect("out");
    caught = collect("caught");
    const seen = collect("seen");
    await waitConnected("s1");
    // Another program on the same PBX: its own session, its own ActionIDs. Its Originate fails at
    // once, so its OriginateResponse (sent to every session) reaches ours before our call answers.
    const other = new AmiClient({ host: "127.0.0.1", port: pbx.port, username: "admin", secret: "amp111", keepaliveInterval: 0, reconnect: false });
    other.connect();
    await new Promise((r) => other.once("ready", r));
    try {
      const theirs = other.send("Originate", { Channel: "Local/999@nosuchcontext", Application: "Wait", Data: "1", Async: "true" }, { waitForResult: true });
      helper.getNode("act").receive({ payload: {}, topic: "mine" });
      const theirResult = await theirs.then(() => assert.fail("their originate should fail"), (e: { result?: { actionId: string } }) => e.result);
      await waitFor(() => out.length + caught.length > 0, "our Originate result", 15000);
      assert.equal(caught.length, 0, caught[0]?.error?.message);
      const m = out[0];
      assert.equal(m.topic, "mine");
      assert.equal(seen[0].payload.ActionID, theirResult?.actionId, "the other session's result reached this session first");
      assert.notEqual(theirResult?.actionId, m.ami.actionId);
      assert.equal(m.payload.Response, "Success");
      assert.equal(m.payload.ActionID, m.ami.actionId);
    } finally {
      await other.close();
    }
  });

  it("a failed async Originate goes to Catch with the OriginateResponse", async () => {
    await load(
      action({
        action: "Originate",
        fields: [
          { name: "Channel", value: "Local/999@nowhere", type: "str" },
          { name: "Application", value: "Wait", type: "str" },
          { name: "Async", value: "true", type: "str" },
        ],
      }),
    );
    await run({ payload: {} });
    assert.equal(caught.length, 1);
    assert.equal(caught[0].error.code, "ERR_AMI_ORIGINATE_FAILED");
    assert.equal(caught[0].ami.originateResponse.Response, "Failure");
    assert.ok(caught[0].ami.response, "the queued response is there too");
  });

  /** Loads an AGI flow (server s1, sinks out and caught), then places a call into extension 200, whose dialplan runs AGI(agi:async). */
  async function runAgiCall(flow: object[]): Promise<void> {
    const call = amiAction("orig", "s1", {
      action: "Originate",
      waitForResult: false,
      fields: [{ name: "Channel", value: "Local/200@test", type: "str" }, { name: "Application", value: "Wait", type: "str" }, { name: "Data", value: "5", type: "str" }, { name: "Async", value: "true", type: "str" }],
    });
    await helper.load(amiNodes, [...flow, call], { s1: ADMIN });
    out = collect("out");
    caught = collect("caught");
    await waitConnected("s1");
    helper.getNode("orig").receive({ payload: {} });
  }

  it("AGI with wait for result: payload is the parsed { code, result, data }; a 5xx result goes to Catch", async () => {
    const flow = [
      tab,
      server("s1", pbx.port),
      amiIn("agistart", "s1", { names: ["AsyncAGIStart"] }, ["act", "bad"]),
      { ...action({ merge: "none", action: "AGI", fields: [{ name: "Channel", value: "payload.Channel", type: "msg" }, { name: "Command", value: "BOGUS COMMAND", type: "str" }] }), id: "bad", wires: [["out"]] },
      action({
        merge: "none",
        action: "AGI",
        fields: [
          { name: "Channel", value: "payload.Channel", type: "msg" },
          { name: "Command", value: "GET VARIABLE CHANNEL(name)", type: "str" },
        ],
      }),
      catchFor("catch", ["act", "bad"], "caught"),
      sink("out"),
      sink("caught"),
    ];
    await runAgiCall(flow);
    await waitFor(() => out.length + caught.length >= 2, "both AGI results", 15000);
    assert.equal(out.length, 1, "one success");
    assert.equal(caught.length, 1, "one failure");
    assert.equal(caught[0].error.code, "ERR_AMI_AGI_FAILED");
    assert.equal(caught[0].error.source.id, "bad");
    assert.equal(caught[0].ami.agiResult.code, 510);
    const m = out[0];
    assert.deepEqual(Object.keys(m.payload).sort(), ["code", "data", "ok", "result"]);
    assert.equal(m.payload.ok, true);
    assert.equal(m.payload.code, 200);
    assert.equal(m.payload.result, "1");
    assert.match(m.payload.data, /^Local\/200@test-/);
    assert.equal(m.ami.agiResult.code, 200);
    assert.equal(m.ami.agiExec.Event, "AsyncAGIExec");
  });

  it("AGI: a result that means failure for its command (STREAM FILE of a sound the PBX lacks) says so in msg.payload.ok and .failure", async () => {
    const flow = [
      tab,
      server("s1", pbx.port),
      amiIn("agistart", "s1", { names: ["AsyncAGIStart"] }, ["missing", "present"]),
      ...[["missing", "no-such-sound"], ["present", "hello-world"]].map(([id, sound]) => ({
        ...action({ merge: "none", action: "AGI", fields: [{ name: "Channel", value: "payload.Channel", type: "msg" }, { name: "Command", value: `STREAM FILE ${sound} ""`, type: "str" }] }),
        id,
        wires: [["out"]],
      })),
      catchFor("catch", ["missing", "present"], "caught"),
      sink("out"),
      sink("caught"),
    ];
    await runAgiCall(flow);
    await waitFor(() => out.length >= 2, "both STREAM FILE results", 15000);
    assert.equal(caught.length, 0, "an AGI answer, not an error: the flow branches on ok");
    const missing = out.find((m) => m.ami.agiResult.result === "-1");
    const present = out.find((m) => m.ami.agiResult.result === "0");
    assert.ok(missing && present, JSON.stringify(out.map((m) => m.payload)));
    assert.equal(missing.payload.ok, false);
    assert.match(missing.payload.failure, /^STREAM FILE failed \(result=-1\): the sound file could not be played/);
    assert.equal(present.payload.ok, true);
    assert.equal(present.payload.failure, undefined);
  });

  it("an error response goes to Catch carrying msg.ami.response", async () => {
    await load(action({ action: "Getvar", fields: [{ name: "Channel", value: "PJSIP/nope-00000000", type: "str" }, { name: "Variable", value: "X", type: "str" }] }));
    await run({ payload: {}, keep: "yes" });
    assert.equal(out.length, 0);
    const c = caught[0];
    assert.equal(c.error.code, "ERR_AMI_RESPONSE");
    assert.equal(c.ami.response.Response, "Error");
    assert.equal(c.ami.error, "ERR_AMI_RESPONSE");
    assert.equal(c.keep, "yes");
    assert.equal(c.error.source.id, "act");
  });

  it("permission denied goes to Catch", async () => {
    await load(action({ action: "Command", fields: [{ name: "Command", value: "core show version", type: "str" }] }), {}, { username: "limited", secret: "limited1" });
    await run({ payload: {} });
    assert.equal(caught[0].error.code, "ERR_AMI_PERMISSION_DENIED");
    assert.equal(caught[0].ami.response.Message, "Permission denied");
  });

  it("invalid input (a CR/LF that would inject headers) goes to Catch and nothing is sent", async () => {
    await load(action({ action: "UserEvent", fields: [{ name: "UserEvent", value: "X", type: "str" }] }));
    await waitConnected("s1");
    await run({ payload: { Foo: "a\r\nAction: Originate" } });
    assert.equal(caught[0].error.code, "ERR_AMI_INVALID_ACTION");
    assert.equal(received(pbx, "UserEvent").length, 0);
    assert.equal(received(pbx, "Originate").length, 0);
  });

  it("times out per message (msg.timeout) and per node, to Catch, and never re-sends", async () => {
    await load(action({ action: "Ping", timeout: "0.3" }));
    await waitConnected("s1");
    pbx.setResponseDelay(1500);
    const t0 = Date.now();
    await run({ payload: {}, timeout: 100 });
    const perMessage = Date.now() - t0;
    assert.equal(caught[0].error.code, "ERR_AMI_TIMEOUT");
    assert.ok(perMessage < 1000, `msg.timeout applied (${perMessage} ms)`);
    const t1 = Date.now();
    await run({ payload: {} });
    const perNode = Date.now() - t1;
    assert.equal(caught[1].error.code, "ERR_AMI_TIMEOUT");
    assert.ok(perNode >= 250 && perNode < 1400, `node timeout of 0.3 s applied (${perNode} ms)`);
    await sleep(1700);
    assert.equal(out.length, 0, "the late answers are dropped");
    assert.equal(received(pbx, "Ping").length, 2, "each action sent once");
  });

  it("a disconnection mid-action goes to Catch and the action is not re-sent", async () => {
    await load(action({ action: "Ping" }));
    await waitConnected("s1");
    pbx.setResponseDelay(2000);
    helper.getNode("act").receive({ payload: {} });
    await waitFor(() => received(pbx, "Ping").length === 1, "the Ping to arrive");
    pbx.dropAll();
    await waitFor(() => caught.length === 1, "the disconnection error");
    assert.equal(caught[0].error.code, "ERR_AMI_DISCONNECTED");
    pbx.setResponseDelay(0);
    await waitConnected("s1");
    await sleep(200);
    assert.equal(received(pbx, "Ping").length, 1, "not re-sent after reconnecting");
  });

  it("shows the actions in flight, then the outcome", async () => {
    await load(action({ action: "Ping" }));
    await waitConnected("s1");
    pbx.setResponseDelay(200);
    helper.getNode("act").receive({ payload: {} });
    helper.getNode("act").receive({ payload: {} });
    await waitFor(() => out.length === 2, "two answers");
    const texts = statusesOf("act").map((s) => `${s.fill}:${s.text}`);
    assert.ok(texts.includes("blue:asterisk-ami-action.status.in-flight"), texts.join(" | "));
    assert.equal(lastStatus("act")?.fill, "green");
  });
});
