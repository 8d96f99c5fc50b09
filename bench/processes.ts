import { ChildProcess, fork } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..", "..");

/**
 * The pieces the Node-RED benchmarks share: a child process of the same script spoken to over IPC,
 * the simulated PBX run in one (a real Asterisk never shares Node-RED's event loop), and a real
 * Node-RED with this package and the bench's own nodes.
 */

export interface Child {
  proc: ChildProcess;
  /** The next message the child sends (in order; waits for one). */
  next(): Promise<any>;
}

/** Forks `script` with `args` (its mode) and keeps what it sends in order. */
export function child(script: string, args: string[], execArgv: string[] = []): Child {
  const proc = fork(script, args, { stdio: ["ignore", "inherit", "inherit", "ipc"], execArgv });
  const inbox: any[] = [];
  const waiters: Array<(m: any) => void> = [];
  proc.on("message", (m) => (waiters.length > 0 ? waiters.shift()!(m) : inbox.push(m)));
  return { proc, next: () => new Promise((r) => (inbox.length > 0 ? r(inbox.shift()) : waiters.push(r))) };
}

/**
 * In a child: the simulated PBX on a free port (sent first as { port }). Commands: flood (events,
 * perSecond: answered when written, with the sessions logged in before and after and the seconds
 * it took) and close.
 */
export async function runPbx(): Promise<void> {
  const { startPbx } = await import("../simulator");
  const pbx = await startPbx({ port: 0 });
  process.send?.({ port: pbx.port });
  process.on("message", (m: { cmd: string; events?: number; perSecond?: number }) => {
    void (async () => {
      if (m.cmd === "flood") {
        const t0 = performance.now();
        const loggedInBefore = pbx.loggedIn;
        await pbx.flood({ events: m.events ?? 0, perSecond: m.perSecond });
        process.send?.({ flooded: m.events, seconds: (performance.now() - t0) / 1000, loggedInBefore, loggedInAfter: pbx.loggedIn });
      } else if (m.cmd === "close") {
        await pbx.close();
        process.exit(0);
      }
    })();
  });
  process.on("disconnect", () => process.exit(0));
}

/** The flood's helpers (simulator/flood.ts), for the source of a node that runs in Node-RED. */
export const FLOOD_MODULE = require.resolve("../simulator/flood");

/** The config node of the benches' flows: the simulated PBX at 127.0.0.1:port, events on. */
export function benchServer(port: number): Record<string, unknown> {
  return { id: "s1", type: "asterisk-ami-server", name: "", host: "127.0.0.1", port: String(port), usetls: false, authType: "plain", events: "on", eventClasses: "", filters: [], keepalive: 30, actionTimeout: 10, reconnectMin: 1, reconnectMax: 5 };
}

/**
 * A real Node-RED in this process, as a user has it: a fresh user dir with this package installed
 * (linked), the bench's own node types (`nodes`: type -> the module's source, each with an input
 * and no output unless `outputs` says so), `flow` deployed with the admin login for `s1`.
 */
export async function startNodeRed(opts: { prefix: string; nodes: Record<string, { source: string; inputs?: number; outputs?: number }>; flow: Array<Record<string, unknown>>; server?: http.Server }): Promise<{ RED: any; userDir: string }> {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), opts.prefix));
  fs.mkdirSync(path.join(userDir, "node_modules"));
  fs.symlinkSync(ROOT, path.join(userDir, "node_modules", "node-red-contrib-asterisk-ami"), "dir");
  fs.writeFileSync(path.join(userDir, "package.json"), JSON.stringify({ name: "bench", dependencies: { "node-red-contrib-asterisk-ami": "*" } }));
  const nodesDir = path.join(userDir, "bench-nodes");
  fs.mkdirSync(nodesDir);
  for (const [type, node] of Object.entries(opts.nodes)) {
    fs.writeFileSync(path.join(nodesDir, `${type}.js`), node.source);
    const def = { category: "function", defaults: {}, inputs: node.inputs ?? 1, outputs: node.outputs ?? 0 };
    fs.writeFileSync(path.join(nodesDir, `${type}.html`), `<script type="text/javascript">RED.nodes.registerType(${JSON.stringify(type)},${JSON.stringify(def)});</script>\n`);
  }
  fs.writeFileSync(path.join(userDir, "flows.json"), JSON.stringify(opts.flow));
  fs.writeFileSync(path.join(userDir, "flows_cred.json"), JSON.stringify({ s1: { username: "admin", secret: "amp111" } }));
  const RED = require(require.resolve("node-red", { paths: [ROOT] }));
  RED.init(opts.server ?? http.createServer(), { userDir, flowFile: "flows.json", credentialSecret: false, nodesDir: [nodesDir], httpAdminRoot: false, httpNodeRoot: false, logging: { console: { level: "error" } }, editorTheme: { tours: false, projects: { enabled: false } } });
  await RED.start();
  return { RED, userDir };
}
