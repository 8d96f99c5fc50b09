import * as assert from "node:assert/strict";
import { Pbx, readExample, prepare, serverId, useExamplePbx, runOnSip, dialler, place } from "../../helpers/example-flows";
import { Msg, collect, helper, waitConnected, waitFor } from "../harness";

/**
 * Example 11, the presence panel: the snapshot, then each change, keyed by extension@context, on
 * the lab PBX and on real SIP phones played back.
 */

describe("example flows", function () {
  this.timeout(30000);
  let pbx: Pbx;
  useExamplePbx((p) => (pbx = p));

  it("11 presence panel on real SIP phones: 6001@phones and 6001@test are two entries; the call moves the phones' ones", async () => {
    const last = (got: Msg[]) => got[got.length - 1]?.payload;
    let panelsSoFar: Msg[] = [];
    const [panels] = await runOnSip("11 - presence panel data.json", "sip-presence", ["d11"], {
      ready: async () => {
        helper.getNode("k11").receive({});
        await waitFor(() => last(panelsSoFar) && Object.keys(last(panelsSoFar)).length === 5, "the panel from the snapshot (ExtensionStateList as this PBX answered it)");
        assert.deepEqual(Object.keys(last(panelsSoFar)).sort(), ["6001@phones", "6001@test", "6002@phones", "6002@test", "6003@phones"]);
      },
      collected: (got) => (panelsSoFar = got[0]),
    });
    const history = (id: string) => panels.map((m) => m.payload[id]?.state).filter((st, i, a) => st !== a[i - 1]);
    assert.deepEqual(history("6002@phones"), ["idle", "ringing", "in use", "idle"]);
    assert.deepEqual(history("6001@phones"), ["idle", "in use", "idle"]);
    assert.deepEqual([history("6001@test"), history("6002@test")], [["idle"], ["idle"]], "the Custom: hints never overwrite the phones'");
  });

  it("11 presence panel: the snapshot and then each change, one object keyed by extension@context", async () => {
    const nodes = readExample("11 - presence panel data.json");
    const { flow, creds, modules } = prepare(nodes, pbx);
    await helper.load(modules, flow, creds);
    const panels = collect("d11");
    await waitConnected(serverId(nodes));
    helper.getNode("k11").receive({});
    const last = () => panels[panels.length - 1]?.payload;
    await waitFor(() => last()?.["6001@test"]?.state === "idle" && last()?.["6002@test"]?.state === "idle", "the panel from the snapshot");
    assert.deepEqual(Object.keys(last()).sort(), ["6001@test", "6002@test"]);
    // (through JSON: the function node builds the object in its own realm)
    assert.deepEqual(JSON.parse(JSON.stringify(last()["6001@test"])), { exten: "6001", context: "test", state: "idle", since: last()["6001@test"].since });
    assert.equal(typeof last()["6001@test"].since, "number");
    const c = await dialler(pbx);
    try {
      await place(c, "Local/6001@phones", { talk: 10 });
      await waitFor(() => last()["6001@test"].state === "in use", "6001 in use on the panel");
      assert.equal(last()["6002@test"].state, "idle", "the other extensions stay in the object");
      await waitFor(() => last()["6001@test"].state === "idle", "6001 idle again", 8000);
    } finally {
      await c.close();
    }
    const seen = panels.map((m) => m.payload["6001@test"]?.state).filter((s, i, a) => s !== a[i - 1]);
    assert.deepEqual(seen.slice(-4), ["idle", "ringing", "in use", "idle"]);
  });
});
