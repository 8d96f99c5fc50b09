import { CALL_EVENTS, CallTracker, CallTrackerOptions, CallUpdate } from "./calls";
import type { AmiClient, StateChange } from "./client";
import type { AmiMessage } from "./message";
import { PRESENCE_EVENTS, PresenceChange, PresenceTracker } from "./presence";

/**
 * Wires the call and presence trackers to a client: subscribes to exactly the events they read,
 * marks a gap when the session drops, and seeds them after every (re)connect from
 * CoreShowChannels, ExtensionStateList and DeviceStateList.
 */

export interface CallTracking {
  readonly tracker: CallTracker;
  /** Resolves when the current seeding finished (for tests and snapshots taken right after connect). */
  seeded(): Promise<void>;
  stop(): void;
}

export function trackCalls(
  client: AmiClient,
  onUpdate: (update: CallUpdate) => void,
  options: CallTrackerOptions & { onError?: (err: Error) => void } = {},
): CallTracking {
  const tracker = new CallTracker(options);
  const emit = (updates: CallUpdate[]) => updates.forEach((u) => onUpdate(u));
  const seeder = new Seeder<AmiMessage>(
    (e) => emit(tracker.handle(e)),
    async () => {
      const r = await client.send("CoreShowChannels");
      emit(tracker.seed(r.events ?? []));
    },
    (err) => options.onError?.(err),
  );
  const unsubscribe = client.subscribe(CALL_EVENTS, (e) => seeder.event(e));
  const onState = (s: StateChange) => {
    if (s.previous === "ready" && s.state !== "ready") tracker.markGap();
  };
  const seed = () => seeder.seed();
  client.on("state", onState);
  client.on("ready", seed);
  if (client.state === "ready") seed();
  return {
    tracker,
    seeded: () => seeder.done,
    stop: () => {
      unsubscribe();
      client.off("state", onState);
      client.off("ready", seed);
    },
  };
}

export interface PresenceTracking {
  readonly tracker: PresenceTracker;
  seeded(): Promise<void>;
  stop(): void;
}

export function trackPresence(
  client: AmiClient,
  onChange: (change: PresenceChange) => void,
  options: { onError?: (err: Error) => void; now?: () => number; maxEntries?: number } = {},
): PresenceTracking {
  const tracker = new PresenceTracker(options);
  const seeder = new Seeder<AmiMessage>(
    (e) => {
      const change = tracker.handle(e);
      if (change) onChange(change);
    },
    async () => {
      const [ext, dev] = await Promise.all([client.send("ExtensionStateList"), client.send("DeviceStateList")]);
      tracker.seed([...(ext.events ?? []), ...(dev.events ?? [])]).forEach((c) => onChange(c));
    },
    (err) => options.onError?.(err),
  );
  const unsubscribe = client.subscribe(PRESENCE_EVENTS, (e) => seeder.event(e));
  const seed = () => seeder.seed();
  client.on("ready", seed);
  if (client.state === "ready") seed();
  return {
    tracker,
    seeded: () => seeder.done,
    stop: () => {
      unsubscribe();
      client.off("ready", seed);
    },
  };
}

/**
 * Holds live events back while a seeding list is on its way, then applies the list and replays
 * them in order. Without it an event that arrives right behind the list's Complete (in the same
 * read, before the list's promise settles) would be applied first and then overwritten by the
 * older list: a Hangup lost, a phone reported ringing and then idle again.
 */
class Seeder<E> {
  private held: E[] | undefined;
  done: Promise<void> = Promise.resolve();

  constructor(
    private readonly apply: (event: E) => void,
    private readonly load: () => Promise<void>,
    private readonly onError: (err: Error) => void,
  ) {}

  event(e: E): void {
    if (this.held) this.held.push(e);
    else this.apply(e);
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
  }
}
