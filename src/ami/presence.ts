import { AmiMessage } from "./message";
import { PresenceState, deviceState, extensionState, isActive, isPersonDevice } from "./presence-state";

/**
 * Presence: the state of each extension (hint) and device, from ExtensionStatus and
 * DeviceStateChange, seeded with ExtensionStateList / DeviceStateList after each (re)connect.
 * Asterisk's many spellings map to one small, stable vocabulary (presence-state.ts); the raw value is kept.
 */

export interface ExtensionPresence {
  kind: "extension";
  /** "<exten>@<context>" */
  id: string;
  exten: string;
  context: string;
  hint?: string;
  state: PresenceState;
  /** Status (number) and StatusText as Asterisk sent them. */
  status?: string;
  statusText?: string;
  changedAt: number;
}

export interface DevicePresence {
  kind: "device";
  /** The device, e.g. "PJSIP/6001" or "Custom:6001". */
  id: string;
  state: PresenceState;
  /** State as Asterisk sent it (NOT_INUSE, INUSE, RINGING, ...). */
  raw: string;
  changedAt: number;
}

export type Presence = ExtensionPresence | DevicePresence;

export const PRESENCE_EVENTS = ["ExtensionStatus", "DeviceStateChange"] as const;

/** At most this many entries by default: far above any office's hints and phones, yet bounded. */
export const DEFAULT_MAX_PRESENCE_ENTRIES = 10_000;

export interface PresenceChange {
  presence: Presence;
  previous?: PresenceState;
}

export class PresenceTracker {
  private readonly entries = new Map<string, Presence>();
  private readonly now: () => number;
  private readonly maxEntries: number;
  /** Entries not kept because the bound was reached with nothing idle to let go. */
  dropped = 0;

  /**
   * maxEntries bounds memory over weeks of uptime: past it, a new entry replaces the device that
   * has been idle (or unknown, unavailable) the longest; extensions (hints) are never let go.
   */
  constructor(options: { now?: () => number; maxEntries?: number } = {}) {
    this.now = options.now ?? Date.now;
    this.maxEntries = Math.max(1, options.maxEntries ?? DEFAULT_MAX_PRESENCE_ENTRIES);
  }

  get size(): number {
    return this.entries.size;
  }

  snapshot(): Presence[] {
    return [...this.entries.values()].map((p) => ({ ...p }));
  }

  get(kind: Presence["kind"], id: string): Presence | undefined {
    const p = this.entries.get(`${kind}:${id}`);
    return p && { ...p };
  }

  /** Feeds one event (a live one or a list item); returns the change, if the state changed. */
  handle(event: AmiMessage): PresenceChange | undefined {
    const name = event.event;
    let next: Presence | undefined;
    if (name === "ExtensionStatus") {
      const exten = event.get("Exten") ?? "";
      const context = event.get("Context") ?? "";
      next = {
        kind: "extension",
        id: `${exten}@${context}`,
        exten,
        context,
        hint: event.get("Hint"),
        state: extensionState(event.get("Status"), event.get("StatusText")),
        status: event.get("Status"),
        statusText: event.get("StatusText"),
        changedAt: this.now(),
      };
    } else if (name === "DeviceStateChange") {
      const raw = event.get("State") ?? "";
      const device = event.get("Device") ?? "";
      if (!isPersonDevice(device)) return undefined;
      next = { kind: "device", id: device, state: deviceState(raw), raw, changedAt: this.now() };
    }
    if (!next) return undefined;
    const key = `${next.kind}:${next.id}`;
    const prev = this.entries.get(key);
    if (next.kind === "extension" && Number(next.status) < 0) {
      // The hint was removed (-1) or deleted (-2): forget it, and say so once.
      this.entries.delete(key);
      return prev ? { presence: next, previous: prev.state } : undefined;
    }
    if (prev && prev.state === next.state && sameRaw(prev, next)) return undefined;
    if (!prev && this.entries.size >= this.maxEntries && !this.makeRoom()) {
      this.dropped++;
      return undefined;
    }
    this.entries.set(key, next);
    return { presence: { ...next }, previous: prev?.state };
  }

  /** Lets go of the device idle (or unknown, unavailable) the longest; false when there is none. */
  private makeRoom(): boolean {
    let oldest: [string, Presence] | undefined;
    for (const entry of this.entries) {
      const p = entry[1];
      if (p.kind !== "device" || isActive(p)) continue;
      if (!oldest || p.changedAt < oldest[1].changedAt) oldest = entry;
    }
    if (oldest) this.entries.delete(oldest[0]);
    return oldest !== undefined;
  }

  /** Replaces everything with the items of ExtensionStateList and DeviceStateList. */
  seed(items: AmiMessage[]): PresenceChange[] {
    const before = new Map(this.entries);
    this.entries.clear();
    const changes: PresenceChange[] = [];
    for (const item of items) {
      this.handle(item);
    }
    for (const [key, p] of this.entries) {
      const prev = before.get(key);
      if (!prev || prev.state !== p.state) changes.push({ presence: { ...p }, previous: prev?.state });
      else this.entries.set(key, { ...p, changedAt: prev.changedAt });
    }
    return changes;
  }
}

function sameRaw(a: Presence, b: Presence): boolean {
  if (a.kind === "device" && b.kind === "device") return a.raw === b.raw;
  if (a.kind === "extension" && b.kind === "extension") return a.status === b.status && a.hint === b.hint;
  return false;
}
