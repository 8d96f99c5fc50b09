import { strict as assert } from "node:assert";
import { planAction } from "../../src/ami/action-plan";
import { AmiError } from "../../src/ami/errors";
import { cleanUp, ready, rejection, Harness, serverAndClient } from "../helpers/client-harness";
import { FakeAmi } from "../helpers/fake-ami";

/** What an action asks for (src/ami/action-plan.ts): encoding checked before anything is written, timeouts, awaited results. */
describe("AMI action plan", () => {
  afterEach(cleanUp);

  describe("through the client", () => {
    let srv: FakeAmi;
    let h: Harness;
    beforeEach(async () => ({ srv, h } = await serverAndClient()));

    it("an invalid value is refused before anything reaches the socket (no header injection)", async () => {
      await ready(h.client);
      const before = Buffer.concat(srv.sessions[0].rawIn).length;
      const attack = "PJSIP/100\r\nAction: Originate\r\nChannel: Local/666@evil\r\nApplication: System\r\nData: rm -rf /\r\n";
      const err = await rejection(h.client.send("Hangup", { Channel: attack }));
      assert.equal(err.code, "ERR_AMI_INVALID_ACTION");
      const err2 = await rejection(h.client.send("Setvar", { Variable: "X", Value: "1\nAction: Originate" }));
      assert.equal(err2.code, "ERR_AMI_INVALID_ACTION");
      await h.client.send("Ping");
      const after = Buffer.concat(srv.sessions[0].rawIn).toString().slice(before);
      assert.ok(!after.includes("Originate") && !after.includes("Hangup") && !after.includes("Setvar"), after);
      assert.deepEqual(srv.actions.map((a) => a.get("Action")), ["Login", "Ping"]);
    });
  });

  describe("on its own", () => {
    const plan = (action: string, fields: Record<string, string | number | boolean>, options = {}, taken = (_: string) => false) => planAction(action, fields, options, "abc-7", 1000, taken);
    const codeOf = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (err) {
        return (err as AmiError).code;
      }
      return undefined;
    };

    it("a synchronous Originate holds the session for its ring time (its Timeout, any case; 30 s by default)", () => {
      const sync = plan("Originate", { Channel: "PJSIP/6001", Exten: "6002", timeout: 45000 });
      assert.equal(sync.blocking, true);
      assert.equal(sync.ringWait, 45000);
      assert.equal(plan("originate", { Channel: "PJSIP/6001", Exten: "6002" }).ringWait, 30000);
      assert.equal(plan("Ping", {}).ringWait, 0);
    });

    it("an async Originate (Async: yes, true, 1, on..., any case) holds nothing; with waitForResult it awaits its OriginateResponse", () => {
      for (const value of ["yes", "True", "1", "on", "Y", true]) {
        const p = plan("Originate", { Channel: "PJSIP/6001", Exten: "6002", ASYNC: value }, { waitForResult: true });
        assert.equal(p.blocking, false, String(value));
        assert.equal(p.wait, "originate", String(value));
        assert.equal(p.originateChannel, "PJSIP/6001");
        assert.equal(p.resultTimeout, 30000 + 1000, "its ring time, then the action's timeout");
      }
      assert.equal(plan("Originate", { Channel: "PJSIP/6001", Exten: "6002", Async: "no" }, { waitForResult: true }).wait, undefined, "a synchronous one's response is its result");
      assert.equal(plan("Originate", { Channel: "PJSIP/6001", Async: "yes" }, { waitForResult: true, resultTimeout: 500 }).resultTimeout, 500);
    });

    it("reads a field given as an array (sent as repeated headers) as Asterisk does: its first value", () => {
      const p = planAction("Originate", { Channel: ["PJSIP/6001", "PJSIP/6002"], Exten: "6002", Async: ["yes", "no"], Timeout: [20000, 5000] }, { waitForResult: true }, "abc-7", 1000, () => false);
      assert.deepEqual([p.wait, p.blocking, p.originateChannel], ["originate", false, "PJSIP/6001"], "async, as Asterisk reads Async: yes first");
      assert.equal(planAction("Originate", { Channel: "PJSIP/6001", Exten: "6002", Async: ["no", "yes"] }, {}, "abc-7", 1000, () => false).ringWait, 30000, "synchronous: it holds the session");
      assert.equal(planAction("Originate", { Channel: "PJSIP/6001", Exten: "6002", Timeout: [20000, 5000] }, {}, "abc-7", 1000, () => false).ringWait, 20000);
    });

    it("AGI with waitForResult: a CommandID of its own unless given, refused when already awaited", () => {
      const ours = plan("AGI", { Channel: "Local/200@test-0000003a;2", Command: "ANSWER" }, { waitForResult: true });
      assert.equal(ours.commandId, "abc-7-agi");
      assert.match(ours.bytes.toString(), /\r\nCommandID: abc-7-agi\r\n/);
      assert.equal(ours.agiCommand, "ANSWER");
      assert.equal(ours.channel, "Local/200@test-0000003a;2");
      const given = plan("AGI", { Channel: "Local/200@test-0000003a;2", Command: "ANSWER", CommandID: "mine" }, { waitForResult: true });
      assert.equal(given.commandId, "mine");
      assert.equal(given.bytes.toString().match(/CommandID/g)?.length, 1);
      assert.equal(codeOf(() => plan("AGI", { Channel: "c", Command: "ANSWER", CommandID: "mine" }, { waitForResult: true }, (id) => id === "mine")), "ERR_AMI_DUPLICATE_ACTIONID");
      assert.equal(plan("AGI", { Channel: "c", Command: "ANSWER" }).commandId, undefined, "without waitForResult nothing is awaited");
    });

    it("a value the encoder refuses throws before anything is planned", () => {
      assert.equal(codeOf(() => plan("Hangup", { Channel: "PJSIP/100\r\nAction: Originate" })), "ERR_AMI_INVALID_ACTION");
    });
  });
});
