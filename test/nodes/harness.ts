import * as path from "node:path";
import { AmiClient } from "../../src/ami";
import { startPbx } from "../../simulator";

/**
 * Shared pieces of the flow tests: the test helper bound to the installed Node-RED, the compiled
 * node files as they ship (nodes/*.js), a config node for the simulated PBX, and small waiting
 * utilities that fail with a message instead of hanging.
 */

export const helper = require("node-red-node-test-helper");
helper.init(require.resolve("node-red"));

export const ROOT = path.join(__dirname, "..", "..", "..");
export const NODES_DIR = path.join(ROOT, "nodes");
export const serverNode = require(path.join(NODES_DIR, "asterisk-ami-server.js"));
export const inNode = require(path.join(NODES_DIR, "asterisk-ami-in.js"));
export const actionNode = require(path.join(NODES_DIR, "asterisk-ami-action.js"));
export const callsNode = require(path.join(NODES_DIR, "asterisk-ami-calls.js"));
export const presenceNode = require(path.join(NODES_DIR, "asterisk-ami-presence.js"));
export const amiNodes = [serverNode, inNode, actionNode, callsNode, presenceNode];

export const ADMIN = { username: "admin", secret: "amp111" };

export type Msg = Record<string, any>;
export interface TestNode {
  id: string;
  on(event: string, fn: (...args: any[]) => void): void;
  removeListener(event: string, fn: (...args: any[]) => void): void;
  receive(msg: Msg): void;
  [key: string]: any;
}

export function server(id: string, port: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    type: "asterisk-ami-server",
    name: "",
    host: "127.0.0.1",
    port: String(port),
    usetls: false,
    authType: "plain",
    events: "on",
    eventClasses: "",
    filters: [],
    keepalive: 0,
    actionTimeout: 5,
    reconnectMin: 0.05,
    reconnectMax: 0.2,
    ...extra,
  };
}

export function node(id: string): TestNode {
  const n = helper.getNode(id);
  if (!n) throw new Error(`node ${id} is not in the flow`);
  return n as TestNode;
}

/** Collects every message a node (usually a helper node) receives. */
export function collect(id: string): Msg[] {
  const got: Msg[] = [];
  node(id).on("input", (msg: Msg) => got.push(msg));
  return got;
}

/**
 * The arguments of every call a node made to a Node method the helper spies on (status, error,
 * warn, log, send...). The helper spies on Node.prototype, so calls are picked by `this`.
 */
export function calls(method: string, id: string): any[][] {
  const spy = helper._NodePrototype[method];
  return spy.getCalls().filter((c: any) => c.thisValue && c.thisValue.id === id).map((c: any) => c.args);
}

export type Status = { fill?: string; shape?: string; text?: string };

/** Every status a node has shown, in order. */
export function statusesOf(id: string): Status[] {
  return calls("status", id).map((args) => args[0] as Status);
}

/** The texts of every status a node showed, in order. */
export function statusTextsOf(id: string): string[] {
  return statusesOf(id).map((s) => String(s.text));
}

export function lastStatus(id: string): Status | undefined {
  const all = statusesOf(id);
  return all[all.length - 1];
}

export async function waitFor(cond: () => boolean, what: string, ms = 4000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(10);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The AmiConnection of a config node (for counting sessions and skipped events). */
export function connectionOf(serverId: string): any {
  return node(serverId).connection;
}

export async function waitConnected(serverId: string): Promise<void> {
  await waitFor(() => connectionOf(serverId).state === "ready", `server ${serverId} to be ready`);
}

// ---- flow pieces: every node sits on tab t1 and has x/y (without them Node-RED takes a node for a config node)

export const TAB = { id: "t1", type: "tab", label: "test" };

/** A helper node: what reaches it can be collected. */
export function sink(id: string): Record<string, unknown> {
  return { id, type: "helper", z: "t1", x: 0, y: 0 };
}

export function catchFor(id: string, scope: string[], wire: string): Record<string, unknown> {
  return { id, type: "catch", z: "t1", x: 0, y: 0, scope, uncaught: false, wires: [[wire]] };
}

export function amiIn(id: string, serverId: string, extra: Record<string, unknown> = {}, wires: string[] = []): Record<string, unknown> {
  return { id, type: "asterisk-ami-in", z: "t1", x: 0, y: 0, server: serverId, name: "", nameMode: "list", names: [], regex: "", conditions: [], wires: [wires], ...extra };
}

export function amiAction(id: string, serverId: string, extra: Record<string, unknown> = {}, wires: string[] = []): Record<string, unknown> {
  return {
    id,
    type: "asterisk-ami-action",
    z: "t1",
    x: 0,
    y: 0,
    server: serverId,
    name: "",
    action: "Ping",
    actionSource: "node",
    fields: [],
    merge: "msg",
    waitForResult: true,
    timeout: "",
    wires: [wires],
    ...extra,
  };
}

export function amiCalls(id: string, serverId: string, extra: Record<string, unknown> = {}, wires: string[] = []): Record<string, unknown> {
  return { id, type: "asterisk-ami-calls", z: "t1", x: 0, y: 0, server: serverId, name: "", extensions: [], directions: [], steps: [], inboundContexts: "", trunkChannels: "", externalDigits: "", wires: [wires], ...extra };
}

export function amiPresence(id: string, serverId: string, extra: Record<string, unknown> = {}, wires: string[] = []): Record<string, unknown> {
  return { id, type: "asterisk-ami-presence", z: "t1", x: 0, y: 0, server: serverId, name: "", extensions: [], kind: "extension", states: [], wires: [wires], ...extra };
}

// The catalog and edit-dialog helpers live in test/helpers/; the node tests import them from here.
export { withCatalogs } from "../helpers/catalog";
export { openDialog } from "../helpers/editor-dialog";

/** A simulated PBX (the lab, time at 1/20) and a client of its own that places calls for a test. */
export interface Lab {
  pbx: Awaited<ReturnType<typeof startPbx>>;
  caller: AmiClient;
}

/** Starts the lab and its caller's session (events off: it only sends actions). */
export async function startLab(): Promise<Lab> {
  const pbx = await startPbx({ port: 0, timeScale: 0.05 });
  const caller = new AmiClient({ host: "127.0.0.1", port: pbx.port, username: "admin", secret: "amp111", keepaliveInterval: 0, events: "off" });
  caller.connect();
  await waitFor(() => caller.state === "ready", "the caller's session");
  return { pbx, caller };
}

/** Unloads the flow, then ends the caller's session and the PBX. */
export async function stopLab(lab: Lab): Promise<void> {
  await helper.unload();
  await lab.caller.close();
  await lab.pbx.close();
}
