import { strict as assert } from "node:assert";
import { AmiError } from "../../src/ami/errors";
import { parseFrame } from "../../src/ami/frame-decoder";
import { InFlightActions } from "../../src/ami/in-flight";
import { AmiMessage } from "../../src/ami/message";
import { ActionResult } from "../../src/ami/pending-action";
import { FakeAmi, FakeSession, Fields, waitFor, wire } from "../helpers/fake-ami";
import { ALL_BUT_BOOT, Harness, blockingPbx, cleanUp, fake, item, makeClient, ready, rejection, serverAndClient } from "../helpers/client-harness";

/** The actions in flight (src/ami/in-flight.ts): ActionIDs, the queue, late answers, the connection's end; through the client and on their own. */
describe("AMI actions in flight", () => {
  afterEach(cleanUp);

  describe("the queue", () => {
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

  describe("ActionIDs and late answers", () => {
    let srv: FakeAmi;
    let h: Harness;
    beforeEach(async () => ({ srv, h } = await serverAndClient()));

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
  });

  describe("the connection's end", () => {
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
        const err = r.reason as AmiError;
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
      assert.ok(!states.some((s) => s.state === "reconnecting"), `states: ${states.map((s) => s.state).join(",")}`);
      assert.equal(srv.sessions.length, 1);
      await waitFor(() => pbx.pings() > pingsBefore, 2000, "the keepalive to resume after the late answer");
    });
  });

  describe("on their own", () => {
    const frame = (fields: Fields): Buffer => Buffer.from(wire(fields)).subarray(0, -4);
    const msg = (fields: Fields): AmiMessage => {
      const bytes = frame(fields);
      return parseFrame(bytes, 0, bytes.length);
    };
    const limits = { maxQueue: 2, maxListItems: 100, maxListBytes: 1 << 20, actionTimeout: 1000 };

    /** Registers an action (throwing as create does); its promise never goes unhandled. */
    function add(table: InFlightActions, action: string, fields: Record<string, string | boolean> = {}, options: Parameters<InFlightActions["create"]>[2] = {}) {
      let resolve!: (r: ActionResult) => void;
      let reject!: (e: Error) => void;
      const settle = new Promise<ActionResult>((yes, no) => ((resolve = yes), (reject = no)));
      settle.catch(() => undefined);
      return { p: table.create(action, fields, options, false, resolve, reject), settle };
    }

    it("ActionIDs given up on are bounded: the oldest of 1001 is forgotten (and may be used again)", async () => {
      const table = new InFlightActions(limits, () => undefined);
      const timedOut: Array<Promise<unknown>> = [];
      for (let i = 0; i <= 1000; i++) {
        const { p, settle } = add(table, "Ping", {}, { actionId: `a${i}` });
        p.markSent();
        p.arm(1);
        timedOut.push(settle.catch(() => undefined));
      }
      await Promise.all(timedOut);
      assert.equal(table.size, 0);
      assert.doesNotThrow(() => add(table, "Ping", {}, { actionId: "a0" }), "the oldest was forgotten");
      assert.throws(() => add(table, "Ping", {}, { actionId: "a1" }), /timed out and may still be answered/);
      assert.throws(() => add(table, "Ping", {}, { actionId: "a1000" }), /timed out and may still be answered/);
    });

    it("the queue is bounded, and an action it refuses leaves nothing behind", () => {
      const table = new InFlightActions(limits, () => undefined);
      const originate = () => add(table, "Originate", { Channel: "PJSIP/6001", Exten: "6002", Async: "true" }, { waitForResult: true }).p;
      assert.equal(table.enqueue(originate()), true);
      assert.equal(table.enqueue(originate()), true);
      const ob = frame([["Event", "OriginateResponse"], ["Response", "Success"]]);
      assert.equal(table.wantsEvent("OriginateResponse", ob, 0, ob.length), true, "two Originates await their result");
      assert.equal(table.enqueue(originate()), false, "the third does not fit");
      assert.equal(table.size, 2, "the refused one is not in flight");
      table.dropQueued();
      assert.equal(table.size, 0);
      assert.equal(table.wantsEvent("OriginateResponse", ob, 0, ob.length), false, "no Originate awaits a result any more");
    });

    it("decodes an unwanted event only when it may answer an action: a list open, a result awaited", () => {
      const table = new InFlightActions(limits, () => undefined);
      const item = frame([["Event", "CoreShowChannel"], ["ActionID", "x-1"], ["Channel", "PJSIP/6001-00000001"]]);
      const plain = frame([["Event", "Newchannel"], ["Channel", "PJSIP/6001-00000001"]]);
      assert.equal(table.wantsEvent("FullyBooted", plain, 0, plain.length), true, "the client's own");
      assert.equal(table.wantsEvent("CoreShowChannel", item, 0, item.length), false, "no list open");
      const { p } = add(table, "CoreShowChannels");
      p.markSent();
      table.onResponse(msg([["Response", "Success"], ["ActionID", p.id], ["EventList", "start"]]));
      assert.equal(table.wantsEvent("CoreShowChannel", item, 0, item.length), true, "a list is open");
      assert.equal(table.wantsEvent("Newchannel", plain, 0, plain.length), false, "no ActionID in it");
    });

    it("a late list of an action given up on is swallowed up to its Complete, and no further", async () => {
      const notes: string[] = [];
      const table = new InFlightActions(limits, (m) => notes.push(m));
      const { p, settle } = add(table, "Status");
      p.markSent();
      p.arm(1);
      await settle.catch(() => undefined);
      table.onResponse(msg([["Response", "Success"], ["ActionID", p.id], ["EventList", "start"]]));
      assert.match(notes.join("\n"), /dropped a late response/);
      const item = msg([["Event", "Status"], ["ActionID", p.id], ["Channel", "A"]]);
      assert.equal(table.onEvent(item, "Status", 40), true, "its item is nobody's event");
      assert.equal(table.onEvent(msg([["Event", "StatusComplete"], ["ActionID", p.id], ["EventList", "Complete"]]), "StatusComplete", 40), true);
      assert.equal(table.onEvent(item, "Status", 40), false, "after its Complete, the ID is forgotten");
    });

    it("a written synchronous Originate holds the session; after its timeout too, until its late answer", async () => {
      const table = new InFlightActions(limits, () => undefined);
      const { p, settle } = add(table, "Originate", { Channel: "Local/100@test", Application: "Wait", Data: "1", Timeout: "60000" });
      assert.equal(table.sessionHeld(), false, "not written yet");
      p.markSent();
      assert.equal(table.sessionHeld(), true);
      p.arm(1);
      await settle.catch(() => undefined);
      assert.equal(table.sessionHeld(), true, "it may still be ringing at Asterisk");
      table.onResponse(msg([["Response", "Success"], ["ActionID", p.id], ["Message", "Originate successfully queued"]]));
      assert.equal(table.sessionHeld(), false, "its late answer came");
    });

    it("the connection's end rejects what was written and keeps what was queued, unless closing", async () => {
      const table = new InFlightActions(limits, () => undefined);
      const written = add(table, "Status");
      written.p.markSent();
      const queued = add(table, "Ping");
      table.enqueue(queued.p);
      table.connectionEnded(false, new Error("read ECONNRESET"));
      assert.equal((await rejection(written.settle)).code, "ERR_AMI_DISCONNECTED");
      assert.equal(table.size, 1, "the queued one waits for the next session");
      table.connectionEnded(true, undefined);
      assert.equal((await rejection(queued.settle)).code, "ERR_AMI_CLOSED");
      assert.equal(table.queued, 0);
    });
  });
});
