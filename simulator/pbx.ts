import { createServer, Server, Socket } from "node:net";
import { createServer as createTlsServer, Server as TlsServer } from "node:tls";
import { AmiMessage } from "../src/ami/message";
import { AmiSession } from "./session";
import { PbxEvent, classOf } from "./events";
import { handleAction } from "./actions";
import { CallEngine } from "./calls";
import { DeviceStates } from "./devices";
import { Queues } from "./queues";
import { SipLab } from "./sip";
import { Dialplan } from "./dialplan";
import { PbxUser, resolveConfig } from "./config";
import { floodEvents } from "./flood";
import { Traffic, seededRandom } from "./traffic";
import { SipTraffic } from "./sip-traffic";
import { CallCentre, CallCentreOptions } from "./call-centre";
import { CALL_CENTRE_QUEUES, callCentreDialplan } from "./call-centre-lab";

export const BANNER = "Asterisk Call Manager/11.0.0";

export interface PbxCoreOptions {
  /** 0 = ephemeral (default 0). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default: the capture lab's admin/amp111 (all), limited/limited1 (call), filtered/filt1 (all + eventfilters). */
  users?: PbxUser[];
  /** Also listen with TLS. */
  tls?: { key: string | Buffer; cert: string | Buffer; port?: number };
  /** Delay before a failed login is answered and closed; default 1000 (capture `login-bad-secret`). */
  authFailDelayMs?: number;
  /**
   * Background calls in the lab's mix (ring group, queue, unanswered, abandoned, busy, internal,
   * outbound), arriving at random around this rate of real time; see simulator/traffic.ts.
   * `seed` makes the sequence of calls (kinds, callers, durations, gaps) repeat run after run.
   */
  traffic?: { callsPerMinute: number; seed?: number };
  /** Multiplies dialplan waits (0.05 makes a 1 s Wait take 50 ms). */
  timeScale?: number;
  /** A JSON file with users / queues / dialplan / deviceStates / globals (see simulator/config.ts). */
  config?: string;
  /**
   * The SIP lab of the captures `sip-*` (simulator/sip.ts): PJSIP endpoints 6001 Alice, 6002 Bob,
   * 6003 Carol and the `provider` trunk, driven through `SimulatedPbx.phones`. Off by default: its
   * context `phones` is the captures' (`_600X` dials PJSIP/600X), not the default lab's Local one.
   */
  sip?: boolean;
  /**
   * The call centre (simulator/call-centre.ts, docs/simulator.md "The call centre"): queues sales (4 agents)
   * and support (6 agents, 2 shared with sales), agents Local/20xx@agents logged in, callers placed
   * into context `callcentre`, driven through `SimulatedPbx.callCentre`. `true` adds its background
   * traffic (peaks, abandons, pauses, logouts); `{ traffic: false }` only what a test does;
   * `{ seed }` repeats the traffic's arrivals. Off by default (the captures' lab has no such queues).
   */
  callCentre?: boolean | CallCentreOptions;
}

/**
 * The simulated Asterisk: listeners, sessions, and the telephony state the actions work on.
 * `index.ts` exposes it as the SimulatedPbx contract.
 */
export class PbxCore {
  readonly users: PbxUser[];
  readonly dialplan: Dialplan;
  readonly globals: Map<string, string>;
  readonly devices: DeviceStates;
  readonly queues: Queues;
  readonly calls: CallEngine;
  /** The SIP lab's phones (option `sip`), simulator/sip.ts. */
  readonly sip?: SipLab;
  /** The call centre (option `callCentre`), simulator/call-centre.ts. */
  readonly callCentre?: CallCentre;
  readonly startedAt = Date.now();
  reloadedAt = this.startedAt;
  readonly timeScale: number;
  readonly authFailDelayMs: number;
  readonly host: string;
  port: number;
  tlsPort?: number;
  readonly actions: Array<{ session: number; action: AmiMessage; at: number }> = [];
  readonly sessions = new Set<AmiSession>();
  halfOpen = false;
  refuseLogins = false;
  responseDelayMs = 0;
  private nextSessionId = 1;
  private server?: Server;
  private tlsServer?: TlsServer;
  private traffic?: Traffic | SipTraffic;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Who sees every event before the sessions filter it (the call centre); a handful at most. */
  private readonly watchers = new Set<(ev: PbxEvent) => void>();

  constructor(private readonly opts: PbxCoreOptions) {
    const config = resolveConfig(opts.users, opts.config);
    const centre = opts.callCentre === true ? {} : opts.callCentre || undefined;
    if (centre) config.queues = [...config.queues, ...CALL_CENTRE_QUEUES.filter((q) => !config.queues.some((c) => c.name === q.name))];
    this.users = config.users;
    this.dialplan = centre ? { ...config.dialplan, ...callCentreDialplan(config.queues.map((q) => q.name)) } : config.dialplan;
    this.globals = new Map(Object.entries(config.globals));
    this.timeScale = opts.timeScale ?? 1;
    this.authFailDelayMs = opts.authFailDelayMs ?? 1000;
    this.host = opts.host ?? "127.0.0.1";
    this.port = opts.port ?? 0;
    this.tlsPort = opts.tls ? opts.tls.port ?? 0 : undefined;
    const broadcast = (ev: PbxEvent): void => this.broadcast(ev);
    this.queues = new Queues(
      {
        broadcast,
        setDevice: (device, state) => this.devices.set(device, state),
        isDeviceInUse: (device) => this.devices.state(device) === "INUSE",
        scale: (ms) => ms * this.timeScale,
      },
      config.queues,
    );
    this.devices = new DeviceStates(
      {
        dialplan: this.dialplan,
        channels: () => this.calls.channels.values(),
        broadcast,
        onDeviceUse: (device, inUse) => this.queues.deviceUse(device, inUse),
      },
      config.deviceStates,
    );
    this.calls = new CallEngine({
      dialplan: this.dialplan,
      devices: this.devices,
      queues: this.queues,
      globals: this.globals,
      channelVars: config.channelVars,
      scale: (ms) => ms * this.timeScale,
      broadcast,
    });
    if (opts.sip) this.sip = new SipLab({ calls: this.calls, broadcast, scale: (ms) => ms * this.timeScale });
    if (centre) {
      const host = { calls: this.calls, queues: this.queues, scale: (ms: number) => ms * this.timeScale, watch: (l: (ev: PbxEvent) => void) => this.watch(l) };
      this.callCentre = new CallCentre(host, centre);
    }
  }

  get uptimeSeconds(): number {
    return Math.floor((Date.now() - this.startedAt) / 1000);
  }

  // ---- listening ----------------------------------------------------------------------------

  async listen(): Promise<void> {
    this.server = createServer((socket) => this.accept(socket));
    this.port = await listenOn(this.server, this.port, this.host);
    if (this.opts.tls) {
      this.tlsServer = createTlsServer({ key: this.opts.tls.key, cert: this.opts.tls.cert }, (socket) => this.accept(socket));
      this.tlsPort = await listenOn(this.tlsServer, this.tlsPort ?? 0, this.host);
    }
    this.startTraffic();
    this.callCentre?.start();
  }

  private accept(socket: Socket): void {
    const session = new AmiSession(
      this.nextSessionId++,
      socket,
      {
        isHalfOpen: () => this.halfOpen,
        responseDelayMs: () => this.responseDelayMs,
        received: (s, action) => this.actions.push({ session: s.id, action, at: Date.now() }),
        handle: (s, action) => handleAction(this, s, action),
        closed: (s) => this.sessions.delete(s),
      },
      BANNER,
    );
    if (this.halfOpen) socket.pause();
    this.sessions.add(session);
  }

  // ---- events -------------------------------------------------------------------------------

  broadcast(ev: PbxEvent): void {
    for (const w of this.watchers) w(ev);
    if (this.halfOpen) return;
    for (const s of this.sessions) s.deliver(ev);
  }

  /** Sees every event the PBX publishes; returns the unsubscribe. */
  watch(listener: (ev: PbxEvent) => void): () => void {
    this.watchers.add(listener);
    return () => this.watchers.delete(listener);
  }

  /** emitEvent() of the public API: the fields as given; the class from Privilege or the name. */
  emitRaw(fields: Record<string, string | string[]> | Array<[string, string]>): void {
    const flat: string[] = [];
    const pairs = Array.isArray(fields) ? fields : Object.entries(fields).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x] as [string, string]) : [[k, v] as [string, string]]));
    for (const [k, v] of pairs) flat.push(k, v);
    const msg = new AmiMessage(flat);
    const name = msg.get("Event") ?? "";
    this.broadcast(new PbxEvent(name, classOf(name, msg.get("Privilege")), flat));
  }

  // ---- time ---------------------------------------------------------------------------------

  /** Waits real time (not scaled); the timer is cancelled by close(). */
  sleepReal(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  /** `2026-11-26T03:20:12.254+0000` (EventTV). */
  eventTime(): string {
    return new Date().toISOString().replace("Z", "+0000");
  }

  /** [YYYY-MM-DD, HH:MM:SS] in UTC, as CoreStatus prints them. */
  dateTime(ms: number): [string, string] {
    const iso = new Date(ms).toISOString();
    return [iso.slice(0, 10), iso.slice(11, 19)];
  }

  /** The configuration files GetConfig can read: queues.conf from the queue setup. */
  configFile(name: string): Map<string, string[]> | undefined {
    if (name !== "queues.conf") return undefined;
    const out = new Map<string, string[]>([["general", ["persistentmembers=no"]]]);
    for (const q of this.queues.byName.values()) {
      const lines = [`strategy=${q.strategy}`, "timeout=5", "joinempty=yes"];
      // The call centre's queues (the capture lab's have none of these).
      if (!q.ringinuse) lines.push("ringinuse=no");
      if (q.wrapupTime > 0) lines.push(`wrapuptime=${q.wrapupTime}`);
      if (q.serviceLevel > 0) lines.push(`servicelevel=${q.serviceLevel}`);
      const statics = q.members.filter((m) => m.membership === "static");
      if (statics.length === 0) lines.push("leavewhenempty=no");
      for (const m of statics) lines.push(`member=${m.iface},${m.penalty},${m.name}`);
      out.set(q.name, lines);
    }
    return out;
  }

  // ---- background traffic -------------------------------------------------------------------

  /**
   * Calls in the lab's mix at `traffic.callsPerMinute` until the listeners stop: Originates into
   * the Local-channel contexts (traffic.ts), or with `sip` the SIP phones and trunk driven through
   * the phone API (sip-traffic.ts).
   */
  private startTraffic(): void {
    const rate = this.opts.traffic?.callsPerMinute ?? 0;
    if (rate <= 0) return;
    const seed = this.opts.traffic?.seed;
    const random = seed === undefined ? Math.random : seededRandom(seed);
    this.traffic = this.sip
      ? new SipTraffic(this.sip, (ms) => ms * this.timeScale, rate, random)
      : new Traffic(this.calls, this.devices, rate, random);
    this.traffic.start();
  }

  // ---- faults -------------------------------------------------------------------------------

  dropAll(): void {
    for (const s of this.sessions) s.destroy();
  }

  flood(events: number, writeTimeoutMs?: number, perSecond?: number): Promise<void> {
    return floodEvents([...this.sessions].filter((s) => s.loggedIn), events, writeTimeoutMs, perSecond);
  }

  async restart(): Promise<void> {
    this.broadcast(PbxEvent.of("Shutdown", "system", [["Shutdown", "Cleanly"], ["Restart", "True"]]));
    await this.stopListening();
    await this.listen();
  }

  async close(): Promise<void> {
    await this.stopListening();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.callCentre?.close();
    this.calls.stop();
    this.sip?.stop();
  }

  private async stopListening(): Promise<void> {
    this.traffic?.stop();
    this.traffic = undefined;
    this.callCentre?.stop();
    const closing = [this.server, this.tlsServer].filter((s): s is Server => s !== undefined).map((srv) => new Promise<void>((resolve) => srv.close(() => resolve())));
    // Let what was written (Shutdown) leave before the sockets go.
    for (const s of this.sessions) s.end();
    await new Promise((r) => setTimeout(r, 10));
    for (const s of this.sessions) s.destroy();
    this.sessions.clear();
    await Promise.all(closing);
    this.server = undefined;
    this.tlsServer = undefined;
  }
}

function listenOn(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const addr = server.address();
      resolve(typeof addr === "object" && addr ? addr.port : port);
    });
  });
}
