import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import * as tls from "node:tls";
import { inspect } from "node:util";
import { AmiClient, AmiClientOptions, StateChange } from "../../src/ami/client";
import { AmiError } from "../../src/ami/errors";
import { AmiMessage } from "../../src/ami/message";
import { BANNER, FakeAmi, FakeSession, Fields, waitFor, wire } from "../helpers/fake-ami";

const SECRET = "amp111";
const TLS_DIR = path.join(__dirname, "..", "..", "..", "test", "fixtures", "tls");

interface Harness {
  client: AmiClient;
  logs: string[];
  states: StateChange[];
}

const clients: AmiClient[] = [];
const servers: Array<{ close(): unknown }> = [];

function makeClient(port: number, options: Partial<AmiClientOptions> = {}): Harness {
  const logs: string[] = [];
  const states: StateChange[] = [];
  const record = (level: string) => (m: string) => logs.push(`${level}: ${m}`);
  const client = new AmiClient({
    host: "127.0.0.1",
    port,
    username: "admin",
    secret: SECRET,
    keepaliveInterval: 0,
    reconnectDelay: 20,
    reconnectMaxDelay: 200,
    authRetryDelay: 300,
    actionTimeout: 2000,
    logger: { debug: record("debug"), info: record("info"), warn: record("warn"), error: record("error") },
    ...options,
  });
  client.on("state", (s: StateChange) => states.push(s));
  clients.push(client);
  return { client, logs, states };
}

async function ready(client: AmiClient): Promise<void> {
  if (client.state === "ready") return;
  client.connect();
  await new Promise<void>((resolve) => client.once("ready", () => resolve()));
}

async function fake(options: ConstructorParameters<typeof FakeAmi>[0] = {}): Promise<FakeAmi> {
  const f = await FakeAmi.start(options);
  servers.push(f);
  return f;
}

async function rejection(p: Promise<unknown>): Promise<AmiError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof AmiError, `expected AmiError, got ${inspect(err)}`);
    return err;
  }
  return assert.fail("expected a rejection");
}

/** Every event but the FullyBooted that follows a login (its arrival races the test's subscription). */
const ALL_BUT_BOOT = (name: string) => name !== "FullyBooted";

function item(actionId: string, event: string, fields: Fields): Fields {
  return [["Event", event], ["ActionID", actionId], ...fields];
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe("AMI client", () => {
  describe("login", () => {
    it("logs in with a plain secret, sets the event mask, and becomes ready", async () => {
      const srv = await fake();
      const { client, states } = makeClient(srv.port, { events: "call,agent" });
      await ready(client);
      const login = srv.actions[0];
      assert.equal(login.get("Action"), "Login");
      assert.equal(login.get("Username"), "admin");
      assert.equal(login.get("Secret"), SECRET);
      assert.equal(login.get("Events"), "call,agent");
      assert.match(login.get("ActionID") ?? "", /^[0-9a-f]{12}-\d+$/);
      assert.deepEqual(states.map((s) => s.state), ["connecting", "ready"]);
      assert.equal(client.amiVersion, "11.0.0");
      assert.equal(client.asteriskMajor, 22);
    });

    it("logs in with an MD5 challenge; the secret never crosses the wire", async () => {
      const srv = await fake();
      const { client } = makeClient(srv.port, { authType: "md5" });
      await ready(client);
      const [challenge, login] = srv.actions;
      assert.equal(challenge.get("Action"), "Challenge");
      assert.equal(challenge.get("AuthType"), "MD5");
      assert.equal(login.get("AuthType"), "MD5");
      assert.equal(login.get("Key"), createHash("md5").update("163447182" + SECRET).digest("hex"));
      assert.equal(login.get("Secret"), undefined);
      const bytes = Buffer.concat(srv.sessions[0].rawIn).toString();
      assert.ok(!bytes.includes(SECRET), "the secret was sent");
    });

    it("emits fullybooted when Asterisk says so", async () => {
      const srv = await fake();
      const { client } = makeClient(srv.port);
      const booted = new Promise<AmiMessage>((resolve) => client.once("fullybooted", resolve));
      client.connect();
      assert.equal((await booted).get("Status"), "Fully Booted");
    });

    it("a refused login says auth failed, retries no faster than authRetryDelay, and never logs the secret", async () => {
      const srv = await fake({ secret: "the-real-one", authFailCloseMs: 1000 });
      const { client, logs, states } = makeClient(srv.port, { secret: "wrong-secret-123", authRetryDelay: 300 });
      client.connect();
      await waitFor(() => srv.loginAttempts.length >= 3, 3000, "three login attempts");
      const failed = states.filter((s) => s.state === "auth-failed");
      assert.ok(failed.length >= 2);
      assert.equal((failed[0].error as AmiError).code, "ERR_AMI_AUTH");
      assert.match(failed[0].error?.message ?? "", /authentication failed for user "admin"/);
      assert.equal(failed[0].delay, 300);
      const gaps = srv.loginAttempts.slice(1).map((a, i) => a.at - srv.loginAttempts[i].at);
      for (const gap of gaps) assert.ok(gap >= 290, `attempts ${gap} ms apart`);
      // The client drops the socket itself at once rather than waiting for the server's close.
      assert.ok(gaps[0] < 1000, `retry waited for the server to close (${gaps[0]} ms)`);
      const everything = [...logs, ...states.map((s) => `${s.error?.message} ${inspect(s.error)}`)].join("\n");
      assert.ok(!everything.includes("wrong-secret-123"), "the secret leaked into a log or an error");
    });

    it("actions sent while connecting wait in the queue and are written once ready", async () => {
      const srv = await fake();
      const { client } = makeClient(srv.port);
      const p = client.send("Ping");
      client.connect();
      const r = await p;
      assert.equal(r.response.get("Ping"), "Pong");
      assert.deepEqual(srv.actions.map((a) => a.get("Action")), ["Login", "Ping"]);
    });

    it("an action that times out in the queue is never sent", async () => {
      const srv = await fake({ secret: "other" });
      const { client } = makeClient(srv.port, { authRetryDelay: 5000 });
      const err = await rejection((client.connect(), client.send("Originate", { Channel: "Local/100@test", Exten: "1" }, { timeout: 150 })));
      assert.equal(err.code, "ERR_AMI_TIMEOUT");
      assert.match(err.message, /not sent/);
      srv.sessions.forEach((s) => (s.loggedIn = true));
      await new Promise((r) => setTimeout(r, 100));
      assert.ok(!srv.actions.some((a) => a.get("Action") === "Originate"));
    });

    it("the queue is bounded", async () => {
      const { client } = makeClient(1, { maxQueue: 2, connectTimeout: 100 });
      const a = client.send("Ping", {}, { timeout: 50 });
      const b = client.send("Ping", {}, { timeout: 50 });
      const err = await rejection(client.send("Ping"));
      assert.equal(err.code, "ERR_AMI_QUEUE_FULL");
      await Promise.allSettled([a, b]);
    });
  });

  describe("actions", () => {
    let srv: FakeAmi;
    let h: Harness;
    beforeEach(async () => {
      srv = await fake();
      h = makeClient(srv.port);
    });

    it("correlates responses by ActionID while events interleave", async () => {
      srv.onAction = (action, s) => {
        s.send([["Event", "Newchannel"], ["Channel", "PJSIP/1-1"]]);
        s.respond(action, [["Response", "Success"], ["Ping", "Pong"]]);
      };
      await ready(h.client);
      const seen: string[] = [];
      h.client.subscribe(ALL_BUT_BOOT, (e) => seen.push(e.event ?? ""));
      const [a, b] = await Promise.all([h.client.send("Ping"), h.client.send("Ping")]);
      assert.notEqual(a.actionId, b.actionId);
      assert.equal(a.response.get("ActionID"), a.actionId);
      assert.equal(b.response.get("ActionID"), b.actionId);
      assert.deepEqual(seen, ["Newchannel", "Newchannel"]);
    });

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

    it("uses a caller's ActionID, and refuses one already in flight", async () => {
      srv.onAction = () => undefined; // never answers
      await ready(h.client);
      const first = h.client.send("Ping", {}, { actionId: "mine-1", timeout: 200 });
      const dup = await rejection(h.client.send("Ping", {}, { actionId: "mine-1" }));
      assert.equal(dup.code, "ERR_AMI_DUPLICATE_ACTIONID");
      assert.equal((await rejection(first)).code, "ERR_AMI_TIMEOUT");
      assert.equal(srv.actions.filter((a) => a.get("ActionID") === "mine-1").length, 1);
      // Timed out, but its answer may still come: reusing the ID would hand that answer to the new action.
      const late = await rejection(h.client.send("Ping", {}, { actionId: "mine-1" }));
      assert.equal(late.code, "ERR_AMI_DUPLICATE_ACTIONID");
      assert.match(late.message, /timed out and may still be answered/);
    });

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

    it("times out, never re-sends, and drops the late response", async () => {
      const late: AmiMessage[] = [];
      srv.onAction = (action, s) => setTimeout(() => {
        late.push(action);
        s.respond(action, [["Response", "Success"], ["Message", "Originate successfully queued"]]);
      }, 250);
      await ready(h.client);
      const err = await rejection(h.client.send("Originate", { Channel: "Local/100@test", Application: "Wait", Data: 1, Async: true }, { timeout: 100 }));
      assert.equal(err.code, "ERR_AMI_TIMEOUT");
      await waitFor(() => late.length === 1);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(srv.actions.filter((a) => a.get("Action") === "Originate").length, 1);
      assert.equal(h.client.inFlight, 0);
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

    it("refuses Login, Logoff and Challenge: the client manages its own session", async () => {
      await ready(h.client);
      for (const action of ["Login", "logoff", "Challenge"]) {
        const err = await rejection(h.client.send(action, { Username: "other", Secret: "x" }));
        assert.equal(err.code, "ERR_AMI_INVALID_ACTION");
        assert.match(err.message, /managed by the AMI client/);
      }
      assert.deepEqual(srv.actions.map((a) => a.get("Action")), ["Login"]);
    });

    it("a list whose items stop coming times out, and its late items do not leak", async () => {
      let session: FakeSession | undefined;
      let id = "";
      srv.onAction = (action, s) => {
        session = s;
        id = action.get("ActionID") ?? "";
        s.respond(action, [["Response", "Success"], ["EventList", "start"]]);
        s.send(item(id, "Status", [["Channel", "A"]]));
      };
      await ready(h.client);
      const seen: string[] = [];
      h.client.subscribe(ALL_BUT_BOOT, (e) => seen.push(e.event ?? ""));
      const err = await rejection(h.client.send("Status", {}, { timeout: 100 }));
      assert.equal(err.code, "ERR_AMI_TIMEOUT");
      assert.match(err.message, /list stopped arriving \(1 items/);
      session?.send(item(id, "Status", [["Channel", "B"]]));
      session?.send(item(id, "StatusComplete", [["EventList", "Complete"]]));
      session?.send([["Event", "After"]]);
      await waitFor(() => seen.includes("After"));
      assert.deepEqual(seen, ["After"]);
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
  });

  describe("events", () => {
    it("dispatches by name, list, predicate and wildcard, and skips decoding events nobody wants", async () => {
      const srv = await fake();
      const { client } = makeClient(srv.port, { events: "on" });
      await ready(client);
      const got: Record<string, string[]> = { name: [], list: [], pred: [] };
      const offName = client.subscribe("Hangup", (e) => got.name.push(e.event ?? ""));
      client.subscribe(["DialBegin", "DialEnd"], (e) => got.list.push(e.event ?? ""));
      client.subscribe((n) => n.startsWith("Queue"), (e) => got.pred.push(e.event ?? ""));
      const skippedBefore = client.stats.eventsSkipped;
      for (const name of ["Newchannel", "VarSet", "DialBegin", "Hangup", "QueueMemberAdded", "DialEnd", "Newstate"]) srv.broadcast([["Event", name], ["Privilege", "call,all"]]);
      srv.broadcast([["Event", "Marker"]]);
      const marker = new Promise<void>((resolve) => client.subscribe("Marker", () => resolve()));
      await marker;
      assert.deepEqual(got, { name: ["Hangup"], list: ["DialBegin", "DialEnd"], pred: ["QueueMemberAdded"] });
      assert.equal(client.stats.eventsSkipped - skippedBefore, 3, "Newchannel, VarSet and Newstate are framed but not decoded");
      offName();
      srv.broadcast([["Event", "Hangup"]]);
      srv.broadcast([["Event", "Marker"]]);
      await new Promise<void>((resolve) => client.subscribe("Marker", () => resolve()));
      assert.deepEqual(got.name, ["Hangup"]);
    });

    it("subscribeFrames: frames of the names asked for, decoded only when read, valid only during the call, never a list's items", async () => {
      const srv = await fake();
      srv.onAction = (action, s) => {
        if (action.get("Action") !== "QueueStatus") return;
        const id = action.get("ActionID") ?? "";
        s.respond(action, [["Response", "Success"], ["EventList", "start"], ["Message", "Queue status will follow"]]);
        s.send(item(id, "QueueParams", [["Queue", "support"]]));
        s.send([["Event", "Hangup"], ["Privilege", "call,all"], ["Channel", "PJSIP/6001-1"], ["Cause", "16"]]);
        s.send(item(id, "QueueStatusComplete", [["EventList", "Complete"], ["ListItems", "1"]]));
      };
      const { client } = makeClient(srv.port, { events: "on" });
      await ready(client);
      const frames: Array<{ name: string; decodedOnArrival: boolean; bytes: string }> = [];
      const kept: Array<import("../../src/ami").EventFrame> = [];
      client.subscribeFrames(["Hangup", "QueueParams", "Newchannel"], (f) => {
        frames.push({ name: f.name, decodedOnArrival: f.decoded, bytes: f.bytes().toString() });
        if (f.name === "Hangup") assert.equal(f.message.get("Cause"), "16");
        kept.push(f);
      });
      const skippedBefore = client.stats.eventsSkipped;
      srv.broadcast([["Event", "VarSet"], ["Variable", "X"]]);
      srv.broadcast([["Event", "Newchannel"], ["Channel", "PJSIP/6002-2"]]);
      const r = await client.send("QueueStatus");
      assert.equal(r.events?.length, 1, "the list item went to its action");
      await waitFor(() => frames.length === 2);
      assert.deepEqual(
        frames.map((f) => [f.name, f.decodedOnArrival]),
        [
          ["Newchannel", false],
          ["Hangup", false],
        ],
        "the list's QueueParams is not given; nothing was decoded before the listener asked",
      );
      assert.match(frames[1].bytes, /^Event: Hangup\r\nPrivilege: call,all\r\nChannel: PJSIP\/6001-1\r\nCause: 16$/);
      assert.equal(client.stats.eventsSkipped - skippedBefore, 1, "VarSet: nobody asked for it");
      // After the call: a frame read in time keeps its message; one never read cannot be read.
      assert.equal(kept[0].decoded, false);
      assert.throws(() => kept[0].message, /after its listener returned/);
      assert.equal(kept[1].message.get("Cause"), "16");
    });

    it("emits 'read' with the size of each read from the socket, after its events were dispatched", async () => {
      const srv = await fake();
      const { client } = makeClient(srv.port, { events: "on" });
      await ready(client);
      const order: string[] = [];
      let bytes = 0;
      client.on("read", (n: number) => {
        bytes += n;
        order.push("read");
      });
      client.subscribe("UserEvent", () => order.push("event"));
      srv.broadcast([["Event", "UserEvent"], ["UserEvent", "One"]]);
      await waitFor(() => order.includes("event") && order.lastIndexOf("read") > order.indexOf("event"));
      assert.equal(order[order.indexOf("event") + 1], "read", "the read that carried the event is told after it");
      // (What else the fake PBX wrote since login may share the reads.)
      assert.ok(bytes >= Buffer.byteLength("Event: UserEvent\r\nUserEvent: One\r\n\r\n"), `${bytes} bytes`);
    });

    it("a listener that throws does not stop the others or the session", async () => {
      const srv = await fake();
      const { client, logs } = makeClient(srv.port);
      await ready(client);
      client.subscribe("*", () => {
        throw new Error("boom");
      });
      const seen = new Promise<AmiMessage>((resolve) => client.subscribe("UserEvent", resolve));
      srv.broadcast([["Event", "UserEvent"], ["UserEvent", "TestEvent"]]);
      assert.equal((await seen).get("UserEvent"), "TestEvent");
      assert.ok(logs.some((l) => /listener for UserEvent threw: boom/.test(l)));
      assert.equal((await client.send("Ping")).response.get("Ping"), "Pong");
    });
  });

  describe("connection faults", () => {
    it("a server drop rejects all 50 actions in flight at once and re-sends none after reconnecting", async () => {
      const srv = await fake();
      let held = 0;
      srv.onAction = (action, s) => {
        if (action.get("Action") === "Ping") s.respond(action, [["Response", "Success"], ["Ping", "Pong"]]);
        else if (++held === 50) setTimeout(() => s.destroy(), 20);
      };
      const { client, states } = makeClient(srv.port);
      await ready(client);
      const started = Date.now();
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, (_, i) => client.send("Originate", { Channel: `Local/${i}@test`, Exten: "100", Context: "test", Async: true }, { timeout: 5000 })),
      );
      assert.ok(Date.now() - started < 2000, "rejected at the drop, not at the timeout");
      for (const r of results) {
        assert.equal(r.status, "rejected");
        const err = (r as PromiseRejectedResult).reason as AmiError;
        assert.equal(err.code, "ERR_AMI_DISCONNECTED");
        assert.match(err.message, /may have taken effect, so it is not re-sent/);
      }
      await waitFor(() => client.state === "ready" && srv.sessions.length === 2, 3000, "reconnect");
      assert.ok(states.some((s) => s.state === "reconnecting" && s.attempt === 1));
      await client.send("Ping");
      const originates = srv.actions.filter((a) => a.get("Action") === "Originate");
      assert.equal(originates.length, 50);
      assert.equal(new Set(originates.map((a) => a.get("Channel"))).size, 50);
      assert.equal(srv.sessions[1].actions.filter((a) => a.get("Action") === "Originate").length, 0);
    });

    it("a half-open peer is detected by the keepalive and the client reconnects", async () => {
      const srv = await fake();
      const { client, states, logs } = makeClient(srv.port, { keepaliveInterval: 100, keepaliveTimeout: 150 });
      await ready(client);
      srv.silent = true; // reads nothing, answers nothing, keeps the socket
      await waitFor(() => states.some((s) => s.state === "reconnecting"), 2000, "reconnecting");
      const lost = states.find((s) => s.state === "reconnecting");
      assert.match(lost?.error?.message ?? "", /keepalive: no answer to Ping within 150 ms/);
      assert.ok(logs.some((l) => l.startsWith("warn: keepalive")));
      srv.silent = false;
      await waitFor(() => client.state === "ready" && srv.sessions.length >= 2, 3000, "ready again");
    });

    it("the keepalive pauses while a synchronous Originate holds the session", async () => {
      const srv = await fake();
      srv.onAction = (action, s) => {
        if (action.get("Action") === "Originate") setTimeout(() => s.respond(action, [["Response", "Success"], ["Message", "Originate successfully queued"]]), 500);
        else s.respond(action, [["Response", "Success"], ["Ping", "Pong"]]);
      };
      const { client, states } = makeClient(srv.port, { keepaliveInterval: 50, keepaliveTimeout: 100 });
      await ready(client);
      srv.silent = false;
      const r = await client.send("Originate", { Channel: "Local/100@test", Application: "Wait", Data: "1" });
      assert.equal(r.response.get("Response"), "Success");
      assert.ok(!states.some((s) => s.state === "reconnecting"));
    });

    /** A session held by a synchronous Originate, as Asterisk holds it: nothing else is answered until the call is. */
    function blockingPbx(srv: FakeAmi, ringMs: number): { pings: () => number } {
      let heldUntil = 0;
      const waiting: Array<() => void> = [];
      let pings = 0;
      srv.onAction = (action, s) => {
        const name = action.get("Action");
        if (name === "Ping") pings++;
        const answer = (): void =>
          name === "Originate"
            ? s.respond(action, [["Response", "Success"], ["Message", "Originate successfully queued"]])
            : s.respond(action, [["Response", "Success"], ["Ping", "Pong"]]);
        if (name === "Originate") {
          heldUntil = Date.now() + ringMs;
          setTimeout(() => {
            answer();
            for (const w of waiting.splice(0)) w();
          }, ringMs);
        } else if (Date.now() < heldUntil) waiting.push(answer);
        else answer();
      };
      return { pings: () => pings };
    }

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

    it("a synchronous Originate that times out leaves the session to Asterisk: no keepalive drop, the other actions are answered", async () => {
      const srv = await fake();
      const pbx = blockingPbx(srv, 900);
      const { client, states } = makeClient(srv.port, { keepaliveInterval: 50, keepaliveTimeout: 100 });
      await ready(client);
      const pingsBefore = pbx.pings();
      const originate = client.send("Originate", { Channel: "Local/100@test", Application: "Wait", Data: "1", Timeout: 300 }, { timeout: 200 });
      const other = client.send("Getvar", { Variable: "X" }, { timeout: 2000 }); // behind it, as in Asterisk's session
      const err = await rejection(originate);
      assert.equal(err.code, "ERR_AMI_TIMEOUT");
      assert.match(err.message, /the call may yet go ahead/);
      await other; // answered once the Originate is: the session was not dropped
      assert.ok(!states.some((s) => s.state === "reconnecting"), `states: ${states.map((s) => s.state)}`);
      assert.equal(srv.sessions.length, 1);
      await waitFor(() => pbx.pings() > pingsBefore, 2000, "the keepalive to resume after the late answer");
    });

    it("a frame over the size limit is a protocol error: the client drops the session and reconnects", async () => {
      const srv = await fake();
      srv.onAction = (action, s) => {
        if (action.get("Action") === "Status") s.socket.write(`Event: Garbage\r\nData: ${"x".repeat(10_000)}`);
        else s.respond(action, [["Response", "Success"], ["Ping", "Pong"]]);
      };
      const { client, states } = makeClient(srv.port, { maxFrameBytes: 4096 });
      await ready(client);
      const err = await rejection(client.send("Status"));
      assert.equal(err.code, "ERR_AMI_DISCONNECTED");
      assert.match(err.message, /frame exceeds 4096 bytes/);
      assert.ok(states.some((s) => s.state === "reconnecting" && /protocol error/.test(s.error?.message ?? "")));
      await waitFor(() => client.state === "ready", 3000, "ready again");
    });

    it("Event: Shutdown is a clean end: logged as information, then the client reconnects", async () => {
      const srv = await fake();
      const { client, logs, states } = makeClient(srv.port);
      await ready(client);
      srv.broadcast([["Event", "Shutdown"], ["Privilege", "system,all"], ["Shutdown", "Cleanly"], ["Restart", "True"]]);
      setTimeout(() => srv.dropAll(), 20);
      await waitFor(() => states.some((s) => s.state === "reconnecting"));
      assert.ok(logs.some((l) => /^info: Asterisk shut down; reconnecting/.test(l)), logs.join("\n"));
      assert.ok(!logs.some((l) => l.startsWith("warn:")));
      assert.match(states.find((s) => s.state === "reconnecting")?.error?.message ?? "", /Asterisk shut down \(Cleanly, restart: True\)/);
      await waitFor(() => client.state === "ready", 3000);
    });

    it("bad connection settings never throw out of connect(): they are reported and retried", async () => {
      assert.throws(() => makeClient(70000), /port must be an integer from 1 to 65535/);
      const { client, states } = makeClient(5039, { tls: { cert: "not a certificate", key: "not a key" } });
      assert.doesNotThrow(() => client.connect());
      await waitFor(() => states.some((s) => s.state === "reconnecting"));
      assert.match(states.find((s) => s.state === "reconnecting")?.error?.message ?? "", /cannot connect: /);
    });

    it("reconnect delays back off exponentially with jitter up to the cap", async () => {
      const blocker = net.createServer();
      await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
      const port = (blocker.address() as net.AddressInfo).port;
      await new Promise<void>((r) => blocker.close(() => r())); // nothing listens there now
      const { client, states } = makeClient(port, { reconnectDelay: 10, reconnectMaxDelay: 80 });
      client.connect();
      await waitFor(() => states.filter((s) => s.state === "reconnecting").length >= 7, 5000, "7 attempts");
      const delays = states.filter((s) => s.state === "reconnecting").map((s) => s.delay ?? -1);
      const bases = [10, 20, 40, 80, 80, 80, 80];
      delays.slice(0, 7).forEach((d, i) => assert.ok(d >= bases[i] / 2 && d <= bases[i], `attempt ${i + 1}: ${d} ms not in [${bases[i] / 2}, ${bases[i]}]`));
      assert.match(states.find((s) => s.state === "reconnecting")?.error?.message ?? "", /ECONNREFUSED/);
    });

    it("the backoff resets after a stable session", async () => {
      const srv = await fake();
      const { client, states } = makeClient(srv.port, { reconnectDelay: 10, reconnectMaxDelay: 1000, stableSessionMs: 50 });
      await ready(client);
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 80));
        srv.dropAll();
        await waitFor(() => client.state !== "ready");
        await waitFor(() => client.state === "ready", 3000);
      }
      const attempts = states.filter((s) => s.state === "reconnecting").map((s) => s.attempt);
      assert.deepEqual(attempts, [1, 1, 1]);
    });

    it("re-applies the event mask and the filters after every reconnect", async () => {
      const srv = await fake();
      srv.onAction = (action, s) => s.respond(action, [["Response", "Success"], ["Message", "Filter added"]]);
      const { client } = makeClient(srv.port, { events: "call", filters: ["Event: Newchannel", "!Channel: Local/*"] });
      await ready(client);
      srv.dropAll();
      await waitFor(() => srv.sessions.length === 2 && client.state === "ready", 3000);
      for (const s of srv.sessions) {
        assert.deepEqual(s.actions.map((a) => [a.get("Action"), a.get("Events") ?? a.get("Filter")]), [
          ["Login", "call"],
          ["Filter", "Event: Newchannel"],
          ["Filter", "!Channel: Local/*"],
        ]);
        assert.ok(s.actions.slice(1).every((a) => a.get("Operation") === "Add"));
      }
    });

    it("close() logs off, rejects what is left, and refuses new actions", async () => {
      const srv = await fake();
      srv.onAction = () => undefined;
      const { client, states } = makeClient(srv.port);
      await ready(client);
      const stuck = client.send("Status");
      const started = Date.now();
      await client.close();
      assert.ok(Date.now() - started < 1000);
      assert.equal((await rejection(stuck)).code, "ERR_AMI_CLOSED");
      assert.equal(srv.actions.at(-1)?.get("Action"), "Logoff");
      assert.equal(states.at(-1)?.state, "closed");
      assert.equal((await rejection(client.send("Ping"))).code, "ERR_AMI_CLOSED");
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(srv.sessions.length, 1, "no reconnect after close");
    });

    it("close() finishes promptly when the peer never answers the Logoff", async () => {
      const srv = await fake();
      const { client } = makeClient(srv.port, { closeTimeout: 200 });
      await ready(client);
      srv.silent = true;
      const started = Date.now();
      await client.close();
      // closeTimeout 200 ms; without it, close would wait the default 2 s for Goodbye.
      assert.ok(Date.now() - started < 1200, `close took ${Date.now() - started} ms`);
    });

    it("close() while the PBX is unreachable finishes at once", async () => {
      const { client } = makeClient(1, { connectTimeout: 5000 });
      client.connect();
      const started = Date.now();
      await client.close();
      // Not held by the 5 s connect timeout.
      assert.ok(Date.now() - started < 1000, `close took ${Date.now() - started} ms`);
      assert.equal(client.state, "closed");
    });
  });

  describe("TLS", () => {
    async function tlsFake(): Promise<{ port: number; close(): Promise<void> }> {
      const server = tls.createServer(
        { key: fs.readFileSync(path.join(TLS_DIR, "server.key")), cert: fs.readFileSync(path.join(TLS_DIR, "server.crt")) },
        (sock) => {
          sock.on("error", () => undefined);
          sock.write(BANNER);
          sock.on("data", (d: Buffer) => {
            const id = /ActionID: (.*)\r\n/.exec(d.toString())?.[1] ?? "";
            sock.write(wire([["Response", "Success"], ["ActionID", id], ["Message", "Authentication accepted"]]));
          });
        },
      );
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const handle = {
        port: (server.address() as net.AddressInfo).port,
        close: () => new Promise<void>((r) => server.close(() => r())),
      };
      servers.push(handle);
      return handle;
    }

    it("logs in over TLS when the certificate verifies against the given CA and name", async () => {
      const srv = await tlsFake();
      const { client } = makeClient(srv.port, { tls: { ca: fs.readFileSync(path.join(TLS_DIR, "ca.crt")), servername: "pbx.test" } });
      await ready(client);
    });

    it("refuses a certificate from another CA, or for another name, with a clear error", async () => {
      const srv = await tlsFake();
      const wrongCa = makeClient(srv.port, { tls: { ca: fs.readFileSync(path.join(TLS_DIR, "other-ca.crt")), servername: "pbx.test" } });
      wrongCa.client.connect();
      await waitFor(() => wrongCa.states.some((s) => s.state === "reconnecting"));
      assert.match(wrongCa.states.find((s) => s.state === "reconnecting")?.error?.message ?? "", /self[- ]signed|unable to verify|unable to get local issuer/i);
      const wrongName = makeClient(srv.port, { tls: { ca: fs.readFileSync(path.join(TLS_DIR, "ca.crt")), servername: "other.example" } });
      wrongName.client.connect();
      await waitFor(() => wrongName.states.some((s) => s.state === "reconnecting"));
      assert.match(wrongName.states.find((s) => s.state === "reconnecting")?.error?.message ?? "", /altnames|does not match|Hostname/i);
    });
  });

  it("never puts the secret in any log line or error, whatever happens", async () => {
    const secret = "S3cr3t-Value-Never-Printed";
    const srv = await fake({ secret });
    const h1 = makeClient(srv.port, { secret, authType: "md5", keepaliveInterval: 50, keepaliveTimeout: 50 });
    const h2 = makeClient(srv.port, { secret: secret + "x" });
    const errors: unknown[] = [];
    await ready(h1.client);
    h2.client.connect();
    errors.push(await h1.client.send("FooBar").catch((e) => e));
    errors.push(await h1.client.send("Hangup", { Channel: "a\r\nb" }).catch((e) => e));
    srv.silent = true;
    await waitFor(() => h1.states.some((s) => s.state === "reconnecting"), 2000);
    srv.silent = false;
    await waitFor(() => h2.states.some((s) => s.state === "auth-failed"), 2000);
    await h1.client.close();
    await h2.client.close();
    const text = [
      ...h1.logs,
      ...h2.logs,
      ...[...h1.states, ...h2.states].map((s) => inspect(s, { depth: 5 })),
      ...errors.map((e) => inspect(e, { depth: 5 })),
      inspect(h1.client, { depth: 3 }),
      inspect(h1.client.options, { depth: 5 }),
      JSON.stringify(h1.client.options),
    ].join("\n");
    assert.ok(h1.logs.length > 0 && h2.logs.length > 0);
    assert.ok(!text.includes(secret), "the secret leaked");
    assert.ok(!text.includes(createHash("md5").update("163447182" + secret).digest("hex")), "the MD5 key leaked");
  });
});
