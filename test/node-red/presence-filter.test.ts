import * as assert from "node:assert/strict";
import { compilePresenceFilter } from "../../src/node-red/presence-filter";
import { Presence } from "../../src/ami/presence";

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
