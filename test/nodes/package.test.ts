import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ROOT } from "./harness";

/**
 * What Node-RED itself reads from the package: the node-red section, the editor files, the
 * message catalogs and help, the icons (found by Node-RED's own module scanner), the examples.
 */

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
const TYPES = ["asterisk-ami-server", "asterisk-ami-in", "asterisk-ami-action", "asterisk-ami-calls", "asterisk-ami-presence", "asterisk-ami-queues"];
const read = (...p: string[]) => fs.readFileSync(path.join(ROOT, ...p), "utf8");

function lookup(catalog: any, key: string): unknown {
  return key.split(".").reduce((o, k) => (o && typeof o === "object" ? o[k] : undefined), catalog);
}

describe("package for Node-RED", () => {
  it("registers the six node files, which exist next to their editor files", () => {
    assert.deepEqual(Object.keys(pkg["node-red"].nodes).sort(), [...TYPES].sort());
    for (const type of TYPES) {
      const file = pkg["node-red"].nodes[type];
      assert.equal(file, `nodes/${type}.js`);
      assert.ok(fs.existsSync(path.join(ROOT, file)), `${file} is built`);
      assert.ok(fs.existsSync(path.join(ROOT, "nodes", `${type}.html`)), `${type}.html`);
    }
    assert.match(pkg["node-red"].version, /^>=\d+\.\d+\.\d+$/);
  });

  it("every label key the editor uses is in the en-US catalog, and every node has help", () => {
    for (const type of TYPES) {
      const html = read("nodes", `${type}.html`);
      const catalog = JSON.parse(read("nodes", "locales", "en-US", `${type}.json`));
      const keys = new Set<string>();
      for (const m of html.matchAll(/data-i18n="(?:\[[a-z]+\])?([^"]+)"/g)) keys.add(m[1]);
      for (const m of html.matchAll(/\._\("([^"]+)"/g)) keys.add(m[1]);
      assert.ok(keys.size > 3, `${type} uses catalog labels`);
      for (const key of keys) {
        if (key.startsWith("node-red:")) continue;
        if (key.endsWith("-")) {
          // a prefix completed at run time: every completion must exist
          for (const op of ["eq", "neq", "regex", "exists"]) assert.equal(typeof lookup(catalog, key + op), "string", `${type}: ${key}${op}`);
          continue;
        }
        assert.equal(typeof lookup(catalog, key), "string", `${type}: ${key} is in the catalog`);
      }
      const help = read("nodes", "locales", "en-US", `${type}.html`);
      assert.match(help, new RegExp(`data-help-name="${type}"`));
      const first = /<p>([^<]+)<\/p>/.exec(help);
      assert.ok(first && first[1].length > 30 && first[1].length < 160, `${type}: the first paragraph is a short palette tooltip`);
      assert.match(help, /<h3>References<\/h3>[\s\S]*docs\.asterisk\.org/);
      assert.match(help, /<h3>Details<\/h3>/);
      if (type !== "asterisk-ami-server") assert.match(help, /<h3>Outputs<\/h3>[\s\S]*message-properties/);
    }
    assert.match(read("nodes", "locales", "en-US", "asterisk-ami-action.html"), /<h3>Inputs<\/h3>/);
  });

  it("the runtime's status keys exist in the catalogs", () => {
    const server = JSON.parse(read("nodes", "locales", "en-US", "asterisk-ami-server.json"));
    for (const k of ["connecting", "connected", "reconnecting", "auth-failed", "disconnected"]) {
      assert.equal(typeof lookup(server, `asterisk-ami-server.status.${k}`), "string", k);
    }
    assert.match(String(lookup(server, "asterisk-ami-server.status.reconnecting")), /__seconds__/);
    const action = JSON.parse(read("nodes", "locales", "en-US", "asterisk-ami-action.json"));
    for (const k of ["in-flight", "ok", "failed"]) assert.equal(typeof lookup(action, `asterisk-ami-action.status.${k}`), "string", k);
  });

  it("Node-RED's module scanner finds every icon a node names (nodes/icons/, shipped once)", () => {
    // Node-RED only looks for icons in an icons/ folder beside each node's .js file.
    const userDir = fs.mkdtempSync(path.join(os.tmpdir(), "ami-icons-"));
    try {
      fs.mkdirSync(path.join(userDir, "node_modules"));
      fs.symlinkSync(ROOT, path.join(userDir, "node_modules", pkg.name), "dir");
      const scanner = require("@node-red/registry/lib/localfilesystem");
      scanner.init({ userDir });
      const mod = scanner.getModuleFiles(pkg.name)[pkg.name];
      const found = new Map<string, string>();
      for (const dir of mod.icons) for (const icon of dir.icons) found.set(icon, path.join(dir.path, icon));
      for (const type of ["asterisk-ami-in", "asterisk-ami-action"]) {
        const icon = /icon:\s*"([^"]+)"/.exec(read("nodes", `${type}.html`))?.[1];
        assert.ok(icon, `${type} names an icon`);
        assert.ok(found.has(icon), `${icon} is found by the scanner (found: ${[...found.keys()].join(", ")})`);
        const svg = fs.readFileSync(found.get(icon)!, "utf8");
        assert.match(svg, /^<svg[^>]+viewBox="0 0 40 60"/);
      }
      assert.deepEqual(mod.icons.map((d: { path: string }) => path.relative(path.join(userDir, "node_modules", pkg.name), d.path)), [path.join("nodes", "icons")], "one icon folder");
      assert.ok(mod.examples && fs.existsSync(mod.examples.path), "the examples folder is found too");
    } finally {
      fs.rmSync(userDir, { recursive: true, force: true });
    }
  });

  it("README images resolve on the npm and flow-library pages (docs/ is not shipped): absolute URLs to this repository's files", () => {
    const repo = /github\.com\/([^/]+\/[^/.]+)/.exec(pkg.repository.url)?.[1];
    assert.ok(repo, "package.json names the GitHub repository");
    const readme = read("README.md");
    const images = [...readme.matchAll(/<img[^>]*\ssrc="([^"]+)"/g), ...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)/g)].map((m) => m[1]);
    assert.ok(images.length >= 3, "the README shows the screenshots");
    const base = `https://raw.githubusercontent.com/${repo}/main/`;
    for (const src of images) {
      assert.ok(src.startsWith(base), `${src} is not under ${base}`);
      assert.ok(fs.existsSync(path.join(ROOT, src.slice(base.length))), `${src}: the file is in the repository`);
    }
    // Links to the repository's docs (not shipped): absolute, and each names a file that exists.
    const blob = `https://github.com/${repo}/blob/main/`;
    const links = [...readme.matchAll(/\]\((https:\/\/github\.com\/[^)#\s]+)/g)].map((m) => m[1]).filter((u) => u.startsWith(`https://github.com/${repo}/`));
    assert.ok(links.length >= 5, "the README links to the docs");
    for (const link of links) {
      assert.ok(link.startsWith(blob), `${link} is not under ${blob}`);
      assert.ok(fs.existsSync(path.join(ROOT, link.slice(blob.length))), `${link}: the file is in the repository`);
    }
    assert.deepEqual([...readme.matchAll(/\]\((?!https?:|#)([^)]+)\)/g)].map((m) => m[1]), [], "no relative links (they break on the npm and flow-library pages)");
    for (const anchor of [...readme.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1])) {
      const headings = [...readme.matchAll(/^#+ (.*)$/gm)].map((m) => m[1].toLowerCase().replace(/[^a-z0-9 -]/g, "").replace(/ /g, "-"));
      assert.ok(headings.includes(anchor), `#${anchor} names a heading of the README`);
    }
  });

  it("ships the Asterisk catalog inside nodes/ (what npm publishes)", () => {
    const facts = JSON.parse(read("nodes", "catalog", "ami-facts.json"));
    assert.ok(Object.keys(facts.actions).length > 100);
    assert.ok(pkg.files.includes("nodes/"));
  });
});
