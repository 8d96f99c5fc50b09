import { strict as assert } from "node:assert";
import { EventFrame } from "../../src/ami/event-frame";
import { parseFrame } from "../../src/ami/frame-decoder";
import { AmiMessage } from "../../src/ami/message";
import { Subscriptions, selects } from "../../src/ami/subscriptions";
import { cleanUp, fake, item, makeClient, ready } from "../helpers/client-harness";
import { waitFor, wire } from "../helpers/fake-ami";

/** Subscriptions (src/ami/subscriptions.ts): selectors, message and frame listeners, the per-name cache; through the client and on their own. */
describe("AMI subscriptions", () => {
  afterEach(cleanUp);

  describe("through the client", () => {
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

  describe("on their own", () => {
    const bytes = Buffer.from(wire([["Event", "Hangup"], ["Privilege", "call,all"], ["Channel", "PJSIP/6001-00000005"], ["Cause", "17"]])).subarray(0, -4);
    const hangup = parseFrame(bytes, 0, bytes.length);
    const quiet = () => undefined;

    it("a selector takes a name, a list, \"*\" or a predicate; a predicate that throws says no", () => {
      assert.equal(selects("Hangup", "Hangup"), true);
      assert.equal(selects("Hangup", "HangupRequest"), false);
      assert.equal(selects("*", "Anything"), true);
      assert.equal(selects(["DialBegin", "DialEnd"], "DialEnd"), true);
      assert.equal(selects(["DialBegin"], "DialEnd"), false);
      assert.equal(selects(["DialBegin", "*"], "DialEnd"), true);
      assert.equal(selects((n) => n.startsWith("Queue"), "QueueMemberAdded"), true);
      assert.equal(
        selects(() => {
          throw new Error("bad predicate");
        }, "Hangup"),
        false,
      );
    });

    it("the listeners of a name are asked of the selectors once, again only after a subscription came or went", () => {
      const subs = new Subscriptions(quiet);
      let asked = 0;
      const off = subs.subscribe((n) => (asked++, n === "Hangup"), quiet);
      assert.equal(subs.listenersFor("Hangup").messages.length, 1);
      subs.listenersFor("Hangup");
      assert.equal(asked, 1, "cached");
      subs.subscribeFrames("Newchannel", quiet);
      assert.equal(subs.listenersFor("Hangup").frames.length, 0);
      assert.equal(asked, 2, "a new subscription cleared the cache");
      off();
      off();
      assert.equal(subs.count, 1, "removing twice removes once");
      assert.equal(subs.listenersFor("Hangup").messages.length, 0);
    });

    it("the cache holds at most 4096 names: a peer inventing names cannot grow it", () => {
      const subs = new Subscriptions(quiet);
      let asked = 0;
      subs.subscribe(() => (asked++, false), quiet);
      for (let i = 0; i < 4096; i++) subs.listenersFor(`Invented${i}`);
      subs.listenersFor("Invented0");
      assert.equal(asked, 4096, "4096 names fit");
      subs.listenersFor("Invented4096");
      subs.listenersFor("Invented0");
      assert.equal(asked, 4098, "the 4097th name emptied the cache");
    });

    it("a listener that throws is reported by name; the others still get the event, then its frame is released", () => {
      const errors: string[] = [];
      const subs = new Subscriptions((name, err) => errors.push(`${name}: ${(err as Error).message}`));
      const got: string[] = [];
      subs.subscribe("Hangup", () => {
        throw new Error("boom");
      });
      subs.subscribe("*", (e) => got.push(`message ${e.get("Cause")}`));
      let kept: EventFrame | undefined;
      subs.subscribeFrames("Hangup", (f) => {
        kept = f;
        throw new Error("frame boom");
      });
      subs.subscribeFrames("Hangup", (f) => got.push(`frame ${f.message.get("Cause")}`));
      subs.deliver(hangup, "Hangup", subs.listenersFor("Hangup"), () => new EventFrame("Hangup", bytes, 0, bytes.length, hangup));
      assert.deepEqual(got, ["message 17", "frame 17"]);
      assert.deepEqual(errors, ["Hangup: boom", "Hangup: frame boom"]);
      const unread = new EventFrame("Hangup", bytes, 0, bytes.length);
      subs.deliverFrame(unread, []);
      assert.throws(() => unread.message, /after its listener returned/, "released once delivered");
      assert.ok(kept);
    });
  });
});
