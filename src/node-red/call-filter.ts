import { callDirection, DEFAULT_EXTERNAL_DIGITS, DEFAULT_INBOUND_CONTEXTS } from "../ami";
import type { Call, CallStep, CallUpdate, Direction, DirectionRules } from "../ami";
import { endpointOf } from "./endpoint";
import { FilterError, extensionMatcher, oneOf } from "./wildcards";

/**
 * What an "ami calls" node lets through, as pure functions: extensions (with `*`/`?` wildcards)
 * and the part they play, directions, lifecycle steps; and the plain JSON the node sends. Nothing
 * here knows about Node-RED. (The presence node's filter: presence-filter.ts.)
 */

export const CALL_STEPS: readonly CallStep[] = ["ringing", "answered", "ended", "hold", "unhold", "transfer"];
export const DIRECTIONS: readonly Direction[] = ["inbound", "outbound", "internal"];
/**
 * Which part the watched extensions play in a call: any (caller, a party rung or dialled, who
 * answered, a leg), called (rung, dialled or answered: the calls that came to them), caller (the
 * calls they made). An Originate's first leg (click-to-call ringing the agent's own phone first)
 * is the caller's side: 6001's click-to-call is a call 6001 made, never one that came to 6001.
 */
export const EXTENSION_ROLES = ["any", "called", "caller"] as const;
export type ExtensionRole = (typeof EXTENSION_ROLES)[number];

export interface CallFilterSpec {
  /** Extensions ("6001", "60*"), a list or a comma/space separated string. Empty: every call. */
  extensions?: readonly string[] | string;
  /** The part the extensions play (EXTENSION_ROLES); empty: any. */
  extensionRole?: string;
  /** Empty: every direction. */
  directions?: readonly string[] | string;
  /** Empty: every step. */
  steps?: readonly string[] | string;
  /** The node's own direction rules; empty: the tracker's (inbound contexts ^from-pstn|from-trunk|..., no trunk channels, 7+ digits outbound). */
  inboundContexts?: string;
  /** Channels of trunks, a regex (PJSIP/provider-...): a call from one is inbound, one reaching one outbound. */
  trunkChannels?: string;
  externalDigits?: string | number;
}

export interface CallFilter {
  /** The call as this node sends it: plain JSON, direction by the node's rules. */
  present(call: Call): Call;
  /** Extension and direction: does this node watch the call (snapshot, live count)? */
  watches(call: Call): boolean;
  /** Step, extension and direction: does this node emit the update? */
  accepts(update: CallUpdate): boolean;
}

/** Throws FilterError for an unknown direction or step, or an invalid inbound-contexts regex. */
export function compileCallFilter(spec: CallFilterSpec): CallFilter {
  const ext = extensionMatcher(spec.extensions);
  const directions = oneOf(spec.directions, DIRECTIONS, "unknown-direction");
  // Steps are checkboxes; "ringing" etc. are one word each, so a string splits as a list does.
  const steps = oneOf(spec.steps, CALL_STEPS, "unknown-step");
  const directionOf = directionRule(spec.inboundContexts, spec.trunkChannels, spec.externalDigits);

  const role = oneOf(spec.extensionRole, EXTENSION_ROLES, "unknown-extension-role");
  const any = !role || role.has("any");
  const partyMatches = (p: { number?: string; channel?: string } | undefined): boolean => !!p && !!ext && (ext(p.number) || ext(endpointOf(p.channel)));
  const isCaller = (call: Call): boolean => partyMatches(call.caller);
  const isCalled = (call: Call): boolean =>
    partyMatches(call.callee) || partyMatches(call.answeredBy) || (!!ext && call.dials.some((d) => ext(d.callee.number) || ext(endpointOf(d.to))));
  const callHasExtension = (call: Call): boolean => {
    if (!ext) return true;
    if (!any) return role?.has("called") ? isCalled(call) : isCaller(call);
    if (isCaller(call) || isCalled(call)) return true;
    return call.legs.some((l) => ext(endpointOf(l.channel)));
  };
  const watches = (call: Call): boolean => callHasExtension(call) && (!directions || directions.has(directionOf(call)));

  return {
    present: (call) => {
      const plain = JSON.parse(JSON.stringify(call)) as Call;
      plain.direction = directionOf(call);
      return plain;
    },
    watches,
    accepts: (u) => {
      if (steps && !steps.has(u.step)) return false;
      if (directions && !directions.has(directionOf(u.call))) return false;
      if (!ext) return true;
      // "ringing" is one step per party rung (a ring group rings several phones): a node watching
      // 6001 wants the one where 6001 rings, not 6002's, nor the phone 6001 itself calls.
      // As caller, the ringing steps are those of the calls the extension makes (the other end rings).
      if (u.step === "ringing" && u.dial) return any || role?.has("called") ? ext(u.dial.callee.number) || ext(endpointOf(u.dial.to)) : isCaller(u.call);
      return callHasExtension(u.call);
    },
  };
}

/**
 * The node's own direction rules (inbound contexts, trunk channels, outbound digits), each falling
 * back to the tracker's default; with none set, the tracker's direction as it is. The tracker is
 * shared by every node on a connection, so a node with its own rules recomputes the direction
 * from the call (callDirection) rather than changing the shared tracker.
 */
function directionRule(contexts: string | undefined, trunks: string | undefined, digits: string | number | undefined): (call: Call) => Direction {
  const pattern = String(contexts ?? "").trim();
  const trunkPattern = String(trunks ?? "").trim();
  const rawDigits = String(digits ?? "").trim();
  if (pattern === "" && trunkPattern === "" && rawDigits === "") return (call) => call.direction;
  const regex = (source: string, key: "bad-inbound-contexts" | "bad-trunk-channels"): RegExp => {
    try {
      return new RegExp(source, "i");
    } catch (err) {
      throw new FilterError(key, { pattern: JSON.stringify(source), reason: (err as Error).message });
    }
  };
  const n = Number(rawDigits);
  if (rawDigits !== "" && !(Number.isInteger(n) && n > 0)) throw new FilterError("bad-digits", { value: JSON.stringify(rawDigits) });
  const rules: DirectionRules = {
    inboundContexts: regex(pattern === "" ? DEFAULT_INBOUND_CONTEXTS : pattern, "bad-inbound-contexts"),
    trunkChannels: trunkPattern === "" ? undefined : regex(trunkPattern, "bad-trunk-channels"),
    externalNumberMinLength: rawDigits === "" ? DEFAULT_EXTERNAL_DIGITS : n,
  };
  return (call) => callDirection(call, rules);
}
