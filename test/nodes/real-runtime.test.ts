import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT } from "./harness";

/**
 * The package installed into a real Node-RED (a user directory with the module in node_modules):
 * the runtime's own registry finds the nodes, serves the icons from nodes/icons/ (beside the
 * node files, the only place Node-RED looks for a package's icons), the editor HTML and help, the message catalogs, the admin
 * catalog endpoint and the examples of Import > Examples.
 */
describe("in a real Node-RED runtime", function () {
  this.timeout(30000);
  let got: Record<string, { status: number; type: string; body: string }>;

  before((done) => {
    execFile(process.execPath, [path.join(__dirname, "real-runtime-child.js"), ROOT], { timeout: 25000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) return done(new Error(`the runtime child failed: ${err.message}\n${stderr}`));
      got = JSON.parse(stdout);
      done();
    });
  });

  it("registers every node type of package.json from this module, without errors", () => {
    const sets = JSON.parse(got.nodeList.body) as Array<{ module: string; types: string[]; enabled: boolean; err?: string }>;
    const ours = sets.filter((s) => s.module === "node-red-contrib-asterisk-ami");
    const declared = Object.keys((JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { "node-red": { nodes: Record<string, string> } })["node-red"].nodes);
    assert.ok(declared.length >= 5);
    assert.deepEqual(ours.flatMap((s) => s.types).sort(), declared.sort());
    for (const s of ours) assert.equal(s.err, undefined, s.err);
  });

  it("serves the node icons", () => {
    for (const key of ["iconIn", "iconAction"]) {
      assert.equal(got[key].status, 200, key);
      assert.match(got[key].type, /image\/svg\+xml/);
      assert.match(got[key].body, /^<svg /);
    }
  });

  it("serves the editor definitions, help and message catalogs", () => {
    const html = got.editorHtml.body;
    for (const type of ["asterisk-ami-server", "asterisk-ami-in", "asterisk-ami-action"]) {
      assert.ok(html.includes(`registerType("${type}"`), `${type} editor definition`);
      assert.ok(html.includes(`data-help-name="${type}"`), `${type} help`);
      assert.ok(html.includes(`data-template-name="${type}"`), `${type} edit dialog`);
    }
    const messages = JSON.parse(got.messages.body);
    assert.equal(messages["node-red-contrib-asterisk-ami/asterisk-ami-in"]["asterisk-ami-in"].paletteLabel, "ami in");
    assert.equal(messages["node-red-contrib-asterisk-ami/asterisk-ami-action"]["asterisk-ami-action"].paletteLabel, "ami action");
  });

  it("serves the catalog endpoint to the editor, only to a logged-in user", () => {
    assert.equal(got.catalogWithoutLogin.status, 401);
    assert.equal(got.catalog.status, 200);
    const catalog = JSON.parse(got.catalog.body);
    assert.ok(catalog.actions.QueueStatus && catalog.events.Hangup);
  });

  it("lists the examples for Import > Examples", () => {
    assert.equal(got.examples.status, 200, got.examples.body);
    const listing = JSON.stringify(JSON.parse(got.examples.body));
    for (const name of ["03 - click-to-call", "07 - mini IVR with Async AGI"]) assert.ok(listing.includes(name), `${name} in ${listing}`);
    assert.equal(got.example.status, 200, got.example.body);
    assert.ok(JSON.parse(got.example.body).some((n: { type: string }) => n.type === "asterisk-ami-action"));
  });
});
