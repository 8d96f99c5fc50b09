import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildCatalog, EditorCatalog } from "../../src/node-red/catalog";

const ROOT = path.join(__dirname, "..", "..", "..");
/** The module as Node-RED loads it: beside nodes/catalog/, where FACTS_FILE points. */
const shipped = () => require(path.join(ROOT, "nodes", "node-red", "catalog.js")) as { loadCatalog: (file?: string) => EditorCatalog };

describe("the editor's action and event catalog", () => {
  const facts = {
    asteriskVersion: "22.10.1",
    actions: {
      Ping: { params: [{ name: "ActionID" }] },
      Originate: { params: [{ name: "ActionID" }, { name: "Channel", required: true }, { name: "Exten" }, { name: "Async", required: false }] },
    },
    events: { Hangup: { fields: ["Channel", "Cause"], classes: ["call"] }, FullyBooted: {} },
    runtime: { registeredActions: { Originate: ["originate"] } },
  };

  it("keeps names, parameters (without ActionID) and the required ones, sorted by name", () => {
    const c = buildCatalog(facts);
    assert.equal(c.asteriskVersion, "22.10.1");
    assert.deepEqual(Object.keys(c.actions), ["Originate", "Ping"]);
    assert.deepEqual(c.actions.Originate, { params: ["Channel", "Exten", "Async"], required: ["Channel"], classes: ["originate"] });
    assert.deepEqual(c.actions.Ping, { params: [], required: [], classes: [] }, "an action any logged-in user may send");
    assert.deepEqual(Object.keys(c.events), ["FullyBooted", "Hangup"]);
    assert.deepEqual(c.events.Hangup, { fields: ["Channel", "Cause"], classes: ["call"] });
    assert.deepEqual(c.events.FullyBooted, { fields: [], classes: [] });
  });

  it("copes with facts that lack any part, and shares no array with them", () => {
    assert.deepEqual(buildCatalog({}), { asteriskVersion: "", actions: {}, events: {} });
    const c = buildCatalog(facts);
    c.actions.Originate.classes.push("system");
    c.events.Hangup.fields.push("X");
    assert.deepEqual(facts.runtime.registeredActions.Originate, ["originate"]);
    assert.deepEqual(facts.events.Hangup.fields, ["Channel", "Cause"]);
  });

  it("reads a facts file given by path each time it is asked, even once the shipped one is cached", () => {
    const { loadCatalog } = shipped();
    loadCatalog();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ami-catalog-"));
    const file = path.join(dir, "facts.json");
    try {
      fs.writeFileSync(file, JSON.stringify(facts));
      assert.deepEqual(Object.keys(loadCatalog(file).actions), ["Originate", "Ping"]);
      fs.writeFileSync(file, JSON.stringify({ ...facts, actions: {} }));
      assert.deepEqual(loadCatalog(file).actions, {});
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the shipped catalog (nodes/catalog/ami-facts.json, Asterisk 22) is read once and offers what the editor needs", () => {
    const c = shipped().loadCatalog();
    assert.equal(shipped().loadCatalog(), c, "cached");
    assert.match(c.asteriskVersion, /^22\./);
    assert.deepEqual(c.actions.Originate.required, ["Channel"]);
    assert.ok(!c.actions.Originate.params.includes("ActionID"));
    assert.deepEqual(c.actions.Originate.classes, ["originate"]);
    assert.deepEqual(c.events.Hangup.classes, ["call"]);
  });
});
