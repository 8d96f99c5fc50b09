/**
 * The public shapes of call tracking: a call (by Linkedid), its legs, dials, transfers and queue
 * visits, and the lifecycle steps the tracker reports. cloneCall lives here because it must copy
 * every nested part of a Call: a field added to these types needs its copy beside it.
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

/** The first leg is the channel the call began with: its Uniqueid is the call's Linkedid. */
export function isFirstLeg(call: Call, leg: Leg): boolean {
  return leg.uniqueid === call.id;
}

/** A deep copy: what callers get is never the tracker's own state. */
export function cloneCall(c: Call): Call {
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
