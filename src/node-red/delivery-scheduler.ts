import type { EventBacklog } from "./event-backlog";

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

/** The scheduler every backlog shares unless given one: they all share one event loop. */
export const sharedScheduler = new DeliveryScheduler();
