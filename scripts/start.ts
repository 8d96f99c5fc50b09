/**
 * npm start: Node-RED 4 with this package loaded and a demo flow deployed, connected to the
 * simulated PBX's SIP lab with background calls (AMI_SIM_SIP=0: the Local-channel lab) and its call
 * centre (AMI_SIM_CALL_CENTRE=0: without) — or to a real Asterisk when AMI_HOST, AMI_PORT,
 * AMI_USERNAME and AMI_SECRET are set. Ctrl-C stops everything.
 *
 * Node-RED runs as its own process (node-red's red.js) with a user dir inside the repo
 * (.node-red-data, gitignored); this package is linked into that user dir's node_modules, so the
 * palette, icons and Import > Examples behave as after `npm install` in ~/.node-red. The demo flow
 * is deployed through the admin API, so the secret is stored the way the editor stores it
 * (encrypted credentials), never written out by this script.
 */
import { ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as path from "node:path";
import { startPbx, SimulatedPbx } from "../simulator";

const ROOT = path.resolve(__dirname, "..", "..");
const USER_DIR = process.env.NODE_RED_USER_DIR ?? path.join(ROOT, ".node-red-data");
/** The editor's port: PORT, else 1880 when it is free, else any free port (see main). */
let UI_PORT = Number(process.env.PORT ?? 1880);
const DEMO_HASH_FILE = path.join(USER_DIR, ".demo-flow-hash");
/** Examples that make up the demo tab, in order. */
const DEMO_EXAMPLES = [
  "01 - ami in - events from Asterisk.json",
  "03 - click-to-call.json",
  "06 - queue status table.json",
  "10 - call log with durations.json",
  "14 - queue wallboard (core nodes).json",
];

type FlowNode = Record<string, unknown> & { id: string; type: string; x?: number; y?: number; z?: string; wires?: string[][] };

interface Target {
  host: string;
  port: number;
  username: string;
  secret: string;
  label: string;
}

function log(message: string): void {
  process.stdout.write(`[npm start] ${message}\n`);
}

function linkPackage(): void {
  const modules = path.join(USER_DIR, "node_modules");
  fs.mkdirSync(modules, { recursive: true });
  const link = path.join(modules, "node-red-contrib-asterisk-ami");
  try {
    if (fs.realpathSync(link) === fs.realpathSync(ROOT)) return;
    fs.rmSync(link, { recursive: true, force: true });
  } catch {
    /* not there yet */
  }
  fs.symlinkSync(ROOT, link, "dir");
}

/** One tab with the demo examples, all sharing one config node that points at the target. */
function demoFlow(target: Target): FlowNode[] {
  const tab = "a5e71c0de0000001";
  const server = "a5e71c0de0000002";
  const flow: FlowNode[] = [
    { id: tab, type: "tab", label: "AMI demo", disabled: false, info: "Deployed by `npm start`. Import > Examples > node-red-contrib-asterisk-ami has each example on its own." },
    {
      id: server,
      type: "asterisk-ami-server",
      name: target.label,
      host: target.host,
      port: String(target.port),
      usetls: false,
      tls: "",
      authType: "md5",
      events: "on",
      eventClasses: "",
      filters: [],
      keepalive: 30,
      actionTimeout: 10,
      reconnectMin: 1,
      reconnectMax: 30,
      credentials: { username: target.username, secret: target.secret },
    },
  ];
  let offsetY = 0;
  for (const file of DEMO_EXAMPLES) {
    const nodes = JSON.parse(fs.readFileSync(path.join(ROOT, "examples", file), "utf8")) as FlowNode[];
    const configIds = new Set(nodes.filter((n) => n.type === "asterisk-ami-server").map((n) => n.id));
    let maxY = 0;
    for (const node of nodes) {
      if (configIds.has(node.id) || node.type === "tab") continue;
      const copy: FlowNode = { ...node, z: tab };
      if (typeof copy.server === "string" && configIds.has(copy.server)) copy.server = server;
      if (typeof copy.y === "number") {
        maxY = Math.max(maxY, copy.y);
        copy.y += offsetY;
      }
      flow.push(copy);
    }
    offsetY += maxY + 60;
  }
  return flow;
}

function request(method: string, urlPath: string, body?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(
      {
        host: "127.0.0.1",
        port: UI_PORT,
        path: urlPath,
        method,
        headers: { "Content-Type": "application/json", "Node-RED-Deployment-Type": "full", ...(data ? { "Content-Length": data.length } : {}) },
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

async function waitForEditor(child: ChildProcess): Promise<void> {
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`Node-RED exited with code ${child.exitCode}`);
    try {
      const r = await request("GET", "/settings");
      if (r.status === 200) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error("Node-RED did not start within 60 s");
}

/**
 * The flows the runtime has, once it has loaded them: the editor's port answers before that, and
 * GET /flows then fails (HTTP 500, "Cannot read properties of null") — that answer must not be
 * taken for flows the user made.
 */
async function currentFlows(): Promise<string> {
  const until = Date.now() + 60_000;
  for (;;) {
    const r = await request("GET", "/flows");
    if (r.status === 200) {
      try {
        if (Array.isArray(JSON.parse(r.body))) return r.body;
      } catch {
        /* not JSON yet */
      }
    }
    if (Date.now() > until) throw new Error(`Node-RED did not load its flows within 60 s: HTTP ${r.status} ${r.body.slice(0, 200)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * Deploys the demo on a fresh user dir, and again on later starts as long as the flows are still
 * the demo as deployed (so a new PBX target or updated examples reach it). Flows the user changed
 * are left alone.
 */
async function deployDemo(target: Target): Promise<boolean> {
  const current = await currentFlows();
  const digest = (text: string) => createHash("sha256").update(text).digest("hex");
  const lastDeployed = fs.existsSync(DEMO_HASH_FILE) ? fs.readFileSync(DEMO_HASH_FILE, "utf8").trim() : "";
  const isEmpty = (JSON.parse(current) as unknown[]).length === 0;
  if (!isEmpty && digest(current) !== lastDeployed) {
    log("your flows differ from the demo: keeping them (delete .node-red-data to get the demo back)");
    return false;
  }
  const r = await request("POST", "/flows", demoFlow(target));
  if (r.status !== 204 && r.status !== 200) throw new Error(`deploying the demo flow failed: HTTP ${r.status} ${r.body}`);
  fs.writeFileSync(DEMO_HASH_FILE, digest((await request("GET", "/flows")).body) + "\n");
  return true;
}

/**
 * The demo's Node-RED settings, written on every start (Node-RED's own settings.js in the user dir
 * is left alone): no "Enable Update Notifications" prompt and no "Welcome to Node-RED" tour over
 * the demo on the first screen; the flows in flows.json as Node-RED's default settings have them.
 */
function writeSettings(): string {
  const file = path.join(USER_DIR, "npm-start-settings.js");
  const settings = {
    flowFile: "flows.json",
    // Telemetry off without asking: the prompt would sit over the demo (the user can still turn it on).
    telemetry: { enabled: false },
    editorTheme: { tours: false, projects: { enabled: false } },
  };
  fs.writeFileSync(file, `// Written by npm start (scripts/start.ts) on every start.\nmodule.exports = ${JSON.stringify(settings, null, 2)};\n`);
  return file;
}

/** What to say when a port Asterisk uses is taken: maybe by an Asterisk, which npm start can use. */
const ASTERISK_HINT = (port: number): string =>
  `If an Asterisk listens on ${port}, npm start can use it instead: AMI_HOST=127.0.0.1 AMI_PORT=${port} AMI_USERNAME=<manager.conf user> AMI_SECRET=<its secret> npm start`;

/** The port 127.0.0.1:port can be listened on as (port 0: the one the system picks), undefined when taken. */
function listenable(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once("error", () => resolve(undefined));
    probe.listen(port, "127.0.0.1", () => {
      const { port: bound } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(bound));
    });
  });
}

/**
 * The editor's port: PORT when set (a clear error when it is taken), else 1880, else a free port
 * (another Node-RED often runs on 1880 already).
 */
async function editorPort(): Promise<number> {
  if (process.env.PORT !== undefined) {
    if ((await listenable(UI_PORT)) === undefined) throw new Error(`port ${UI_PORT} (PORT) is taken: choose another, or leave PORT unset and npm start takes a free port`);
    return UI_PORT;
  }
  if ((await listenable(1880)) !== undefined) return 1880;
  const port = (await listenable(0)) as number;
  log(`port 1880 is taken (another Node-RED?), so the editor takes port ${port}`);
  return port;
}

/** The Asterisk named by AMI_HOST, AMI_PORT, AMI_USERNAME and AMI_SECRET. */
function asteriskTarget(host: string): Target {
  if (!process.env.AMI_USERNAME || !process.env.AMI_SECRET) throw new Error("AMI_HOST is set: set AMI_USERNAME and AMI_SECRET too");
  const target = {
    host,
    port: Number(process.env.AMI_PORT ?? 5038),
    username: process.env.AMI_USERNAME,
    secret: process.env.AMI_SECRET,
    label: `${host}:${process.env.AMI_PORT ?? 5038}`,
  };
  log(`using the Asterisk at ${target.host}:${target.port} as ${target.username}`);
  return target;
}

/**
 * The simulated PBX on AMI_SIM_PORT (a clear error when it is taken), else on 5038, else on a free
 * port (on a PBX host Asterisk already listens on 5038).
 */
async function startSimulatedPbx(): Promise<SimulatedPbx> {
  const callsPerMinute = Number(process.env.AMI_SIM_TRAFFIC ?? 12);
  // The SIP lab (PJSIP phones 6001-6003 and a trunk, docs/simulator.md) unless AMI_SIM_SIP=0,
  // which gives the Local-channel lab of the first captures.
  const sip = process.env.AMI_SIM_SIP !== "0";
  // The call centre (queues sales and support, docs/simulator.md) unless AMI_SIM_CALL_CENTRE=0.
  const callCentre = process.env.AMI_SIM_CALL_CENTRE !== "0";
  const start = (port: number) => startPbx({ port, host: "127.0.0.1", sip, traffic: { callsPerMinute }, callCentre });
  let pbx: SimulatedPbx;
  if (process.env.AMI_SIM_PORT !== undefined) {
    const port = Number(process.env.AMI_SIM_PORT);
    pbx = await start(port).catch((err: NodeJS.ErrnoException) => {
      throw err.code === "EADDRINUSE"
        ? new Error(`port ${port} (AMI_SIM_PORT) is taken: choose another, or leave AMI_SIM_PORT unset and the simulated PBX takes a free port. ${ASTERISK_HINT(port)}`)
        : err;
    });
  } else {
    pbx = await start(5038).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== "EADDRINUSE") throw err;
      const taken = await start(0);
      log(`port 5038 is taken, so the simulated PBX took port ${taken.port}. ${ASTERISK_HINT(5038)}`);
      return taken;
    });
  }
  log(`simulated PBX listening on ${pbx.host}:${pbx.port} (users admin/amp111, limited/limited1), ${sip ? "SIP lab (PJSIP phones 6001 Alice, 6002 Bob, 6003 Carol, trunk provider)" : "Local-channel lab"}, ${callsPerMinute} calls a minute${callCentre ? ", call centre (queues sales and support; AMI_SIM_CALL_CENTRE=0: off)" : ""}`);
  return pbx;
}

/** Node-RED on the editor's port, stopped (then the PBX) on Ctrl-C, SIGTERM or its own exit. */
function startNodeRed(pbx: SimulatedPbx | undefined): ChildProcess {
  const red = spawn(process.execPath, [require.resolve("node-red/red.js", { paths: [ROOT] }), "--userDir", USER_DIR, "--settings", writeSettings(), "--port", String(UI_PORT)], {
    // Relative paths in flows (the call log's CSV file) land in the user dir, not in the repo.
    cwd: USER_DIR,
    stdio: ["ignore", "inherit", "inherit"],
  });
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log("stopping");
    if (red.exitCode === null) {
      red.kill("SIGINT");
      await new Promise<void>((r) => {
        const t = setTimeout(() => (red.kill("SIGKILL"), r()), 10_000);
        red.once("exit", () => (clearTimeout(t), r()));
      });
    }
    await pbx?.close();
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));
  red.on("exit", (code) => void stop(code ?? 0));
  return red;
}

async function main(): Promise<void> {
  fs.mkdirSync(USER_DIR, { recursive: true });
  linkPackage();
  let pbx: SimulatedPbx | undefined;
  let target: Target;
  if (process.env.AMI_HOST) target = asteriskTarget(process.env.AMI_HOST);
  else {
    pbx = await startSimulatedPbx();
    target = { host: pbx.host, port: pbx.port, username: "admin", secret: "amp111", label: "simulated PBX" };
  }
  UI_PORT = await editorPort();
  const red = startNodeRed(pbx);
  await waitForEditor(red);
  const deployed = await deployDemo(target);
  log(deployed ? "demo flow deployed" : "flows left as they were");
  log(`Node-RED editor: http://127.0.0.1:${UI_PORT}/  (open the debug sidebar to see events arrive; Ctrl-C stops)`);
  if (deployed) log(`Queue wallboard: http://127.0.0.1:${UI_PORT}/queue-wallboard  (example 14, live from the PBX's queues)`);
}

main().catch((err: Error) => {
  process.stderr.write(`[npm start] ${err.message}\n`);
  process.exit(1);
});
