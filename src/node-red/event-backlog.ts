import { DeliveryScheduler, sharedScheduler } from "./delivery-scheduler";
import type { BacklogQueue } from "./frame-queue";

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
  /** Where waiting items are kept (the "ami in" node: a FrameQueue, bytes outside the heap). */
  queue: BacklogQueue<T>;
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

/** A running average that follows changes within a few turns. */
function average(previous: number, sample: number): number {
  return previous === 0 ? sample : (previous + sample) / 2;
}

/**
 * What a message is taken to cost before it was measured, ms: a budget's worth of unmeasured
 * messages is 16, so that a flow that turns out slow cannot take more than that in its first turn.
 */
const INITIAL_COST_MS = 1.25;

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
    this.queue = options.queue;
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
