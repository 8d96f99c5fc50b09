import * as fs from "node:fs";
import * as path from "node:path";
import * as assert from "node:assert/strict";
import { AmiClient } from "../../src/ami";
import { startPbx } from "../../simulator";
import { startCapturePbx } from "./capture-pbx";
import { ADMIN, Msg, ROOT, amiNodes, collect, helper, sleep, waitConnected, waitFor } from "../nodes/harness";

/**
 * What the example flow tests (test/nodes/examples/) share: every example flow (examples/, shown in
 * Import > Examples) loads in the test runtime with the node modules it needs, and its automation
 * runs against the simulated PBX. Debug nodes are swapped for helper nodes with the same ids, so
 * the assertions read what the user would see in the debug sidebar.
 */

export type Pbx = Awaited<ReturnType<typeof startPbx>>;

const CORE = path.join(path.dirname(require.resolve("@node-red/nodes/package.json")), "core");
const core = (file: string) => require(path.join(CORE, file));
export const CORE_NODES: Record<string, unknown> = {
  inject: core("common/20-inject.js"),
  comment: core("common/90-comment.js"),
  change: core("function/15-change.js"),
  csv: core("parsers/70-CSV.js"),
  file: core("storage/10-file.js"),
  "file in": core("storage/10-file.js"),
  "websocket out": core("network/22-websocket.js"),
  function: core("function/10-function.js"),
  switch: core("function/10-switch.js"),
  "mqtt out": core("network/10-mqtt.js"),
  "mqtt-broker": core("network/10-mqtt.js"),
  "websocket in": core("network/22-websocket.js"),
  "http in": core("network/21-httpin.js"),
  "http response": core("network/21-httpin.js"),
  template: core("function/80-template.js"),
};
/** FlowFuse Dashboard 2.0 (a devDependency): example 13 only, which says it needs the package. */
export const DASHBOARD_PACKAGE = "@flowfuse/node-red-dashboard";
const DASHBOARD_DIR = path.join(path.dirname(require.resolve(`${DASHBOARD_PACKAGE}/package.json`)), "nodes");
export const DASHBOARD_NODES: Record<string, unknown> = Object.fromEntries(
  ["config/ui_base", "config/ui_page", "config/ui_group", "config/ui_theme", "widgets/ui_template", "widgets/ui_table"].map((f) => [
    path.basename(f).replace("_", "-"),
    require(path.join(DASHBOARD_DIR, `${f}.js`)),
  ]),
);
const queuesNode = require(path.join(ROOT, "nodes", "asterisk-ami-queues.js"));
export const OURS = new Set(["asterisk-ami-server", "asterisk-ami-in", "asterisk-ami-action", "asterisk-ami-calls", "asterisk-ami-presence", "asterisk-ami-queues"]);
// catch is loaded by the helper itself; debug becomes the helper node.
const PROVIDED = new Set(["catch", "debug", "websocket-listener"]);
const CONFIG_TYPES = new Set(["asterisk-ami-server", "websocket-listener", "mqtt-broker", "ui-base", "ui-page", "ui-group", "ui-theme"]);

export const EXAMPLES_DIR = path.join(ROOT, "examples");

export function readExample(file: string): Msg[] {
  return JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, file), "utf8"));
}

/** The example as a test flow: on a tab, debug nodes as helper nodes, the server pointed at the PBX. */
export function prepare(nodes: Msg[], pbx: Pbx, patch: (n: Msg) => void = () => undefined): { flow: Msg[]; creds: Record<string, unknown>; modules: unknown[] } {
  const flow: Msg[] = [{ id: "tab", type: "tab", label: "example" }];
  const creds: Record<string, unknown> = {};
  const modules = new Set<unknown>([...amiNodes, queuesNode]);
  for (const original of nodes) {
    const n: Msg = JSON.parse(JSON.stringify(original));
    if (!CONFIG_TYPES.has(n.type)) n.z = "tab";
    if (n.type === "debug") {
      n.type = "helper";
    } else if (n.type === "asterisk-ami-server") {
      n.host = "127.0.0.1";
      n.port = String(pbx.port);
      n.reconnectMin = 0.05;
      n.reconnectMax = 0.2;
      creds[n.id] = ADMIN;
    }
    const mod = CORE_NODES[n.type] ?? DASHBOARD_NODES[n.type];
    if (mod) modules.add(mod);
    else if (!OURS.has(n.type) && !PROVIDED.has(n.type) && n.type !== "helper") throw new Error(`example uses node type ${n.type} that the test does not load`);
    patch(n);
    flow.push(n);
  }
  return { flow, creds, modules: [...modules] };
}

/** The id of the example's one server node. */
export function serverId(nodes: Msg[]): string {
  return nodes.find((n) => n.type === "asterisk-ami-server")!.id;
}

/**
 * The hooks of an example suite: the test helper's server around it, a fresh lab PBX (time at
 * 1/20) for each test handed to `use`, the flow unloaded and that PBX closed after it.
 * restartPbx swaps the PBX for one started with other options (the call centre).
 */
export function useExamplePbx(use: (pbx: Pbx) => void): { restartPbx(options: Partial<Parameters<typeof startPbx>[0]>): Promise<void> } {
  let pbx: Pbx | undefined;
  const start = async (options: Partial<Parameters<typeof startPbx>[0]> = {}): Promise<void> => {
    pbx = await startPbx({ port: 0, timeScale: 0.05, ...options });
    use(pbx);
  };
  before(async () => {
    await helper.startServer();
    // The helper runs a node module's function again at each load (a runtime does it once), and
    // the websocket nodes and the dashboard's socket.io each add an 'upgrade' listener to the
    // server that outlives the load: one per loaded example with a websocket or a dashboard, past
    // Node's warning at 10 in this file. Test-only; not a leak of the examples.
    helper._server.setMaxListeners(50);
  });
  after(async () => {
    await helper.stopServer();
  });
  beforeEach(() => start());
  afterEach(async () => {
    await helper.unload();
    await pbx?.close();
  });
  return {
    async restartPbx(options) {
      await pbx?.close();
      await start(options);
    },
  };
}

/**
 * An example run on real SIP phone calls: loaded against a capture played back (its connect-time
 * lists answered as that PBX answered them), `ready` run once connected (a websocket client, an
 * inject), then the capture's events sent. Returns what the named debug nodes got.
 */
export async function runOnSip(
  file: string,
  capture: string,
  debugIds: string[],
  options: { patch?: (n: Msg) => void; collected?: (got: Msg[][]) => void; ready?: () => Promise<void>; done?: () => void; speed?: number } = {},
): Promise<Msg[][]> {
  const nodes = readExample(file);
  const sip = await startCapturePbx(capture);
  try {
    const { flow, creds, modules } = prepare(nodes, { port: sip.port } as Pbx, options.patch);
    await helper.load(modules, flow, creds);
    const got = debugIds.map((id) => collect(id));
    options.collected?.(got);
    await waitConnected(serverId(nodes));
    await sleep(100); // the trackers' lists at connect
    await options.ready?.();
    try {
      const delivered = await sip.play(capture, { speed: options.speed });
      assert.ok(delivered > 20, `${capture}: only ${delivered} events reached Node-RED`);
      await sleep(200);
    } finally {
      options.done?.();
    }
    await helper.unload();
    return got;
  } finally {
    await sip.close();
  }
}

// Calls are placed as in test/simulator/call-paths.test.ts.

/** A session of its own (events off) that places calls on the PBX. */
export async function dialler(pbx: Pbx): Promise<AmiClient> {
  const c = new AmiClient({ host: "127.0.0.1", port: pbx.port, username: "admin", secret: "amp111", keepaliveInterval: 0, events: "off" });
  c.connect();
  await waitFor(() => c.state === "ready", "the dialler's session");
  return c;
}
export function place(c: AmiClient, channel: string, opts: { callerId?: string; talk?: number; timeoutMs?: number } = {}): Promise<unknown> {
  return c.send("Originate", {
    Channel: channel, Application: "Wait", Data: String(opts.talk ?? 4), CallerID: opts.callerId ?? '"Lena Hoffmann" <+4930555123>',
    Timeout: String(opts.timeoutMs ?? 30000), Async: "true",
  });
}
