import { EventEmitter } from "node:events";
import { AmiClientOptions, AmiLogger, ResolvedOptions, resolveOptions } from "./client-options";
import { ActionFields } from "./encoder";
import { AmiError, amiError } from "./errors";
import { EventFrame } from "./event-frame";
import { parseFrame } from "./frame-decoder";
import { peekEventName } from "./framer";
import { InFlightActions } from "./in-flight";
import { AmiMessage } from "./message";
import { SendOptions } from "./action-plan";
import { ActionResult, PendingAction } from "./pending-action";
import { ConnectionState, Session, SessionHost } from "./session";
import { EventListener, EventSelector, FrameListener, Listeners, Subscriptions } from "./subscriptions";
import { amiVersionToAsterisk } from "./version";

/**
 * The AMI client: one session to one Asterisk, kept alive, with its actions and its events. Every
 * action resolves or rejects exactly once and is never re-sent: a re-sent Originate is a second
 * phone call. The parts, one per file: the session (session.ts: connect, login, keepalive,
 * reconnect), the actions in flight (in-flight.ts, each a PendingAction of pending-action.ts that
 * decides when it is complete), the subscriptions (subscriptions.ts). This file wires them and
 * reads each frame once: to a subscriber, to the action it answers, or skipped undecoded.
 */

export { AmiClientOptions, AmiLogger, AmiTlsOptions } from "./client-options";
export { SendOptions } from "./action-plan";
export { ActionResult, commandOutput } from "./pending-action";
export { ConnectionState, StateChange } from "./session";
export { EventListener, EventSelector, FrameListener } from "./subscriptions";

export interface ClientStats {
  framesReceived: number;
  eventsReceived: number;
  /** Events not decoded because no subscriber wanted them. */
  eventsSkipped: number;
  actionsSent: number;
  reconnects: number;
}

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
  readonly options: ResolvedOptions;
  // A true private field: never shown by util.inspect, JSON.stringify or a debugger dump of the client.
  readonly #secret: string;
  private readonly logger: AmiLogger;
  private readonly session: Session;
  private readonly actions: InFlightActions;
  private readonly subscriptions: Subscriptions;

  /** The banner line and what it says. */
  banner?: string;
  amiVersion?: string;
  asteriskMajor?: number;
  readonly stats: ClientStats = { framesReceived: 0, eventsReceived: 0, eventsSkipped: 0, actionsSent: 0, reconnects: 0 };

  constructor(options: AmiClientOptions) {
    super();
    this.options = resolveOptions(options);
    this.#secret = String(options.secret ?? "");
    this.logger = options.logger ?? {};
    this.actions = new InFlightActions(this.options, (m) => this.log("debug", m));
    this.subscriptions = new Subscriptions((name, err) => this.log("error", `an event listener for ${name} threw: ${(err as Error)?.message ?? err}`));
    this.session = new Session(this.options, this.#secret, this.sessionHost(), this.stats);
  }

  get state(): ConnectionState {
    return this.session.state;
  }

  /** Actions in flight or queued. */
  get inFlight(): number {
    return this.actions.size;
  }

  /** Starts connecting (once); the client then keeps the session up until close(). */
  connect(): void {
    this.session.connect();
  }

  /**
   * Calls listener for each event whose name the selector accepts: a name, a list of names, a
   * predicate, or "*" for every event. Returns the function that removes this subscription.
   * Events that no subscription accepts are framed but never decoded.
   */
  subscribe(selector: EventSelector, listener: EventListener): () => void {
    return this.subscriptions.subscribe(selector, listener);
  }

  /**
   * Like subscribe, but the listener gets each event as an EventFrame: its name and a view of its
   * bytes, valid during the call, with the headers decoded only if frame.message is read. For
   * consumers that often drop events (a full backlog) or keep them waiting as bytes. Events that
   * answer one of this client's actions (list items) are never given, as with subscribe.
   */
  subscribeFrames(selector: EventSelector, listener: FrameListener): () => void {
    return this.subscriptions.subscribeFrames(selector, listener);
  }

  /** Number of active event subscriptions. */
  get subscriptionCount(): number {
    return this.subscriptions.count;
  }

  /**
   * Sends an action and resolves with its complete answer (see ActionResult), or rejects with an
   * AmiError. While the session is not ready, the action waits in a bounded queue; its timeout
   * runs from this call. After a timeout or a disconnection it is never sent again.
   */
  send(action: string, fields: ActionFields = {}, options: SendOptions = {}): Promise<ActionResult> {
    return new Promise<ActionResult>((resolve, reject) => {
      if (this.session.isClosed) {
        reject(amiError("ERR_AMI_CLOSED", `${action}: the AMI client is closed`, { action }));
        return;
      }
      const p = this.create(action, fields, options, false, resolve, reject);
      if (!p) return;
      if (this.session.isReady) {
        this.write(p);
        p.arm(p.plan.timeout + p.plan.ringWait);
      } else if (this.actions.enqueue(p)) {
        p.arm(p.plan.timeout); // not written within it: never written
      } else {
        const waiting = `${this.actions.queued} actions already wait for the AMI connection`;
        reject(amiError("ERR_AMI_QUEUE_FULL", `${action}: ${waiting}`, { action, actionId: p.id }));
      }
    });
  }

  /** Runs a CLI command; resolves with its output lines (result.output). */
  command(command: string, options: SendOptions = {}): Promise<ActionResult> {
    return this.send("Command", { Command: command }, options);
  }

  /**
   * Logs off (waiting up to closeTimeout for Goodbye), then drops the socket. Answers still due
   * for actions in flight arrive before Goodbye; what remains rejects with ERR_AMI_CLOSED.
   * Resolves when the client is closed; never rejects.
   */
  close(): Promise<void> {
    return this.session.close();
  }

  /** Registers an action, or rejects the caller's promise (and returns undefined) when it cannot be sent. */
  private create(
    action: string,
    fields: ActionFields,
    options: SendOptions,
    internal: boolean,
    resolve: (r: ActionResult) => void,
    reject: (e: Error) => void,
  ): PendingAction | undefined {
    try {
      return this.actions.create(action, fields, options, internal, resolve, reject);
    } catch (err) {
      // The encoder refuses with AmiErrors; anything else (a field whose getter throws) is refused the same way.
      reject(err instanceof AmiError ? err : amiError("ERR_AMI_INVALID_ACTION", `invalid ${action} action: ${String((err as Error)?.message ?? err)}`, { action }));
      return undefined;
    }
  }

  private write(p: PendingAction): void {
    const sock = this.session.socket;
    if (!sock) return;
    p.markSent();
    this.stats.actionsSent++;
    this.log("debug", `-> ${p.action} (ActionID ${p.id})`);
    sock.write(p.plan.bytes);
  }

  /** Internal actions (login, filters, keepalive, logoff) go straight to the current socket. */
  private sendInternal(action: string, fields: ActionFields, timeout: number): Promise<ActionResult> {
    return new Promise<ActionResult>((resolve, reject) => {
      const p = this.create(action, fields, {}, true, resolve, reject);
      if (!p) return;
      this.write(p);
      p.arm(timeout);
    });
  }

  /** Logged in: the queued actions are written, in order. */
  private writeQueued(): void {
    for (const p of this.actions.takeQueued()) {
      this.write(p);
      // Its ring time starts now; the others keep the timeout they were queued with.
      if (p.plan.ringWait > 0) p.arm(p.plan.timeout + p.plan.ringWait);
    }
  }

  private sessionHost(): SessionHost {
    return {
      onConnecting: () => {
        this.actions.renewIds();
        this.banner = undefined;
      },
      onBanner: (line) => this.onBanner(line),
      onFrame: (buf, start, end) => this.onFrame(buf, start, end),
      sendInternal: (action, fields, timeout) => this.sendInternal(action, fields, timeout),
      onReady: () => this.writeQueued(),
      sessionHeld: () => this.actions.sessionHeld(),
      onConnectionEnded: (closing, cause) => this.actions.connectionEnded(closing, cause),
      onClosing: () => this.actions.dropQueued(),
      emit: (event, ...args) => this.emit(event, ...args),
      log: (level, message) => this.log(level, message),
    };
  }

  private onBanner(line: string): void {
    this.banner = line;
    const slash = line.lastIndexOf("/");
    this.amiVersion = slash >= 0 ? line.slice(slash + 1).trim() : undefined;
    this.asteriskMajor = amiVersionToAsterisk(this.amiVersion);
    this.log("debug", `banner: ${line}`);
    this.emit("banner", line);
  }

  /** One frame: an event nobody needs is skipped undecoded (or handed on as a frame); the rest is decoded once. */
  private onFrame(buf: Buffer, start: number, end: number): void {
    this.stats.framesReceived++;
    const name = peekEventName(buf, start, end);
    let listeners: Listeners | undefined;
    if (name !== undefined) {
      this.stats.eventsReceived++;
      listeners = this.subscriptions.listenersFor(name);
      // Decoded here only when a listener or the client itself (a list item, an awaited result) needs it.
      if (listeners.messages.length === 0 && !this.actions.wantsEvent(name, buf, start, end)) {
        if (listeners.frames.length === 0) this.stats.eventsSkipped++;
        else this.subscriptions.deliverFrame(new EventFrame(name, buf, start, end), listeners.frames);
        return;
      }
    }
    const msg = parseFrame(buf, start, end);
    const event = msg.event;
    if (event !== undefined) {
      if (name === undefined) this.stats.eventsReceived++;
      this.onEvent(msg, event, listeners ?? this.subscriptions.listenersFor(event), buf, start, end);
    } else if (msg.get("Response") !== undefined) {
      this.actions.onResponse(msg);
    } else {
      this.log("debug", "ignored a message with neither Event nor Response");
    }
  }

  private onEvent(msg: AmiMessage, name: string, listeners: Listeners, buf: Buffer, start: number, end: number): void {
    if (this.actions.onEvent(msg, name, end - start)) return; // a list's item: the action's own
    if (name === "FullyBooted") this.emit("fullybooted", msg);
    else if (name === "Shutdown") this.session.onShutdown(msg);
    this.subscriptions.deliver(msg, name, listeners, () => new EventFrame(name, buf, start, end, msg));
  }

  private log(level: keyof AmiLogger, message: string): void {
    const logger = this.logger;
    if (!logger[level]) return;
    // Belt and braces: no message built here carries the secret, but never let one through.
    const safe = this.#secret.length >= 3 ? message.split(this.#secret).join(SECRET_REDACTED) : message;
    try {
      logger[level]?.(safe);
    } catch {
      /* a failing logger must not break the session */
    }
  }
}
