import { AmiMessage } from "./message";

/**
 * Presence: the state of each extension (hint) and device, from ExtensionStatus and
 * DeviceStateChange, seeded with ExtensionStateList / DeviceStateList after each (re)connect.
 * Asterisk's many spellings map to one small, stable vocabulary; the raw value is kept.
 */

export type PresenceState = "idle" | "in use" | "busy" | "ringing" | "on hold" | "unavailable" | "unknown";

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

/**
 * ExtensionStatus Status is a bit mask (ast_extension_states): 1 in use, 2 busy, 4 unavailable,
 * 8 ringing, 16 on hold; -1 and -2 mean the hint went away. Ringing wins over in use (a second
 * call ringing on a busy phone), on hold over in use.
 */
export function extensionState(status: string | undefined, statusText?: string): PresenceState {
  const n = Number(status);
  if (status !== undefined && status !== "" && Number.isInteger(n)) {
    if (n < 0) return "unknown";
    if (n === 0) return "idle";
    if (n & 4) return "unavailable";
    if (n & 8) return "ringing";
    if (n & 16) return "on hold";
    if (n & 2) return "busy";
    if (n & 1) return "in use";
  }
  switch ((statusText ?? "").toLowerCase()) {
    case "idle":
      return "idle";
    case "inuse":
      return "in use";
    case "busy":
      return "busy";
    case "unavailable":
      return "unavailable";
    case "ringing":
    case "ringinuse":
      return "ringing";
    case "onhold":
      return "on hold";
    default:
      return "unknown";
  }
}

/** Device states (ast_device_state names). */
export function deviceState(state: string | undefined): PresenceState {
  switch ((state ?? "").toUpperCase()) {
    case "NOT_INUSE":
      return "idle";
    case "INUSE":
      return "in use";
    case "BUSY":
      return "busy";
    case "RINGING":
    case "RINGINUSE":
      return "ringing";
    case "ONHOLD":
      return "on hold";
    case "UNAVAILABLE":
    case "INVALID":
      return "unavailable";
    default:
      return "unknown";
  }
}

export interface PresenceChange {
  presence: Presence;
  previous?: PresenceState;
}

export class PresenceTracker {
  private readonly entries = new Map<string, Presence>();
  private readonly now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.now = options.now ?? Date.now;
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
      next = { kind: "device", id: event.get("Device") ?? "", state: deviceState(raw), raw, changedAt: this.now() };
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
    this.entries.set(key, next);
    return { presence: { ...next }, previous: prev?.state };
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
