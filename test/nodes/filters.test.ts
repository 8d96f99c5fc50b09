import * as assert from "node:assert/strict";
import { AmiMessage, EventFrame } from "../../src/ami";
import { compileConditions, compileNameFilter, FilterError } from "../../src/node-red/event-filter";
import { listOf } from "../../src/node-red/wildcards";
import { EventRouter } from "../../src/node-red/event-router";
import { CallTracker, CallUpdate } from "../../src/ami/calls";
import { compileCallFilter } from "../../src/node-red/call-filter";
import { compilePresenceFilter } from "../../src/node-red/presence-filter";
import { Presence } from "../../src/ami/presence";
import { loadCapture } from "../helpers/capture-pbx";

const ev = (pairs: Array<[string, string]>) => AmiMessage.from(pairs);
const frame = (name: string) => {
  const bytes = Buffer.from(`Event: ${name}\r\nPrivilege: call,all\r\n`);
  return new EventFrame(name, bytes, 0, bytes.length);
};

describe("ami in filters (pure)", () => {
  it("an empty name list selects every event as '*'", () => {
    assert.equal(compileNameFilter({ names: [] }), "*");
    assert.equal(compileNameFilter({ mode: "regex", regex: "  " }), "*");
  });

  it("matches exact names case-sensitively and wildcards anchored", () => {
    const m = compileNameFilter({ names: ["Newchannel", "Queue*", "Dial?egin"] });
    assert.equal(typeof m, "function");
    const f = m as (n: string) => boolean;
    assert.equal(f("Newchannel"), true);
    assert.equal(f("NewChannel"), false);
    assert.equal(f("QueueMemberStatus"), true);
    assert.equal(f("Queue"), true);
    assert.equal(f("AgentQueue"), false);
    assert.equal(f("DialBegin"), true);
    assert.equal(f("DialEnd"), false);
  });

  it("splits editor text on commas and spaces, dropping duplicates", () => {
    assert.deepEqual(listOf("Hangup, Newchannel,,Hangup  Queue*"), ["Hangup", "Newchannel", "Queue*"]);
    assert.deepEqual(listOf(["6001", " 60* ", 6001, null]), ["6001", "60*"], "an array from the editor");
  });

  it("regex mode tests the whole pattern as written and refuses a bad one", () => {
    const f = compileNameFilter({ mode: "regex", regex: "^(Hangup|Newchannel)$" }) as (n: string) => boolean;
    assert.equal(f("Hangup"), true);
    assert.equal(f("HangupRequest"), false);
    assert.throws(() => compileNameFilter({ mode: "regex", regex: "(" }), FilterError);
  });

  it("field conditions: equals, not equals, regex, exists, all ANDed; repeated headers", () => {
    const e = ev([
      ["Event", "UserEvent"],
      ["Exten", "100"],
      ["Foo", "bar"],
      ["Foo", "baz"],
    ]);
    const t = (c: Parameters<typeof compileConditions>[0]) => (compileConditions(c) as (e: AmiMessage) => boolean)(e);
    assert.equal(t([{ field: "Exten", op: "eq", value: "100" }]), true);
    assert.equal(t([{ field: "exten", op: "eq", value: "100" }]), true, "header names are case-insensitive");
    assert.equal(t([{ field: "Exten", op: "eq", value: "1000" }]), false);
    assert.equal(t([{ field: "Foo", op: "eq", value: "baz" }]), true, "any value of a repeated header");
    assert.equal(t([{ field: "Foo", op: "neq", value: "baz" }]), false, "not equals: none of the values");
    assert.equal(t([{ field: "Foo", op: "neq", value: "qux" }]), true);
    assert.equal(t([{ field: "Exten", op: "regex", value: "^1\\d\\d$" }]), true);
    assert.equal(t([{ field: "Missing", op: "exists" }]), false);
    assert.equal(t([{ field: "Foo", op: "exists" }, { field: "Exten", op: "eq", value: "200" }]), false, "AND");
    assert.equal(compileConditions([]), undefined);
    assert.throws(() => compileConditions([{ field: "A", op: "regex", value: "[" }]), FilterError);
  });
});

describe("event router", () => {
  it("routes by name, caches per name, and removes everything an owner added", () => {
    const router = new EventRouter();
    let changes = 0;
    router.onChange = () => changes++;
    const got: string[] = [];
    let calls = 0;
    router.add("a", (n) => (calls++, n.startsWith("Queue")), (e) => got.push(`a:${e.name}`));
    router.add("a", "*", (e) => got.push(`a*:${e.message.event}`));
    router.add("b", (n) => n === "Hangup", (e) => got.push(`b:${e.name}`));
    assert.equal(changes, 3);
    router.dispatch(frame("QueueParams"));
    router.dispatch(frame("QueueParams"));
    router.dispatch(frame("Hangup"));
    assert.deepEqual(got, ["a:QueueParams", "a*:QueueParams", "a:QueueParams", "a*:QueueParams", "a*:Hangup", "b:Hangup"]);
    assert.equal(calls, 2, "the predicate runs once per distinct name");
    assert.equal(router.removeOwner("a"), 2);
    assert.equal(router.wants("QueueParams"), false);
    assert.equal(router.wants("Hangup"), true);
  });
});

describe("ami calls extension filter: the part the extension plays, on real SIP calls", () => {
  const updatesOf = (capture: string): CallUpdate[] => {
    const tracker = new CallTracker({ now: () => 0 });
    return loadCapture(capture).events.flatMap((f) => tracker.handle(f.msg));
  };
  const accepted = (updates: CallUpdate[], extensions: string, extensionRole?: string): string[] => {
    const filter = compileCallFilter({ extensions, extensionRole });
    return updates.filter((u) => filter.accepts(u)).map((u) => u.step);
  };

  it("Alice (6001) calls Bob (6002), nobody answers: as called only Bob sees it, as caller only Alice", () => {
    const updates = updatesOf("sip-internal-noanswer");
    assert.deepEqual(accepted(updates, "6001"), ["ended"], "any party: the caller's ended (not the ringing of the phone she calls)");
    assert.deepEqual(accepted(updates, "6001", "any"), ["ended"]);
    assert.deepEqual(accepted(updates, "6001", "called"), [], "she made the call: never her missed call");
    assert.deepEqual(accepted(updates, "6001", "caller"), ["ringing", "ended"], "her call, and the other end ringing");
    assert.deepEqual(accepted(updates, "6002", "called"), ["ringing", "ended"]);
    assert.deepEqual(accepted(updates, "6002", "caller"), []);
  });

  it("a queue call: the members rung are called, the caller is not", () => {
    const updates = updatesOf("sip-queue-answered");
    const ended = (ext: string, role: string) => accepted(updates, ext, role).includes("ended");
    assert.deepEqual(["6001", "6002", "6003"].map((e) => ended(e, "called")), [false, true, true]);
    assert.deepEqual(["6001", "6002", "6003"].map((e) => ended(e, "caller")), [true, false, false]);
  });

  it("refuses an unknown role", () => {
    assert.throws(() => compileCallFilter({ extensions: "6001", extensionRole: "callee" }), FilterError);
  });
});

describe("ami presence filter: contexts", () => {
  const ext = (exten: string, context: string): Presence => ({ kind: "extension", id: `${exten}@${context}`, exten, context, state: "idle", changedAt: 0 });
  const dev = (id: string): Presence => ({ kind: "device", id, state: "idle", raw: "NOT_INUSE", changedAt: 0 });
  const entries = [ext("6001", "phones"), ext("6001", "test"), ext("6002", "phones"), ext("6002", "from-internal"), dev("PJSIP/6001")];
  const watched = (spec: Parameters<typeof compilePresenceFilter>[0]) => entries.filter((p) => compilePresenceFilter(spec).watches(p)).map((p) => p.id);

  it("picks the hints of the contexts named (wildcards), leaves devices to the kind setting", () => {
    assert.deepEqual(watched({}), ["6001@phones", "6001@test", "6002@phones", "6002@from-internal"]);
    assert.deepEqual(watched({ contexts: "phones" }), ["6001@phones", "6002@phones"]);
    assert.deepEqual(watched({ contexts: ["phones", "from-*"] }), ["6001@phones", "6002@phones", "6002@from-internal"]);
    assert.deepEqual(watched({ contexts: "phones", kind: "both", extensions: "6001" }), ["6001@phones", "PJSIP/6001"]);
  });

  it("an extension can be named with its context", () => {
    assert.deepEqual(watched({ extensions: "6001@phones" }), ["6001@phones"]);
    assert.deepEqual(watched({ extensions: "*@test, 6002" }), ["6001@test", "6002@phones", "6002@from-internal"]);
  });
});
