import * as assert from "node:assert/strict";
import { Pbx, action, received, useActionFlow } from "../helpers/action-flow";
import { Msg, helper, lastStatus, sleep, statusesOf, waitConnected, waitFor } from "./harness";

/**
 * The ami action node (src/asterisk-ami-action.ts): what it sends (the action from the node or
 * the message, typed fields, merging with msg.payload), what it answers (a response, a list, a
 * Command's output), and what goes to Catch (error responses, permission, invalid input,
 * timeouts, a disconnection). Results that come as events: ami-action-async.test.ts.
 */

describe("ami action node", function () {
  this.timeout(20000);
  let pbx: Pbx;
  const { out, caught, load, run } = useActionFlow((p) => (pbx = p));

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
