import * as assert from "node:assert/strict";
import { AmiClient } from "../../src/ami";
import { Pbx, action, flowWith, received, useActionFlow } from "../helpers/action-flow";
import { ADMIN, Msg, TAB as tab, amiAction, amiIn, amiNodes, catchFor, collect, helper, server, sink, waitConnected, waitFor } from "./harness";

/**
 * The ami action node's results that come as events after the response: an async Originate's own
 * OriginateResponse (never another session's) and an AGI command's AsyncAGIExec, parsed.
 */

describe("ami action node", function () {
  this.timeout(20000);
  let pbx: Pbx;
  const { out, caught, load, run, collectOutputs } = useActionFlow((p) => (pbx = p));

  /**
   * Loads an async Originate of Local/100@test (with `extra` on the node) and an ami in node that
   * records, on "seen", the order in which OriginateResponse events reach this session; connected.
   */
  async function loadOriginate(extra: Record<string, unknown> = {}): Promise<Msg[]> {
    const flow = flowWith(
      pbx,
      action({
        action: "Originate",
        ...extra,
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
    collectOutputs();
    const seen = collect("seen");
    await waitConnected("s1");
    return seen;
  }

  it("async Originate waits for its own OriginateResponse even when another session's arrives first", async () => {
    const seen = await loadOriginate();
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
    const seen = await loadOriginate({ waitForResult: true });
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
    collectOutputs();
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
});
