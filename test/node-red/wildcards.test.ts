import * as assert from "node:assert/strict";
import { extensionMatcher, FilterError, listOf, oneOf, wildcardMatcher } from "../../src/node-red/wildcards";

describe("wildcard name lists (pure)", () => {
  it("splits editor text on commas and spaces, dropping duplicates", () => {
    assert.deepEqual(listOf("Hangup, Newchannel,,Hangup  Queue*"), ["Hangup", "Newchannel", "Queue*"]);
    assert.deepEqual(listOf(["6001", " 60* ", 6001, null]), ["6001", "60*"], "an array from the editor");
  });
});

describe("wildcard lists", () => {
  it("* is any run of characters, ? exactly one; every other character is literal", () => {
    const m = wildcardMatcher(["6*", "70?", "a.b*", "(x)+?"]);
    assert.ok(m);
    assert.deepEqual(["6", "6001", "70", "701", "7012"].map(m), [true, true, false, true, false]);
    assert.deepEqual(["a.b", "a.bc", "axbc", "(x)+1", "xx1", "x1"].map(m), [true, true, false, true, false, false], "regex characters in a wildcard item match only themselves");
  });

  it("an empty list lets everything through (no matcher); an extension list never matches an empty value", () => {
    assert.equal(wildcardMatcher([]), undefined);
    assert.equal(extensionMatcher(" , "), undefined);
    const m = extensionMatcher("*");
    assert.ok(m);
    assert.deepEqual([m("6001"), m(""), m(undefined)], [true, false, false]);
  });

  it("splits on semicolons too and ignores what is neither text nor a list", () => {
    assert.deepEqual(listOf("6001;6002\n6003"), ["6001", "6002", "6003"]);
    assert.deepEqual([listOf(undefined), listOf(42), listOf({ a: 1 })], [[], [], []]);
  });

  it("oneOf: each item must be an allowed one, else a FilterError naming it and the choices", () => {
    const steps = ["ringing", "answered", "ended"] as const;
    assert.equal(oneOf("", steps, "unknown-step"), undefined);
    assert.deepEqual(oneOf("ended, ringing", steps, "unknown-step"), new Set(["ended", "ringing"]));
    assert.throws(
      () => oneOf("ringing Ended", steps, "unknown-step"),
      (err: unknown) => err instanceof FilterError && err.key === "unknown-step" && err.message === 'unknown step "Ended" (one of ringing, answered, ended)',
    );
  });
});
