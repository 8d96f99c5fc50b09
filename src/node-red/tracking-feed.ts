import { AmiClient, Call, CallTracking, CallUpdate, Presence, PresenceChange, PresenceTracking, QueueBound, QueueChange, QueueTracking, trackCalls, trackPresence, trackQueues } from "../ami";

/**
 * The call, presence and queue trackers of one connection, shared by every "ami calls" (or "ami
 * presence", "ami queues") node that uses it: however many nodes there are, one tracker, one event
 * subscription and one seeding (CoreShowChannels, ExtensionStateList + DeviceStateList,
 * QueueStatus) per (re)connect.
 *
 * The connection owns its feeds (AmiConnection.feed) and gives each one its current client: the
 * feed never reaches past the connection for it. A feed is made by the first node that joins and
 * stopped when the last one leaves. A node that only restarts (a partial deploy, `removed` false)
 * leaves for a moment: the tracker is kept for a grace period so the node's new instance finds the
 * calls with their history (ringing and answer times) instead of re-seeding them as calls whose
 * beginning was never seen.
 *
 * Users are keyed by node id, so a node that comes back replaces itself: no doubled messages after
 * a redeploy.
 */

export interface FeedUser<U> {
  id: string;
  /** One lifecycle step (calls) or change (presence). */
  update(u: U): void;
  /** A seeding finished (after each (re)connect): counts kept by the user are read again. */
  seeded?(): void;
  /** Seeding failed (for instance the AMI user may not run the list action). */
  warn?(err: Error): void;
}

interface Tracking {
  stop(): void;
  seeded(): Promise<void>;
}

type Start<T, U> = (client: AmiClient, emit: (u: U) => void, onError: (err: Error) => void) => T;

/** How long a tracker outlives its last user when that user is only restarting, ms. */
export const FEED_GRACE_MS = 5000;

export class SharedFeed<T extends Tracking, U> {
  private readonly users = new Map<string, FeedUser<U>>();
  private tracking?: T;
  private client?: AmiClient;
  private graceTimer?: NodeJS.Timeout;

  constructor(
    /** The connection's current client, if it has one. */
    private readonly clientOf: () => AmiClient | undefined,
    private readonly start: Start<T, U>,
    private readonly onStopped: () => void,
  ) {}

  /** The running tracking, if any (none when the server cannot connect). */
  get current(): T | undefined {
    return this.tracking;
  }

  /** Call after connection.register(): the connection has made its client by then. */
  join(user: FeedUser<U>): void {
    this.users.set(user.id, user);
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
    const client = this.clientOf();
    // The connection replaced its client meanwhile (it closed when idle): track the new one.
    if (this.tracking && this.client !== client) this.stopTracking();
    if (!this.tracking && client) {
      this.client = client;
      this.tracking = this.start(client, (u) => this.dispatch(u), (err) => this.warn(err));
      client.on("ready", this.onReady);
      if (client.state === "ready") this.onReady();
    }
  }

  /** A user left; the tracker stops with the last one (after a grace period when it only restarts). */
  leave(id: string, removed: boolean): void {
    this.users.delete(id);
    if (this.users.size > 0) return;
    if (removed) {
      this.stopTracking();
      return;
    }
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = setTimeout(() => {
      this.graceTimer = undefined;
      if (this.users.size === 0) this.stopTracking();
    }, FEED_GRACE_MS);
    this.graceTimer.unref?.();
  }

  /**
   * Resolves when what the tracker knows is complete: at once when not connected (the caller gets
   * what is known), else when the seeding after the last (re)connect is done.
   */
  async settled(): Promise<void> {
    if (this.tracking && this.client?.state === "ready") await this.tracking.seeded();
  }

  get connected(): boolean {
    return this.client?.state === "ready";
  }

  private readonly onReady = (): void => {
    const tracking = this.tracking;
    if (!tracking) return;
    // trackCalls/trackPresence listen to "ready" before this feed does: their seeding has started.
    void tracking.seeded().then(() => {
      if (this.tracking !== tracking) return;
      for (const user of [...this.users.values()]) guard(() => user.seeded?.());
    });
  };

  private dispatch(u: U): void {
    for (const user of [...this.users.values()]) guard(() => user.update(u));
  }

  private warn(err: Error): void {
    // One node says it; every node would say the same.
    const first = this.users.values().next().value;
    if (first) guard(() => first.warn?.(err));
  }

  private stopTracking(): void {
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
    this.tracking?.stop();
    this.client?.off("ready", this.onReady);
    this.tracking = undefined;
    this.client = undefined;
    if (this.users.size === 0) this.onStopped();
  }
}

/** A user's handler must not stop the others from getting the update. */
function guard(fn: () => void): void {
  try {
    fn();
  } catch {
    /* the node reports its own errors */
  }
}

export type CallFeed = FeedOf<"calls">;
export type PresenceFeed = FeedOf<"presence">;
export type QueueFeed = FeedOf<"queues">;

/** A bound of the queue tracker was reached: a user's warn() gets this once per bound. */
export class QueueLimitError extends Error {
  constructor(
    readonly bound: QueueBound,
    readonly max: number,
  ) {
    super(`queue tracking: at most ${max} ${bound}; more are not tracked`);
    this.name = "QueueLimitError";
  }
}

/** What each kind of feed a connection may have tracks, and the updates it gives its users. */
interface Parts {
  calls: [CallTracking, CallUpdate];
  presence: [PresenceTracking, PresenceChange];
  queues: [QueueTracking, QueueChange];
}

export type FeedKind = keyof Parts;
export type FeedOf<K extends FeedKind> = SharedFeed<Parts[K][0], Parts[K][1]>;

/** How each kind of feed starts tracking a client. */
const starters: { [K in FeedKind]: Start<Parts[K][0], Parts[K][1]> } = {
  calls: (client, emit, onError) => trackCalls(client, emit, { onError }),
  presence: (client, emit, onError) => trackPresence(client, emit, { onError }),
  queues: (client, emit, onError) => trackQueues(client, emit, { onError, onLimit: (bound, max) => onError(new QueueLimitError(bound, max)) }),
};

/** A new feed of this kind on the client clientOf gives; onStopped once its last user has left. */
export function makeFeed<K extends FeedKind>(kind: K, clientOf: () => AmiClient | undefined, onStopped: () => void): FeedOf<K> {
  return new SharedFeed<Parts[K][0], Parts[K][1]>(clientOf, starters[kind], onStopped);
}

/** The live calls a feed knows now (copies). */
export function liveCalls(feed: CallFeed): Call[] {
  return feed.current?.tracker.snapshot() ?? [];
}

/** The presence entries a feed knows now (copies). */
export function presenceEntries(feed: PresenceFeed): Presence[] {
  return feed.current?.tracker.snapshot() ?? [];
}
