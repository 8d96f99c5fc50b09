import type { Presence, PresenceChange, PresenceState } from "../ami";
import { endpointOf } from "./endpoint";
import { extensionMatcher, oneOf } from "./wildcards";
import { byName } from "../ami/names";

/**
 * What an "ami presence" node lets through, as pure functions: the kind (extensions, devices),
 * extensions and contexts (with `*`/`?` wildcards), states; the order of its snapshot. Nothing here
 * knows about Node-RED.
 */

export const PRESENCE_STATES: readonly PresenceState[] = ["idle", "in use", "busy", "ringing", "on hold", "unavailable", "unknown"];

export type PresenceKind = "extension" | "device" | "both";

export interface PresenceFilterSpec {
  /**
   * Extensions ("6001", "60*", "6001@phones"): an extension's number, or its number@context, or a
   * device's endpoint ("Custom:6001", "PJSIP/6001").
   */
  extensions?: readonly string[] | string;
  /**
   * Dialplan contexts of the extensions watched ("phones", "from-internal", "*-internal"); empty:
   * every context. A PBX often has a hint for 6001 in more than one context: each is its own entry
   * (id "6001@phones"), and this picks the ones meant. Devices have no context: not filtered by it.
   */
  contexts?: readonly string[] | string;
  /** extension (hints, the default), device, or both. */
  kind?: string;
  /** Changes to these states only (empty: every change); the snapshot is not filtered by state. */
  states?: readonly string[] | string;
}

export interface PresenceFilter {
  watches(p: Presence): boolean;
  accepts(change: PresenceChange): boolean;
}

export function compilePresenceFilter(spec: PresenceFilterSpec): PresenceFilter {
  const ext = extensionMatcher(spec.extensions);
  const context = extensionMatcher(spec.contexts);
  const kind: PresenceKind = spec.kind === "device" || spec.kind === "both" ? spec.kind : "extension";
  // States contain spaces ("in use"): only an array (the editor's checkboxes) or commas separate them.
  const rawStates = Array.isArray(spec.states) ? spec.states : typeof spec.states === "string" ? spec.states.split(",") : [];
  const states = oneOf(
    rawStates.map((s) => String(s).trim()).filter((s) => s.length > 0),
    PRESENCE_STATES,
    "unknown-state",
  );
  const watches = (p: Presence): boolean => {
    if (kind !== "both" && p.kind !== kind) return false;
    if (p.kind === "extension" && context && !context(p.context)) return false;
    if (!ext) return true;
    return p.kind === "extension" ? ext(p.exten) || ext(p.id) : ext(endpointOf(p.id));
  };
  return {
    watches,
    accepts: (c) => watches(c.presence) && (!states || states.has(c.presence.state)),
  };
}

/** Snapshot order for panels: by extension (numbers in numeric order), then context or device. */
export function byId(a: Presence, b: Presence): number {
  const ka = a.kind === "extension" ? a.exten : a.id;
  const kb = b.kind === "extension" ? b.exten : b.id;
  return byName(ka, kb) || byName(a.id, b.id);
}
