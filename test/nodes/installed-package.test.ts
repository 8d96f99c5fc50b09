import * as assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ROOT } from "./harness";

/**
 * The package as a user gets it: `npm pack` of this build (what `npm publish` uploads), installed
 * with npm into a fresh project the way a PBX host without internet access installs it, then used
 * from TypeScript. What the tarball holds, that installing it runs no script of ours, and that
 * the core's type declarations serve a strict TypeScript consumer.
 */

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
/** The lifecycle scripts npm runs when a package is installed as a dependency (npm 11 lists them for approval). */
const INSTALL_SCRIPTS = ["preinstall", "install", "postinstall", "prepare"];

function npm(args: string[], cwd: string): { status: number | null; out: string } {
  // A user's shell: none of the npm_* variables of the `npm test` (or npx) that runs this suite,
  // which would change what npm reports (under npx the install-scripts warning is not printed).
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  const r = spawnSync("npm", args, { cwd, encoding: "utf8", env: { ...env, npm_config_update_notifier: "false" } });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

describe("the package as installed (npm pack, npm install of the tarball, TypeScript)", function () {
  this.timeout(120000);
  let work = "";
  let tarball = "";
  let files: string[] = [];

  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "ami-installed-"));
    // --ignore-scripts: pack this build as it is (npm test built it); `prepack` would rebuild.
    const packed = npm(["pack", "--ignore-scripts", "--json", "--pack-destination", work], ROOT);
    assert.equal(packed.status, 0, packed.out);
    const info = JSON.parse(packed.out.slice(packed.out.indexOf("["), packed.out.lastIndexOf("]") + 1))[0];
    files = info.files.map((f: { path: string }) => f.path).sort();
    tarball = path.join(work, info.filename);
  });

  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it("holds what Node-RED and TypeScript users need, once, and nothing of the repository's tooling", () => {
    for (const type of Object.keys(pkg["node-red"].nodes)) {
      assert.ok(files.includes(`nodes/${type}.js`) && files.includes(`nodes/${type}.html`), type);
      assert.ok(files.includes(`nodes/locales/en-US/${type}.json`) && files.includes(`nodes/locales/en-US/${type}.html`), `${type} labels and help`);
    }
    for (const icon of fs.readdirSync(path.join(ROOT, "nodes", "icons"))) assert.ok(files.includes(`nodes/icons/${icon}`), icon);
    const svgs = files.filter((f) => f.endsWith(".svg"));
    assert.equal(new Set(svgs.map((f) => path.basename(f))).size, svgs.length, `each icon once: ${svgs.join(", ")}`);
    for (const example of fs.readdirSync(path.join(ROOT, "examples"))) assert.ok(files.includes(`examples/${example}`), example);
    assert.ok(files.includes("nodes/catalog/ami-facts.json"));
    assert.ok(files.includes("resources/editor.js"), "the dialogs' shared editor script");
    assert.ok(files.includes("nodes/ami/index.d.ts") && files.includes("nodes/ami/client.d.ts"), "the core's types");
    const declarations = files.filter((f) => f.endsWith(".d.ts"));
    assert.deepEqual(declarations.filter((f) => !f.startsWith("nodes/ami/")), [], "types only for the public core, not the Node-RED glue");
    for (const js of files.filter((f) => f.startsWith("nodes/ami/") && f.endsWith(".js"))) {
      assert.ok(files.includes(js.replace(/\.js$/, ".d.ts")), `${js} has its declaration`);
    }
    const stray = files.filter((f) => /^(src|test|build|bench|simulator|scripts|docs|icons|\.ci)\//.test(f) || /\.(tgz|ts\.map|log)$/.test(f) || f.startsWith("tsconfig"));
    assert.deepEqual(stray, [], "no sources, tests, tooling, screenshots or tarballs");
    assert.ok(fs.statSync(tarball).size < 1024 * 1024, `the tarball is ${fs.statSync(tarball).size} bytes`);
  });

  it("declares no script that npm runs on install; a clone still builds on npm install and packing builds first", () => {
    for (const s of INSTALL_SCRIPTS) assert.equal(pkg.scripts[s], undefined, `package.json has no "${s}" script`);
    assert.match(pkg.scripts.preprepare, /npm run build/, "npm install in a clone builds (root-only hook)");
    assert.match(pkg.scripts.prepack, /npm run build/, "npm pack / npm publish build first");
    const gitignore = fs.readFileSync(path.join(ROOT, ".gitignore"), "utf8");
    assert.match(gitignore, /^\*\.tgz$/m, "a packed tarball is git-ignored");
  });

  it("installs from the tarball offline with no install script reported, and loads", () => {
    const app = path.join(work, "app");
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "pbx-host", version: "1.0.0", private: true }));
    const r = npm(["install", "--offline", "--no-audit", "--no-fund", "--loglevel=warn", tarball], app);
    assert.equal(r.status, 0, r.out);
    assert.doesNotMatch(r.out, /install.?scripts|allowScripts|prepare/i, `npm reported a script to run:\n${r.out}`);
    const installed = path.join(app, "node_modules", pkg.name);
    assert.ok(!fs.lstatSync(installed).isSymbolicLink(), "a real copy, not a link to the clone");
    assert.ok(!fs.existsSync(path.join(installed, "src")) && !fs.existsSync(path.join(installed, "node_modules")));
    const out = execFileSync(process.execPath, ["-e", `const ami = require(${JSON.stringify(pkg.name + "/nodes/ami")}); console.log(typeof ami.AmiClient, typeof ami.trackCalls)`], { cwd: app, encoding: "utf8" });
    assert.equal(out.trim(), "function function");
  });

  it("serves a strict TypeScript consumer (the README's examples) from the installed .d.ts", () => {
    const app = path.join(work, "app");
    assert.ok(fs.existsSync(path.join(app, "node_modules", pkg.name)), "installed by the previous test");
    const src = path.join(app, "src");
    fs.mkdirSync(src, { recursive: true });
    fs.copyFileSync(path.join(ROOT, "test", "fixtures", "ts-consumer", "consumer.ts"), path.join(src, "consumer.ts"));
    const tsconfig = {
      compilerOptions: {
        target: "ES2022", module: "commonjs", moduleResolution: "node10", strict: true, noEmit: true,
        types: ["node"], typeRoots: [path.join(ROOT, "node_modules", "@types")], skipLibCheck: false,
      },
      include: ["src/**/*.ts"],
    };
    fs.writeFileSync(path.join(app, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
    const tsc = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");
    const run = () => spawnSync(process.execPath, [tsc, "-p", app], { cwd: app, encoding: "utf8" });
    const ok = run();
    assert.equal(ok.status, 0, `tsc --noEmit failed:\n${ok.stdout}${ok.stderr}`);
    // The same consumer with a real type error: the declarations must catch it.
    fs.appendFileSync(path.join(src, "consumer.ts"), `\nconst n: number = new AmiClient({ host: "h", port: 1, username: "u", secret: "s" }).send("Ping");\n`);
    const bad = run();
    assert.notEqual(bad.status, 0, "a Promise assigned to a number must not compile");
    assert.match(bad.stdout, /TS2322/);
  });
});
