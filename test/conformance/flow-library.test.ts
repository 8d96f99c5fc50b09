import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The flow library's check N01 (no node type already used by a published package), which
 * `npm run validate` can only run against an empty catalogue offline: our registered types
 * against the types of the Asterisk packages already in the flow library — node-red-contrib-asterisk
 * style AMI nodes (`Asterisk-AMI`) and the ARI packages (`asterisk_ari`, `ari_client`, `ari_*`).
 * Node-RED keeps one registry of type names for every installed package, so a clash would stop
 * one of the two packages from loading. Types are compared case-insensitively (the flow library
 * and users' eyes do; Node-RED itself does not), and every type must carry our own prefix.
 */

const ROOT = path.resolve(__dirname, "..", "..", "..");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));

/** Types registered by the files package.json lists, read from the editor files (registerType). */
function registeredTypes(): string[] {
  const types = new Set<string>(Object.keys(pkg["node-red"].nodes));
  for (const file of Object.values<string>(pkg["node-red"].nodes)) {
    const html = path.join(ROOT, file.replace(/\.js$/, ".html"));
    for (const m of fs.readFileSync(html, "utf8").matchAll(/RED\.nodes\.registerType\(\s*["']([^"']+)["']/g)) types.add(m[1]);
  }
  return [...types].sort();
}

/** Types of the Asterisk packages in the flow library: exact names, and name patterns. */
const TAKEN_NAMES = ["Asterisk-AMI", "asterisk_ari", "ari_client"];
const TAKEN_PATTERNS = [/^ari_/i];

describe("flow library conformance (N01 offline): our node types", () => {
  const types = registeredTypes();

  it("are the package's registered types, each with our prefix", () => {
    assert.ok(types.length >= 3, `types: ${types.join(",")}`);
    for (const t of types) assert.match(t, /^asterisk-ami-[a-z-]+$/, t);
  });

  it("collide with no type of the Asterisk packages already in the flow library (case-insensitive)", () => {
    for (const t of types) {
      for (const taken of TAKEN_NAMES) assert.notEqual(t.toLowerCase(), taken.toLowerCase(), `${t} collides with ${taken}`);
      for (const re of TAKEN_PATTERNS) assert.doesNotMatch(t, re, `${t} falls in ${re}`);
    }
  });

  it("are unique among themselves, case-insensitively", () => {
    assert.equal(new Set(types.map((t) => t.toLowerCase())).size, types.length);
  });
});
