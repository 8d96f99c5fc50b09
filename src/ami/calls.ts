import { AmiMessage } from "./message";
import { CallBook } from "./call-book";
import { DEFAULT_EXTERNAL_DIGITS, DEFAULT_INBOUND_CONTEXTS, DirectionRules, callDirection } from "./call-direction";
import { closeCall } from "./call-outcome";
import { dialledNumber, known, numberOrUndefined } from "./call-numbers";
import { transferOf } from "./call-transfer";
import { Call, CallTrackerOptions, CallUpdate, Dial, Direction, Leg, Party, cloneCall, isFirstLeg } from "./call-types";

/**
 * Call tracking: turns one connection's channel events into calls, the way people think of them.
 *
 * One call is every channel sharing a `Linkedid` (the first channel's Uniqueid); keying by a leg's
 * Uniqueid breaks on ring groups and transfers. Dials are read from DialBegin/DialEnd (DialStatus
 * ANSWER, NOANSWER, BUSY, CANCEL, CONGESTION, CHANUNAVAIL); a DialBegin without a calling Channel
 * is Asterisk's own originate placing its first leg, not a party being dialled (dial-outcomes
 * capture), so it never decides who rang or answered.
 *
 * Pure logic: feed it events (handle), seed it with CoreShowChannels items, read lifecycle steps.
 */

// The types the tracker takes and returns, with it (the rest of the call types: call-types.ts).
export type { Call, CallTrackerOptions, CallUpdate } from "./call-types";

/** The events the tracker reads; subscribe to exactly these so others stay undecoded. */
export const CALL_EVENTS = [
  "Newchannel",
  "NewCallerid",
  "Newstate",
  "Rename",
  "DialBegin",
  "DialEnd",
  "Hangup",
  "Hold",
  "Unhold",
  "BlindTransfer",
  "AttendedTransfer",
  "QueueCallerJoin",
  "QueueCallerLeave",
  "QueueCallerAbandon",
] as const;

export class CallTracker {
  private readonly book = new CallBook();
  private readonly rules: DirectionRules;
  private readonly staleAfterMs: number;
  private readonly maxCalls: number;
  private readonly now: () => number;

  constructor(options: CallTrackerOptions = {}) {
    this.rules = {
      inboundContexts: new RegExp(options.inboundContexts ?? DEFAULT_INBOUND_CONTEXTS, "i"),
      trunkChannels: options.trunkChannels ? new RegExp(options.trunkChannels, "i") : undefined,
      externalNumberMinLength: options.externalNumberMinLength ?? DEFAULT_EXTERNAL_DIGITS,
    };
    this.staleAfterMs = options.staleAfterMs ?? 4 * 3600_000;
    this.maxCalls = options.maxCalls ?? 20_000;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.book.size;
  }

  /** The live calls (copies). */
  snapshot(): Call[] {
    return [...this.book.values()].map(cloneCall);
  }

  get(linkedid: string): Call | undefined {
    const c = this.book.get(linkedid);
    return c && cloneCall(c);
  }

  /** Feeds one event; returns the lifecycle steps it caused (often none). */
  handle(event: AmiMessage): CallUpdate[] {
    const updates: CallUpdate[] = [];
    const at = eventTime(event, this.now);
    switch (event.event) {
      case "Newchannel":
        this.onNewchannel(event, at, updates);
        break;
      case "NewCallerid":
      case "Newstate":
      case "Rename":
        this.onChannelChange(event, at, updates);
        break;
      case "DialBegin":
        this.onDialBegin(event, at, updates);
        break;
      case "DialEnd":
        this.onDialEnd(event, at, updates);
        break;
      case "Hold":
      case "Unhold":
        this.onHold(event, at, updates);
        break;
      case "BlindTransfer":
      case "AttendedTransfer":
        this.onTransfer(event, at, updates);
        break;
      case "QueueCallerJoin":
      case "QueueCallerLeave":
      case "QueueCallerAbandon":
        this.onQueueCaller(event, at);
        break;
      case "Hangup":
        this.onHangup(event, at, updates);
        break;
      default:
        break;
    }
    this.reap(at, updates);
    return updates;
  }

  private onNewchannel(event: AmiMessage, at: number, updates: CallUpdate[]): void {
    const call = this.book.callFor(event, at);
    const leg = this.upsertLeg(call, event, at, updates);
    if (isFirstLeg(call, leg)) this.refreshCaller(call, leg);
  }

  /** NewCallerid, Newstate, Rename: a leg's caller ID, state or name changed. */
  private onChannelChange(event: AmiMessage, at: number, updates: CallUpdate[]): void {
    const call = this.book.callOf(event, at);
    if (!call) return;
    const leg = this.upsertLeg(call, event, at, updates);
    if (event.event === "Rename") leg.channel = event.get("Newname") ?? leg.channel;
    if (event.event === "Newstate" && leg.state === "Up" && leg.answeredAt === undefined) {
      leg.answeredAt = at;
      // The first leg answered with no dial ringing: the PBX (IVR, queue, voicemail) or the
      // originated party picked up. Who the call reaches is still to come.
      if (isFirstLeg(call, leg) && call.answeredAt === undefined && !call.dials.some((d) => d.status === undefined)) {
        call.pbxAnsweredAt ??= at;
      }
    }
    if (isFirstLeg(call, leg)) this.refreshCaller(call, leg);
  }

  private onDialBegin(event: AmiMessage, at: number, updates: CallUpdate[]): void {
    const from = event.get("Channel");
    const call = this.book.callOf(event, at, "Dest");
    if (!call) return;
    if (from === undefined) {
      this.onOriginate(call, event);
      return;
    }
    call.lastEventAt = at;
    // The dialled party's name is not in DialBegin: the destination channel carries the
    // caller's ID (what the phone displays), so only the number is known here.
    const callee: Party = {
      number: dialledNumber(event.get("DialString")) ?? known(event.get("DestExten")),
      channel: event.get("DestChannel"),
      uniqueid: event.get("DestUniqueid"),
    };
    const dial: Dial = { from, to: event.get("DestChannel") ?? "", toUniqueid: event.get("DestUniqueid"), dialString: event.get("DialString"), callee, at };
    call.dials.push(dial);
    call.callee ??= callee;
    // A second party rung by the same Dial while the first still rings: a ring group. The caller
    // called the group's number, not whichever member Asterisk happened to name first.
    const group = call.dials.find((d) => d !== dial && d.from === from && d.status === undefined);
    if (group && call.callee === group.callee) {
      // The caller's channel is at the group's extension now (after an IVR, no longer the DID).
      const number = numberOrUndefined(event.get("Exten")) ?? this.dialledByCaller(call);
      if (number !== undefined) call.callee = { number };
    }
    if (call.state === "new") {
      call.state = "ringing";
      call.ringingAt = at;
    }
    call.ringingAt ??= at;
    call.direction = this.direction(call);
    updates.push({ step: "ringing", call: cloneCall(call), dial: { ...dial, callee: { ...callee } } });
  }

  /**
   * A DialBegin with no calling channel: an Originate placing the call's first leg (nothing dialled
   * yet). No party is dialled; the owner of the phone it rings places the call. A DialBegin without
   * a caller later in a call (ARI dialling a channel into it) changes nothing.
   */
  private onOriginate(call: Call, event: AmiMessage): void {
    if (event.get("DestUniqueid") !== call.id || call.dials.length > 0) return;
    call.originated = true;
    const dest = event.get("DestChannel") ?? "";
    const number = dialledNumber(event.get("DialString"));
    // A Local channel is the dialplan behind it, no person: its CallerID stays the caller.
    if (number !== undefined && !/^Local\//i.test(dest)) this.book.setOriginator(call.id, number);
    const first = call.legs.find((l) => isFirstLeg(call, l));
    if (first) this.refreshCaller(call, first);
  }

  private onDialEnd(event: AmiMessage, at: number, updates: CallUpdate[]): void {
    if (event.get("Channel") === undefined) return;
    const call = this.book.callOf(event, at, "Dest");
    if (!call) return;
    call.lastEventAt = at;
    const to = event.get("DestUniqueid");
    const dial = [...call.dials].reverse().find((d) => d.toUniqueid === to && d.status === undefined);
    const status = event.get("DialStatus") ?? "";
    if (dial) dial.status = status;
    if (status === "ANSWER" && call.answeredBy === undefined) {
      call.answeredAt = at;
      call.answeredBy = dial?.callee ?? { channel: event.get("DestChannel"), uniqueid: to };
      call.state = "answered";
      updates.push({ step: "answered", call: cloneCall(call) });
    }
  }

  /** Hold, Unhold: the call is on hold while any live leg is. */
  private onHold(event: AmiMessage, at: number, updates: CallUpdate[]): void {
    const call = this.book.callOf(event, at);
    if (!call) return;
    const leg = this.upsertLeg(call, event, at, updates);
    leg.onHold = event.event === "Hold";
    const held = call.legs.some((l) => l.onHold && l.endedAt === undefined);
    if (held !== call.onHold) {
      call.onHold = held;
      updates.push({ step: held ? "hold" : "unhold", call: cloneCall(call) });
    }
  }

  /**
   * BlindTransfer, AttendedTransfer: on the call transferred, the transferer's. An attended transfer
   * names the original call's channel OrigTransferer and the consultation call's SecondTransferer.
   */
  private onTransfer(event: AmiMessage, at: number, updates: CallUpdate[]): void {
    const blind = event.event === "BlindTransfer";
    const call = this.book.callOf(event, at, blind ? "Transferer" : "OrigTransferer");
    if (!call) return;
    call.lastEventAt = at;
    const transfer = transferOf(event, at, call.id);
    call.transfers.push(transfer);
    updates.push({ step: "transfer", call: cloneCall(call), transfer: { ...transfer } });
  }

  /** QueueCallerJoin, QueueCallerLeave, QueueCallerAbandon: the caller's visits to queues. */
  private onQueueCaller(event: AmiMessage, at: number): void {
    const call = this.book.callOf(event, at);
    if (!call) return;
    const queue = event.get("Queue") ?? "";
    if (event.event === "QueueCallerJoin") {
      call.queues.push({ queue, joinedAt: at });
      // The caller called the queue, not the member it happens to ring first.
      if (call.callee === undefined) call.callee = { number: numberOrUndefined(event.get("Exten")) ?? this.dialledByCaller(call), name: queue };
      return;
    }
    const visit = [...call.queues].reverse().find((q) => q.queue === queue && q.leftAt === undefined);
    if (!visit) return;
    if (event.event === "QueueCallerAbandon") visit.abandoned = true;
    visit.leftAt ??= at;
  }

  private onHangup(event: AmiMessage, at: number, updates: CallUpdate[]): void {
    const call = this.book.callOf(event, at);
    if (!call) return;
    const leg = this.upsertLeg(call, event, at, updates);
    leg.endedAt = at;
    leg.cause = event.get("Cause");
    leg.causeText = event.get("Cause-txt");
    leg.onHold = false;
    this.book.release(leg);
    if (call.legs.every((l) => l.endedAt !== undefined)) this.end(call, at, undefined, updates);
  }

  /**
   * The connection was lost: events of the live calls may be missed from now on. Call seed()
   * with CoreShowChannels once connected again.
   */
  markGap(): void {
    for (const call of this.book.values()) call.gap = true;
  }

  /**
   * Seeds from CoreShowChannels items: calls already in progress are added (seeded), and calls
   * that were live before a reconnect but have no channel now are ended as incomplete.
   */
  seed(items: AmiMessage[]): CallUpdate[] {
    const at = this.now();
    const updates: CallUpdate[] = [];
    const present = new Set<string>();
    for (const item of items) {
      const uniqueid = item.get("Uniqueid");
      const linkedid = item.get("Linkedid") ?? uniqueid;
      if (!uniqueid || !linkedid) continue;
      present.add(linkedid);
      let call = this.book.get(linkedid);
      if (!call) {
        const seconds = durationSeconds(item.get("Duration"));
        call = this.book.open(linkedid, seconds === undefined ? at : at - seconds * 1000);
        call.seeded = true;
      }
      const leg = this.upsertLeg(call, item, at, updates);
      if (leg.state === "Up") {
        leg.answeredAt ??= at;
        // Only the first leg up: the PBX has it (IVR, queue); another leg up: a party answered.
        if (isFirstLeg(call, leg)) call.pbxAnsweredAt ??= at;
        else if (call.answeredAt === undefined) {
          call.state = "answered";
          call.answeredAt = at;
        }
      } else if (leg.state === "Ringing" || leg.state === "Ring") {
        if (call.state === "new") call.state = "ringing";
      }
      if (isFirstLeg(call, leg)) this.refreshCaller(call, leg);
    }
    for (const call of [...this.book.values()]) {
      if (!present.has(call.id) && call.gap) this.end(call, at, "gone-after-reconnect", updates);
    }
    for (const call of this.book.values()) call.direction = this.direction(call);
    return updates;
  }

  private upsertLeg(call: Call, event: AmiMessage, at: number, updates: CallUpdate[]): Leg {
    const { leg, leftEnded } = this.book.leg(call, event, at);
    if (leftEnded) this.end(leftEnded, at, undefined, updates);
    return leg;
  }

  /** The number the caller's leg is at in the dialplan (the queue's or group's extension), if it is one. */
  private dialledByCaller(call: Call): string | undefined {
    return numberOrUndefined(call.legs.find((l) => isFirstLeg(call, l))?.exten);
  }

  private refreshCaller(call: Call, leg: Leg): void {
    const originator = this.book.originator(call.id);
    call.caller =
      originator !== undefined
        ? { number: originator, channel: leg.channel, uniqueid: leg.uniqueid }
        : { number: leg.callerNumber, name: leg.callerName, channel: leg.channel, uniqueid: leg.uniqueid };
    call.direction = this.direction(call);
  }

  private end(call: Call, at: number, incomplete: Call["incomplete"], updates: CallUpdate[]): void {
    closeCall(call, at, incomplete);
    this.book.forget(call);
    updates.push({ step: "ended", call });
  }

  private reap(at: number, updates: CallUpdate[]): void {
    while (this.book.size > this.maxCalls) {
      const oldest = this.book.values().next().value as Call;
      this.end(oldest, at, "stale", updates);
    }
    // The map is in least-recently-active order: stale calls are at its front.
    for (const call of this.book.values()) {
      if (at - call.lastEventAt <= this.staleAfterMs) break;
      this.end(call, at, "stale", updates);
    }
  }

  private direction(call: Call): Direction {
    return callDirection(call, this.rules);
  }
}

function eventTime(event: AmiMessage, now: () => number): number {
  // Present when manager.conf has timestampevents=yes: more exact than the arrival time.
  const ts = event.get("Timestamp");
  if (ts !== undefined) {
    const t = Number(ts);
    if (Number.isFinite(t) && t > 0) return Math.round(t * 1000);
  }
  return now();
}

function durationSeconds(d: string | undefined): number | undefined {
  const m = d === undefined ? null : /^(\d+):(\d{2}):(\d{2})$/.exec(d);
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : undefined;
}
