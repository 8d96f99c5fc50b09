import { ActionIdSource } from "./actionid";
import { ActionFields } from "./encoder";
import { amiError } from "./errors";
import { frameMayHaveActionId } from "./framer";
import { AmiMessage } from "./message";
import { SendOptions, planAction } from "./action-plan";
import { ActionResult, Outcome, PendingAction, PendingOwner, isListComplete, isListStart } from "./pending-action";

/**
 * The actions of one client in flight, by ActionID: the queue of those waiting for the session,
 * the AGI commands awaited by CommandID, the ActionIDs given up on (whose late answers are dropped)
 * and the synchronous Originate that may still hold the session. Answers are handed to the action
 * they belong to (`pending.get(id)?.onResponse(msg)`); each action decides when it is complete.
 *
 * Bounds: the queue holds at most `maxQueue` actions; the abandoned ActionIDs at most 1000 (the
 * oldest forgotten first); everything else is one entry per action in flight.
 */

/** Actions that would change the session under the client's feet (credentials, log off). */
const SESSION_ACTIONS = new Set(["login", "logoff", "challenge"]);
const MAX_ABANDONED = 1000;

export interface InFlightLimits {
  maxQueue: number;
  maxListItems: number;
  maxListBytes: number;
  /** Default per-action timeout, ms. */
  actionTimeout: number;
}

export class InFlightActions implements PendingOwner {
  readonly maxListItems: number;
  readonly maxListBytes: number;
  private readonly limits: InFlightLimits;
  private readonly log: (message: string) => void;
  private readonly ids = new ActionIdSource();
  private readonly pending = new Map<string, PendingAction>();
  private readonly queue: PendingAction[] = [];
  private readonly agiWaiters = new Map<string, PendingAction>();
  /** ActionIDs given up on (timeout): late answers are dropped; "list" ones swallow their items. */
  private readonly abandoned = new Map<string, "list" | "other">();
  /** A synchronous Originate that timed out may still hold the session until then (ms epoch). */
  private blockedUntil = 0;
  private blockedBy?: string;
  private listsOpen = 0;
  private originatesWaiting = 0;

  /** `log` takes debug notes (late and unknown answers). */
  constructor(limits: InFlightLimits, log: (message: string) => void) {
    this.limits = limits;
    this.maxListItems = limits.maxListItems;
    this.maxListBytes = limits.maxListBytes;
    this.log = log;
  }

  /** Actions in flight or queued. */
  get size(): number {
    return this.pending.size;
  }

  /** A new connection: fresh ActionIDs, so late answers of the old session match nothing. */
  renewIds(): void {
    this.ids.renew();
  }

  /**
   * Registers an action (not written yet), or throws an AmiError when it cannot be sent: a bad
   * name, a taken ActionID or CommandID, a session action from outside, a value the encoder refuses.
   */
  create(action: string, fields: ActionFields, options: SendOptions, internal: boolean, resolve: (r: ActionResult) => void, reject: (e: Error) => void): PendingAction {
    if (typeof action !== "string") {
      throw amiError("ERR_AMI_INVALID_ACTION", "the action name must be a string");
    }
    const id = this.newId(action, options.actionId);
    if (!internal && SESSION_ACTIONS.has(action.toLowerCase())) {
      throw amiError("ERR_AMI_INVALID_ACTION", `${action} is managed by the AMI client itself (use close() to log off)`, { action });
    }
    const plan = planAction(action, fields, options, id, this.limits.actionTimeout, (commandId) => this.agiWaiters.has(commandId));
    const p = new PendingAction(action, id, plan, this, resolve, reject);
    this.pending.set(id, p);
    if (plan.commandId !== undefined) this.agiWaiters.set(plan.commandId, p);
    if (plan.wait === "originate") this.originatesWaiting++;
    return p;
  }

  /** Keeps an action until the session is ready; false (and it is forgotten) when the queue is full. */
  enqueue(p: PendingAction): boolean {
    if (this.queue.length >= this.limits.maxQueue) {
      this.forget(p);
      return false;
    }
    this.queue.push(p);
    return true;
  }

  get queued(): number {
    return this.queue.length;
  }

  /** The queued actions, in order, taken out of the queue (to be written now). */
  takeQueued(): PendingAction[] {
    return this.queue.splice(0);
  }

  /** Whether the client must decode this event (a list item, an awaited result) even if no subscriber wants it. */
  wantsEvent(name: string, buf: Buffer, start: number, end: number): boolean {
    switch (name) {
      case "FullyBooted":
      case "Shutdown":
        return true;
      case "OriginateResponse":
      case "Hangup":
        if (this.originatesWaiting > 0) return true;
        break;
      case "AsyncAGIExec":
      case "AsyncAGIEnd":
        if (this.agiWaiters.size > 0) return true;
        break;
    }
    return (this.listsOpen > 0 || this.abandoned.size > 0) && frameMayHaveActionId(buf, start, end);
  }

  /** A response: to the action of its ActionID, or dropped (late, or unknown). */
  onResponse(msg: AmiMessage): void {
    const id = msg.get("ActionID");
    const p = id === undefined ? undefined : this.pending.get(id);
    if (p) {
      if (!p.onResponse(msg)) this.log(`unexpected response for ${p.action} (ActionID ${p.id}) in phase ${p.phase}`);
    } else if (id !== undefined && this.abandoned.has(id)) {
      // A late answer to an action that already timed out: its caller was told; drop it.
      if (isListStart(msg)) this.abandoned.set(id, "list");
      else this.abandoned.delete(id);
      if (id === this.blockedBy) this.blockedUntil = 0;
      this.log(`dropped a late response (ActionID ${id})`);
    } else {
      this.log(`response for an unknown ActionID ${id ?? "(none)"}`);
    }
  }

  /**
   * An event, for the actions it may concern. Returns true when it belongs to one of them (a list
   * item, also of a list given up on): then no subscriber gets it.
   */
  onEvent(msg: AmiMessage, name: string, size: number): boolean {
    // Only an event answering one of our actions needs its ActionID looked at.
    const id = this.pending.size > 0 || this.abandoned.size > 0 ? msg.get("ActionID") : undefined;
    if (id !== undefined) {
      const p = this.pending.get(id);
      if (p) {
        if (p.onEvent(msg, name, size)) return true;
      } else if (this.abandoned.get(id) === "list") {
        if (isListComplete(msg)) this.abandoned.delete(id);
        return true;
      }
    }
    if (name === "Hangup" && this.originatesWaiting > 0) this.onHangup(msg);
    else if (name === "AsyncAGIExec" && this.agiWaiters.size > 0) this.onAgiExec(msg);
    else if (name === "AsyncAGIEnd" && this.agiWaiters.size > 0) this.onAgiEnd(msg);
    return false;
  }

  /** Whether a Ping now would go unanswered: a synchronous Originate holds (or may still hold) the session. */
  sessionHeld(): boolean {
    if (Date.now() < this.blockedUntil) return true;
    for (const p of this.pending.values()) if (p.holdsSession) return true;
    return false;
  }

  /**
   * The connection ended: everything written on it is answered by nobody now, and is not re-sent
   * (it may have run). Queued actions keep waiting for the next session, unless `closing`.
   */
  connectionEnded(closing: boolean, cause: Error | undefined): void {
    for (const p of [...this.pending.values()]) {
      if (p.phase === "queued" && !closing) continue;
      p.abort(closing, cause);
    }
    this.abandoned.clear();
    this.blockedUntil = 0;
    this.blockedBy = undefined;
  }

  /** close(): the queued actions will never be sent. */
  dropQueued(): void {
    for (const p of [...this.queue]) p.abort(true);
  }

  listStarted(): void {
    this.listsOpen++;
  }

  settled(p: PendingAction, outcome: Outcome): void {
    if (outcome === "overflow" || (outcome === "timeout" && p.phase !== "queued")) this.abandon(p.id, p.phase === "list" ? "list" : "other");
    // A synchronous Originate that timed out may still hold the session: no keepalive Ping (it would
    // go unanswered and drop every other action with the connection) until its late answer comes,
    // or for one more timeout.
    if (outcome === "timeout" && p.holdsSession) {
      this.blockedBy = p.id;
      this.blockedUntil = Date.now() + p.plan.timeout + p.plan.ringWait;
    }
    this.forget(p);
  }

  private newId(action: string, given: string | undefined): string {
    if (given === undefined) {
      let id: string;
      do id = this.ids.next();
      while (this.pending.has(id));
      return id;
    }
    const id = String(given);
    if (this.pending.has(id) || this.abandoned.has(id)) {
      const why = this.pending.has(id) ? "is already in flight" : "belongs to an action that timed out and may still be answered";
      throw amiError("ERR_AMI_DUPLICATE_ACTIONID", `${action}: ActionID ${JSON.stringify(id)} ${why}`, { action, actionId: id });
    }
    return id;
  }

  private forget(p: PendingAction): void {
    if (this.pending.get(p.id) !== p) return;
    this.pending.delete(p.id);
    if (p.phase === "list") this.listsOpen--;
    if (p.plan.wait === "originate") this.originatesWaiting--;
    if (p.plan.commandId !== undefined) this.agiWaiters.delete(p.plan.commandId);
    if (p.phase === "queued") {
      const i = this.queue.indexOf(p);
      if (i >= 0) this.queue.splice(i, 1);
    }
  }

  private abandon(id: string, kind: "list" | "other"): void {
    this.abandoned.set(id, kind);
    if (this.abandoned.size > MAX_ABANDONED) {
      const oldest = this.abandoned.keys().next().value;
      if (oldest !== undefined) this.abandoned.delete(oldest);
    }
  }

  /**
   * A channel hung up while async Originates await their result: if it is the channel one of them
   * created (named after its Channel: `PJSIP/6001-00000005`, `Local/100@test-0000002a;1`), it keeps
   * it, so a failure can say why (Asterisk's OriginateResponse says only "Reason 0"). When two
   * waiting Originates ask for the same Channel, whose channel it is cannot be told: neither keeps it.
   */
  private onHangup(msg: AmiMessage): void {
    const channel = msg.get("Channel");
    if (channel === undefined) return;
    let owner: PendingAction | undefined;
    for (const p of this.pending.values()) {
      if (!p.createdChannel(channel)) continue;
      if (owner) return;
      owner = p;
    }
    owner?.onHangup(msg, channel);
  }

  private onAgiExec(msg: AmiMessage): void {
    const commandId = msg.get("CommandId");
    if (commandId !== undefined) this.agiWaiters.get(commandId)?.onResult(msg);
  }

  private onAgiEnd(msg: AmiMessage): void {
    const channel = msg.get("Channel");
    for (const p of [...this.agiWaiters.values()]) p.onAgiEnd(channel);
  }
}
