import type { AmiMessage } from "./message";
import type { Call, Leg } from "./call-types";
import { known } from "./call-numbers";

/**
 * The live calls of a CallTracker and their legs: calls by Linkedid in least-recently-active
 * order (so the tracker reaps from the front), each leg's call by its Uniqueid, and the number an
 * Originate rang first. Bounded by the tracker: it ends the oldest calls beyond its maxCalls, and
 * a call's legs and originator go with it (forget).
 */
export class CallBook {
  private readonly calls = new Map<string, Call>();
  /** Uniqueid -> Linkedid of its call. */
  private readonly legCall = new Map<string, string>();
  /** Linkedid -> the number an Originate rang first (its DialString: "6001", "0301234567@provider" → 0301234567). */
  private readonly originators = new Map<string, string>();

  get size(): number {
    return this.calls.size;
  }

  /** The live calls, least recently active first. */
  values(): IterableIterator<Call> {
    return this.calls.values();
  }

  get(linkedid: string): Call | undefined {
    return this.calls.get(linkedid);
  }

  /** A new call, started at `at`. */
  open(linkedid: string, at: number): Call {
    const call: Call = {
      id: linkedid,
      state: "new",
      direction: "internal",
      caller: {},
      legs: [],
      dials: [],
      transfers: [],
      queues: [],
      onHold: false,
      startedAt: at,
      lastEventAt: at,
    };
    this.calls.set(linkedid, call);
    return call;
  }

  /** The call of a new channel (by its Linkedid). */
  callFor(event: AmiMessage, at: number): Call {
    const uniqueid = event.get("Uniqueid") ?? "";
    const linkedid = event.get("Linkedid") ?? uniqueid;
    const call = this.calls.get(linkedid);
    if (!call) return this.open(linkedid, at);
    this.touch(call, at);
    return call;
  }

  /** The call an event belongs to, from its (prefixed) Linkedid or Uniqueid; undefined if unknown. */
  callOf(event: AmiMessage, at: number, prefix = ""): Call | undefined {
    const linkedid = event.get(`${prefix}Linkedid`) ?? event.get("Linkedid");
    const uniqueid = event.get(`${prefix}Uniqueid`) ?? event.get("Uniqueid");
    const known = uniqueid === undefined ? undefined : this.legCall.get(uniqueid);
    const id = linkedid ?? known;
    if (id === undefined) return undefined;
    let call = this.calls.get(id);
    if (!call && known !== undefined) call = this.calls.get(known);
    if (!call) return undefined;
    this.touch(call, at);
    return call;
  }

  /**
   * The leg of the event's Uniqueid in `call`, made or updated from the event's channel fields.
   * A leg met under another Linkedid moves to this call (Asterisk re-links on some transfers); the
   * call it leaves is forgotten when it has no leg left, or returned as `leftEnded` when all its
   * remaining legs have hung up (a consultation leg of an attended transfer), for the tracker to end.
   */
  leg(call: Call, event: AmiMessage, at: number): { leg: Leg; leftEnded?: Call } {
    const uniqueid = event.get("Uniqueid") ?? "";
    let leg = call.legs.find((l) => l.uniqueid === uniqueid);
    let leftEnded: Call | undefined;
    if (!leg) {
      const moved = this.takeLeg(uniqueid, call.id);
      leg = moved.leg ?? { channel: event.get("Channel") ?? "", uniqueid, state: "Down", onHold: false };
      leftEnded = moved.leftEnded;
      call.legs.push(leg);
      this.legCall.set(uniqueid, call.id);
    }
    leg.channel = event.get("Channel") ?? leg.channel;
    leg.state = event.get("ChannelStateDesc") ?? leg.state;
    leg.callerNumber = known(event.get("CallerIDNum")) ?? leg.callerNumber;
    leg.callerName = known(event.get("CallerIDName")) ?? leg.callerName;
    leg.context = event.get("Context") || leg.context;
    leg.exten = event.get("Exten") || leg.exten;
    call.lastEventAt = at;
    return { leg, leftEnded };
  }

  /** A leg hung up: its Uniqueid names no call any more. */
  release(leg: Leg): void {
    this.legCall.delete(leg.uniqueid);
  }

  originator(linkedid: string): string | undefined {
    return this.originators.get(linkedid);
  }

  setOriginator(linkedid: string, number: string): void {
    this.originators.set(linkedid, number);
  }

  /** Drops a call, its originator and the legs that still name it. */
  forget(call: Call): void {
    this.calls.delete(call.id);
    this.originators.delete(call.id);
    for (const leg of call.legs) if (this.legCall.get(leg.uniqueid) === call.id) this.legCall.delete(leg.uniqueid);
  }

  /** Keeps the map in least-recently-active order, so the cap reaps from its front. */
  private touch(call: Call, at: number): void {
    call.lastEventAt = at;
    this.calls.delete(call.id);
    this.calls.set(call.id, call);
  }

  /** Takes the leg `uniqueid` out of the other call it was met under, if any. */
  private takeLeg(uniqueid: string, callId: string): { leg?: Leg; leftEnded?: Call } {
    const previous = this.legCall.get(uniqueid);
    const other = previous !== undefined && previous !== callId ? this.calls.get(previous) : undefined;
    if (!other) return {};
    const i = other.legs.findIndex((l) => l.uniqueid === uniqueid);
    const leg = i >= 0 ? other.legs.splice(i, 1)[0] : undefined;
    // Merged into this call: gone without a step. What it leaves behind that has hung up ends it.
    if (other.legs.length === 0) this.forget(other);
    else if (other.legs.every((l) => l.endedAt !== undefined)) return { leg, leftEnded: other };
    return { leg };
  }
}
