import * as assert from "node:assert/strict";
import { ActionResult, AmiMessage } from "../../src/ami";
import { buildRequest, detailOf, InputError, payloadOf } from "../../src/node-red/action-request";

const msg = (pairs: Array<[string, string]>) => AmiMessage.from(pairs);

describe("ami action request (pure)", () => {
  it("takes the action from the node and refuses a message that names another one", () => {
    const r = buildRequest({ source: "node", nodeAction: "Originate", nodeFields: { Channel: "Local/100@test" }, payload: { Action: "originate" }, merge: "msg" });
    assert.equal(r.action, "Originate");
    assert.deepEqual(r.fields, { Channel: "Local/100@test" });
    assert.throws(
      () => buildRequest({ source: "node", nodeAction: "Originate", nodeFields: {}, payload: { Action: "Command", Command: "core stop now" }, merge: "msg" }),
      (err: unknown) => err instanceof InputError && err.code === "ERR_AMI_INVALID_INPUT" && /Command/.test(err.message),
    );
  });

  it("takes the action from msg.payload.Action only when told to, and requires it then", () => {
    const r = buildRequest({ source: "msg", nodeAction: "Ping", nodeFields: {}, payload: { Action: "CoreStatus" }, merge: "msg" });
    assert.equal(r.action, "CoreStatus");
    assert.deepEqual(r.fields, {});
    assert.throws(() => buildRequest({ source: "msg", nodeAction: "Ping", nodeFields: {}, payload: "hello", merge: "msg" }), InputError);
  });

  it("merges case-insensitively; the message wins unless the node says otherwise", () => {
    const nodeFields = { Channel: "PJSIP/1", Context: "test" };
    const payload = { channel: "PJSIP/2", Exten: "100", ActionID: "mine" };
    assert.deepEqual(buildRequest({ source: "node", nodeAction: "Originate", nodeFields, payload, merge: "msg" }).fields, {
      Context: "test",
      channel: "PJSIP/2",
      Exten: "100",
    });
    assert.deepEqual(buildRequest({ source: "node", nodeAction: "Originate", nodeFields, payload, merge: "node" }).fields, {
      Exten: "100",
      Channel: "PJSIP/1",
      Context: "test",
    });
    assert.deepEqual(buildRequest({ source: "node", nodeAction: "Originate", nodeFields, payload, merge: "none" }).fields, nodeFields);
    assert.deepEqual(buildRequest({ source: "node", nodeAction: "Ping", nodeFields: {}, payload: 1700000000000, merge: "msg" }).fields, {});
  });

  it("shapes msg.payload per kind of answer", () => {
    const response = msg([["Response", "Success"], ["ActionID", "x-1"], ["Message", "ok"]]);
    const base: ActionResult = { action: "Ping", actionId: "x-1", response };
    assert.deepEqual(payloadOf(base), { Response: "Success", ActionID: "x-1", Message: "ok" });
    const items = [msg([["Event", "QueueParams"], ["Queue", "testq"]])];
    assert.deepEqual(payloadOf({ ...base, events: items, complete: msg([["Event", "QueueStatusComplete"]]) }), [{ Event: "QueueParams", Queue: "testq" }]);
    assert.equal(payloadOf({ ...base, output: ["a", "b"] }), "a\nb");
    const orr = msg([["Event", "OriginateResponse"], ["Response", "Success"]]);
    assert.deepEqual(payloadOf({ ...base, originateResponse: orr }), { Event: "OriginateResponse", Response: "Success" });
    assert.deepEqual(payloadOf({ ...base, agiResult: { code: 200, result: "0", data: "timeout", raw: "200 result=0 (timeout)", ok: true } }), {
      code: 200,
      result: "0",
      data: "timeout",
      ok: true,
    });
    const failed = { code: 200, result: "-1", raw: "200 result=-1 endpos=0", ok: false, failure: "STREAM FILE failed (result=-1): ..." };
    assert.deepEqual(payloadOf({ ...base, agiResult: failed }), { code: 200, result: "-1", data: undefined, ok: false, failure: failed.failure });
    const d = detailOf("pbx1", { ...base, output: ["a"] });
    assert.equal(d.server, "pbx1");
    assert.deepEqual(d.output, ["a"]);
    assert.equal(d.response?.Response, "Success");
  });
});
