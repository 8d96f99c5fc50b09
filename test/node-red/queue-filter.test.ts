import * as assert from "node:assert/strict";
import type { QueueChange } from "../../src/ami";
import { compileQueueFilter } from "../../src/node-red/queue-filter";
import { FilterError } from "../../src/node-red/wildcards";

const change = (kind: QueueChange["kind"], queue: string): QueueChange => ({ kind, queue });

describe("ami queues filter", () => {
  it("an empty filter watches every queue and sends every kind of change, with no service level of its own", () => {
    const f = compileQueueFilter({});
    assert.equal(f.watches("support"), true);
    assert.equal(f.accepts(change("queue-removed", "anything")), true);
    assert.equal(f.serviceLevel, undefined);
    assert.equal(compileQueueFilter({ queues: " ", changes: [], serviceLevel: "  " }).serviceLevel, undefined, "blank fields from the editor");
  });

  it("watches the queues named, with wildcards, case-sensitively", () => {
    const f = compileQueueFilter({ queues: "support, sales-*" });
    assert.deepEqual(["support", "sales-north", "sales-", "Support", "presales-x", ""].map((q) => f.watches(q)), [true, true, true, false, false, false]);
    assert.equal(f.accepts(change("answered", "sales-south")), true);
    assert.equal(f.accepts(change("answered", "billing")), false, "a change of a queue not watched");
  });

  it("sends only the kinds of change named, of the queues watched", () => {
    const f = compileQueueFilter({ queues: ["support"], changes: ["abandoned", "answered"] });
    assert.equal(f.accepts(change("abandoned", "support")), true);
    assert.equal(f.accepts(change("caller-joined", "support")), false);
    assert.equal(f.accepts(change("abandoned", "sales")), false);
    assert.equal(f.watches("support"), true, "the kinds say nothing about which queues are watched");
  });

  it("refuses a kind of change it does not know, naming it and the known ones", () => {
    assert.throws(
      () => compileQueueFilter({ changes: "answered, hungup" }),
      (err: unknown) => err instanceof FilterError && /"hungup"/.test(err.message) && /caller-joined/.test(err.message),
    );
  });

  it("takes a service level in seconds (text or number) and refuses one that is not a number of seconds", () => {
    assert.equal(compileQueueFilter({ serviceLevel: "30" }).serviceLevel, 30);
    assert.equal(compileQueueFilter({ serviceLevel: 0 }).serviceLevel, 0);
    assert.equal(compileQueueFilter({ serviceLevel: " 12.5 " }).serviceLevel, 12.5);
    for (const bad of ["-1", "soon", "Infinity"]) assert.throws(() => compileQueueFilter({ serviceLevel: bad }), FilterError, bad);
  });
});
