import * as assert from "node:assert/strict";
import { AmiMessage } from "../../src/ami";
import { compileConditions, compileNameFilter, FilterError } from "../../src/node-red/event-filter";

const ev = (pairs: Array<[string, string]>) => AmiMessage.from(pairs);

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
