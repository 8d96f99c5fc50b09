import * as assert from "node:assert/strict";
import { DEFAULT_BACKLOG_MB, MB, backlogSettings, describeBacklog } from "../../src/node-red/backlog-settings";

describe("ami in Backlog settings", () => {
  it("a bound in MB (64 by default), an optional bound in events", () => {
    assert.deepEqual(backlogSettings({}), { bytes: DEFAULT_BACKLOG_MB * MB });
    assert.deepEqual(backlogSettings({ backlogSize: "", backlog: "" }), { bytes: 64 * MB });
    assert.deepEqual(backlogSettings({ backlogSize: "8" }), { bytes: 8 * MB });
    assert.deepEqual(backlogSettings({ backlogSize: 0.25 }), { bytes: 0.25 * MB });
    assert.deepEqual(backlogSettings({ backlogSize: "16", backlog: "5000" }), { bytes: 16 * MB, events: 5000 });
    // Out of range or not a number: bounded, or the default.
    assert.deepEqual(backlogSettings({ backlogSize: "100000" }), { bytes: 1024 * MB });
    assert.deepEqual(backlogSettings({ backlogSize: "0.01" }), { bytes: Math.round(0.1 * MB) });
    assert.deepEqual(backlogSettings({ backlogSize: "lots", backlog: "-3" }), { bytes: 64 * MB });
    assert.deepEqual(backlogSettings({ backlog: "1e9" }), { bytes: 64 * MB, events: 10_000_000 });
  });

  it("a flow saved by an earlier version keeps its number of events; one that left it empty gets the new default", () => {
    // Earlier versions had only `backlog` (events), empty meaning 1000: an empty one now means no
    // bound in events (the bytes bound applies), a number is kept as the bound in events.
    assert.deepEqual(backlogSettings({ backlog: "" }), { bytes: 64 * MB });
    assert.deepEqual(backlogSettings({ backlog: "2500" }), { bytes: 64 * MB, events: 2500 });
    assert.deepEqual(backlogSettings({ backlog: 1000 }), { bytes: 64 * MB, events: 1000 });
  });

  it("says the bound in the warnings' words", () => {
    assert.equal(describeBacklog({ bytes: 64 * MB }), "64 MB");
    assert.equal(describeBacklog({ bytes: 0.25 * MB }), "0.25 MB");
    assert.equal(describeBacklog({ bytes: 64 * MB, events: 2500 }), "64 MB or 2,500 events");
  });

});
