import { Call, Disposition, isFirstLeg } from "./call-types";

/**
 * How a call ended: its disposition (as a CDR would log it) and its ring, talk and total times,
 * set once when the call ends.
 */

/**
 * Ends a call at `at`: its state, disposition and times. `incomplete` when its end was not seen
 * (gone after a reconnect, reaped as stale).
 */
export function closeCall(call: Call, at: number, incomplete: Call["incomplete"]): void {
  call.state = "ended";
  call.endedAt = at;
  if (incomplete) call.incomplete = incomplete;
  // Its end unseen and nobody answered: how it ended is not known, and not made up.
  call.disposition = incomplete && call.answeredAt === undefined ? undefined : disposition(call);
  if (call.disposition === "ANSWERED") call.answeredAt ??= call.pbxAnsweredAt;
  const ringStart = call.ringingAt ?? call.startedAt;
  call.ringTime = seconds((call.answeredAt ?? at) - ringStart);
  call.talkTime = call.answeredAt === undefined ? 0 : seconds(at - call.answeredAt);
  call.totalTime = seconds(at - call.startedAt);
  call.onHold = false;
}

/**
 * The outcome of a call. A dialled party answered: ANSWERED. A call that waited in a queue is
 * CANCELLED when the caller gave up (QueueCallerAbandon) and NO ANSWER when the queue let it go
 * unanswered (its timeout): the dials to agents say nothing about that. Otherwise the dials decide:
 * a caller who gave up (CANCEL) before a member rang out, then no answer, then busy; failures
 * otherwise. So a call the PBX answered first (IVR, queue) and that reached nobody is not ANSWERED,
 * nor is one that went to voicemail after ringing out. Only with no dial and no queue does the PBX's
 * answer make it ANSWERED (an IVR, a conference, voicemail dialled directly); with no answer at all,
 * the first leg's hangup cause tells (17 busy, 18/19 no answer, 16 before answer: the caller hung up).
 */
export function disposition(call: Call): Disposition {
  if (call.answeredAt !== undefined) return "ANSWERED";
  if (call.queues.some((q) => q.abandoned)) return "CANCELLED";
  if (call.queues.some((q) => q.leftAt !== undefined)) return "NO ANSWER";
  const statuses = new Set(call.dials.map((d) => d.status ?? "CANCEL"));
  if (statuses.size > 0) {
    if (statuses.has("CANCEL")) return "CANCELLED";
    if (statuses.has("NOANSWER")) return "NO ANSWER";
    if (statuses.has("BUSY")) return "BUSY";
    return "FAILED";
  }
  if (call.pbxAnsweredAt !== undefined) return "ANSWERED";
  const first = call.legs.find((l) => isFirstLeg(call, l)) ?? call.legs[0];
  switch (first?.cause) {
    case "17":
      return "BUSY";
    case "18":
    case "19":
      return "NO ANSWER";
    case "16":
    case "0":
      return "CANCELLED";
    default:
      return "FAILED";
  }
}

/** Milliseconds as seconds to a tenth, never negative. */
function seconds(ms: number): number {
  return Math.max(0, Math.round(ms / 100) / 10);
}
