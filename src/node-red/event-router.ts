import type { AmiMessage } from "../ami";
import type { NameMatcher } from "./event-filter";

/**
 * Routes events from one AMI connection to the "ami in" nodes that use it. The config node holds
 * one subscription on the AmiClient whose selector is `wants`; the core caches that answer per
 * event name and never decodes an event nobody wants. Here, the routes for a name are worked out
 * once and cached too, so many nodes on one connection still cost one Map lookup per event.
 * Routes are keyed by owner (a node id), so everything a node added is removed in one call when it
 * closes: no doubled events after a redeploy.
 */

export type EventHandler = (event: AmiMessage) => void;

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

  dispatch(event: AmiMessage): void {
    const name = event.event;
    if (name === undefined) return;
    for (const r of this.routesFor(name)) r.handler(event);
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
 * as fast as it takes them: at most `window` messages wait in Node-RED's delivery queue, and the
 * window is sized so that delivering one turn's worth costs about `turnBudgetMs` (measured: one
 * setImmediate after each send runs right after Node-RED delivered that message). The rest waits
 * here, up to `limit` events; beyond that the newest are dropped and counted (never silently: see
 * onDrop). The socket itself is never paused: it is read every turn whatever the flow does.
 */
export interface BacklogOptions {
  /** Most events waiting for the flow; beyond it new events are dropped and counted. */
  limit: number;
  /** Flow time per event-loop turn the node aims at, ms (20). */
  turnBudgetMs?: number;
}

export interface BacklogStats {
  /** Messages handed to the flow. */
  sent: number;
  /** Events dropped because the backlog was full. */
  dropped: number;
  /** Events waiting now. */
  queued: number;
  /** Most events waiting at once. */
  peakQueued: number;
  /** Sent, not yet received by the next node. */
  inFlight: number;
  /** Messages the flow may be given per turn now. */
  window: number;
}

/** Turns of the event loop, counted by one probe shared by every backlog (runs only while one is busy). */
const loopClock = { phase: 0, start: 0, armed: false, busy: 0 };
function armClock(): void {
  if (loopClock.armed) return;
  loopClock.armed = true;
  setImmediate(clockTick);
}
function clockTick(): void {
  // Queued in the previous turn's check phase, so it runs first in this one: the turn's start.
  loopClock.phase++;
  loopClock.start = performance.now();
  if (loopClock.busy > 0) setImmediate(clockTick);
  else loopClock.armed = false;
}

const INITIAL_WINDOW = 256;

export class EventBacklog<T> {
  private readonly limit: number;
  private readonly budget: number;
  private items: Array<T | undefined> = [];
  private gaps: number[] = [];
  private head = 0;
  private count = 0;
  private closed = false;
  private inFlight = 0;
  private window: number;
  /** Cost of one message, ms, including whatever else the flow did meanwhile (0: not known yet). */
  private cost = 0;
  private pendingGap = 0;
  // The turn being measured: its number, start, our last delivery in it and how many.
  private turn = -1;
  private turnStart = 0;
  private turnLast = 0;
  private turnCount = 0;
  private turnSendCost = 0;
  private readonly counters = { sent: 0, dropped: 0, peakQueued: 0 };

  constructor(
    private readonly deliver: (item: T, gap: number) => void,
    options: BacklogOptions,
    private readonly onDrop?: (dropped: number) => void,
  ) {
    this.limit = Math.max(1, Math.floor(options.limit));
    this.budget = options.turnBudgetMs ?? 20;
    this.window = Math.min(INITIAL_WINDOW, this.limit);
  }

  get stats(): BacklogStats {
    return { ...this.counters, queued: this.count, inFlight: this.inFlight, window: this.window };
  }

  push(item: T): void {
    if (this.closed) return;
    if (this.count === 0 && this.inFlight < this.window) {
      const gap = this.pendingGap;
      this.pendingGap = 0;
      this.send(item, gap);
      return;
    }
    if (this.count >= this.limit) {
      this.counters.dropped++;
      this.pendingGap++;
      this.onDrop?.(this.counters.dropped);
      return;
    }
    const cap = this.items.length;
    if (this.count === cap) this.grow();
    const i = (this.head + this.count) % this.items.length;
    this.items[i] = item;
    this.gaps[i] = this.pendingGap;
    this.pendingGap = 0;
    this.count++;
    if (this.count > this.counters.peakQueued) this.counters.peakQueued = this.count;
  }

  /** Forgets what waits; deliveries already queued in Node-RED still happen. */
  close(): void {
    this.closed = true;
    this.items = [];
    this.gaps = [];
    this.count = this.head = 0;
  }

  private grow(): void {
    const cap = Math.min(this.limit, Math.max(64, this.items.length * 2));
    const items: Array<T | undefined> = new Array(cap);
    const gaps: number[] = new Array(cap);
    for (let k = 0; k < this.count; k++) {
      const j = (this.head + k) % this.items.length;
      items[k] = this.items[j];
      gaps[k] = this.gaps[j];
    }
    this.items = items;
    this.gaps = gaps;
    this.head = 0;
  }

  private send(item: T, gap: number): void {
    loopClock.busy++;
    armClock();
    this.inFlight++;
    this.counters.sent++;
    const t0 = performance.now();
    try {
      this.deliver(item, gap);
    } finally {
      const t1 = performance.now();
      // Runs right after Node-RED delivered the message (its delivery is a setImmediate too).
      setImmediate(this.delivered, t1 - t0);
    }
  }

  private readonly delivered = (sendCost: number): void => {
    loopClock.busy--;
    this.inFlight--;
    if (this.closed) return;
    const now = performance.now();
    if (this.turn !== loopClock.phase) {
      // A new turn: what the last one cost per message sizes the window.
      if (this.turnCount > 0) this.measured((this.turnLast - this.turnStart + this.turnSendCost) / this.turnCount);
      this.turn = loopClock.phase;
      this.turnStart = loopClock.start;
      this.turnCount = 0;
      this.turnSendCost = 0;
    }
    this.turnCount++;
    this.turnSendCost += sendCost;
    this.turnLast = now;
    while (this.count > 0 && this.inFlight < this.window) {
      const item = this.items[this.head] as T;
      const gap = this.gaps[this.head];
      this.items[this.head] = undefined;
      this.head = (this.head + 1) % this.items.length;
      this.count--;
      this.send(item, gap);
    }
  };

  private measured(perMessage: number): void {
    this.cost = this.cost === 0 ? perMessage : (this.cost + perMessage) / 2;
    const w = this.cost > 0 ? Math.floor(this.budget / this.cost) : this.limit;
    this.window = Math.max(1, Math.min(this.limit, w));
  }
}
