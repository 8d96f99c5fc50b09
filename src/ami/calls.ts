import { AmiMessage } from "./message";

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

export type CallStep = "ringing" | "answered" | "ended" | "hold" | "unhold" | "transfer";
/** new: nobody rung yet (dialplan, IVR, queue); ringing: a party rings; answered: a party answered. */
export type CallState = "new" | "ringing" | "answered" | "ended";
export type Direction = "inbound" | "outbound" | "internal";
export type Disposition = "ANSWERED" | "NO ANSWER" | "BUSY" | "CANCELLED" | "FAILED";

export interface Party {
  number?: string;
  name?: string;
  channel?: string;
  uniqueid?: string;
}

export interface Leg {
  channel: string;
  uniqueid: string;
  /** ChannelStateDesc as Asterisk says it: Down, Ring, Ringing, Up, Busy, ... */
  state: string;
  callerNumber?: string;
  callerName?: string;
  context?: string;
  exten?: string;
  answeredAt?: number;
  endedAt?: number;
  cause?: string;
  causeText?: string;
  onHold: boolean;
}

export interface Dial {
  /** The calling channel. */
  from: string;
  to: string;
  toUniqueid?: string;
  dialString?: string;
  callee: Party;
  /** DialStatus of DialEnd (ANSWER, NOANSWER, BUSY, CANCEL, ...), once known. */
  status?: string;
  at: number;
}

export interface Transfer {
  kind: "blind" | "attended";
  at: number;
  /**
   * The party transferred to, as a number: blind, the extension dialled (`Extension`); attended,
   * the number of the party the transferer had consulted (the transfer target's caller ID, or the
   * transferer's connected line on the consultation call: a DTMF `*2` transfer has no target channel).
   */
  target?: string;
  /** Attended: the consultation call's Linkedid, when it was a call of its own (not the call's own). */
  targetCall?: string;
  result?: string;
}

export interface QueueVisit {
  queue: string;
  joinedAt: number;
  leftAt?: number;
  /** The caller hung up while waiting (QueueCallerAbandon). */
  abandoned?: boolean;
}

export interface Call {
  /** The Linkedid. */
  id: string;
  state: CallState;
  direction: Direction;
  caller: Party;
  /**
   * Who the caller called, as they meant it: the party dialled first; but a queue when the call
   * reached one before anybody was dialled (`{ number: "700", name: "sipq" }`: the number dialled
   * and the queue's name), and the number dialled for a group when one Dial rang several parties at
   * once (a ring group: `800`, or the DID a trunk delivered). The parties rung are in `dials`, who
   * answered in `answeredBy`.
   */
  callee?: Party;
  /**
   * Placed by an Originate (click-to-call): Asterisk rang the Originate's Channel first, and once
   * it picked up dialled the callee from it. Whoever that phone belongs to places the call: when it
   * is a device (PJSIP/6001, not a Local channel), the caller is its endpoint (6001, no name known),
   * not the Originate's CallerID (only what that phone displays). It is not a call to that phone:
   * no ringing step, no dial, never its missed call.
   */
  originated?: boolean;
  /** Who answered: the dialled party that answered, or undefined when only the PBX answered. */
  answeredBy?: Party;
  legs: Leg[];
  dials: Dial[];
  transfers: Transfer[];
  /** Queues the caller waited in, in order. */
  queues: QueueVisit[];
  onHold: boolean;
  /** Epoch ms. */
  startedAt: number;
  ringingAt?: number;
  /**
   * When a dialled party answered. A call only the PBX answered (see pbxAnsweredAt) gets it when it
   * ends ANSWERED, the time the PBX answered.
   */
  answeredAt?: number;
  /**
   * When the first leg was answered with no dialled party answering it: an IVR, a queue, voicemail,
   * an Originate's first leg picked up. Not an "answered" step: it makes the call ANSWERED only if
   * nobody was dialled or queued for afterwards (see disposition()).
   */
  pbxAnsweredAt?: number;
  endedAt?: number;
  /** Set when the call ends; left unset when its end was not seen and nobody had answered (incomplete). */
  disposition?: Disposition;
  /** Seconds: ringing until answered (or until the end), answered until the end, start until the end. */
  ringTime?: number;
  talkTime?: number;
  totalTime?: number;
  /** Known from CoreShowChannels at (re)connect: its beginning was not seen. */
  seeded?: boolean;
  /** Events of this call may have been missed (a reconnect happened while it was live). */
  gap?: boolean;
  /** Ended without its Hangup events being seen (gone after a reconnect, or reaped as stale). */
  incomplete?: "gone-after-reconnect" | "stale";
  lastEventAt: number;
}

export interface CallUpdate {
  step: CallStep;
  call: Call;
  /** ringing: the dial that rings; transfer: the transfer. */
  dial?: Dial;
  transfer?: Transfer;
}

export interface CallTrackerOptions {
  /** Contexts where calls from outside enter (regular expression source, case-insensitive). */
  inboundContexts?: string;
  /**
   * Channels of trunks (regular expression source, case-insensitive, matched against channel names
   * such as `PJSIP/provider-0000001a`): a call whose first channel is a trunk's is inbound; one that
   * reaches a trunk's channel is outbound. Unset: the contexts and the number's length decide.
   */
  trunkChannels?: string;
  /** Dialled numbers this long or longer leave the PBX (outbound), unless dialled from an inbound context. */
  externalNumberMinLength?: number;
  /** A call with no event for this long is reaped as stale, ms (default 4 h). */
  staleAfterMs?: number;
  /** Most live calls kept; the least recently active are reaped beyond it (default 20000). */
  maxCalls?: number;
  /** Clock, for tests (default Date.now). */
  now?: () => number;
}

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

export class CallTracker {
  private readonly calls = new Map<string, Call>();
  /** Uniqueid -> Linkedid of its call. */
  private readonly legCall = new Map<string, string>();
  /** Linkedid -> the number an Originate rang first (its DialString: "6001", "0301234567@provider" → 0301234567). */
  private readonly originators = new Map<string, string>();
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
    return this.calls.size;
  }

  /** The live calls (copies). */
  snapshot(): Call[] {
    return [...this.calls.values()].map(cloneCall);
  }

  get(linkedid: string): Call | undefined {
    const c = this.calls.get(linkedid);
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
    const call = this.callFor(event, at);
    const leg = this.upsertLeg(call, event, at, updates);
    if (isFirstLeg(call, leg)) this.refreshCaller(call, leg);
  }

  /** NewCallerid, Newstate, Rename: a leg's caller ID, state or name changed. */
  private onChannelChange(event: AmiMessage, at: number, updates: CallUpdate[]): void {
    const call = this.callOf(event, at);
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
    const call = this.callOf(event, at, "Dest");
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
    if (number !== undefined && !/^Local\//i.test(dest)) this.originators.set(call.id, number);
    const first = call.legs.find((l) => isFirstLeg(call, l));
    if (first) this.refreshCaller(call, first);
  }

  private onDialEnd(event: AmiMessage, at: number, updates: CallUpdate[]): void {
    if (event.get("Channel") === undefined) return;
    const call = this.callOf(event, at, "Dest");
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
    const call = this.callOf(event, at);
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
    const call = this.callOf(event, at, blind ? "Transferer" : "OrigTransferer");
    if (!call) return;
    call.lastEventAt = at;
    const transfer: Transfer = blind ? { kind: "blind", at, target: event.get("Extension"), result: event.get("Result") } : attendedTransfer(event, at, call.id);
    call.transfers.push(transfer);
    updates.push({ step: "transfer", call: cloneCall(call), transfer: { ...transfer } });
  }

  /** QueueCallerJoin, QueueCallerLeave, QueueCallerAbandon: the caller's visits to queues. */
  private onQueueCaller(event: AmiMessage, at: number): void {
    const call = this.callOf(event, at);
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
    const call = this.callOf(event, at);
    if (!call) return;
    const leg = this.upsertLeg(call, event, at, updates);
    leg.endedAt = at;
    leg.cause = event.get("Cause");
    leg.causeText = event.get("Cause-txt");
    leg.onHold = false;
    this.legCall.delete(leg.uniqueid);
    if (call.legs.every((l) => l.endedAt !== undefined)) this.end(call, at, undefined, updates);
  }

  /**
   * The connection was lost: events of the live calls may be missed from now on. Call seed()
   * with CoreShowChannels once connected again.
   */
  markGap(): void {
    for (const call of this.calls.values()) call.gap = true;
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
      let call = this.calls.get(linkedid);
      if (!call) {
        const seconds = durationSeconds(item.get("Duration"));
        call = this.newCall(linkedid, seconds === undefined ? at : at - seconds * 1000);
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
    for (const call of [...this.calls.values()]) {
      if (!present.has(call.id) && call.gap) this.end(call, at, "gone-after-reconnect", updates);
    }
    for (const call of this.calls.values()) call.direction = this.direction(call);
    return updates;
  }

  private newCall(linkedid: string, at: number): Call {
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
  private callFor(event: AmiMessage, at: number): Call {
    const uniqueid = event.get("Uniqueid") ?? "";
    const linkedid = event.get("Linkedid") ?? uniqueid;
    const call = this.calls.get(linkedid);
    if (!call) return this.newCall(linkedid, at);
    this.touch(call, at);
    return call;
  }

  /** The call an event belongs to, from its (prefixed) Linkedid or Uniqueid; undefined if unknown. */
  private callOf(event: AmiMessage, at: number, prefix = ""): Call | undefined {
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

  /** Keeps the map in least-recently-active order, so the cap reaps from its front. */
  private touch(call: Call, at: number): void {
    call.lastEventAt = at;
    this.calls.delete(call.id);
    this.calls.set(call.id, call);
  }

  private upsertLeg(call: Call, event: AmiMessage, at: number, updates: CallUpdate[]): Leg {
    const uniqueid = event.get("Uniqueid") ?? "";
    let leg = call.legs.find((l) => l.uniqueid === uniqueid);
    if (!leg) {
      // A leg met under another Linkedid moves to this call (Asterisk re-links on some transfers).
      const previous = this.legCall.get(uniqueid);
      const other = previous !== undefined && previous !== call.id ? this.calls.get(previous) : undefined;
      if (other) {
        const i = other.legs.findIndex((l) => l.uniqueid === uniqueid);
        if (i >= 0) [leg] = other.legs.splice(i, 1);
        // Merged into this call: gone without a step. What it leaves behind that has hung up
        // (a consultation leg of an attended transfer) ends it.
        if (other.legs.length === 0) this.forget(other);
        else if (other.legs.every((l) => l.endedAt !== undefined)) this.end(other, at, undefined, updates);
      }
      leg ??= { channel: event.get("Channel") ?? "", uniqueid, state: "Down", onHold: false };
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
    return leg;
  }

  /** The number the caller's leg is at in the dialplan (the queue's or group's extension), if it is one. */
  private dialledByCaller(call: Call): string | undefined {
    return numberOrUndefined(call.legs.find((l) => isFirstLeg(call, l))?.exten);
  }

  private forget(call: Call): void {
    this.calls.delete(call.id);
    this.originators.delete(call.id);
  }

  private refreshCaller(call: Call, leg: Leg): void {
    const originator = this.originators.get(call.id);
    call.caller =
      originator !== undefined
        ? { number: originator, channel: leg.channel, uniqueid: leg.uniqueid }
        : { number: leg.callerNumber, name: leg.callerName, channel: leg.channel, uniqueid: leg.uniqueid };
    call.direction = this.direction(call);
  }

  private end(call: Call, at: number, incomplete: Call["incomplete"], updates: CallUpdate[]): void {
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
    this.forget(call);
    for (const leg of call.legs) if (this.legCall.get(leg.uniqueid) === call.id) this.legCall.delete(leg.uniqueid);
    updates.push({ step: "ended", call });
  }

  private reap(at: number, updates: CallUpdate[]): void {
    while (this.calls.size > this.maxCalls) {
      const oldest = this.calls.values().next().value as Call;
      this.end(oldest, at, "stale", updates);
    }
    // The map is in least-recently-active order: stale calls are at its front.
    for (const call of this.calls.values()) {
      if (at - call.lastEventAt <= this.staleAfterMs) break;
      this.end(call, at, "stale", updates);
    }
  }

  private direction(call: Call): Direction {
    return callDirection(call, this.rules);
  }
}

/** A dialplan extension that is a number ("700", "+4930...", "*76"), not "s" or a pattern. */
function numberOrUndefined(exten: string | undefined): string | undefined {
  return exten !== undefined && /^\+?[0-9*#]+$/.test(exten) ? exten : undefined;
}

function isFirstLeg(call: Call, leg: Leg): boolean {
  return leg.uniqueid === call.id;
}

/** Asterisk writes "<unknown>" (and sometimes "") for unknown caller IDs. */
function known(v: string | undefined): string | undefined {
  return v === undefined || v === "" || v === "<unknown>" ? undefined : v;
}

/** The number in a dial string: "PJSIP/6001", "Local/100@test", "700@test", "SIP/trunk/0049301234". */
export function dialledNumber(dialString: string | undefined): string | undefined {
  if (!dialString) return undefined;
  let s = dialString.split("&")[0];
  const slash = s.lastIndexOf("/");
  if (slash >= 0) s = s.slice(slash + 1);
  s = s.split("@")[0].split(",")[0];
  return s || undefined;
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

function seconds(ms: number): number {
  return Math.max(0, Math.round(ms / 100) / 10);
}

function cloneCall(c: Call): Call {
  return {
    ...c,
    caller: { ...c.caller },
    callee: c.callee && { ...c.callee },
    answeredBy: c.answeredBy && { ...c.answeredBy },
    legs: c.legs.map((l) => ({ ...l })),
    dials: c.dials.map((d) => ({ ...d, callee: { ...d.callee } })),
    transfers: c.transfers.map((t) => ({ ...t })),
    queues: c.queues.map((q) => ({ ...q })),
  };
}

/** An AttendedTransfer as a Transfer of the call `callId`: who it went to, and from which call. */
function attendedTransfer(event: AmiMessage, at: number, callId: string): Transfer {
  const transfer: Transfer = { kind: "attended", at, result: event.get("Result") };
  const target = known(event.get("TransferTargetCallerIDNum")) ?? known(event.get("SecondTransfererConnectedLineNum"));
  if (target !== undefined) transfer.target = target;
  const other = event.get("SecondTransfererLinkedid") ?? event.get("TransferTargetLinkedid");
  if (other !== undefined && other !== callId) transfer.targetCall = other;
  return transfer;
}
