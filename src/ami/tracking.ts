import { CALL_EVENTS, CallTracker, CallTrackerOptions, CallUpdate } from "./calls";
import type { AmiClient, StateChange } from "./client";
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
  const unsubscribe = client.subscribe(CALL_EVENTS, (e) => emit(tracker.handle(e)));
  let seeding: Promise<void> = Promise.resolve();
  const seed = () => {
    seeding = client.send("CoreShowChannels").then(
      (r) => emit(tracker.seed(r.events ?? [])),
      (err: Error) => options.onError?.(err),
    );
  };
  const onState = (s: StateChange) => {
    if (s.previous === "ready" && s.state !== "ready") tracker.markGap();
  };
  client.on("state", onState);
  client.on("ready", seed);
  if (client.state === "ready") seed();
  return {
    tracker,
    seeded: () => seeding,
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
  options: { onError?: (err: Error) => void; now?: () => number } = {},
): PresenceTracking {
  const tracker = new PresenceTracker(options);
  const unsubscribe = client.subscribe(PRESENCE_EVENTS, (e) => {
    const change = tracker.handle(e);
    if (change) onChange(change);
  });
  let seeding: Promise<void> = Promise.resolve();
  const seed = () => {
    seeding = Promise.all([client.send("ExtensionStateList"), client.send("DeviceStateList")]).then(
      ([ext, dev]) => tracker.seed([...(ext.events ?? []), ...(dev.events ?? [])]).forEach((c) => onChange(c)),
      (err: Error) => options.onError?.(err),
    );
  };
  client.on("ready", seed);
  if (client.state === "ready") seed();
  return {
    tracker,
    seeded: () => seeding,
    stop: () => {
      unsubscribe();
      client.off("ready", seed);
    },
  };
}
