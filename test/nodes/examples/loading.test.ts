import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { Pbx, DASHBOARD_PACKAGE, DASHBOARD_NODES, OURS, EXAMPLES_DIR, readExample, prepare, useExamplePbx } from "../../helpers/example-flows";
import { ROOT, helper } from "../harness";

/**
 * Every example flow as a whole: only core nodes and ours (Dashboard 2.0's where it says so), a
 * comment that explains it, one server node and no secret, debug nodes that show the payload, a
 * load with nothing missing, and every property our editors define.
 */

describe("example flows", function () {
  this.timeout(30000);
  let pbx: Pbx;
  useExamplePbx((p) => (pbx = p));

  const files = fs.readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith(".json"));

  it("every example uses only core nodes and ours (and Dashboard 2.0's, saying so), explains itself in a comment, and loads with nothing missing", async () => {
    assert.ok(files.length >= 7, `${files.length} examples`);
    for (const file of files) {
      const nodes = readExample(file);
      assert.ok(nodes.some((n) => n.type === "comment" && String(n.info ?? "").length > 40), `${file} has an explaining comment`);
      if (nodes.some((n) => n.type in DASHBOARD_NODES)) {
        assert.ok(nodes.some((n) => n.type === "comment" && String(n.info).includes(`install ${DASHBOARD_PACKAGE}`)), `${file}: a comment says it needs ${DASHBOARD_PACKAGE}`);
      }
      assert.equal(nodes.filter((n) => n.type === "asterisk-ami-server").length, 1, `${file} has one server node`);
      assert.ok(!JSON.stringify(nodes).includes("amp111"), `${file} carries no secret`);
      // What a user wants at a glance in the debug sidebar: the payload (the event name is the
      // message's topic), or what went wrong after a Catch node; never the whole message folded up.
      const caught = new Set(nodes.filter((n) => n.type === "catch").flatMap((n) => (n.wires as string[][]).flat()));
      for (const d of nodes.filter((n) => n.type === "debug")) {
        assert.equal(d.complete, caught.has(d.id) ? "error" : "payload", `${file}: debug node ${d.name ?? d.id} shows ${caught.has(d.id) ? "msg.error" : "msg.payload"}`);
      }
      const { flow, creds, modules } = prepare(nodes, pbx);
      await helper.load(modules, flow, creds);
      for (const n of nodes) assert.ok(helper.getNode(n.id), `${file}: node ${n.id} (${n.type}) is running`);
      await helper.unload();
    }
    const both = new Set(files.flatMap((f) => readExample(f).map((n) => n.type)));
    for (const t of OURS) assert.ok(both.has(t), `an example uses ${t}`);
  });

  it("every node of ours in the examples has every property its editor defines (opening it and clicking Done changes nothing)", () => {
    for (const file of fs.readdirSync(EXAMPLES_DIR)) {
      for (const n of readExample(file)) {
        if (!OURS.has(n.type)) continue;
        const html = fs.readFileSync(path.join(ROOT, "nodes", `${n.type}.html`), "utf8");
        const block = /defaults:\s*\{([\s\S]*?)\n\s*\},\n/.exec(html)?.[1] ?? "";
        const keys = [...block.matchAll(/^\s*(\w+):\s*\{/gm)].map((m) => m[1]);
        assert.ok(keys.length > 3, `${n.type}: defaults read from its editor file`);
        const missing = keys.filter((k) => !(k in n));
        assert.deepEqual(missing, [], `${file}: ${n.type} "${n.name}" lacks ${missing.join(", ")}`);
      }
    }
  });
});
