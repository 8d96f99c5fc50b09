import type { EventFrame } from "../ami";
import { ArrayQueue, BacklogQueue } from "./frame-queue";
import type { NameMatcher } from "./event-filter";

/**
 * Routes events from one AMI connection to the "ami in" nodes that use it. The config node holds
 * one subscription on the AmiClient whose selector is `wants`; the core caches that answer per
 * event name and never decodes an event nobody wants. Here, the routes for a name are worked out
 * once and cached too, so many nodes on one connection still cost one Map lookup per event.
 * Routes are keyed by owner (a node id), so everything a node added is removed in one call when it
 * closes: no doubled events after a redeploy. Events come as frames (see EventFrame): a node that
 * drops an event never pays for decoding it; the first node that reads one gets its payload straight
 * from the bytes, and a message decoded once then serves every other node that reads it.
 */

export type EventHandler = (event: EventFrame) => void;

interface Route {
  owner: string;
  matcher: NameMatcher;
  handler: EventHandler;
}

export class EventRouter {
  private routes: Route[] = [];
  private readonly cache = new Map<string, Route[]>();
  /** Called whenever the set of wanted names may have changed (re-subscribe to clear the core's cache). */
  onChange?: () => void;

  get size(): number {
    return this.routes.length;
  }

  /** Adds a route; returns the function that removes it. */
  add(owner: string, matcher: NameMatcher, handler: EventHandler): () => void {
    const route: Route = { owner, matcher, handler };
    this.routes.push(route);
    this.changed();
    return () => {
      const i = this.routes.indexOf(route);
      if (i < 0) return;
      this.routes.splice(i, 1);
      this.changed();
    };
  }

  /** Removes every route an owner added; returns how many there were. */
  removeOwner(owner: string): number {
    const before = this.routes.length;
    this.routes = this.routes.filter((r) => r.owner !== owner);
    const removed = before - this.routes.length;
    if (removed > 0) this.changed();
    return removed;
  }

  /** True when any route wants events of this name (the selector given to the core). */
  wants(name: string): boolean {
    return this.routesFor(name).length > 0;
  }

  dispatch(event: EventFrame): void {
    for (const r of this.routesFor(event.name)) r.handler(event);
  }

  private routesFor(name: string): Route[] {
    let list = this.cache.get(name);
    if (list) return list;
    list = this.routes.filter((r) => r.matcher === "*" || safeMatch(r.matcher, name));
    // Names come from the server: bound the cache so a peer inventing names cannot grow it.
    if (this.cache.size >= 4096) this.cache.clear();
    this.cache.set(name, list);
    return list;
  }

  private changed(): void {
    this.cache.clear();
    this.onChange?.();
  }
}

function safeMatch(matcher: (name: string) => boolean, name: string): boolean {
  try {
    return matcher(name);
  } catch {
    return false;
  }
}

/**
 * A bounded hand-off from the AMI socket to a flow, one per "ami in" node. Node-RED queues every
 * node.send without bound, and a slow flow (a function that takes milliseconds per message) then
 * keeps the event loop away from the socket for seconds: Asterisk drops a client whose writes stay
 * blocked for 100 ms, and every event of every node is lost. So events are handed to the flow only
 * as fast as it takes them: a DeliveryScheduler shared by all backlogs gives the flows a time budget
 * per turn of the event loop (20 ms), and what waits beyond it stays in the queue, as bytes outside
 * the heap (FrameQueue), up to its bound in bytes (and `limit` events when set); only beyond that
 * are the newest dropped and counted (never silently: see onDrop). The socket itself is never
 * paused: it is read every turn whatever the flow does.
 */
export interface BacklogOptions<T> {
  /** Most events waiting for the flow (none by default: the queue's own bound, in bytes, applies). */
  limit?: number;
  /** The scheduler whose budget this backlog shares (the process-wide one by default). */
  scheduler?: DeliveryScheduler;
  /** Where waiting items are kept (an array by default; see FrameQueue). */
  queue?: BacklogQueue<T>;
  /**
   * Told when handing an item over threw (the item is lost; it counts as sent). Without it the
   * error is dropped: handing over also runs from a timer, where a throw would end the process.
   */
  onError?: (err: unknown) => void;
}

export interface BacklogStats {
  /** Messages handed to the flow. */
  sent: number;
  /** Bytes of the events waiting now, and the most at once (queues that keep bytes; else 0). */
  queuedBytes: number;
  peakBytes: number;
  /** Events dropped because the backlog was full. */
  dropped: number;
  /** Events waiting now. */
  queued: number;
  /** Most events waiting at once. */
  peakQueued: number;
  /** Sent, not yet received by the next node. */
  inFlight: number;
  /** Messages given to the flow in the last turn of the event loop that gave it any. */
  window: number;
  /** What one message costs, ms: handing it over plus the flow's work on it (0 until measured). */
  costMs: number;
}

/**
 * Shares one time budget per turn of the event loop between backlogs, so that delivering events
 * never keeps the loop (and the AMI socket) waiting much longer than the budget, however many nodes
 * and however slow their flows.
 *
 * What a message costs is measured per backlog, in two parts: handing it over (decoding, node.send)
 * is timed as it happens; Node-RED delivers it in a setImmediate and the backlog queues its own
 * setImmediate right after, so the time between that callback and the previous one of any backlog
 * (or the start of the turn's check phase) is what the flow did with it.
 *
 * Both parts count against the budget of the turn in which the message is delivered. A backlog
 * with nothing waiting hands an event over as soon as it is read (between the socket's reads, and
 * Node-RED delivers it in the same turn) while the turn's budget lasts: the usual case. Beyond it
 * events wait. Once per turn the scheduler hands waiting events over, sharing the budget in equal
 * time between the backlogs that have some (deficit round robin: a flow that needs more than its
 * share per message gets one every few turns), so a slow flow cannot starve a fast one, nor a fast
 * one hog the loop. It does so right after the turn's reading of the AMI socket (see readChunk), or
 * first thing in a turn that follows one without reads (a timer): either way they are delivered in
 * the same turn, and no reading lies between. Handed over at the end of a turn, they waited through
 * the next one's reading and the garbage collector copied and promoted them all (measured: a third
 * of the time); handed over before the reading, half of that time was still there.
 */
export class DeliveryScheduler {
  readonly budgetMs: number;
  private readonly members = new Set<EventBacklog<unknown>>();
  private armed = false;
  private inFlight = 0;
  /** Cost handed over for the turn being filled, and how much of it went the immediate way. */
  private reserved = 0;
  private immediate = 0;
  private lastImmediate = 0;
  /** The last time point whose flow time was given to a backlog. */
  private mark = 0;

  constructor(options: { budgetMs?: number } = {}) {
    this.budgetMs = options.budgetMs ?? 20;
  }

  /** @internal */
  add(member: EventBacklog<unknown>): void {
    this.members.add(member);
  }

  /** @internal */
  remove(member: EventBacklog<unknown>): void {
    this.members.delete(member);
  }

  /** @internal May a backlog with nothing waiting hand over now a message that costs this? */
  admit(cost: number): boolean {
    if (this.reserved > 0 && this.reserved + cost > this.budgetMs) return false;
    this.reserved += cost;
    this.immediate += cost;
    return true;
  }

  /**
   * @internal A message of `member` was handed to Node-RED. Consecutive messages of one backlog
   * form a run; when the run ends (another backlog sends, or the code that sent returns: a
   * microtask), one setImmediate is queued behind Node-RED's deliveries of the run, and its callback
   * tells the backlog that they were delivered (see delivered). One callback per run, not per message.
   */
  sent(member: EventBacklog<unknown>): void {
    this.inFlight++;
    if (this.runMember !== member) {
      this.endRun();
      this.runMember = member;
      if (!this.runEndQueued) {
        this.runEndQueued = true;
        queueMicrotask(this.endRunLater);
      }
    }
    this.runCount++;
    this.arm();
  }

  private runMember?: EventBacklog<unknown>;
  private runCount = 0;
  private runEndQueued = false;

  private endRun(): void {
    const member = this.runMember;
    const count = this.runCount;
    this.runMember = undefined;
    this.runCount = 0;
    if (member && count > 0) setImmediate(() => this.delivered(member, count));
  }

  private readonly endRunLater = (): void => {
    this.runEndQueued = false;
    this.endRun();
  };

  /** @internal A backlog has events waiting: a turn must come to hand them over. */
  arm(): void {
    if (this.armed) return;
    this.armed = true;
    this.mark = performance.now();
    setImmediate(this.tick);
  }

  /** Right after Node-RED delivered a run of `count` messages of `member` (a setImmediate behind them). */
  private delivered(member: EventBacklog<unknown>, count: number): void {
    this.inFlight -= count;
    const now = performance.now();
    member.deliveredRun(count, now - this.mark);
    this.mark = now;
  }

  // Queued in the previous turn's check phase before anything else, so it runs first in this one.
  private readonly tick = (): void => {
    let waiting = 0;
    for (const m of this.members) {
      m.measure();
      if (m.waiting) waiting++;
    }
    // Queued before anything this turn hands over, so that it runs first in the next check phase.
    if (this.inFlight > 0 || waiting > 0) setImmediate(this.tick);
    else this.armed = false;
    // A new turn to fill: what waits goes first, leaving the immediate way what it used lately.
    this.lastImmediate = this.immediate;
    this.immediate = 0;
    this.reserved = 0;
    // Waiting events are handed over in the next turn, once (see the class comment): after the
    // socket's reading when this turn read from it, else first thing (a timer).
    this.turn++;
    if (waiting > 0 && this.readsThisTurn === 0 && !this.refillTimer) this.refillTimer = setTimeout(this.refillFromTimer, 0);
    this.readsThisTurn = 0;
    this.mark = performance.now();
  };

  private refillTimer?: NodeJS.Timeout;
  private turn = 0;
  private refilledTurn = -1;
  private readsThisTurn = 0;
  /** When the turn's first read had been dispatched (its own reading, about 0.5 ms, comes before). */
  private firstReadAt = 0;

  /**
   * @internal An AMI socket's reader was handed `bytes` (one read of Node.js). Node.js reads in
   * 64 KiB chunks, at most 32 per turn: a shorter read, or the 32nd, ends this turn's reading, and
   * that is the moment to hand waiting events over (should a read end otherwise, the next turn
   * without reads hands them over from its timer).
   */
  readChunk(bytes: number): void {
    if (this.readsThisTurn === 0) this.firstReadAt = performance.now();
    this.readsThisTurn++;
    if ((bytes < 65536 || this.readsThisTurn >= 32) && this.refilledTurn !== this.turn) this.refillAll(false);
  }

  private readonly refillFromTimer = (): void => {
    this.refillTimer = undefined;
    if (this.refilledTurn !== this.turn) this.refillAll(true);
  };

  /** Hands waiting events over for this turn; before its reads, what they will take is a guess. */
  private refillAll(beforeReads: boolean): void {
    this.refilledTurn = this.turn;
    let waiting = 0;
    for (const m of this.members) if (m.waiting) waiting++;
    if (waiting === 0) return;
    const immediate = beforeReads ? this.lastImmediate : 0;
    let spare = Math.max(this.budgetMs - immediate - this.reserved, this.budgetMs / 2);
    // A turn that read a lot (up to 2 MiB: 10-25 ms of framing) hands less over, so that reading and
    // handing over together stay near TURN_TARGET_MS; at least a quarter of the budget, to move on.
    if (!beforeReads) {
      const reading = performance.now() - this.firstReadAt;
      spare = Math.max(Math.min(spare, TURN_TARGET_MS - reading - this.reserved), this.budgetMs / 4);
    }
    let left = waiting;
    for (const m of this.members) {
      if (!m.waiting) continue;
      const used = m.refill(spare / left);
      spare = Math.max(0, spare - used);
      left--;
      this.reserved += used;
    }
  }
}

/** What reading the socket and handing events over may take together in one turn, ms (see refillAll). */
const TURN_TARGET_MS = 35;

/** A running average that follows changes within a few turns. */
function average(previous: number, sample: number): number {
  return previous === 0 ? sample : (previous + sample) / 2;
}

/**
 * What a message is taken to cost before it was measured, ms: a budget's worth of unmeasured
 * messages is 16, so that a flow that turns out slow cannot take more than that in its first turn.
 */
const INITIAL_COST_MS = 1.25;

/** The scheduler every backlog shares unless given one: they all share one event loop. */
export const sharedScheduler = new DeliveryScheduler();

export class EventBacklog<T> {
  /** Most events waiting (Infinity: only the queue's bound in bytes). */
  readonly limit: number;
  /** Flow time and messages delivered since the last measure(). */
  private flowTime = 0;
  private flowCount = 0;
  private sendTime = 0;
  private sendCount = 0;
  /** Per message, ms (0: not measured yet): handing it over, and the flow's work on it. */
  private handOverCost = 0;
  private flowCost = 0;
  private flowMeasured = false;
  /** Deficit round robin: budget carried while events wait, ms. */
  private credit = 0;
  private lastTurnSent = 0;
  private turnSent = 0;
  private readonly scheduler: DeliveryScheduler;
  private readonly queue: BacklogQueue<T>;
  private readonly onError?: (err: unknown) => void;
  private closed = false;
  private inFlight = 0;
  private pendingGap = 0;
  private readonly counters = { sent: 0, dropped: 0, peakQueued: 0, peakBytes: 0 };

  constructor(
    private readonly deliver: (item: T, gap: number) => void,
    options: BacklogOptions<T>,
    private readonly onDrop?: (dropped: number) => void,
  ) {
    this.queue = options.queue ?? new ArrayQueue<T>();
    this.onError = options.onError;
    this.limit = options.limit === undefined || !Number.isFinite(options.limit) ? Infinity : Math.max(1, Math.floor(options.limit));
    this.scheduler = options.scheduler ?? sharedScheduler;
    this.scheduler.add(this as EventBacklog<unknown>);
  }

  get stats(): BacklogStats {
    return { ...this.counters, queued: this.queue.length, queuedBytes: this.queue.bytes ?? 0, inFlight: this.inFlight, window: this.lastTurnSent, costMs: this.handOverCost + this.flowCost };
  }

  /** @internal Has events waiting. */
  get waiting(): boolean {
    return this.queue.length > 0 && !this.closed;
  }

  /** True when the next item pushed would be dropped: a caller may drop() it without preparing it. */
  get full(): boolean {
    return this.queue.length >= this.limit && !this.closed;
  }

  push(item: T): void {
    if (this.closed) return;
    const waiting = this.queue.length;
    if (waiting === 0 && this.scheduler.admit(this.costOrGuess)) {
      const gap = this.pendingGap;
      this.pendingGap = 0;
      this.send(item, gap);
      return;
    }
    if (waiting >= this.limit || !this.queue.push(item, this.pendingGap)) {
      this.drop();
      return;
    }
    this.pendingGap = 0;
    if (waiting === 0) this.scheduler.arm();
    if (waiting + 1 > this.counters.peakQueued) this.counters.peakQueued = waiting + 1;
    const bytes = this.queue.bytes ?? 0;
    if (bytes > this.counters.peakBytes) this.counters.peakBytes = bytes;
  }

  /** Counts an item that was not pushed because the backlog was full (see full). */
  drop(): void {
    if (this.closed) return;
    this.counters.dropped++;
    this.pendingGap++;
    this.onDrop?.(this.counters.dropped);
  }

  /** Forgets what waits; deliveries already queued in Node-RED still happen. */
  close(): void {
    this.closed = true;
    this.queue.clear();
    this.scheduler.remove(this as EventBacklog<unknown>);
  }

  /** @internal Once per turn: updates the cost of a message from what was measured. */
  measure(): void {
    if (this.sendCount > 0) this.handOverCost = average(this.handOverCost, this.sendTime / this.sendCount);
    if (this.flowCount > 0) {
      this.flowCost = this.flowMeasured ? average(this.flowCost, this.flowTime / this.flowCount) : this.flowTime / this.flowCount;
      this.flowMeasured = true;
    }
    this.sendTime = this.sendCount = this.flowTime = this.flowCount = 0;
    if (this.turnSent > 0) this.lastTurnSent = this.turnSent;
    this.turnSent = 0;
  }

  /** @internal Hands waiting events over with `share` ms more credit; returns the cost handed over. */
  refill(share: number): number {
    this.credit += share;
    let used = 0;
    const cost = this.costOrGuess;
    while (this.queue.length > 0 && this.credit >= cost) {
      this.credit -= cost;
      used += cost;
      this.queue.shift(this.sendQueued);
    }
    if (this.queue.length === 0) this.credit = 0;
    return used;
  }

  /** Both parts of a message's cost; until the flow's part was measured, INITIAL_COST_MS. */
  private get costOrGuess(): number {
    return this.flowMeasured ? this.handOverCost + this.flowCost : Math.max(INITIAL_COST_MS, this.handOverCost);
  }

  private readonly sendQueued = (item: T, gap: number): void => this.send(item, gap);

  private send(item: T, gap: number): void {
    this.inFlight++;
    this.turnSent++;
    this.counters.sent++;
    this.scheduler.sent(this as EventBacklog<unknown>);
    const t0 = performance.now();
    try {
      this.deliver(item, gap);
    } catch (err) {
      try {
        this.onError?.(err);
      } catch {
        /* nothing more to do */
      }
    } finally {
      this.sendTime += performance.now() - t0;
      this.sendCount++;
    }
  }

  /**
   * @internal Node-RED delivered `count` more of this backlog's messages, and the flows took
   * `flowMs` over them (see DeliveryScheduler.sent).
   */
  deliveredRun(count: number, flowMs: number): void {
    this.inFlight -= count;
    this.flowTime += flowMs;
    this.flowCount += count;
  }
}
