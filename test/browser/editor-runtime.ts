/**
 * What the browser tests drive: a real Node-RED (its own process, red.js) with this package
 * linked into a fresh user dir, as after `npm install` in ~/.node-red, and Debian's Chromium
 * through playwright-core (which never downloads a browser of its own).
 */
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

export const ROOT = path.resolve(__dirname, "..", "..", "..");
export const PACKAGE = "node-red-contrib-asterisk-ami";
/** FlowFuse Dashboard 2.0: a devDependency, for the queue wallboard example (13) only. */
export const DASHBOARD = "@flowfuse/node-red-dashboard";
export const CHROMIUM = process.env.AMI_TEST_CHROMIUM ?? "/usr/bin/chromium";

/**
 * Chromium's flags: headless on a machine without a display or sandbox, and without the
 * background networking (updates, sync, field trials) that would otherwise keep knocking on a
 * closed network.
 */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Where the screenshots go: AMI_SCREENSHOT_DIR, else build/screenshots (not committed). */
export const SCREENSHOT_DIR = process.env.AMI_SCREENSHOT_DIR ?? path.join(ROOT, "build", "screenshots");

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface Fetched {
  status: number;
  body: string;
}

export function httpRequest(port: number, method: string, urlPath: string, body?: unknown, accept = "application/json"): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        path: urlPath,
        method,
        headers: { Accept: accept, ...(data ? { "Content-Type": "application/json", "Content-Length": data.length } : {}) },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on("error", reject);
    req.end(data);
  });
}

export interface NodeRedProcess {
  port: number;
  url: string;
  userDir: string;
  /** Everything Node-RED printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Node-RED from the repo's devDependencies (or from AMI_TEST_NODE_RED_DIR, a folder with another
 * node-red installed), in a fresh user dir with this package linked into its node_modules.
 */
export async function startNodeRed(): Promise<NodeRedProcess> {
  const port = await freePort();
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), "ami-browser-"));
  fs.mkdirSync(path.join(userDir, "node_modules"));
  fs.symlinkSync(ROOT, path.join(userDir, "node_modules", PACKAGE), "dir");
  // Example 13 needs the Dashboard 2.0 nodes (a devDependency). Node-RED from this repo finds them
  // beside itself; a Node-RED from elsewhere (AMI_TEST_NODE_RED_DIR: the Node-RED 5 line) only here.
  fs.mkdirSync(path.join(userDir, "node_modules", path.dirname(DASHBOARD)), { recursive: true });
  fs.symlinkSync(path.join(ROOT, "node_modules", DASHBOARD), path.join(userDir, "node_modules", DASHBOARD), "dir");
  fs.writeFileSync(path.join(userDir, "package.json"), JSON.stringify({ name: "user", dependencies: { [PACKAGE]: "*", [DASHBOARD]: "*" } }));
  const settings = {
    uiHost: "127.0.0.1",
    flowFile: "flows.json",
    credentialSecret: "browser-test",
    // No welcome tour over the canvas.
    editorTheme: { tours: false },
    // No consent dialog and no update check (the network is closed).
    telemetry: { enabled: false, updateNotification: false },
    // The palette manager would fetch the flow library's catalogue at load (a closed network
    // here): this test is about our nodes, not about installing others.
    externalModules: { palette: { allowInstall: false } },
    logging: { console: { level: "info" } },
  };
  const settingsFile = path.join(userDir, "settings.js");
  fs.writeFileSync(settingsFile, `module.exports = ${JSON.stringify(settings, null, 2)};\n`);
  const nodeRedPaths = process.env.AMI_TEST_NODE_RED_DIR ? [process.env.AMI_TEST_NODE_RED_DIR] : [ROOT];
  const redJs = require.resolve("node-red/red.js", { paths: nodeRedPaths });
  let out = "";
  const child: ChildProcess = spawn(process.execPath, [redJs, "--userDir", userDir, "--settings", settingsFile, "--port", String(port)], {
    cwd: userDir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGINT");
      await new Promise<void>((r) => {
        const t = setTimeout(() => (child.kill("SIGKILL"), r()), 10_000);
        child.once("exit", () => (clearTimeout(t), r()));
      });
    }
    fs.rmSync(userDir, { recursive: true, force: true });
  };
  const until = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Node-RED exited with code ${child.exitCode}:\n${out}`);
    if (Date.now() > until) {
      await stop();
      throw new Error(`Node-RED did not start within 60 s:\n${out}`);
    }
    try {
      if ((await httpRequest(port, "GET", "/settings")).status === 200 && /Started flows/.test(out)) break;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { port, url: `http://127.0.0.1:${port}/`, userDir, output: () => out, stop };
}
