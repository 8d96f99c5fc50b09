import { createHash } from "node:crypto";
import { EventEmitter } from "node:events";
import * as net from "node:net";
import * as tls from "node:tls";
import { ActionIdSource } from "./actionid";
import { AgiResult, parseAgiResult } from "./agi";
import { ActionFields, encodeAction } from "./encoder";
import { AmiError, amiError } from "./errors";
import { AmiMessage } from "./message";
import { AmiFramer, DEFAULT_MAX_FRAME_BYTES, frameMayHaveActionId, peekEventName } from "./framer";
import { EventFrame } from "./event-frame";
import { parseFrame } from "./frame-decoder";
import { amiVersionToAsterisk } from "./version";

/**
 * One AMI session to one Asterisk, kept alive: login (plain or MD5), keepalive, reconnect with
 * backoff, actions correlated by ActionID, lists collected, async results awaited, events
 * dispatched to subscribers. Every action resolves or rejects exactly once and is never re-sent:
 * a re-sent Originate is a second phone call.
 */

export type ConnectionState =
  | "idle" // created, connect() not called yet
  | "connecting" // TCP/TLS connect, banner, login, filters
  | "ready" // logged in: actions are written at once
  | "reconnecting" // lost; the next attempt is scheduled (see StateChange.delay)
  | "auth-failed" // the server refused the credentials; retrying slowly
  | "closed"; // close() was called (or reconnect is off and the session ended)

export interface StateChange {
  state: ConnectionState;
  previous: ConnectionState;
  /** Reconnect attempt number (1 for the first retry). */
  attempt?: number;
  /** Milliseconds until the next attempt. */
  delay?: number;
  /** Why the session ended or failed; never contains a secret. */
  error?: Error;
}

export interface AmiLogger {
  debug?(message: string): void;
  info?(message: string): void;
  warn?(message: string): void;
  error?(message: string): void;
}

export interface AmiTlsOptions {
  ca?: string | Buffer | Array<string | Buffer>;
  cert?: string | Buffer;
  key?: string | Buffer;
  passphrase?: string;
  /** Default true: a certificate that does not verify is refused. */
  rejectUnauthorized?: boolean;
  /** Name to verify the certificate against (default: host, when it is not an IP address). */
  servername?: string;
}

export interface AmiClientOptions {
  host: string;
  /** Default 5038, or 5039 with TLS. */
  port?: number;
  tls?: boolean | AmiTlsOptions;
  username: string;
  secret: string;
  /** "md5" logs in with the Challenge action, so the secret never crosses the wire. */
  authType?: "plain" | "md5";
  /** Event mask set at login: "on" (default), "off", or a class list like "call,agent,user". */
  events?: string;
  /** Filter expressions (Action: Filter, Operation: Add), applied after every login. */
  filters?: string[];
  /** Default per-action timeout, ms (10000). */
  actionTimeout?: number;
  /** Time allowed for connect + banner + login, ms (10000). */
  connectTimeout?: number;
  /** Ping every N ms while ready (30000); 0 turns keepalive off. */
  keepaliveInterval?: number;
  /** A Ping not answered within N ms (5000) means the peer is dead: reconnect. */
  keepaliveTimeout?: number;
  /** Reconnect after a lost session (true). */
  reconnect?: boolean;
  /** First reconnect delay, ms (1000); doubles per attempt, with jitter. */
  reconnectDelay?: number;
  /** Largest reconnect delay, ms (30000). */
  reconnectMaxDelay?: number;
  /** Delay before logging in again after the server refused the credentials, ms (30000). */
  authRetryDelay?: number;
  /** A session that stayed ready this long resets the backoff, ms (10000). */
  stableSessionMs?: number;
  /** Actions that may wait for the connection to be ready (1000). */
  maxQueue?: number;
  /** Largest frame accepted from the server, bytes (1 MiB). */
  maxFrameBytes?: number;

  /** Most items one list response may carry (100000). */
  maxListItems?: number;
  /** Most bytes one list response may carry (64 MiB). */
  maxListBytes?: number;
  /** Time close() waits for Logoff's Goodbye before dropping the socket, ms (2000). */
  closeTimeout?: number;
  logger?: AmiLogger;
}

export interface SendOptions {
  /** Timeout for this action, ms (default: the client's actionTimeout). */
  timeout?: number;
  /** Use this ActionID instead of a generated one (refused while another action uses it). */
  actionId?: string;
  /**
   * Async Originate: resolve on its OriginateResponse. AGI: resolve on the AsyncAGIExec of its
   * CommandID. Ignored for other actions.
   */
  waitForResult?: boolean;
  /** How long to wait for that asynchronous result once the action was accepted, ms. */
  resultTimeout?: number;
}

export interface ActionResult {
  action: string;
  actionId: string;
  /** The response message (for a list, the `EventList: start` response). */
  response: AmiMessage;
  /** List actions: the item events, in order, without the Complete event. */
  events?: AmiMessage[];
  /** List actions: the `EventList: Complete` event. */
  complete?: AmiMessage;
  /** Command: the output lines (both the 14+ `Output:` form and the legacy `Follows` form). */
  output?: string[];
  /**
   * Async Originate with waitForResult that failed: the Hangup of the channel it created, when one
   * was seen before the OriginateResponse (its Cause tells why: 17 busy, 21 rejected, 19 no answer...).
   */
  originateHangup?: AmiMessage;
  /** Async Originate with waitForResult: the OriginateResponse event. */
  originateResponse?: AmiMessage;
  /** AGI with waitForResult: the AsyncAGIExec event and its decoded result. */
  agiExec?: AmiMessage;
  agiResult?: AgiResult;
}

export type EventSelector = string | readonly string[] | ((eventName: string) => boolean);
export type EventListener = (event: AmiMessage) => void;
/** Gets events as frames: the name and bytes at once, the headers decoded on demand. */
export type FrameListener = (frame: EventFrame) => void;

export interface ClientStats {
  framesReceived: number;
  eventsReceived: number;
  /** Events not decoded because no subscriber wanted them. */
  eventsSkipped: number;
  actionsSent: number;
  reconnects: number;
}

type Phase = "queued" | "sent" | "list" | "result";

interface Pending {
  action: string;
  id: string;
  bytes: Buffer;
  phase: Phase;
  timeout: number;
  timer?: NodeJS.Timeout;
  settled: boolean;
  resolve(r: ActionResult): void;
  reject(e: Error): void;
  response?: AmiMessage;
  items?: AmiMessage[];
  itemBytes: number;
  /** Asynchronous result awaited after a Success response. */
  wait?: "originate" | "agi";
  resultTimeout: number;
  early?: AmiMessage;
  commandId?: string;
  channel?: string;
  /** AGI: the command sent, by which its result is judged (AgiResult.ok). */
  agiCommand?: string;
  /** Async Originate: the Channel asked for (`PJSIP/6001`); its channels are named `PJSIP/6001-...`. */
  originateChannel?: string;
  /** Async Originate: the Hangup of the channel it created, when seen before the result. */
  originateHangup?: AmiMessage;
  /** A synchronous Originate holds the whole AMI session until the call is answered. */
  blocking: boolean;
  /** Its ring time (a synchronous Originate's Timeout), added to `timeout` once it is written. */
  ringWait: number;
  /** Written on the session that is current; internal actions bypass the queue. */
  internal: boolean;
}

interface Subscription {
  selector: EventSelector;
  listener?: EventListener;
  frameListener?: FrameListener;
}

/** Who gets events of one name: listeners of decoded messages and of frames. */
interface Listeners {
  messages: EventListener[];
  frames: FrameListener[];
}

const NO_LISTENERS: Listeners = { messages: [], frames: [] };

/** Actions that would change the session under the client's feet (credentials, log off). */
const SESSION_ACTIONS = new Set(["login", "logoff", "challenge"]);
const ASTERISK_TRUE = new Set(["yes", "true", "y", "t", "1", "on"]);
const SECRET_REDACTED = "[redacted]";

/**
 * One AMI session to one Asterisk, kept up: login (plain or MD5), keepalive, reconnect with
 * backoff; actions correlated by ActionID; events to subscriptions. Emits:
 * - `state` (StateChange): connecting, ready, reconnecting, auth-failed, closed;
 * - `ready` once logged in, `fullybooted` with Asterisk's FullyBooted event;
 * - `read` (bytes) after the events of each read from the socket were dispatched: a consumer that
 *   queues events can hand them on once the reading of a turn is done, not in the middle of it.
 */
export class AmiClient extends EventEmitter {
  readonly options: Readonly<Required<Omit<AmiClientOptions, "tls" | "logger" | "filters" | "secret">>> & {
    tls?: boolean | AmiTlsOptions;
    filters: string[];
  };
  // A true private field: never shown by util.inspect, JSON.stringify or a debugger dump of the client.
  readonly #secret: string;
  private readonly logger: AmiLogger;
  private readonly framer: AmiFramer;
  private readonly ids = new ActionIdSource();

  private _state: ConnectionState = "idle";
  private socket?: net.Socket;
  private closing = false;
  private closeDone?: Promise<void>;
  private attempt = 0;
  private readySince = 0;
  private authRefused = false;
  private serverShutdown = false;
  private lastError?: Error;
  private reconnectTimer?: NodeJS.Timeout;
  private connectTimer?: NodeJS.Timeout;
  private keepaliveTimer?: NodeJS.Timeout;

  private readonly pending = new Map<string, Pending>();
  private readonly queue: Pending[] = [];
  private readonly agiWaiters = new Map<string, Pending>();
  /** ActionIDs given up on (timeout): late answers are dropped; "list" ones swallow their items. */
  private readonly abandoned = new Map<string, "list" | "other">();
  /** A synchronous Originate that timed out may still hold the session until then (ms epoch). */
  private blockedUntil = 0;
  private blockedBy?: string;
  private listsOpen = 0;
  private originatesWaiting = 0;

  private readonly subscriptions: Subscription[] = [];
  private readonly listenerCache = new Map<string, Listeners>();

  /** The banner line and what it says. */
  banner?: string;
  amiVersion?: string;
  asteriskMajor?: number;
  readonly stats: ClientStats = { framesReceived: 0, eventsReceived: 0, eventsSkipped: 0, actionsSent: 0, reconnects: 0 };

  constructor(options: AmiClientOptions) {
    super();
    if (!options || typeof options.host !== "string" || options.host.length === 0) {
      throw amiError("ERR_AMI_INVALID_OPTIONS", "AmiClient: host is required");
    }
    if (typeof options.username !== "string" || options.username.length === 0) {
      throw amiError("ERR_AMI_INVALID_OPTIONS", "AmiClient: username is required");
    }
    const useTls = !!options.tls;
    if (options.port !== undefined && !(Number.isInteger(options.port) && options.port > 0 && options.port < 65536)) {
      throw amiError("ERR_AMI_INVALID_OPTIONS", `AmiClient: port must be an integer from 1 to 65535, not ${String(options.port)}`);
    }
    this.options = {
      host: options.host,
      port: options.port ?? (useTls ? 5039 : 5038),
      tls: options.tls,
      username: options.username,
      authType: options.authType ?? "plain",
      events: options.events ?? "on",
      filters: [...(options.filters ?? [])],
      actionTimeout: options.actionTimeout ?? 10_000,
      connectTimeout: options.connectTimeout ?? 10_000,
      keepaliveInterval: options.keepaliveInterval ?? 30_000,
      keepaliveTimeout: options.keepaliveTimeout ?? 5_000,
      reconnect: options.reconnect ?? true,
      reconnectDelay: options.reconnectDelay ?? 1_000,
      reconnectMaxDelay: options.reconnectMaxDelay ?? 30_000,
      authRetryDelay: options.authRetryDelay ?? 30_000,
      stableSessionMs: options.stableSessionMs ?? 10_000,
      maxQueue: options.maxQueue ?? 1_000,
      maxFrameBytes: options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
      maxListItems: options.maxListItems ?? 100_000,
      maxListBytes: options.maxListBytes ?? 64 * 1024 * 1024,
      closeTimeout: options.closeTimeout ?? 2_000,
    };
    this.#secret = String(options.secret ?? "");
    this.logger = options.logger ?? {};
    this.framer = new AmiFramer(
      {
        onBanner: (line) => this.onBanner(line),
        onFrame: (buf, start, end) => this.onFrame(buf, start, end),
        onError: (err) => this.onProtocolError(err),
      },
      { banner: true, maxFrameBytes: this.options.maxFrameBytes },
    );
  }

  get state(): ConnectionState {
    return this._state;
  }

  /** Actions in flight or queued. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Starts connecting (once); the client then keeps the session up until close(). */
  connect(): void {
    if (this._state !== "idle") return;
    this.open();
  }

  // ---------------------------------------------------------------- events

  /**
   * Calls listener for each event whose name the selector accepts: a name, a list of names, a
   * predicate, or "*" for every event. Returns the function that removes this subscription.
   * Events that no subscription accepts are framed but never decoded.
   */
  subscribe(selector: EventSelector, listener: EventListener): () => void {
    return this.addSubscription({ selector, listener });
  }

  /**
   * Like subscribe, but the listener gets each event as an EventFrame: its name and a view of its
   * bytes, valid during the call, with the headers decoded only if frame.message is read. For
   * consumers that often drop events (a full backlog) or keep them waiting as bytes. Events that
   * answer one of this client's actions (list items) are never given, as with subscribe.
   */
  subscribeFrames(selector: EventSelector, listener: FrameListener): () => void {
    return this.addSubscription({ selector, frameListener: listener });
  }

  private addSubscription(sub: Subscription): () => void {
    this.subscriptions.push(sub);
    this.listenerCache.clear();
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      const i = this.subscriptions.indexOf(sub);
      if (i >= 0) this.subscriptions.splice(i, 1);
      this.listenerCache.clear();
    };
  }

  /** Number of active event subscriptions. */
  get subscriptionCount(): number {
    return this.subscriptions.length;
  }

  private listenersFor(name: string): Listeners {
    let list = this.listenerCache.get(name);
    if (list) return list;
    list = { messages: [], frames: [] };
    for (const sub of this.subscriptions) {
      if (!selects(sub.selector, name)) continue;
      if (sub.listener) list.messages.push(sub.listener);
      if (sub.frameListener) list.frames.push(sub.frameListener);
    }
    if (list.messages.length === 0 && list.frames.length === 0) list = NO_LISTENERS;
    // Names come from the server: bound the cache so a peer inventing names cannot grow it.
    if (this.listenerCache.size >= 4096) this.listenerCache.clear();
    this.listenerCache.set(name, list);
    return list;
  }

  // ---------------------------------------------------------------- actions

  /**
   * Sends an action and resolves with its complete answer (see ActionResult), or rejects with an
   * AmiError. While the session is not ready, the action waits in a bounded queue; its timeout
   * runs from this call. After a timeout or a disconnection it is never sent again.
   */
  send(action: string, fields: ActionFields = {}, options: SendOptions = {}): Promise<ActionResult> {
    return new Promise<ActionResult>((resolve, reject) => {
      if (this._state === "closed" || this.closing) {
        reject(amiError("ERR_AMI_CLOSED", `${action}: the AMI client is closed`, { action }));
        return;
      }
      let p: Pending;
      try {
        p = this.prepare(action, fields, options, resolve, reject, false);
      } catch (err) {
        reject(err);
        return;
      }
      if (this._state === "ready" && this.socket) {
        this.write(p);
        this.armTimer(p, p.timeout + p.ringWait);
      } else {
        if (this.queue.length >= this.options.maxQueue) {
          this.pending.delete(p.id);
          if (p.commandId !== undefined) this.agiWaiters.delete(p.commandId);
          reject(
            amiError("ERR_AMI_QUEUE_FULL", `${p.action}: ${this.queue.length} actions already wait for the AMI connection`, {
              action: p.action,
              actionId: p.id,
            }),
          );
          return;
        }
        this.queue.push(p);
        this.armTimer(p, p.timeout); // not written within it: never written
      }
    });
  }

  /** Runs a CLI command; resolves with its output lines (result.output). */
  command(command: string, options: SendOptions = {}): Promise<ActionResult> {
    return this.send("Command", { Command: command }, options);
  }

  private prepare(
    action: string,
    fields: ActionFields,
    options: SendOptions,
    resolve: (r: ActionResult) => void,
    reject: (e: Error) => void,
    internal: boolean,
  ): Pending {
    if (typeof action !== "string") {
      throw amiError("ERR_AMI_INVALID_ACTION", "the action name must be a string");
    }
    let id: string;
    if (options.actionId !== undefined) {
      id = String(options.actionId);
      if (this.pending.has(id) || this.abandoned.has(id)) {
        const why = this.pending.has(id) ? "is already in flight" : "belongs to an action that timed out and may still be answered";
        throw amiError("ERR_AMI_DUPLICATE_ACTIONID", `${action}: ActionID ${JSON.stringify(id)} ${why}`, {
          action,
          actionId: id,
        });
      }
    } else {
      do id = this.ids.next();
      while (this.pending.has(id));
    }
    const lower = action.toLowerCase();
    if (!internal && SESSION_ACTIONS.has(lower)) {
      throw amiError("ERR_AMI_INVALID_ACTION", `${action} is managed by the AMI client itself (use close() to log off)`, { action });
    }
    const async = lower === "originate" && ASTERISK_TRUE.has(String(fieldValue(fields, "Async") ?? "").toLowerCase());
    let wait: Pending["wait"];
    let commandId: string | undefined;
    let channel: string | undefined;
    let agiCommand: string | undefined;
    let sendFields = fields;
    if (options.waitForResult && lower === "originate" && async) wait = "originate";
    if (options.waitForResult && lower === "agi") {
      wait = "agi";
      const given = fieldValue(fields, "CommandID");
      commandId = given === undefined || given === null ? `${id}-agi` : String(given);
      if (this.agiWaiters.has(commandId)) {
        throw amiError("ERR_AMI_DUPLICATE_ACTIONID", `AGI: CommandID ${JSON.stringify(commandId)} is already awaited`, {
          action,
          actionId: id,
        });
      }
      if (given === undefined || given === null) sendFields = { ...fields, CommandID: commandId };
      channel = fieldText(fields, "Channel");
      agiCommand = fieldText(fields, "Command");
    }
    // Encoding validates everything before anything is registered or written.
    const bytes = encodeAction(action, sendFields, id);
    // A synchronous Originate answers only once the call is answered or its Timeout (30 s by
    // default) runs out, and holds the session meanwhile: its timeout counts from the end of that
    // ring time, whoever set it. Shorter, it would report a timeout while the phone still rings.
    const originateWait = lower === "originate" ? ringTimeout(fields) : 0;
    const base = options.timeout ?? this.options.actionTimeout;
    const p: Pending = {
      action,
      id,
      bytes,
      phase: "queued",
      timeout: base,
      ringWait: lower === "originate" && !async ? originateWait : 0,
      settled: false,
      resolve,
      reject,
      itemBytes: 0,
      wait,
      resultTimeout: options.resultTimeout ?? (wait === "originate" ? originateWait + base : base),
      commandId,
      channel,
      agiCommand,
      originateChannel: wait === "originate" ? fieldText(fields, "Channel") || undefined : undefined,
      blocking: lower === "originate" && !async,
      internal,
    };
    this.pending.set(id, p);
    if (commandId !== undefined) this.agiWaiters.set(commandId, p);
    if (wait === "originate") this.originatesWaiting++;
    return p;
  }

  private write(p: Pending): void {
    const sock = this.socket;
    if (!sock) return;
    p.phase = "sent";
    this.stats.actionsSent++;
    this.log("debug", `-> ${p.action} (ActionID ${p.id})`);
    sock.write(p.bytes);
  }

  /** Internal actions (login, filters, keepalive) go straight to the current socket. */
  private sendInternal(action: string, fields: ActionFields, timeout: number): Promise<ActionResult> {
    return new Promise<ActionResult>((resolve, reject) => {
      let p: Pending;
      try {
        p = this.prepare(action, fields, {}, resolve, reject, true);
      } catch (err) {
        reject(err);
        return;
      }
      this.write(p);
      this.armTimer(p, timeout);
    });
  }

  private armTimer(p: Pending, ms: number): void {
    if (p.settled) return;
    if (p.timer) clearTimeout(p.timer);
    p.timer = setTimeout(() => this.onTimeout(p, ms), ms);
  }

  private onTimeout(p: Pending, ms: number): void {
    if (p.settled) return;
    let why: string;
    if (p.phase === "queued") why = `not sent: the AMI connection was not ready within ${ms} ms`;
    else if (p.phase === "list") why = `the list stopped arriving (${p.items?.length ?? 0} items, none for ${ms} ms)`;
    else if (p.phase === "result") {
      why = p.wait === "agi" ? `no AsyncAGIExec for the command within ${ms} ms` : `no OriginateResponse within ${ms} ms`;
    } else why = `no response within ${ms} ms${p.blocking ? " (it was still ringing or queued at Asterisk: the call may yet go ahead)" : ""}`;
    if (p.phase !== "queued") this.abandon(p.id, p.phase === "list" ? "list" : "other");
    // The session may still be held by it: no keepalive Ping (it would go unanswered and drop every
    // other action with the connection) until its late answer comes, or for one more timeout.
    if (p.blocking && p.phase === "sent") {
      this.blockedBy = p.id;
      this.blockedUntil = Date.now() + p.timeout + p.ringWait;
    }
    this.settle(p, amiError("ERR_AMI_TIMEOUT", `${p.action} timed out: ${why}`, { action: p.action, actionId: p.id, response: p.response }));
  }

  private abandon(id: string, kind: "list" | "other"): void {
    this.abandoned.set(id, kind);
    if (this.abandoned.size > 1000) {
      const oldest = this.abandoned.keys().next().value;
      if (oldest !== undefined) this.abandoned.delete(oldest);
    }
  }

  private settle(p: Pending, err: Error | undefined, result?: ActionResult): void {
    if (p.settled) return;
    p.settled = true;
    if (p.timer) clearTimeout(p.timer);
    this.pending.delete(p.id);
    if (p.phase === "list") this.listsOpen--;
    if (p.wait === "originate") this.originatesWaiting--;
    if (p.commandId !== undefined) this.agiWaiters.delete(p.commandId);
    if (p.phase === "queued") {
      const i = this.queue.indexOf(p);
      if (i >= 0) this.queue.splice(i, 1);
    }
    if (err) p.reject(err);
    else p.resolve(result as ActionResult);
  }

  private resultOf(p: Pending, response: AmiMessage): ActionResult {
    const r: ActionResult = { action: p.action, actionId: p.id, response };
    if (p.action.toLowerCase() === "command") r.output = commandOutput(response);
    return r;
  }

  // ---------------------------------------------------------------- incoming

  private onBanner(line: string): void {
    this.banner = line;
    const slash = line.lastIndexOf("/");
    this.amiVersion = slash >= 0 ? line.slice(slash + 1).trim() : undefined;
    this.asteriskMajor = amiVersionToAsterisk(this.amiVersion);
    this.log("debug", `banner: ${line}`);
    this.emit("banner", line);
    const sock = this.socket;
    if (sock) void this.login(sock);
  }

  private onFrame(buf: Buffer, start: number, end: number): void {
    this.stats.framesReceived++;
    const name = peekEventName(buf, start, end);
    let listeners: Listeners | undefined;
    if (name !== undefined) {
      this.stats.eventsReceived++;
      listeners = this.listenersFor(name);
      // Decoded here only when the client itself may need it (a list item, an awaited result).
      if (!this.wantsInternally(name) && !((this.listsOpen > 0 || this.abandoned.size > 0) && frameMayHaveActionId(buf, start, end))) {
        if (listeners.messages.length === 0) {
          if (listeners.frames.length === 0) this.stats.eventsSkipped++;
          else this.deliverFrame(new EventFrame(name, buf, start, end), listeners.frames);
          return;
        }
      }
    }
    const msg = parseFrame(buf, start, end);
    const event = msg.event;
    if (event !== undefined) {
      if (name === undefined) this.stats.eventsReceived++;
      const frame = () => new EventFrame(event, buf, start, end, msg);
      this.onEvent(msg, event, listeners ?? this.listenersFor(event), end - start, frame);
    } else if (msg.get("Response") !== undefined) {
      this.onResponse(msg);
    } else {
      this.log("debug", "ignored a message with neither Event nor Response");
    }
  }

  private wantsInternally(name: string): boolean {
    switch (name) {
      case "FullyBooted":
      case "Shutdown":
        return true;
      case "OriginateResponse":
      case "Hangup":
        return this.originatesWaiting > 0;
      case "AsyncAGIExec":
      case "AsyncAGIEnd":
        return this.agiWaiters.size > 0;
      default:
        return false;
    }
  }

  private onEvent(msg: AmiMessage, name: string, listeners: Listeners, size: number, frame: () => EventFrame): void {
    // Only an event answering one of our actions needs its ActionID looked at.
    const id = this.pending.size > 0 || this.abandoned.size > 0 ? msg.get("ActionID") : undefined;
    if (id !== undefined) {
      const p = this.pending.get(id);
      if (p && p.phase === "list") {
        this.onListEvent(p, msg, size);
        return;
      }
      if (p && p.wait === "originate" && name === "OriginateResponse") this.onOriginateResponse(p, msg);
      else if (!p && this.abandoned.get(id) === "list") {
        if (isListComplete(msg)) this.abandoned.delete(id);
        return;
      }
    }
    if (name === "Hangup" && this.originatesWaiting > 0) this.onHangupWhileOriginating(msg);
    else if (name === "AsyncAGIExec" && this.agiWaiters.size > 0) this.onAgiExec(msg);
    else if (name === "AsyncAGIEnd" && this.agiWaiters.size > 0) this.onAgiEnd(msg);
    else if (name === "FullyBooted") this.emit("fullybooted", msg);
    else if (name === "Shutdown") {
      this.serverShutdown = true;
      this.lastError = new Error(`Asterisk shut down (${msg.get("Shutdown") ?? "no detail"}, restart: ${msg.get("Restart") ?? "?"})`);
      this.log("info", `Asterisk is shutting down (${msg.get("Shutdown") ?? "no detail"})`);
    }
    for (const listener of listeners.messages) {
      try {
        listener(msg);
      } catch (err) {
        this.log("error", `an event listener for ${name} threw: ${(err as Error)?.message ?? err}`);
      }
    }
    if (listeners.frames.length > 0) this.deliverFrame(frame(), listeners.frames);
  }

  private deliverFrame(frame: EventFrame, listeners: FrameListener[]): void {
    for (const listener of listeners) {
      try {
        listener(frame);
      } catch (err) {
        this.log("error", `an event listener for ${frame.name} threw: ${(err as Error)?.message ?? err}`);
      }
    }
    frame.release(); // the framer reuses the bytes it points into
  }

  private onListEvent(p: Pending, msg: AmiMessage, size: number): void {
    if (isListComplete(msg)) {
      this.settle(p, undefined, { ...this.resultOf(p, p.response as AmiMessage), events: p.items ?? [], complete: msg });
      return;
    }
    const items = (p.items ??= []);
    items.push(msg);
    p.itemBytes += size;
    if (items.length > this.options.maxListItems || p.itemBytes > this.options.maxListBytes) {
      this.abandon(p.id, "list");
      this.settle(
        p,
        amiError(
          "ERR_AMI_LIST_LIMIT",
          `${p.action}: the list exceeds ${items.length > this.options.maxListItems ? `${this.options.maxListItems} items` : `${this.options.maxListBytes} bytes`}`,
          { action: p.action, actionId: p.id, response: p.response },
        ),
      );
      return;
    }
    this.armTimer(p, p.timeout); // lists time out when they stop arriving, not by total length
  }

  private onOriginateResponse(p: Pending, msg: AmiMessage): void {
    if (!p.response) {
      p.early = msg; // arrived before the "queued" response: keep it for then
      return;
    }
    this.finishOriginate(p, msg);
  }

  /**
   * A channel hung up while async Originates await their result: if it is the channel one of them
   * created (named after its Channel: `PJSIP/6001-00000005`, `Local/100@test-0000002a;1`), keep it,
   * so a failure can say why (Asterisk's OriginateResponse says only "Reason 0"). When two waiting
   * Originates ask for the same Channel, whose channel it is cannot be told: neither keeps it.
   */
  private onHangupWhileOriginating(msg: AmiMessage): void {
    const channel = msg.get("Channel");
    if (channel === undefined) return;
    let owner: Pending | undefined;
    for (const p of this.pending.values()) {
      if (p.wait !== "originate" || p.originateChannel === undefined || !isChannelOf(channel, p.originateChannel)) continue;
      if (owner) return;
      owner = p;
    }
    if (!owner) return;
    // The first one seen is the channel that failed (a later hangup on the same phone, call waiting,
    // is another call's), except that a Local channel's ;1 half, the one Originate created, wins over
    // its ;2 half (which runs the dialplan and may hang up first).
    const kept = owner.originateHangup?.get("Channel");
    if (kept === undefined || (kept.endsWith(";2") && channel === kept.slice(0, -1) + "1")) owner.originateHangup = msg;
  }

  private finishOriginate(p: Pending, msg: AmiMessage): void {
    const result: ActionResult = { ...this.resultOf(p, p.response as AmiMessage), originateResponse: msg };
    if (msg.get("Response") === "Success") {
      this.settle(p, undefined, result);
      return;
    }
    const hangup = p.originateHangup;
    if (hangup) result.originateHangup = hangup;
    const why = hangup
      ? `${hangup.get("Channel")} hung up before answering, cause ${hangup.get("Cause") ?? "?"} (${hangup.get("Cause-txt") ?? "no text"})`
      : originateReason(msg.get("Reason"));
    const err = amiError(
      "ERR_AMI_ORIGINATE_FAILED",
      `Originate failed: ${why} (Reason ${msg.get("Reason") ?? "?"}, Channel ${msg.get("Channel") ?? "?"})`,
      { action: p.action, actionId: p.id, response: p.response, result },
    );
    this.settle(p, err);
  }

  private onAgiExec(msg: AmiMessage): void {
    const commandId = msg.get("CommandId");
    const p = commandId === undefined ? undefined : this.agiWaiters.get(commandId);
    if (!p) return;
    if (!p.response) {
      p.early = msg;
      return;
    }
    this.finishAgi(p, msg);
  }

  private finishAgi(p: Pending, msg: AmiMessage): void {
    const agiResult = parseAgiResult(msg.get("Result") ?? "", p.agiCommand);
    const result: ActionResult = { ...this.resultOf(p, p.response as AmiMessage), agiExec: msg, agiResult };
    if (agiResult.code >= 500 || Number.isNaN(agiResult.code)) {
      const err = amiError("ERR_AMI_AGI_FAILED", `AGI command failed: ${agiResult.raw}`, {
        action: p.action,
        actionId: p.id,
        response: p.response,
        result,
      });
      this.settle(p, err);
      return;
    }
    this.settle(p, undefined, result);
  }

  private onAgiEnd(msg: AmiMessage): void {
    const channel = msg.get("Channel");
    for (const p of [...this.agiWaiters.values()]) {
      if (p.channel !== channel || p.phase !== "result") continue;
      this.settle(
        p,
        amiError("ERR_AMI_AGI_CHANNEL_GONE", `AGI: channel ${channel} left Async AGI before the command ran`, {
          action: p.action,
          actionId: p.id,
          response: p.response,
        }),
      );
    }
  }

  private onResponse(msg: AmiMessage): void {
    const id = msg.get("ActionID");
    const p = id === undefined ? undefined : this.pending.get(id);
    if (!p) {
      if (id !== undefined && this.abandoned.has(id)) {
        // A late answer to an action that already timed out: its caller was told; drop it.
        if (isListStart(msg)) this.abandoned.set(id, "list");
        else this.abandoned.delete(id);
        if (id === this.blockedBy) this.blockedUntil = 0;
        this.log("debug", `dropped a late response (ActionID ${id})`);
      } else {
        this.log("debug", `response for an unknown ActionID ${id ?? "(none)"}`);
      }
      return;
    }
    if (p.phase === "queued" || p.phase === "list" || p.phase === "result") {
      this.log("debug", `unexpected response for ${p.action} (ActionID ${p.id}) in phase ${p.phase}`);
      return;
    }
    p.response = msg;
    const response = msg.get("Response");
    if (response === "Error") {
      this.settle(p, responseError(p, msg));
      return;
    }
    if (isListStart(msg)) {
      p.phase = "list";
      this.listsOpen++;
      p.items = [];
      this.armTimer(p, p.timeout);
      return;
    }
    if (p.wait !== undefined) {
      p.phase = "result";
      if (p.early) {
        if (p.wait === "originate") this.finishOriginate(p, p.early);
        else this.finishAgi(p, p.early);
      } else {
        this.armTimer(p, p.resultTimeout);
      }
      return;
    }
    this.settle(p, undefined, this.resultOf(p, msg));
  }

  // ---------------------------------------------------------------- connection

  private setState(state: ConnectionState, extra: Omit<StateChange, "state" | "previous"> = {}): void {
    const previous = this._state;
    this._state = state;
    const change: StateChange = { state, previous, ...extra };
    this.emit("state", change);
  }

  private open(): void {
    this.reconnectTimer = undefined;
    this.authRefused = false;
    this.ids.renew();
    this.framer.reset();
    this.banner = undefined;
    this.setState("connecting", this.attempt > 0 ? { attempt: this.attempt } : {});
    let sock: net.Socket;
    try {
      sock = this.createSocket();
    } catch (err) {
      // Bad TLS material and the like throw synchronously: report it and retry like any failure.
      this.sessionEnded(false, new Error(`cannot connect: ${(err as Error).message}`));
      return;
    }
    this.socket = sock;
    this.watch(sock);
  }

  private createSocket(): net.Socket {
    const o = this.options;
    if (o.tls) {
      const t: AmiTlsOptions = o.tls === true ? {} : o.tls;
      const servername = t.servername ?? (net.isIP(o.host) ? undefined : o.host);
      return tls.connect({
        host: o.host,
        port: o.port,
        ca: t.ca,
        cert: t.cert,
        key: t.key,
        passphrase: t.passphrase,
        rejectUnauthorized: t.rejectUnauthorized ?? true,
        servername,
      });
    }
    return net.connect({ host: o.host, port: o.port });
  }

  private watch(sock: net.Socket): void {
    const o = this.options;
    sock.setNoDelay(true);
    sock.setKeepAlive(true, 30_000);
    this.connectTimer = setTimeout(() => {
      if (this.socket !== sock || this._state === "ready") return;
      this.lastError = new Error(`no AMI login within ${o.connectTimeout} ms`);
      sock.destroy();
    }, o.connectTimeout);
    // Never pause: Asterisk drops a client that stops reading for 100 ms (writetimeout).
    sock.on("data", (chunk: Buffer) => {
      if (this.socket !== sock) return;
      this.framer.push(chunk);
      // After the events of this read were dispatched: its size (the `read` event, see the class).
      this.emit("read", chunk.length);
    });
    sock.on("error", (err: Error) => {
      if (this.socket === sock) this.lastError = err;
    });
    sock.on("close", () => this.onSocketClosed(sock));
  }

  private async login(sock: net.Socket): Promise<void> {
    const o = this.options;
    const t = o.connectTimeout;
    try {
      if (o.authType === "md5") {
        const challenge = await this.sendInternal("Challenge", { AuthType: "MD5" }, t);
        const nonce = challenge.response.get("Challenge") ?? "";
        const key = createHash("md5").update(nonce + this.#secret).digest("hex");
        await this.sendInternal("Login", { AuthType: "MD5", Username: o.username, Key: key, Events: o.events }, t);
      } else {
        await this.sendInternal("Login", { Username: o.username, Secret: this.#secret, Events: o.events }, t);
      }
    } catch (err) {
      if (this.socket !== sock) return;
      const e = err as AmiError;
      if (e.code === "ERR_AMI_RESPONSE" || e.code === "ERR_AMI_PERMISSION_DENIED") {
        this.authRefused = true;
        this.lastError = amiError("ERR_AMI_AUTH", `authentication failed for user "${o.username}": ${e.response?.get("Message") ?? "refused"}`);
        this.log("warn", this.lastError.message);
      } else {
        this.lastError = e;
      }
      sock.destroy();
      return;
    }
    for (const filter of o.filters) {
      try {
        await this.sendInternal("Filter", { Operation: "Add", Filter: filter }, t);
      } catch (err) {
        if (this.socket !== sock) return;
        this.log("warn", `the AMI filter ${JSON.stringify(filter)} was refused: ${(err as Error).message}`);
      }
    }
    if (this.socket !== sock) return;
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    this.readySince = Date.now();
    this.lastError = undefined;
    this.setState("ready");
    this.log("info", `connected to ${o.host}:${o.port} as ${o.username} (${this.banner ?? "no banner"})`);
    this.emit("ready");
    for (const p of this.queue.splice(0)) {
      this.write(p);
      // Its ring time starts now; the others keep the timeout they were queued with.
      if (p.ringWait > 0) this.armTimer(p, p.timeout + p.ringWait);
    }
    this.scheduleKeepalive(sock);
  }

  private scheduleKeepalive(sock: net.Socket): void {
    const o = this.options;
    if (o.keepaliveInterval <= 0) return;
    this.keepaliveTimer = setTimeout(() => {
      if (this.socket !== sock || this._state !== "ready") return;
      // A synchronous Originate blocks the session: a Ping would go unanswered and look dead.
      if (Date.now() < this.blockedUntil) {
        this.scheduleKeepalive(sock);
        return;
      }
      for (const p of this.pending.values()) {
        if (p.blocking && p.phase === "sent") {
          this.scheduleKeepalive(sock);
          return;
        }
      }
      this.sendInternal("Ping", {}, o.keepaliveTimeout).then(
        () => {
          if (this.socket === sock) this.scheduleKeepalive(sock);
        },
        (err: AmiError) => {
          if (this.socket !== sock) return;
          if (err.code === "ERR_AMI_TIMEOUT") {
            this.lastError = new Error(`keepalive: no answer to Ping within ${o.keepaliveTimeout} ms`);
            this.log("warn", `${this.lastError.message}; reconnecting`);
            sock.destroy();
          } else {
            this.scheduleKeepalive(sock);
          }
        },
      );
    }, o.keepaliveInterval);
  }

  private onProtocolError(err: Error): void {
    const sock = this.socket;
    this.lastError = amiError("ERR_AMI_PROTOCOL", `AMI protocol error: ${err.message}`);
    this.log("error", `${this.lastError.message}; dropping the connection`);
    sock?.destroy();
  }

  private onSocketClosed(sock: net.Socket): void {
    if (this.socket !== sock) return;
    this.socket = undefined;
    if (this.connectTimer) clearTimeout(this.connectTimer);
    if (this.keepaliveTimer) clearTimeout(this.keepaliveTimer);
    this.connectTimer = this.keepaliveTimer = undefined;
    const wasReady = this._state === "ready";
    const cause = this.lastError;
    // Everything written on this session is answered by nobody now. Not re-sent: it may have run.
    const code = this.closing ? "ERR_AMI_CLOSED" : "ERR_AMI_DISCONNECTED";
    for (const p of [...this.pending.values()]) {
      if (p.phase === "queued" && !this.closing) continue;
      const text =
        p.phase === "queued"
          ? `${p.action}: the AMI client was closed before the action was sent`
          : `${p.action}: the AMI connection ended before the ${p.phase === "sent" ? "response" : p.phase === "list" ? "list completed" : "result arrived"}; the action was sent and may have taken effect, so it is not re-sent${cause && !this.closing ? ` (${cause.message})` : ""}`;
      this.settle(p, amiError(code, text, { action: p.action, actionId: p.id, response: p.response }));
    }
    this.abandoned.clear();
    this.blockedUntil = 0;
    this.blockedBy = undefined;
    this.sessionEnded(wasReady, cause);
  }

  /** Decides what follows a session that ended (or never started): closed, or a retry later. */
  private sessionEnded(wasReady: boolean, cause: Error | undefined): void {
    const shutdown = this.serverShutdown;
    this.serverShutdown = false;
    if (this.closing || !this.options.reconnect) {
      this.setState("closed", cause && !this.closing ? { error: cause } : {});
      return;
    }
    if (wasReady && Date.now() - this.readySince >= this.options.stableSessionMs) this.attempt = 0;
    let delay: number;
    if (this.authRefused) {
      delay = this.options.authRetryDelay;
      this.attempt++;
      this.setState("auth-failed", { attempt: this.attempt, delay, error: cause });
    } else {
      const base = Math.min(this.options.reconnectMaxDelay, this.options.reconnectDelay * 2 ** Math.min(this.attempt, 30));
      delay = Math.round(base / 2 + (Math.random() * base) / 2);
      this.attempt++;
      // Event: Shutdown announced the end: a planned restart, not a fault.
      if (shutdown) this.log("info", `Asterisk shut down; reconnecting in ${delay} ms`);
      else if (wasReady) this.log("warn", `AMI connection lost${cause ? `: ${cause.message}` : ""}; reconnecting in ${delay} ms`);
      this.setState("reconnecting", { attempt: this.attempt, delay, error: cause });
    }
    this.stats.reconnects++;
    this.lastError = undefined;
    this.reconnectTimer = setTimeout(() => this.open(), delay);
  }

  /**
   * Logs off (waiting up to closeTimeout for Goodbye), then drops the socket. Answers still due
   * for actions in flight arrive before Goodbye; what remains rejects with ERR_AMI_CLOSED.
   * Resolves when the client is closed; never rejects.
   */
  close(): Promise<void> {
    if (this.closeDone) return this.closeDone;
    this.closing = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.keepaliveTimer) clearTimeout(this.keepaliveTimer);
    this.reconnectTimer = this.keepaliveTimer = undefined;
    for (const p of [...this.queue]) {
      this.settle(p, amiError("ERR_AMI_CLOSED", `${p.action}: the AMI client was closed before the action was sent`, { action: p.action, actionId: p.id }));
    }
    const sock = this.socket;
    this.closeDone = new Promise<void>((resolve) => {
      if (!sock) {
        this.setState("closed");
        resolve();
        return;
      }
      const timer = setTimeout(() => sock.destroy(), this.options.closeTimeout);
      sock.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
      if (this._state === "ready") {
        this.sendInternal("Logoff", {}, this.options.closeTimeout).then(
          () => sock.destroy(),
          () => sock.destroy(),
        );
      } else {
        sock.destroy();
      }
    });
    return this.closeDone;
  }

  private log(level: keyof AmiLogger, message: string): void {
    const fn = this.logger[level];
    if (!fn) return;
    // Belt and braces: no message built here carries the secret, but never let one through.
    const safe = this.#secret.length >= 3 ? message.split(this.#secret).join(SECRET_REDACTED) : message;
    try {
      fn.call(this.logger, safe);
    } catch {
      /* a failing logger must not break the session */
    }
  }
}

function selects(selector: EventSelector, name: string): boolean {
  if (typeof selector === "string") return selector === "*" || selector === name;
  if (typeof selector === "function") {
    try {
      return !!selector(name);
    } catch {
      return false;
    }
  }
  return selector.includes(name) || selector.includes("*");
}

function fieldValue(fields: ActionFields, name: string): unknown {
  const lower = name.toLowerCase();
  for (const key of Object.keys(fields)) if (key.toLowerCase() === lower) return fields[key];
  return undefined;
}

/** A field's value as text (any case of its name), or undefined when it is not set (or null). */
function fieldText(fields: ActionFields, name: string): string | undefined {
  const value = fieldValue(fields, name);
  return value === undefined || value === null ? undefined : String(value);
}

/** The Originate's ring time (its Timeout header, ms; Asterisk's default is 30000). */
function ringTimeout(fields: ActionFields): number {
  const t = Number(fieldValue(fields, "Timeout"));
  return Number.isFinite(t) && t > 0 ? t : 30_000;
}

function isListStart(msg: AmiMessage): boolean {
  return (msg.get("EventList") ?? "").toLowerCase() === "start";
}

function isListComplete(msg: AmiMessage): boolean {
  return (msg.get("EventList") ?? "").toLowerCase() === "complete";
}

/** Command output lines; Asterisk 22 sends a single empty Output header for no output. */
export function commandOutput(response: AmiMessage): string[] {
  const lines = response.getAll("Output");
  return lines.length === 1 && lines[0] === "" ? [] : lines;
}

function responseError(p: Pending, msg: AmiMessage): AmiError {
  const text = msg.get("Message") ?? "error";
  const denied = text === "Permission denied";
  let detail = text;
  if (p.action.toLowerCase() === "command") {
    const out = commandOutput(msg);
    if (out.length > 0) detail = `${text}: ${out.join(" / ")}`;
  }
  const err = amiError(denied ? "ERR_AMI_PERMISSION_DENIED" : "ERR_AMI_RESPONSE", `${p.action} failed: ${detail}`, {
    action: p.action,
    actionId: p.id,
    response: msg,
  });
  return err;
}

/** Whether `channel` is one Asterisk created for the dial string `dial`: `PJSIP/6001` → `PJSIP/6001-0000002a`, `Local/100@test` → `Local/100@test-0000002b;1`. */
function isChannelOf(channel: string, dial: string): boolean {
  return channel.length > dial.length && channel.startsWith(dial) && /^-[0-9a-f]{8}(;[12])?$/.test(channel.slice(dial.length));
}

/** Asterisk's originate failure reasons (the AST_CONTROL_* value reported in Reason). */
function originateReason(reason: string | undefined): string {
  switch (reason) {
    case "0":
      // Asterisk's Reason 0 means only "failed before being answered": a phone that rejected or
      // was busy gives it as well as a channel that could not be created.
      return "the call failed before it was answered (rejected, busy or unreachable, or no such channel or extension)";
    case "1":
      return "hung up";
    case "3":
      return "no answer";
    case "4":
      return "answered";
    case "5":
      return "busy";
    case "8":
      return "congestion";
    default:
      return "the call was not answered";
  }
}
