/**
 * PendingAction (src/ami/pending-action.ts): one concept, its completion rules (response, list,
 * Command output, async Originate, Async AGI, timeout, the connection's end), checked through the
 * client and on its own. Over 400 lines because each rule is proved both ways; split by rule, the
 * two halves would share the same harness and set-up in each file.
 */
import { strict as assert } from "node:assert";
import { ActionPlan, planAction } from "../../src/ami/action-plan";
import { AmiError } from "../../src/ami/errors";
import { parseFrame } from "../../src/ami/frame-decoder";
import { AmiMessage } from "../../src/ami/message";
import { ActionResult, Outcome, PendingAction, PendingOwner } from "../../src/ami/pending-action";
import { FakeAmi, Fields, waitFor, wire } from "../helpers/fake-ami";
import { ALL_BUT_BOOT, Harness, blockingPbx, cleanUp, fake, item, makeClient, ready, rejection, serverAndClient } from "../helpers/client-harness";

/** One pending action (src/ami/pending-action.ts): when it is complete and what it resolves with; through the client and on its own. */
describe("AMI pending action", () => {
  afterEach(cleanUp);

  describe("through the client", () => {
    let srv: FakeAmi;
    let h: Harness;
    beforeEach(async () => ({ srv, h } = await serverAndClient()));

    it("rejects Response: Error with the response attached, and Permission denied with its own code", async () => {
      await ready(h.client);
      const err = await rejection(h.client.send("FooBar"));
      assert.equal(err.code, "ERR_AMI_RESPONSE");
      assert.match(err.message, /FooBar failed: Invalid\/unknown command: FooBar/);
      assert.equal(err.response?.get("Response"), "Error");
      srv.onAction = (action, s) => s.respond(action, [["Response", "Error"], ["Message", "Permission denied"]]);
      const denied = await rejection(h.client.send("Originate", { Channel: "Local/1@test", Exten: "1" }));
      assert.equal(denied.code, "ERR_AMI_PERMISSION_DENIED");
    });

    it("collects a list (items interleaved with other events) and keeps its items out of the event stream", async () => {
      srv.onAction = (action, s) => {
        const id = action.get("ActionID") ?? "";
        if (action.get("Action") !== "CoreShowChannels") return;
        // The shape of coreshowchannels-during-call.raw, with unrelated events in between.
        s.respond(action, [["Response", "Success"], ["EventList", "start"], ["Message", "Channels will follow"]]);
        s.send(item(id, "CoreShowChannel", [["Channel", "Local/300@test-00000029;2"], ["Uniqueid", "lab-csc-2"], ["Linkedid", "lab-csc-1"]]));
        s.send([["Event", "Newexten"], ["Channel", "PJSIP/9-1"]]);
        s.send(item("another-session-1", "CoreShowChannel", [["Channel", "Other/1"]]));
        s.send(item(id, "CoreShowChannel", [["Channel", "Local/300@test-00000029;1"], ["Uniqueid", "lab-csc-1"], ["Linkedid", "lab-csc-1"]]));
        s.send(item(id, "CoreShowChannelsComplete", [["EventList", "Complete"], ["ListItems", "2"]]));
      };
      await ready(h.client);
      const seen: AmiMessage[] = [];
      h.client.subscribe(ALL_BUT_BOOT, (e) => seen.push(e));
      const r = await h.client.send("CoreShowChannels");
      assert.deepEqual(r.events?.map((e) => e.get("Uniqueid")), ["lab-csc-2", "lab-csc-1"]);
      assert.equal(r.complete?.get("ListItems"), "2");
      assert.equal(r.response.get("EventList"), "start");
      assert.deepEqual(seen.map((e) => `${e.event}/${e.get("Channel")}`), ["Newexten/PJSIP/9-1", "CoreShowChannel/Other/1"]);
    });

    it("an empty list resolves with no items; an Error starts no list", async () => {
      srv.onAction = (action, s) => {
        const id = action.get("ActionID") ?? "";
        if (action.get("Action") === "CoreShowChannels") {
          s.respond(action, [["Response", "Success"], ["EventList", "start"], ["Message", "Channels will follow"]]);
          s.send(item(id, "CoreShowChannelsComplete", [["EventList", "Complete"], ["ListItems", "0"]]));
        } else {
          s.respond(action, [["Response", "Error"], ["Message", "No such queue"]]);
        }
      };
      await ready(h.client);
      const r = await h.client.send("CoreShowChannels");
      assert.deepEqual(r.events, []);
      const err = await rejection(h.client.send("QueueStatus", { Queue: "nope" }));
      assert.equal(err.code, "ERR_AMI_RESPONSE");
      assert.equal(h.client.inFlight, 0);
    });

    it("caps a list's items and swallows the rest of it", async () => {
      srv.onAction = (action, s) => {
        const id = action.get("ActionID") ?? "";
        s.respond(action, [["Response", "Success"], ["EventList", "start"]]);
        for (let i = 0; i < 10; i++) s.send(item(id, "QueueMember", [["Name", `m${i}`]]));
        s.send(item(id, "QueueStatusComplete", [["EventList", "Complete"], ["ListItems", "10"]]));
        s.send([["Event", "After"]]);
      };
      const capped = makeClient(srv.port, { maxListItems: 5 });
      await ready(capped.client);
      const seen: string[] = [];
      capped.client.subscribe(ALL_BUT_BOOT, (e) => seen.push(e.event ?? ""));
      const err = await rejection(capped.client.send("QueueStatus"));
      assert.equal(err.code, "ERR_AMI_LIST_LIMIT");
      await waitFor(() => seen.includes("After"));
      assert.deepEqual(seen, ["After"]);
    });

    it("caps a list's bytes too", async () => {
      srv.onAction = (action, s) => {
        const id = action.get("ActionID") ?? "";
        s.respond(action, [["Response", "Success"], ["EventList", "start"]]);
        for (let i = 0; i < 5; i++) s.send(item(id, "DBGetTreeResponse", [["Key", `k${i}`], ["Val", "v".repeat(500)]]));
        s.send(item(id, "DBGetTreeComplete", [["EventList", "Complete"], ["ListItems", "5"]]));
      };
      const capped = makeClient(srv.port, { maxListBytes: 1500 });
      await ready(capped.client);
      const err = await rejection(capped.client.send("DBGetTree", { Family: "cidname" }));
      assert.equal(err.code, "ERR_AMI_LIST_LIMIT");
      assert.match(err.message, /exceeds 1500 bytes/);
    });

    it("Command: output lines from Asterisk 14+ Output headers, and from the legacy Follows format", async () => {
      srv.onAction = (action, s) => {
        const cmd = action.get("Command");
        if (cmd === "core show version") {
          s.respond(action, [["Response", "Success"], ["Message", "Command output follows"], ["Output", "Asterisk 22.10.1 built by root @ lab on a x86_64 running Linux on 2026-11-20 10:00:00 UTC"]]);
        } else if (cmd === "manager show users") {
          s.respond(action, [["Response", "Success"], ["Message", "Command output follows"], ["Output", ""], ["Output", "username"], ["Output", "--------"], ["Output", "admin"]]);
        } else if (cmd === "nothing") {
          s.respond(action, [["Response", "Success"], ["Message", "Command output follows"], ["Output", ""]]);
        } else if (cmd === "legacy") {
          s.socket.write(`Response: Follows\r\nPrivilege: Command\r\nActionID: ${action.get("ActionID")}\r\nline one\n\nKey: looks like a header\n--END COMMAND--\r\n\r\n`);
        } else {
          s.respond(action, [["Response", "Error"], ["Message", "Command output follows"], ["Output", `No such command '${cmd}' (type 'core show help ${cmd}' for other possible commands)`]]);
        }
      };
      await ready(h.client);
      assert.deepEqual((await h.client.command("core show version")).output, ["Asterisk 22.10.1 built by root @ lab on a x86_64 running Linux on 2026-11-20 10:00:00 UTC"]);
      assert.deepEqual((await h.client.command("manager show users")).output, ["", "username", "--------", "admin"]);
      assert.deepEqual((await h.client.command("nothing")).output, []);
      assert.deepEqual((await h.client.command("legacy")).output, ["line one", "", "Key: looks like a header"]);
      const err = await rejection(h.client.command("foo bar"));
      assert.match(err.message, /Command failed: Command output follows: No such command 'foo bar'/);
    });

    it("async Originate waits for its own OriginateResponse, not another session's", async () => {
      srv.onAction = (action, s) => {
        if (action.get("Action") !== "Originate") return;
        const id = action.get("ActionID") ?? "";
        s.respond(action, [["Response", "Success"], ["Message", "Originate successfully queued"]]);
        // Broadcast to every session: first another client's result, then ours (two-sessions-events).
        const result = (actionId: string, response: string): Fields => [
          ["Event", "OriginateResponse"], ["Privilege", "call,all"], ["ActionID", actionId], ["Response", response],
          ["Channel", "Local/100@test"], ["Context", "test"], ["Exten", "100"], ["Application", "Wait"], ["Data", "1"],
          ["Reason", response === "Success" ? "4" : "0"], ["Uniqueid", response === "Success" ? "1795663280.100" : "<unknown>"],
          ["CallerIDNum", "<unknown>"], ["CallerIDName", "<unknown>"],
        ];
        setTimeout(() => s.send(result("1a2b3c4d5e6f-1", "Failure")), 20);
        setTimeout(() => s.send(result(id, "Success")), 60);
      };
      await ready(h.client);
      const r = await h.client.send("Originate", { Channel: "Local/100@test", Application: "Wait", Data: "1", Async: "true" }, { waitForResult: true });
      assert.equal(r.response.get("Message"), "Originate successfully queued");
      assert.equal(r.originateResponse?.get("ActionID"), r.actionId);
      assert.equal(r.originateResponse?.get("Response"), "Success");
      assert.equal(r.originateResponse?.get("Uniqueid"), "1795663280.100");
    });

    it("async Originate: a Failure result rejects with the event attached; an early result is kept", async () => {
      srv.onAction = (action, s) => {
        const id = action.get("ActionID") ?? "";
        // The result may be written before the "queued" response: the client must keep it.
        s.send([["Event", "OriginateResponse"], ["ActionID", id], ["Response", "Failure"], ["Channel", "Local/999@nosuchcontext"], ["Reason", "0"], ["Uniqueid", "<unknown>"]]);
        s.respond(action, [["Response", "Success"], ["Message", "Originate successfully queued"]]);
      };
      await ready(h.client);
      const err = await rejection(h.client.send("Originate", { Channel: "Local/999@nosuchcontext", Application: "Wait", Data: "1", Async: true }, { waitForResult: true }));
      assert.equal(err.code, "ERR_AMI_ORIGINATE_FAILED");
      assert.match(err.message, /Reason 0, Channel Local\/999@nosuchcontext/);
      const result = (err as AmiError & { result: { originateResponse: AmiMessage } }).result;
      assert.equal(result.originateResponse.get("Response"), "Failure");
    });

    it("async Originate failure: Reason 0 explained by the hangup cause of the channel it created, never by another's", async () => {
      // As Asterisk 22 does when the phone rejects (486 -> cause 17): the originated channel hangs up,
      // then OriginateResponse Failure with Reason 0 and Uniqueid <unknown>. Layout of sip-internal-noanswer.
      const hangup = (channel: string, cause: string, text: string): Fields => [
        ["Event", "Hangup"], ["Privilege", "call,all"], ["Channel", channel], ["ChannelState", "5"], ["ChannelStateDesc", "Ringing"],
        ["CallerIDNum", "6001"], ["CallerIDName", "Alice"], ["ConnectedLineNum", "100"], ["ConnectedLineName", "Click to call"],
        ["Language", "en"], ["AccountCode", ""], ["Context", "phones"], ["Exten", ""], ["Priority", "1"],
        ["Uniqueid", "1796549377.43"], ["Linkedid", "1796549377.43"], ["Cause", cause], ["Cause-txt", text],
      ];
      const failure = (id: string, channel: string): Fields => [
        ["Event", "OriginateResponse"], ["Privilege", "call,all"], ["ActionID", id], ["Response", "Failure"], ["Channel", channel],
        ["Context", "phones"], ["Exten", "6002"], ["Reason", "0"], ["Uniqueid", "<unknown>"], ["CallerIDNum", "100"], ["CallerIDName", "Click to call"],
      ];
      const queued: string[] = [];
      srv.onAction = (action, s) => {
        s.respond(action, [["Response", "Success"], ["Message", "Originate successfully queued"]]);
        queued.push(action.get("ActionID") ?? "");
      };
      await ready(h.client);
      const originate = (channel: string) =>
        rejection(h.client.send("Originate", { Channel: channel, Context: "phones", Exten: "6002", Priority: 1, CallerID: "Click to call <100>", Async: true }, { waitForResult: true }));
      const alone = originate("PJSIP/6001");
      await waitFor(() => queued.length === 1);
      srv.sessions[0].send(hangup("PJSIP/6001X-00000001", "16", "Normal Clearing")); // another endpoint whose name starts alike
      srv.sessions[0].send(hangup("PJSIP/6001-00000005", "17", "User busy"));
      srv.sessions[0].send(hangup("PJSIP/6001-00000009", "16", "Normal Clearing")); // call waiting: another call on that phone ends
      srv.sessions[0].send(failure(queued[0], "PJSIP/6001"));
      const err = await alone;
      assert.equal(err.code, "ERR_AMI_ORIGINATE_FAILED");
      assert.equal(err.message, "Originate failed: PJSIP/6001-00000005 hung up before answering, cause 17 (User busy) (Reason 0, Channel PJSIP/6001)");
      const result = (err as AmiError & { result: { originateHangup: AmiMessage } }).result;
      assert.equal(result.originateHangup.get("Cause"), "17");

      // Two Originates to the same phone at once: whose channel hung up cannot be told, so neither claims it.
      const first = originate("PJSIP/6003");
      const second = originate("PJSIP/6003");
      await waitFor(() => queued.length === 3);
      srv.sessions[0].send(hangup("PJSIP/6003-00000007", "21", "Call Rejected"));
      srv.sessions[0].send(failure(queued[1], "PJSIP/6003"));
      srv.sessions[0].send(failure(queued[2], "PJSIP/6003"));
      for (const e of [await first, await second]) {
        assert.match(e.message, /^Originate failed: the call failed before it was answered \(rejected, busy or unreachable, or no such channel or extension\) \(Reason 0, Channel PJSIP\/6003\)$/);
        assert.equal((e as AmiError & { result: { originateHangup?: AmiMessage } }).result.originateHangup, undefined);
      }
    });

    it("async Originate failure on a Local channel: the ;1 half (the one Originate created) gives the cause (dial-outcomes order)", async () => {
      srv.onAction = (action, s) => {
        const id = action.get("ActionID") ?? "";
        s.respond(action, [["Response", "Success"], ["Message", "Originate successfully queued"]]);
        for (const [half, cause] of [[";2", "16"], [";1", "19"]]) {
          s.send([["Event", "Hangup"], ["Privilege", "call,all"], ["Channel", `Local/610@test-00000066${half}`], ["Uniqueid", "1795664509.205"], ["Linkedid", "1795664509.205"], ["Cause", cause], ["Cause-txt", cause === "19" ? "No user responding" : "Normal Clearing"]]);
        }
        s.send([["Event", "OriginateResponse"], ["Privilege", "call,all"], ["ActionID", id], ["Response", "Failure"], ["Channel", "Local/610@test"], ["Reason", "0"], ["Uniqueid", "<unknown>"]]);
      };
      await ready(h.client);
      const err = await rejection(h.client.send("Originate", { Channel: "Local/610@test", Application: "Wait", Data: "10", Async: true }, { waitForResult: true }));
      assert.match(err.message, /^Originate failed: Local\/610@test-00000066;1 hung up before answering, cause 19 \(No user responding\)/);
    });

    it("AGI waits for the AsyncAGIExec of its CommandID and decodes the result", async () => {
      srv.onAction = (action, s) => {
        if (action.get("Action") !== "AGI") return;
        s.respond(action, [["Response", "Success"], ["Message", "Added AGI command to queue"]]);
        const exec = (commandId: string, result: string): Fields => [
          ["Event", "AsyncAGIExec"], ["Privilege", "agi,all"], ["Channel", "Local/200@test-0000003a;2"], ["Result", result], ["CommandId", commandId],
        ];
        s.send(exec("someone-elses", "200%20result%3D0%0A"));
        const command = action.get("Command");
        if (command === "GET VARIABLE CHANNEL(name)") s.send(exec(action.get("CommandID") ?? "", "200%20result%3D1%20(Local%2F200%40test-0000003a%3B2)%0A"));
        else if (command === "NOSUCHAGICOMMAND") s.send(exec(action.get("CommandID") ?? "", "510%20Invalid%20or%20unknown%20command%0A"));
        else s.send([["Event", "AsyncAGIEnd"], ["Channel", "Local/200@test-0000003a;2"]]);
      };
      await ready(h.client);
      const channel = "Local/200@test-0000003a;2";
      const r = await h.client.send("AGI", { Channel: channel, Command: "GET VARIABLE CHANNEL(name)" }, { waitForResult: true });
      assert.deepEqual(r.agiResult, { code: 200, result: "1", data: channel, raw: `200 result=1 (${channel})`, ok: true });
      assert.equal(srv.actions.at(-1)?.get("CommandID"), r.agiExec?.get("CommandId"));
      const bad = await rejection(h.client.send("AGI", { Channel: channel, Command: "NOSUCHAGICOMMAND", CommandID: "cmd-bad" }, { waitForResult: true }));
      assert.equal(bad.code, "ERR_AMI_AGI_FAILED");
      assert.equal(srv.actions.at(-1)?.get("CommandID"), "cmd-bad");
      const gone = await rejection(h.client.send("AGI", { Channel: channel, Command: "ANSWER" }, { waitForResult: true }));
      assert.equal(gone.code, "ERR_AMI_AGI_CHANNEL_GONE");
    });

    it("a synchronous Originate's own timeout counts after its ring time, even when the caller sets one", async () => {
      const srv = await fake();
      blockingPbx(srv, 600);
      const { client, states } = makeClient(srv.port, { keepaliveInterval: 50, keepaliveTimeout: 100 });
      await ready(client);
      // Timeout (ring time) 800 ms; the caller's 200 ms is on top of it, not instead of it.
      const r = await client.send("Originate", { Channel: "Local/100@test", Application: "Wait", Data: "1", Timeout: 800 }, { timeout: 200 });
      assert.equal(r.response.get("Response"), "Success");
      assert.ok(!states.some((s) => s.state === "reconnecting"));
    });
  });

  describe("on its own", () => {
    /** A message as the fake server (and Asterisk 22) writes it. */
    const msg = (fields: Fields): AmiMessage => {
      const bytes = Buffer.from(wire(fields));
      return parseFrame(bytes, 0, bytes.length - 4);
    };

    interface Made {
      p: PendingAction;
      owner: PendingOwner & { outcomes: Outcome[]; lists: number };
      result: Promise<ActionResult>;
    }

    function make(action: string, fields: Record<string, string> = {}, options: Parameters<typeof planAction>[2] = {}, limits = { maxListItems: 100, maxListBytes: 1 << 20 }): Made {
      const plan: ActionPlan = planAction(action, fields, options, "abc-1", 1000, () => false);
      const owner = { ...limits, outcomes: [] as Outcome[], lists: 0, listStarted: () => owner.lists++, settled: (_p: PendingAction, o: Outcome) => owner.outcomes.push(o) };
      let p!: PendingAction;
      const result = new Promise<ActionResult>((resolve, reject) => (p = new PendingAction(action, "abc-1", plan, owner, resolve, reject)));
      result.catch(() => undefined);
      return { p, owner, result };
    }

    async function failure(made: Made): Promise<AmiError> {
      return rejection(made.result);
    }

    it("takes a response only once written, and only one: a second answer is not its own", async () => {
      const made = make("Ping");
      const pong = msg([["Response", "Success"], ["ActionID", "abc-1"], ["Ping", "Pong"]]);
      assert.equal(made.p.onResponse(pong), false, "not written yet");
      made.p.markSent();
      assert.equal(made.p.onResponse(pong), true);
      assert.equal(made.p.onResponse(pong), false, "already answered");
      assert.equal((await made.result).response.get("Ping"), "Pong");
      assert.deepEqual(made.owner.outcomes, ["answered"], "its owner is told once");
      made.p.abort(false, new Error("late"));
      assert.deepEqual(made.owner.outcomes, ["answered"], "settled once: an abort afterwards changes nothing");
    });

    it("a list: its items in order, without the Complete event; only then resolved", async () => {
      const made = make("CoreShowChannels");
      made.p.markSent();
      made.p.onResponse(msg([["Response", "Success"], ["ActionID", "abc-1"], ["EventList", "start"], ["Message", "Channels will follow"]]));
      assert.equal(made.p.phase, "list");
      assert.equal(made.owner.lists, 1, "its owner knows a list is open");
      for (const id of ["lab-csc-2", "lab-csc-1"]) {
        assert.equal(made.p.onEvent(msg([["Event", "CoreShowChannel"], ["ActionID", "abc-1"], ["Uniqueid", id]]), "CoreShowChannel", 40), true, "an item is the action's own");
      }
      assert.deepEqual(made.owner.outcomes, []);
      made.p.onEvent(msg([["Event", "CoreShowChannelsComplete"], ["ActionID", "abc-1"], ["EventList", "Complete"], ["ListItems", "2"]]), "CoreShowChannelsComplete", 40);
      const r = await made.result;
      assert.deepEqual(r.events?.map((e) => e.get("Uniqueid")), ["lab-csc-2", "lab-csc-1"]);
      assert.equal(r.complete?.get("ListItems"), "2");
    });

    it("a list over its bound fails with ERR_AMI_LIST_LIMIT and tells its owner it overflowed (so the rest is swallowed)", async () => {
      const made = make("QueueStatus", {}, {}, { maxListItems: 2, maxListBytes: 1 << 20 });
      made.p.markSent();
      made.p.onResponse(msg([["Response", "Success"], ["ActionID", "abc-1"], ["EventList", "start"]]));
      for (let i = 0; i < 3; i++) made.p.onEvent(msg([["Event", "QueueMember"], ["ActionID", "abc-1"], ["Name", `m${i}`]]), "QueueMember", 30);
      const err = await failure(made);
      assert.equal(err.code, "ERR_AMI_LIST_LIMIT");
      assert.match(err.message, /exceeds 2 items/);
      assert.deepEqual(made.owner.outcomes, ["overflow"]);
    });

    it("its timeout says what it waited for, in each phase, and tells its owner it timed out", async () => {
      const queued = make("Ping");
      queued.p.arm(5);
      assert.match((await failure(queued)).message, /^Ping timed out: not sent: the AMI connection was not ready within 5 ms$/);
      assert.deepEqual(queued.owner.outcomes, ["timeout"]);
      const ringing = make("Originate", { Channel: "Local/100@test", Application: "Wait", Data: "1" });
      ringing.p.markSent();
      assert.equal(ringing.p.holdsSession, true, "a synchronous Originate holds the session until answered");
      ringing.p.arm(5);
      assert.match((await failure(ringing)).message, /no response within 5 ms \(it was still ringing or queued at Asterisk: the call may yet go ahead\)/);
      const agi = make("AGI", { Channel: "Local/200@test-0000003a;2", Command: "ANSWER" }, { waitForResult: true, resultTimeout: 5 });
      agi.p.markSent();
      agi.p.onResponse(msg([["Response", "Success"], ["ActionID", "abc-1"], ["Message", "Added AGI command to queue"]]));
      assert.match((await failure(agi)).message, /no AsyncAGIExec for the command within 5 ms/);
    });

    it("async Originate: a result that comes before the response is kept for it", async () => {
      const made = make("Originate", { Channel: "Local/100@test", Application: "Wait", Data: "1", Async: "true" }, { waitForResult: true });
      made.p.markSent();
      const result = msg([["Event", "OriginateResponse"], ["ActionID", "abc-1"], ["Response", "Success"], ["Channel", "Local/100@test"], ["Reason", "4"], ["Uniqueid", "1795663280.100"]]);
      assert.equal(made.p.onEvent(result, "OriginateResponse", 100), false, "the event still goes to subscribers");
      assert.deepEqual(made.owner.outcomes, [], "not complete without its response");
      made.p.onResponse(msg([["Response", "Success"], ["ActionID", "abc-1"], ["Message", "Originate successfully queued"]]));
      const r = await made.result;
      assert.equal(r.originateResponse?.get("Uniqueid"), "1795663280.100");
    });

    it("async Originate: only the channels it created are its own; a Local channel's ;1 half wins over its ;2", async () => {
      const made = make("Originate", { Channel: "Local/610@test", Application: "Wait", Data: "10", Async: "yes" }, { waitForResult: true });
      assert.equal(made.p.createdChannel("Local/610@test-00000066;2"), true);
      assert.equal(made.p.createdChannel("Local/610@test-0000006g;1"), false, "not a channel number");
      assert.equal(made.p.createdChannel("Local/6100@test-00000066;1"), false, "another extension that starts alike");
      assert.equal(make("Originate", { Channel: "Local/610@test", Async: "yes" }).p.createdChannel("Local/610@test-00000066;1"), false, "not awaiting a result");
      made.p.markSent();
      made.p.onResponse(msg([["Response", "Success"], ["ActionID", "abc-1"], ["Message", "Originate successfully queued"]]));
      const hangup = (half: string, cause: string) => msg([["Event", "Hangup"], ["Channel", `Local/610@test-00000066${half}`], ["Cause", cause], ["Cause-txt", cause === "19" ? "No user responding" : "Normal Clearing"]]);
      made.p.onHangup(hangup(";2", "16"), "Local/610@test-00000066;2");
      made.p.onHangup(hangup(";1", "19"), "Local/610@test-00000066;1");
      made.p.onHangup(hangup(";2", "16"), "Local/610@test-00000066;2");
      made.p.onEvent(msg([["Event", "OriginateResponse"], ["ActionID", "abc-1"], ["Response", "Failure"], ["Channel", "Local/610@test"], ["Reason", "0"]]), "OriginateResponse", 100);
      const err = await failure(made);
      assert.equal(err.code, "ERR_AMI_ORIGINATE_FAILED");
      assert.equal(err.result?.originateHangup?.get("Cause"), "19");
    });

    it("AGI: the end of its channel fails it only once the command was accepted", async () => {
      const made = make("AGI", { Channel: "Local/200@test-0000003a;2", Command: "ANSWER" }, { waitForResult: true });
      made.p.markSent();
      made.p.onAgiEnd("Local/200@test-0000003a;2");
      assert.deepEqual(made.owner.outcomes, [], "not accepted yet: the end may be of an earlier Async AGI");
      made.p.onResponse(msg([["Response", "Success"], ["ActionID", "abc-1"], ["Message", "Added AGI command to queue"]]));
      made.p.onAgiEnd("Local/300@test-0000003b;2");
      assert.deepEqual(made.owner.outcomes, [], "another channel");
      made.p.onAgiEnd("Local/200@test-0000003a;2");
      assert.equal((await failure(made)).code, "ERR_AMI_AGI_CHANNEL_GONE");
    });

    it("the connection's end: never sent is said so; sent may have run, with the cause unless closed by its owner", async () => {
      const queued = make("Ping");
      queued.p.abort(true);
      const q = await failure(queued);
      assert.equal(q.code, "ERR_AMI_CLOSED");
      assert.equal(q.message, "Ping: the AMI client was closed before the action was sent");
      const sent = make("Status");
      sent.p.markSent();
      sent.p.abort(false, new Error("read ECONNRESET"));
      const s = await failure(sent);
      assert.equal(s.code, "ERR_AMI_DISCONNECTED");
      assert.equal(s.message, "Status: the AMI connection ended before the response; the action was sent and may have taken effect, so it is not re-sent (read ECONNRESET)");
      const closed = make("Status");
      closed.p.markSent();
      closed.p.abort(true, new Error("read ECONNRESET"));
      assert.doesNotMatch((await failure(closed)).message, /ECONNRESET/);
    });
  });
});
