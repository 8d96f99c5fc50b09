import { Call, Direction, isFirstLeg } from "./call-types";

/**
 * A call's direction (inbound, outbound, internal), told from its first channel's context, the
 * trunks' channel names and the number dialled. Shared by the tracker and the "ami calls" node's
 * filter, which tells it again with the node's own rules.
 */

export const DEFAULT_INBOUND_CONTEXTS = "^(from-pstn|from-trunk|from-external|from-did|inbound|incoming|ext-did)";
export const DEFAULT_EXTERNAL_DIGITS = 7;

/** How a call's direction is told (see callDirection). */
export interface DirectionRules {
  inboundContexts: RegExp;
  trunkChannels?: RegExp;
  externalNumberMinLength: number;
}

/**
 * Inbound: the first channel entered through an inbound context, or is a trunk's. Outbound: a
 * channel of the call (or a dialled one) is a trunk's, or the number dialled has at least
 * externalNumberMinLength digits. Internal: the rest.
 */
export function callDirection(call: Call, rules: DirectionRules): Direction {
  const first = call.legs.find((l) => isFirstLeg(call, l)) ?? call.legs[0];
  if (first?.context && rules.inboundContexts.test(first.context)) return "inbound";
  const trunks = rules.trunkChannels;
  if (trunks) {
    if (first && trunks.test(first.channel)) return "inbound";
    if (call.legs.some((l) => l !== first && trunks.test(l.channel)) || call.dials.some((d) => trunks.test(d.to))) return "outbound";
  }
  // The number dialled first (a queue's or group's callee is where the call went, not a number dialled out).
  const dialled = call.dials[0]?.callee.number ?? call.callee?.number;
  if (dialled && /^\+?\d+$/.test(dialled) && dialled.replace(/^\+/, "").length >= rules.externalNumberMinLength) return "outbound";
  return "internal";
}
