import * as net from "node:net";
import * as path from "node:path";
import { inspect } from "node:util";
import { withCatalogs } from "../helpers/catalog";
import { ROOT, helper, inNode, actionNode, serverNode } from "../nodes/harness";

/**
 * Shared pieces of the reliability suite: the nodes with the real en-US message catalog (so the
 * statuses read as the user reads them), every log line and node call as text, a TCP proxy that
 * can hold back or inject server bytes, and small measurements (gc, active handles).
 */

const NR_NODES = path.dirname(require.resolve("@node-red/nodes/package.json", { paths: [ROOT] }));
export const functionNode = require(path.join(NR_NODES, "core", "function", "10-function.js"));
export const debugNode = require(path.join(NR_NODES, "core", "common", "21-debug.js"));
export const tlsNode = require(path.join(NR_NODES, "core", "network", "05-tls.js"));
export const statusNode = require(path.join(NR_NODES, "core", "common", "25-status.js"));

type NodeModule = (red: any) => unknown;
/** RED._ as the editor's en-US catalog answers it ("reconnecting in 1 s", "1234 dropped"). */
export { translate } from "../helpers/catalog";
/** The three nodes (and core nodes when asked), translating with the real catalog. */
export const nodes = (...core: NodeModule[]): NodeModule[] => withCatalogs([serverNode, inNode, actionNode, ...core]);

/** Every line the runtime logged (any level) and every log/warn/error/debug/trace call of a node, as text. */
export function allLogText(): string {
  const lines: string[] = [];
  const spy = helper.log();
  if (spy) for (const c of spy.getCalls()) lines.push(inspect(c.args, { depth: 8 }));
  for (const m of ["log", "warn", "error", "debug", "trace"]) {
    for (const c of helper._NodePrototype[m].getCalls()) lines.push(`${m} ${c.thisValue?.id}: ${inspect(c.args, { depth: 8 })}`);
  }
  return lines.join("\n");
}

/** Messages a node logged with one method (warn, error, log, trace). */
export function logged(method: string, id?: string): string[] {
  return helper._NodePrototype[method]
    .getCalls()
    .filter((c: any) => id === undefined || c.thisValue?.id === id)
    .map((c: any) => String(c.args[0]));
}

/** Forgets what the helper's spies recorded (they keep every call and its node alive). */
export function resetSpies(): void {
  for (const m of ["log", "status", "warn", "error", "debug", "trace", "send"]) helper._NodePrototype[m].resetHistory?.();
  helper.log()?.resetHistory?.();
}

let gcFn: (() => void) | undefined;
/** A full garbage collection (--expose-gc is not needed: the flag is set at run time). */
export function gc(): void {
  if (!gcFn) {
    const g = (globalThis as { gc?: () => void }).gc;
    if (g) gcFn = g;
    else {
      require("node:v8").setFlagsFromString("--expose-gc");
      gcFn = require("node:vm").runInNewContext("gc");
    }
  }
  gcFn!();
  gcFn!();
}

export async function heapAfterGc(): Promise<number> {
  await new Promise((r) => setImmediate(r));
  gc();
  return process.memoryUsage().heapUsed;
}

/** Active handles and requests by kind (Timeout, TCPSocketWrap, Immediate...). */
export function activeResources(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of (process as any).getActiveResourcesInfo() as string[]) out[r] = (out[r] ?? 0) + 1;
  return out;
}

export const MiB = 1024 * 1024;

/** The actions of this name the simulated PBX received, in order. */
export function received<A extends { action: { get(name: string): string | undefined } }>(pbx: { actions: A[] }, name: string): A[] {
  return pbx.actions.filter((a) => String(a.action.get("Action")).toLowerCase() === name.toLowerCase());
}

/**
 * A TCP proxy between Node-RED and the simulated PBX. Server bytes are passed on frame by frame;
 * `hold` keeps frames back (never sent: a list that stops half-way), and inject() writes raw bytes
 * to the client between frames. When the PBX closes a session, the client side is ended too.
 */
export class AmiProxy {
  private server?: net.Server;
  port = 0;
  readonly pairs: Array<{ client: net.Socket; upstream: net.Socket; held: string[] }> = [];
  hold?: (frame: string) => boolean;
  forwarded: string[] = [];

  constructor(private readonly target: number) {}

  async start(): Promise<void> {
    this.server = net.createServer((c) => this.accept(c));
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", () => r()));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  private accept(client: net.Socket): void {
    const upstream = net.connect(this.target, "127.0.0.1");
    const pair = { client, upstream, held: [] as string[] };
    this.pairs.push(pair);
    let buf = "";
    let banner = false;
    upstream.on("data", (d: Buffer) => {
      buf += d.toString("latin1");
      if (!banner) {
        const nl = buf.indexOf("\n");
        if (nl < 0) return;
        client.write(buf.slice(0, nl + 1), "latin1");
        buf = buf.slice(nl + 1);
        banner = true;
      }
      let i: number;
      while ((i = buf.indexOf("\r\n\r\n")) >= 0) {
        const frame = buf.slice(0, i + 4);
        buf = buf.slice(i + 4);
        if (this.hold?.(frame)) pair.held.push(frame);
        else {
          this.forwarded.push(frame);
          if (this.forwarded.length > 2000) this.forwarded.splice(0, 1000);
          client.write(frame, "latin1");
        }
      }
    });
    client.on("data", (d: Buffer) => upstream.write(d));
    upstream.on("close", () => client.end());
    client.on("close", () => upstream.destroy());
    upstream.on("error", () => undefined);
    client.on("error", () => undefined);
  }

  /** The newest client connection still open. */
  get current(): net.Socket | undefined {
    for (let i = this.pairs.length - 1; i >= 0; i--) if (!this.pairs[i].client.destroyed) return this.pairs[i].client;
    return undefined;
  }

  /**
   * Writes `total` bytes made by `chunk(i)` to the current client, honouring backpressure, until
   * the client resets the connection. Resolves with the bytes written.
   */
  async inject(total: number, chunk: (i: number) => Buffer): Promise<number> {
    const sock = this.current;
    if (!sock) throw new Error("no client connection to inject into");
    let written = 0;
    for (let i = 0; written < total && !sock.destroyed && sock.writable; i++) {
      const c = chunk(i);
      written += c.length;
      if (!sock.write(c)) {
        await new Promise<void>((r) => {
          const done = (): void => {
            sock.off("drain", done);
            sock.off("close", done);
            r();
          };
          sock.once("drain", done);
          sock.once("close", done);
        });
      }
    }
    return written;
  }

  async close(): Promise<void> {
    for (const p of this.pairs) {
      p.client.destroy();
      p.upstream.destroy();
    }
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

/** A port nothing listens on (found free, then released). */
export async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", () => r()));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}
