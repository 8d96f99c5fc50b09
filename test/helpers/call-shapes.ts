import type { Call, Dial, Leg } from "../../src/ami/call-types";

/** A call as the tracker keeps it, by Linkedid `id`, with whatever the test sets. */
export function callOf(id: string, extra: Partial<Call> = {}): Call {
  return { id, state: "new", direction: "internal", caller: {}, legs: [], dials: [], transfers: [], queues: [], onHold: false, startedAt: 0, lastEventAt: 0, ...extra };
}

/** A leg on `channel` with Uniqueid `uniqueid`. */
export function legOf(channel: string, uniqueid: string, extra: Partial<Leg> = {}): Leg {
  return { channel, uniqueid, state: "Up", onHold: false, ...extra };
}

/** A dial from `from` to `to`, its callee dialled as `number`. */
export function dialOf(from: string, to: string, number: string, status?: string): Dial {
  return { from, to, callee: { number, channel: to }, status, at: 0 };
}
