import { CALL_EVENTS, CallTracker, CallTrackerOptions, CallUpdate } from "./calls";
import type { AmiClient, StateChange } from "./client";
import type { AmiMessage } from "./message";
import { PRESENCE_EVENTS, PresenceChange, PresenceTracker } from "./presence";
import { QUEUE_EVENTS, QueueChange, QueueTracker, QueueTrackerOptions } from "./queues";

/**
 * Wires the call, presence and queue trackers to a client: subscribes to exactly the events they
 * read, marks a gap when the session drops, and seeds them after every (re)connect from
 * CoreShowChannels, ExtensionStateList and DeviceStateList, and QueueStatus.
 */

/** A tracker wired to a client. */
export interface Tracking<T> {
  readonly tracker: T;
  /** Resolves when the current seeding finished (for tests and snapshots taken right after connect). */
  seeded(): Promise<void>;
  stop(): void;
}

export type CallTracking = Tracking<CallTracker>;
export type PresenceTracking = Tracking<PresenceTracker>;
export type QueueTracking = Tracking<QueueTracker>;

/** Options every tracking takes. */
export interface TrackingOptions {
  onError?: (err: Error) => void;
  /**
   * Live events held back while a seeding list is on its way, at most (10,000 by default, about
   * 10–20 MB). Beyond it they are dropped, a gap is marked and the lists are read again once this
   * seeding ends: a list that answers slowly during an event storm costs no more memory than this.
   */
  maxHeldEvents?: number;
}

/** Events held back during a seeding, by default (see TrackingOptions.maxHeldEvents). */
export const DEFAULT_MAX_HELD_EVENTS = 10_000;

/** What a tracker needs of the client: the events it reads, how it is seeded, whether it marks gaps. */
interface Wiring<T> {
  tracker: T;
  events: readonly string[];
  apply: (event: AmiMessage) => void;
  /** Reads the lists and seeds the tracker. */
  load: () => Promise<void>;
  /** The session dropped: events may be missed until the next seed. */
  markGap?: () => void;
  onError?: (err: Error) => void;
  maxHeldEvents?: number;
}

function wire<T>(client: AmiClient, w: Wiring<T>): Tracking<T> {
  const seeder = new Seeder<AmiMessage>(w.apply, w.load, (err) => w.onError?.(err), w.maxHeldEvents ?? DEFAULT_MAX_HELD_EVENTS, () => w.markGap?.());
  const unsubscribe = client.subscribe(w.events, (e) => seeder.event(e));
  const onState = (s: StateChange) => {
    if (s.previous === "ready" && s.state !== "ready") w.markGap?.();
  };
  const seed = () => seeder.seed();
  client.on("state", onState);
  client.on("ready", seed);
  if (client.state === "ready") seed();
  return {
    tracker: w.tracker,
    seeded: () => seeder.done,
    stop: () => {
      unsubscribe();
      client.off("state", onState);
      client.off("ready", seed);
    },
  };
}

/** A tracker seeded from one list action whose handle() and seed() both return changes. */
interface ListSeeded<U> {
  handle(event: AmiMessage): U[];
  seed(items: AmiMessage[]): U[];
  markGap(): void;
}

function trackByList<T extends ListSeeded<U>, U>(client: AmiClient, tracker: T, events: readonly string[], list: string, onChange: (u: U) => void, options: TrackingOptions): Tracking<T> {
  const emit = (changes: U[]) => changes.forEach((u) => onChange(u));
  return wire(client, {
    tracker,
    events,
    apply: (e) => emit(tracker.handle(e)),
    load: async () => {
      const r = await client.send(list);
      emit(tracker.seed(r.events ?? []));
    },
    markGap: () => tracker.markGap(),
    onError: options.onError,
    maxHeldEvents: options.maxHeldEvents,
  });
}

export function trackCalls(
  client: AmiClient,
  onUpdate: (update: CallUpdate) => void,
  options: CallTrackerOptions & TrackingOptions = {},
): CallTracking {
  return trackByList(client, new CallTracker(options), CALL_EVENTS, "CoreShowChannels", onUpdate, options);
}

export function trackPresence(
  client: AmiClient,
  onChange: (change: PresenceChange) => void,
  options: TrackingOptions & { now?: () => number; maxEntries?: number } = {},
): PresenceTracking {
  const tracker = new PresenceTracker(options);
  return wire(client, {
    tracker,
    events: PRESENCE_EVENTS,
    apply: (e) => {
      const change = tracker.handle(e);
      if (change) onChange(change);
    },
    load: async () => {
      const [ext, dev] = await Promise.all([client.send("ExtensionStateList"), client.send("DeviceStateList")]);
      tracker.seed([...(ext.events ?? []), ...(dev.events ?? [])]).forEach((c) => onChange(c));
    },
    onError: options.onError,
    maxHeldEvents: options.maxHeldEvents,
  });
}

/** The queue tracker, seeded from QueueStatus (QueueParams, QueueMember, QueueEntry). */
export function trackQueues(
  client: AmiClient,
  onChange: (change: QueueChange) => void,
  options: QueueTrackerOptions & TrackingOptions = {},
): QueueTracking {
  return trackByList(client, new QueueTracker(options), QUEUE_EVENTS, "QueueStatus", onChange, options);
}

/**
 * Holds live events back while a seeding list is on its way, then applies the list and replays
 * them in order. Without it an event that arrives right behind the list's Complete (in the same
 * read, before the list's promise settles) would be applied first and then overwritten by the
 * older list: a Hangup lost, a phone reported ringing and then idle again.
 */
class Seeder<E> {
  private held: E[] | undefined;
  /** Events were dropped from `held` (it was full): the lists are read again after this seeding. */
  private overflowed = false;
  done: Promise<void> = Promise.resolve();

  constructor(
    private readonly apply: (event: E) => void,
    private readonly load: () => Promise<void>,
    private readonly onError: (err: Error) => void,
    private readonly maxHeld: number,
    private readonly markGap: () => void,
  ) {}

  event(e: E): void {
    if (!this.held) this.apply(e);
    else if (this.held.length < this.maxHeld) this.held.push(e);
    else this.overflowed = true;
  }

  seed(): void {
    // A seed started while another is on its way takes over the events held so far.
    const held: E[] = this.held ? [...this.held] : [];
    this.held = held;
    this.done = this.load().then(
      () => this.release(held),
      (err: Error) => {
        this.release(held);
        this.onError(err);
      },
    );
  }

  private release(held: E[]): void {
    // A newer seed started meanwhile: it owns the held events now.
    if (this.held !== held) return;
    this.held = undefined;
    for (const e of held) this.apply(e);
    // Events were dropped meanwhile: what is known now may be stale (a gap, as after a lost
    // session), and the lists are read again.
    if (this.overflowed) {
      this.overflowed = false;
      this.markGap();
      this.seed();
    }
  }
}
