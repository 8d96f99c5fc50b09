/**
 * The SIP lab (`startPbx({ sip: true })`): PJSIP endpoints 6001 "Alice", 6002 "Bob", 6003 "Carol"
 * and a `provider` trunk, with the dialplan of the real SIP captures (test/fixtures/captures/sip-*):
 *
 *   [phones]    hints 6001-6003 -> PJSIP/600x
 *               _600X => NoOp(SIP lab: ${CALLERID(num)} calls ${EXTEN}), Dial(PJSIP/${EXTEN},15,t), Hangup
 *               700   => NoOp(SIP lab: queue sipq), Queue(sipq,,,,20)
 *               800   => NoOp(SIP lab: ring group 800), Dial(PJSIP/6001&PJSIP/6002,15,t), Hangup
 *   [from-pstn] _X.   => NoOp(SIP lab: inbound DID ${EXTEN}), Set(CALLERID(all)="Outside Caller" <+4930123456>),
 *                        Dial(PJSIP/6001&PJSIP/6002,15,t), Hangup
 *   queue sipq (ringall, PJSIP/6002 "Bob", PJSIP/6003 "Carol"): calls to 700, its members' QueueMemberStatus
 *
 * The phones are driven through SipPhones (dial, answer, reject, hangUp, hold, resume, sendDtmf
 * with the `*2` attended-transfer feature, blindTransfer); each action produces what the real Asterisk published for the same SIP message
 * in the captures (names, header layout, fixed texts, causes, order per channel). The channels live
 * in the call engine's channel list, so CoreShowChannels and Status see them.
 */
import { randomUUID, randomBytes } from "node:crypto";
import { Bridge, bridgeHeaders, CAUSE_TEXT, Channel, channelHeaders, Pairs, Party, UNKNOWN } from "./channel";
import { channelEvent, PbxEvent } from "./events";
import { CallEngine } from "./calls";

export interface SipHost {
  readonly calls: CallEngine;
  broadcast(ev: PbxEvent): void;
  /** Dialplan milliseconds to real ones (timeScale). */
  scale(ms: number): number;
}

interface Endpoint {
  id: string;
  caller: Party;
  /** The context its calls start in. */
  context: string;
  /** baresip's UDP port in the lab (RemoteAddress). */
  port: number;
}

export const SIP_ENDPOINTS: readonly Endpoint[] = [
  { id: "6001", caller: { num: "6001", name: "Alice" }, context: "phones", port: 5071 },
  { id: "6002", caller: { num: "6002", name: "Bob" }, context: "phones", port: 5072 },
  { id: "6003", caller: { num: "6003", name: "Carol" }, context: "phones", port: 5073 },
  { id: "provider", caller: { num: "provider", name: "Provider" }, context: "from-pstn", port: 5077 },
];

/** Hints of the SIP lab (context `phones`, as in the captures). */
export const SIP_HINTS: ReadonlyArray<[string, string, string]> = [
  ["6001", "phones", "PJSIP/6001"],
  ["6002", "phones", "PJSIP/6002"],
  ["6003", "phones", "PJSIP/6003"],
];

/** Queue sipq's members (app_queue publishes QueueMemberStatus on each change of their devices). */
const SIPQ_MEMBERS: Record<string, string> = { "PJSIP/6002": "Bob", "PJSIP/6003": "Carol" };

const RING_GROUP = ["6001", "6002"];
/** `700 => Queue(sipq,,,,20)`: ringall, members in the order the capture rang them; member timeout 10 s. */
const QUEUE_EXTEN = "700";
const QUEUE = "sipq";
const QUEUE_MEMBERS = ["6003", "6002"];
const QUEUE_TIMEOUT_S = 20;
const DIAL_TIMEOUT_S = 15;
const OUTSIDE_CALLER: Party = { num: "+4930123456", name: "Outside Caller" };
/** How long baresip plays an RFC 4733 digit (capture sip-dtmf: DurationMs 180). */
const DTMF_MS = 180;
const CALLING_PRES = "0 (Presentation Allowed, Not Screened)";
/** features.conf atxfer, as the lab's (`*2`); a Dial with `t` gives it to the called party. */
const ATXFER = "*2";
const ATXFER_ONLY = "attended transfer: only the captured path is simulated (the consulted phone answers, then the transferer hangs up)";

/** ast_devstate values of app_queue's Status. */
const DEVSTATE_NUM: Record<string, number> = { UNKNOWN: 0, NOT_INUSE: 1, INUSE: 2, BUSY: 3, INVALID: 4, UNAVAILABLE: 5, RINGING: 6, RINGINUSE: 7, ONHOLD: 8 };
/** ExtensionStatus for a device state. */
const EXT_STATUS: Record<string, [number, string]> = {
  NOT_INUSE: [0, "Idle"], INUSE: [1, "InUse"], RINGING: [8, "Ringing"], ONHOLD: [16, "Hold"], BUSY: [2, "Busy"],
};

/** The variables Dial() clears when it starts (app_dial, every SIP capture). */
const DIAL_RESET = ["DIALSTATUS", "DIALEDPEERNUMBER", "DIALEDPEERNAME", "ANSWEREDTIME", "ANSWEREDTIME_MS", "DIALEDTIME",
  "DIALEDTIME_MS", "RINGTIME", "RINGTIME_MS", "PROGRESSTIME", "PROGRESSTIME_MS"];

/** One SIP dialog's channel. */
interface Leg {
  ch: Channel;
  ep: Endpoint;
  /** The SIP Call-ID: a phone's own (16 hex, baresip) for an INVITE it sent; Asterisk's UUID for one it sent. */
  callId: string;
  /** Inbound: the phone called Asterisk (runs dialplan). Outbound: Asterisk rang the phone (Dial). */
  dir: "in" | "out";
  call: SipCall;
  /** The phone put the call on hold. */
  onHold?: boolean;
  /** The peer put this leg on hold: its device shows ONHOLD. */
  onHoldByPeer?: boolean;
  /** A caller waiting in Queue() (not answered yet): its device stays NOT_INUSE (capture sip-queue-answered). */
  queued?: boolean;
  /** DTMF feature digits collected from this leg (the called party of a Dial with `t`). */
  feature?: string;
  /** After `*2`: the number being keyed for the attended transfer. */
  atxfer?: string;
}

/** One Dial(): the calling leg and the phones it rings. */
interface SipCall {
  caller: Leg;
  targets: Leg[];
  answered?: Leg;
  bridge?: Bridge;
  startedAt: number;
  answeredAt?: number;
  timer?: NodeJS.Timeout;
  ringing: boolean;
  done: boolean;
  /** Queue(sipq) instead of Dial(): when the caller joined. */
  queue?: { joinedAt: number };
  /** The Dial() a blind transfer started on the transferee (its BLINDTRANSFER is cleared in the new bridge). */
  transferred?: boolean;
  /** The consultation call of an attended transfer (`*2`): the target phone's leg belongs to it. */
  consult?: Consult;
}

/** An attended transfer in progress (capture sip-attended-transfer). */
interface Consult {
  /** The phone that keyed `*2` and its bridged peer, who waits on hold. */
  transferer: Leg;
  transferee: Leg;
  /** Local/<to>@phones;1 (in the consultation bridge with the transferer) and ;2 (runs Dial()). */
  l1: Channel;
  l2: Channel;
  target: Leg;
  /** The transferer's consultation bridge; the target's bridge with ;2. */
  b2: Bridge;
  b3?: Bridge;
  startedAt: number;
  answeredAt?: number;
}

export class SipLab {
  private readonly legs = new Set<Leg>();
  private readonly deviceState = new Map<string, string>();
  private readonly loginTime = Math.floor(Date.now() / 1000);
  /** CallsTaken / LastCall per sipq member (QueueMemberStatus). */
  private readonly memberCalls = new Map<string, { taken: number; last: number }>();

  constructor(private readonly host: SipHost) {
    for (const ep of SIP_ENDPOINTS) this.deviceState.set(`PJSIP/${ep.id}`, "NOT_INUSE");
  }

  // ---- the phone API ------------------------------------------------------------------------

  /** The phone sends an INVITE for `number` (its endpoint's context decides what runs). */
  dial(from: string, number: string): void {
    const ep = this.endpoint(from);
    const callId = randomBytes(8).toString("hex");
    this.security("ChallengeSent", ep, callId, [["Challenge", ""]]);
    this.security("SuccessfulAuth", ep, callId, [["UsingPassword", "1"]]);
    const ch = this.newChannel(ep, ep.context, number, 4);
    const call: SipCall = { caller: undefined as unknown as Leg, targets: [], startedAt: Date.now(), ringing: false, done: false };
    const leg: Leg = { ch, ep, callId, dir: "in", call };
    call.caller = leg;
    this.legs.add(leg);
    if (ep.context === "phones" && number === QUEUE_EXTEN) leg.queued = true;
    this.varSet(ch, "SIPDOMAIN", "127.0.0.1");
    this.updateDevice(ep);
    let targets: string[];
    if (ep.context === "from-pstn") {
      this.newexten(ch, "NoOp", `SIP lab: inbound DID ${number}`);
      this.next(ch);
      this.newexten(ch, "Set", `CALLERID(all)="${OUTSIDE_CALLER.name}" <${OUTSIDE_CALLER.num}>`);
      ch.caller = { ...OUTSIDE_CALLER };
      this.emit("NewCallerid", "call", ch, [["CID-CallingPres", CALLING_PRES]]);
      targets = RING_GROUP;
    } else if (/^600\d$/.test(number) && SIP_ENDPOINTS.some((e) => e.id === number)) {
      this.newexten(ch, "NoOp", `SIP lab: ${ep.caller.num} calls ${number}`);
      targets = [number];
    } else if (leg.queued) {
      this.newexten(ch, "NoOp", `SIP lab: queue ${QUEUE}`);
      this.next(ch);
      this.startQueue(call);
      return;
    } else if (number === "800") {
      this.newexten(ch, "NoOp", "SIP lab: ring group 800");
      targets = RING_GROUP;
    } else {
      // No such extension: the INVITE gets 404 and the channel goes at once.
      this.hangupLeg(leg, 1);
      return;
    }
    this.next(ch);
    this.startDial(call, targets);
  }

  /** The phone answers its ringing call (200 OK). */
  answer(phone: string): void {
    const leg = this.ringingLeg(phone);
    if (!leg) throw new Error(`phone ${phone} has no ringing call`);
    this.answered(leg);
  }

  /** The phone rejects its ringing call (486 Busy Here): DialEnd BUSY, the leg hangs up with cause 17. */
  reject(phone: string): void {
    const leg = this.ringingLeg(phone);
    if (!leg) throw new Error(`phone ${phone} has no ringing call`);
    if (leg.call.consult) throw new Error(ATXFER_ONLY);
    const call = leg.call;
    leg.ch.hangupCause = 17;
    this.dialEnd(call, leg, "BUSY");
    call.targets.splice(call.targets.indexOf(leg), 1);
    this.hangupLeg(leg, 17);
    if (call.targets.length === 0) this.dialFailed(call, "BUSY");
  }

  /** The phone hangs up (BYE; CANCEL while its own call rings; 486 on a call ringing on it). */
  hangUp(phone: string): void {
    const leg = this.legOf(phone);
    if (!leg) throw new Error(`phone ${phone} has no call`);
    const consult = this.consultOf(leg);
    if (consult) return this.completeAttended(consult, leg);
    if (leg.call.consult) throw new Error(ATXFER_ONLY);
    if (leg.dir === "out" && leg.ch.state !== 6) return this.reject(phone);
    const call = leg.call;
    if (!call.answered) return this.callerCancels(call);
    this.byeInBridge(leg);
  }

  /** The phone puts its call on hold (re-INVITE sendonly): Hold on its channel, the other device ONHOLD. */
  hold(phone: string): void {
    this.holdOrResume(phone, true);
  }

  resume(phone: string): void {
    this.holdOrResume(phone, false);
  }

  /** RFC 4733 digits from the phone: DTMFBegin/DTMFEnd Received on its channel, Sent on the other. */
  sendDtmf(phone: string, digits: string): void {
    const leg = this.legOf(phone);
    if (!leg) throw new Error(`phone ${phone} has no call`);
    const other = this.peerOf(leg);
    for (const d of digits) {
      if (this.featureDigit(leg, d)) continue;
      this.emit("DTMFBegin", "dtmf", leg.ch, [["Digit", d], ["Direction", "Received"]]);
      if (other) this.emit("DTMFBegin", "dtmf", other.ch, [["Digit", d], ["Direction", "Sent"]]);
      this.emit("DTMFEnd", "dtmf", leg.ch, [["Digit", d], ["DurationMs", String(DTMF_MS)], ["Direction", "Received"]]);
      if (other) this.emit("DTMFEnd", "dtmf", other.ch, [["Digit", d], ["DurationMs", String(DTMF_MS)], ["Direction", "Sent"]]);
    }
  }

  /**
   * The phone sends a SIP REFER for its bridged call (blind transfer, capture sip-blind-transfer):
   * Unhold on the transferer, BlindTransfer, the transferer's leg hangs up, the transferee runs
   * `to`@phones (its Dial() rings that phone) and is bridged to it once it answers.
   */
  blindTransfer(phone: string, to: string): void {
    const leg = this.legOf(phone);
    if (!leg) throw new Error(`phone ${phone} has no call`);
    const other = this.peerOf(leg);
    const bridge = leg.call.bridge;
    if (!other || !bridge || !leg.ch.bridge) throw new Error(`phone ${phone} has no bridged call to transfer`);
    const target = /^(?:sips?:)?([^@;]+)/.exec(to)?.[1] ?? to;
    this.emit("Unhold", "call", leg.ch);
    leg.onHold = false;
    this.varSet(leg.ch, "BLINDTRANSFER", other.ch.name);
    this.varSet(other.ch, "BLINDTRANSFER", leg.ch.name);
    this.varSet(other.ch, "SIPTRANSFER", "yes");
    this.varSet(other.ch, "SIPREFERRINGCONTEXT", other.ch.context);
    this.varSet(other.ch, "SIPREFERTOHDR", `sip:${target}@127.0.0.1`);
    this.varSet(leg.ch, "BRIDGEPEER", "");
    this.varSet(leg.ch, "BRIDGEPVTCALLID", "");
    this.emitPairs("BlindTransfer", [["Result", "Success"], ...channelHeaders(leg.ch, "Transferer"), ...channelHeaders(other.ch, "Transferee"),
      ...bridgeHeaders(bridge), ["IsExternal", "Yes"], ["Context", other.ch.context], ["Extension", target]]);
    this.bridgeVars(leg, other);
    this.bridgeVars(other, leg);
    this.varSet(other.ch, "BRIDGEPEER", "");
    this.varSet(other.ch, "BRIDGEPVTCALLID", "");
    // The transferee leaves the bridge for to@phones (its Newexten still names the old application).
    leg.call.done = true;
    other.ch.exten = target;
    other.ch.priority = 1;
    this.newexten(other.ch, other.ch.app, other.ch.appData);
    this.leaveBridge(bridge, other);
    this.varSet(other.ch, "DIALSTATUS", "ANSWER");
    this.leaveBridge(bridge, leg);
    this.emitPairs("BridgeDestroy", bridgeHeaders(bridge));
    this.rtpQosOwn(leg);
    this.hangupLeg(leg, 16);
    const call: SipCall = { caller: other, targets: [], startedAt: Date.now(), ringing: false, done: false, transferred: true };
    other.call = call;
    other.dir = "in";
    this.next(other.ch);
    if (!SIP_ENDPOINTS.some((e) => e.id === target && e.context === "phones" && /^600\d$/.test(target))) {
      // Not captured: a REFER to a number the dialplan does not know ends the transferee's call.
      this.hangupLeg(other, 1);
      return;
    }
    this.startDial(call, [target]);
  }

  // ---- presence (ExtensionStateList, DeviceStateList, ExtensionState) -------------------------

  /** The SIP hints with their extension state: [exten, context, hint, status, text]. */
  hints(): Array<[string, string, string, number, string]> {
    return SIP_HINTS.map(([exten, context, device]) => {
      const [status, text] = EXT_STATUS[this.deviceState.get(device) ?? "NOT_INUSE"] ?? [0, "Idle"];
      return [exten, context, device, status, text];
    });
  }

  /** The SIP hint of exten@context, or undefined. */
  hint(context: string, exten: string): [string, number, string] | undefined {
    const h = this.hints().find(([e, c]) => e === exten && c === context);
    return h ? [h[2], h[3], h[4]] : undefined;
  }

  /**
   * DeviceStateList with the SIP lab's devices: `others` (the default lab's cache, in its order)
   * with the PJSIP and sipq devices placed where the capture sip-presence lists them around the
   * same neighbours (Asterisk's cache is a hash container; its order is the capture's, not a rule).
   */
  deviceList(others: Array<[string, string]>): Array<[string, string]> {
    const state = (d: string): string => this.deviceState.get(d) ?? "NOT_INUSE";
    const groups: Array<[string, string[]]> = [
      ["Queue:supportq_avail", ["PJSIP/6001", "PJSIP/6002", "PJSIP/6003", `Queue:${QUEUE}`]],
      ["Queue:testq_avail", [`Queue:${QUEUE}_pause_PJSIP/6002`, `Queue:${QUEUE}_pause_PJSIP/6003`, "PJSIP/provider", `Queue:${QUEUE}_avail`]],
    ];
    const out = [...others];
    for (const [anchor, devices] of groups) {
      const at = out.findIndex(([d]) => d === anchor);
      const items = devices.map((d): [string, string] => [d, state(d)]);
      if (at < 0) out.push(...items);
      else out.splice(at + 1, 0, ...items);
    }
    return out;
  }

  /** Hangs every SIP channel up (the PBX closes). */
  stop(): void {
    for (const leg of [...this.legs]) {
      if (leg.call.timer) clearTimeout(leg.call.timer);
      leg.call.done = true;
      this.legs.delete(leg);
      this.host.calls.channels.delete(leg.ch.name);
    }
  }

  /** What each phone is doing (for tests): its channel name and state, or undefined when idle. */
  status(phone: string): { channel: string; state: string } | undefined {
    const leg = this.legOf(phone);
    return leg ? { channel: leg.ch.name, state: leg.ch.state === 5 ? "ringing" : leg.ch.state === 6 ? "up" : "calling" } : undefined;
  }

  // ---- Dial() -------------------------------------------------------------------------------

  private startDial(call: SipCall, targets: string[]): void {
    const caller = call.caller.ch;
    const data = `${targets.map((t) => `PJSIP/${t}`).join("&")},${DIAL_TIMEOUT_S},t`;
    this.newexten(caller, "Dial", data);
    for (const v of DIAL_RESET) this.varSet(caller, v, "");
    for (const t of targets) {
      const { ch } = this.outboundLeg(call, t);
      ch.exten = caller.exten;
      ch.connected = { ...caller.caller };
      this.newexten(ch, "AppDial", "(Outgoing Line)");
      this.emit("NewConnectedLine", "call", ch);
    }
    for (const leg of call.targets) {
      this.emitPairs("DialBegin", [...channelHeaders(caller), ...channelHeaders(leg.ch, "Dest"), ["DialString", leg.ep.id]]);
    }
    if (call.targets.length === 1) this.connect(caller, call.targets[0].ep.caller);
    // The phones answer the INVITE with 180 Ringing at once.
    for (const leg of call.targets) this.ringing(leg);
    call.timer = setTimeout(() => this.dialTimeout(call), this.host.scale(DIAL_TIMEOUT_S * 1000));
  }

  /** The INVITE Asterisk sends a rung phone: its channel (Down, exten s), DIALEDPEERNUMBER. */
  private outboundLeg(call: SipCall, target: string): Leg {
    const ep = this.endpoint(target);
    const ch = this.newChannel(ep, "phones", "s", 0, call.caller.ch.linkedid);
    const leg: Leg = { ch, ep, callId: randomUUID(), dir: "out", call };
    this.legs.add(leg);
    call.targets.push(leg);
    this.varSet(ch, "DIALEDPEERNUMBER", target);
    return leg;
  }

  private ringing(leg: Leg): void {
    const call = leg.call;
    const caller = call.caller.ch;
    if (!call.ringing) {
      call.ringing = true;
      this.varSet(caller, "RINGTIME", "0");
      this.varSet(caller, "RINGTIME_MS", String(Date.now() - call.startedAt));
    }
    this.emitPairs("DialState", [...channelHeaders(caller), ...channelHeaders(leg.ch, "Dest"), ["DialStatus", "RINGING"]]);
    this.setState(leg, 5);
  }

  private answered(leg: Leg): void {
    if (leg.call.queue) return this.queueAnswered(leg);
    if (leg.call.consult) return this.consultAnswered(leg.call.consult);
    const { call, caller, others } = this.pickUp(leg);
    if (others.length > 0) this.connect(caller.ch, leg.ep.caller);
    for (const o of others) this.dialEnd(call, o, "CANCEL");
    this.varSet(caller.ch, "DIALSTATUS", "ANSWER");
    this.varSet(caller.ch, "DIALEDPEERNAME", leg.ch.name);
    this.varSet(caller.ch, "DIALEDPEERNUMBER", leg.ep.id);
    // The outbound channel's dialplan location is gone once it is up (empty Exten, DestExten).
    leg.ch.exten = "";
    this.dialEnd(call, leg, "ANSWER");
    if (caller.ch.state !== 6) this.setState(caller, 6);
    this.dropLosers(call, others);
    const bridge = new Bridge(randomUUID());
    call.bridge = bridge;
    this.emitPairs("BridgeCreate", bridgeHeaders(bridge));
    this.newexten(leg.ch, "AppDial", "(Outgoing Line)");
    this.enterBridge(bridge, leg);
    this.enterBridge(bridge, caller);
    // After a blind transfer: BLINDTRANSFER cleared, the peers evaluated twice (capture sip-blind-transfer).
    if (call.transferred) this.varSet(caller.ch, "BLINDTRANSFER", "");
    for (let i = 0; i < (call.transferred ? 2 : 1); i++) {
      this.bridgeVars(leg, caller);
      this.bridgeVars(caller, leg);
    }
  }

  /** A rung phone answered (200 OK): it goes Up; the other rung legs are returned (to be cancelled). */
  private pickUp(leg: Leg): { call: SipCall; caller: Leg; others: Leg[] } {
    const call = leg.call;
    if (call.timer) clearTimeout(call.timer);
    call.answered = leg;
    call.answeredAt = Date.now();
    this.setState(leg, 6);
    return { call, caller: call.caller, others: call.targets.filter((l) => l !== leg) };
  }

  /** The legs that lost to the answer hang up with cause 26 (answered elsewhere). */
  private dropLosers(call: SipCall, others: Leg[]): void {
    for (const o of others) {
      call.targets.splice(call.targets.indexOf(o), 1);
      this.hangupLeg(o, 26);
    }
  }

  /** Dial's timeout: NOANSWER, the dialplan goes on to Hangup(); the rung legs go with cause 0. */
  private dialTimeout(call: SipCall): void {
    if (call.done || call.answered) return;
    for (const t of call.targets) this.dialEnd(call, t, "NOANSWER");
    this.dialFailed(call, "NOANSWER");
  }

  /** Dial() returned without an answer: DIALSTATUS, then priority 3's Hangup() (cause 16). */
  private dialFailed(call: SipCall, status: string): void {
    if (call.timer) clearTimeout(call.timer);
    const caller = call.caller.ch;
    this.varSet(caller, "DIALSTATUS", status);
    this.next(caller);
    this.newexten(caller, "Hangup", "");
    this.emit("SoftHangupRequest", "call", caller, [["Cause", "16"]]);
    for (const t of [...call.targets]) this.hangupLeg(t, 0);
    call.targets.length = 0;
    this.hangupLeg(call.caller, 16);
    call.done = true;
  }

  /** The caller gives up while the phones ring (CANCEL): DialEnd CANCEL each, DIALSTATUS CANCEL. */
  private callerCancels(call: SipCall): void {
    if (call.timer) clearTimeout(call.timer);
    const caller = call.caller.ch;
    this.emit("HangupRequest", "call", caller, [["Cause", "16"]]);
    for (const t of call.targets) this.dialEnd(call, t, "CANCEL");
    if (call.queue) {
      // Not captured: app_queue's abandon (QueueCallerAbandon) as the queue captures of the default lab show it.
      this.queueDevice("NOT_INUSE");
      this.emit("QueueCallerAbandon", "agent", caller, [["Queue", QUEUE], ["Position", "1"], ["OriginalPosition", "1"],
        ["HoldTime", String(this.dialplanSeconds(Date.now() - call.queue.joinedAt))]]);
    } else this.varSet(caller, "DIALSTATUS", "CANCEL");
    for (const t of [...call.targets]) this.hangupLeg(t, 16);
    call.targets.length = 0;
    this.hangupLeg(call.caller, 16);
    call.done = true;
  }

  /** A BYE from one side of the bridge (captures sip-internal-answered, sip-hold-resume). */
  private byeInBridge(leg: Leg): void {
    const call = leg.call;
    const other = this.peerOf(leg);
    const bridge = call.bridge;
    if (other) this.rtpQos(leg, other);
    // Under Queue() the BYE's HangupRequest carries no Cause (capture sip-queue-answered); under Dial() 16.
    this.emit("HangupRequest", "call", leg.ch, call.queue ? [] : [["Cause", "16"]]);
    for (const l of [leg, other]) {
      if (!l) continue;
      this.varSet(l.ch, "BRIDGEPEER", "");
      this.varSet(l.ch, "BRIDGEPVTCALLID", "");
    }
    if (bridge) this.leaveBridge(bridge, leg);
    const callerLeg = call.caller;
    const answeredMs = Date.now() - (call.answeredAt ?? Date.now());
    const dialedMs = Date.now() - call.startedAt;
    const dialReturns = (): void => {
      this.varSet(callerLeg.ch, "ANSWEREDTIME", String(Math.floor(answeredMs / 1000)));
      this.varSet(callerLeg.ch, "ANSWEREDTIME_MS", String(answeredMs));
      this.varSet(callerLeg.ch, "DIALEDTIME", String(Math.floor(dialedMs / 1000)));
      this.varSet(callerLeg.ch, "DIALEDTIME_MS", String(dialedMs));
      if (!call.queue) this.varSet(callerLeg.ch, "DIALSTATUS", "ANSWER");
      this.emit("SoftHangupRequest", "call", callerLeg.ch, [["Cause", "16"]]);
      this.agentComplete(call, leg);
    };
    if (leg === callerLeg) dialReturns();
    if (bridge && other) this.leaveBridge(bridge, other);
    if (leg !== callerLeg) dialReturns();
    if (other) this.rtpQosOwn(other);
    if (bridge) this.emitPairs("BridgeDestroy", bridgeHeaders(bridge));
    this.hangupLeg(leg, 16);
    if (other) this.hangupLeg(other, 16);
    call.done = true;
  }

  private holdOrResume(phone: string, hold: boolean): void {
    const leg = this.legOf(phone);
    if (!leg) throw new Error(`phone ${phone} has no call`);
    const other = this.peerOf(leg);
    if (!!leg.onHold === hold) return;
    leg.onHold = hold;
    this.emit(hold ? "Hold" : "Unhold", "call", leg.ch, hold ? [["MusicClass", "default"]] : []);
    // The bridge re-evaluates its peers after the re-INVITE.
    if (other) {
      this.bridgeVars(leg, other);
      this.bridgeVars(other, leg);
      other.onHoldByPeer = hold;
      this.updateDevice(other.ep);
    }
  }

  // ---- Queue(sipq) ----------------------------------------------------------------------------

  /**
   * `700 => Queue(sipq,,,,20)` (capture sip-queue-answered): the caller joins, every member rings
   * at once (ringall): AgentCalled, then DialBegin, per member; the caller stays in state Ring (no
   * early answer) and its device NOT_INUSE until a member answers.
   */
  private startQueue(call: SipCall): void {
    const caller = call.caller.ch;
    this.newexten(caller, "Queue", `${QUEUE},,,,${QUEUE_TIMEOUT_S}`);
    for (const v of ["ANSWEREDTIME", "ANSWEREDTIME_MS", "DIALEDTIME", "DIALEDTIME_MS", "QUEUEWAIT", "QUEUEWAIT_MS"]) this.varSet(caller, v, "");
    call.queue = { joinedAt: Date.now() };
    this.queueDevice("RINGING");
    this.emit("QueueCallerJoin", "agent", caller, [["Queue", QUEUE], ["Position", "1"], ["Count", "1"]]);
    for (const [i, t] of QUEUE_MEMBERS.entries()) {
      const leg = this.outboundLeg(call, t);
      const { ch, ep } = leg;
      // AgentCalled shows the member's channel as app_queue set it up; DialBegin the bare one.
      const bare = channelHeaders(ch, "Dest");
      ch.exten = caller.exten;
      ch.connected = { ...caller.caller };
      this.emitPairs("AgentCalled", [...channelHeaders(caller), ...channelHeaders(ch, "Dest"), ...this.memberHeaders(ep)], "agent");
      this.emitPairs("DialBegin", [...channelHeaders(caller), ...bare, ["DialString", `PJSIP/${t}`]]);
      // The first member's 180 Ringing arrives while app_queue still calls the next (capture).
      if (i === 0) this.queueRinging(leg);
    }
    for (const leg of call.targets) {
      this.emitPairs("DialState", [...channelHeaders(caller), ...channelHeaders(leg.ch, "Dest"), ["DialStatus", "RINGING"]]);
    }
    for (const leg of call.targets.slice(1)) this.queueRinging(leg);
    call.timer = setTimeout(() => this.queueTimeout(call), this.host.scale(QUEUE_TIMEOUT_S * 1000));
  }

  /** A member's phone answers the INVITE with 180 Ringing. */
  private queueRinging(leg: Leg): void {
    this.setState(leg, 5);
    this.newexten(leg.ch, "AppQueue", "(Outgoing Line)");
    this.emit("NewConnectedLine", "call", leg.ch);
  }

  /** A member answered: the others are cancelled, the caller leaves the queue and is bridged to it. */
  private queueAnswered(leg: Leg): void {
    const { call, caller, others } = this.pickUp(leg);
    this.dialEnd(call, leg, "ANSWER");
    for (const o of others) this.dialEnd(call, o, "CANCEL");
    this.connect(caller.ch, leg.ep.caller);
    // app_queue cancels the losers a second time once the caller's connected line is updated.
    for (const o of others) this.dialEnd(call, o, "CANCEL");
    this.queueDevice("NOT_INUSE");
    this.emit("QueueCallerLeave", "agent", caller.ch, [["Queue", QUEUE], ["Position", "1"], ["Count", "0"]]);
    const waited = this.dialplanSeconds(Date.now() - (call.queue?.joinedAt ?? call.startedAt));
    this.varSet(caller.ch, "QUEUEPOSITION", "1");
    this.varSet(caller.ch, "QUEUEWAIT", String(waited));
    this.varSet(caller.ch, "QUEUEWAIT_MS", String(waited * 1000));
    this.emitPairs("AgentConnect", [...channelHeaders(caller.ch), ...channelHeaders(leg.ch, "Dest"), ...this.memberHeaders(leg.ep),
      ["HoldTime", String(waited)], ["RingTime", String(waited)]], "agent");
    this.dropLosers(call, others);
    caller.queued = false;
    this.setState(caller, 6);
    const bridge = new Bridge(randomUUID());
    call.bridge = bridge;
    this.emitPairs("BridgeCreate", bridgeHeaders(bridge));
    this.enterBridge(bridge, leg);
    this.enterBridge(bridge, caller);
    // The bridge re-evaluates its peers three times as app_queue sets the call up (capture).
    for (let i = 0; i < 3; i++) {
      this.bridgeVars(caller, leg);
      this.bridgeVars(leg, caller);
    }
    // Queue() has no DTMF feature option (Dial's `t`), so the two RTP streams go native (capture).
    bridge.technology = "native_rtp";
  }

  /**
   * Queue()'s own timeout (20 s) with nobody answering: the members' legs are dropped, the caller
   * leaves (QueueCallerLeave) and the dialplan's Hangup() follows. Not in the captures: the event
   * names follow app_queue, the order is the Dial() timeout's.
   */
  private queueTimeout(call: SipCall): void {
    if (call.done || call.answered) return;
    for (const t of call.targets) this.dialEnd(call, t, "NOANSWER");
    const caller = call.caller.ch;
    this.queueDevice("NOT_INUSE");
    this.emit("QueueCallerLeave", "agent", caller, [["Queue", QUEUE], ["Position", "1"], ["Count", "0"]]);
    for (const t of [...call.targets]) this.hangupLeg(t, 0);
    call.targets.length = 0;
    this.next(caller);
    this.newexten(caller, "Hangup", "");
    this.emit("SoftHangupRequest", "call", caller, [["Cause", "16"]]);
    this.hangupLeg(call.caller, 16);
    call.done = true;
  }

  /** AgentComplete when the bridged queue call ends; the member's CallsTaken goes up. */
  private agentComplete(call: SipCall, hungUpBy: Leg): void {
    const agent = call.answered;
    if (!call.queue || !agent) return;
    const talk = this.dialplanSeconds(Date.now() - (call.answeredAt ?? Date.now()));
    const hold = this.dialplanSeconds((call.answeredAt ?? Date.now()) - call.queue.joinedAt);
    this.emitPairs("AgentComplete", [...channelHeaders(call.caller.ch), ...channelHeaders(agent.ch, "Dest"), ...this.memberHeaders(agent.ep),
      ["HoldTime", String(hold)], ["TalkTime", String(talk)], ["Reason", hungUpBy === call.caller ? "caller" : "agent"]], "agent");
    const m = this.memberCalls.get(agent.ep.id) ?? { taken: 0, last: 0 };
    this.memberCalls.set(agent.ep.id, { taken: m.taken + 1, last: Math.floor(Date.now() / 1000) });
  }

  private memberHeaders(ep: Endpoint): Pairs {
    const device = `PJSIP/${ep.id}`;
    return [["Queue", QUEUE], ["Interface", device], ["MemberName", SIPQ_MEMBERS[device] ?? device]];
  }

  /** The queue's own device (`Queue:sipq`): RINGING while a caller waits. */
  private queueDevice(state: string): void {
    this.deviceState.set(`Queue:${QUEUE}`, state);
    this.host.broadcast(PbxEvent.of("DeviceStateChange", "call", [["Device", `Queue:${QUEUE}`], ["State", state]]));
  }

  /** Real milliseconds back to dialplan seconds (the lab runs at timeScale), rounded. */
  private dialplanSeconds(realMs: number): number {
    const perSecond = this.host.scale(1000);
    return Math.round(perSecond > 0 ? realMs / perSecond : 0);
  }

  // ---- attended transfer (DTMF feature *2) ----------------------------------------------------

  /**
   * A digit from a phone: true when the features took it. The called party of a Dial with `t`
   * (every Dial of the lab) has atxfer `*2`: its digits go to the feature (DTMF Received, nothing
   * Sent to the peer); after `*2` the peer is held and the number is keyed, and once it is a phone
   * (600X) the consultation call starts (capture sip-attended-transfer).
   */
  private featureDigit(leg: Leg, d: string): boolean {
    const call = leg.call;
    if (leg.dir !== "out" || call.queue || call.consult || !call.bridge || call.answered !== leg) return false;
    const received = (): void => {
      this.emit("DTMFBegin", "dtmf", leg.ch, [["Digit", d], ["Direction", "Received"]]);
      this.emit("DTMFEnd", "dtmf", leg.ch, [["Digit", d], ["DurationMs", String(DTMF_MS)], ["Direction", "Received"]]);
    };
    if (leg.atxfer !== undefined) {
      received();
      leg.atxfer += d;
      if (/^600\d$/.test(leg.atxfer) && SIP_ENDPOINTS.some((e) => e.id === leg.atxfer)) this.startConsult(leg, leg.atxfer);
      return true;
    }
    const buffered = (leg.feature ?? "") + d;
    if (!ATXFER.startsWith(buffered)) {
      // Not a feature: the digit goes through as any other (a half-keyed `*` is dropped).
      leg.feature = undefined;
      return false;
    }
    received();
    leg.feature = buffered;
    if (buffered === ATXFER) {
      leg.feature = undefined;
      leg.atxfer = "";
      // The feature holds the peer (no MusicClass: no re-INVITE, the bridge's own hold).
      const peer = call.caller;
      this.emit("Hold", "call", leg.ch);
      peer.onHoldByPeer = true;
      this.updateDevice(peer.ep);
    }
    return true;
  }

  /** The Local/<to>@phones pair the feature dials; ;2 runs `to`@phones, ;1 joins the transferer's new bridge. */
  private startConsult(transferer: Leg, to: string): void {
    transferer.atxfer = undefined;
    const transferee = transferer.call.caller;
    const calls = this.host.calls;
    const seq = calls.newChannelSeq();
    const linkedid = transferee.ch.linkedid;
    const local = (half: number, state: number): Channel => {
      const ch = new Channel(`Local/${to}@phones-${seq};${half}`, calls.newUniqueid(), linkedid, "phones", to);
      ch.state = state;
      calls.channels.set(ch.name, ch);
      this.emit("Newchannel", "call", ch);
      return ch;
    };
    const l1 = local(1, 0);
    const l2 = local(2, 4);
    const t = transferer.ch;
    this.varSet(l1, "TRANSFERERNAME", t.name);
    this.varSet(l1, "ATTENDEDTRANSFER", t.name);
    const b2 = new Bridge(randomUUID());
    this.emitPairs("BridgeCreate", bridgeHeaders(b2));
    this.varSet(l2, "ATTENDEDTRANSFER", t.name);
    this.varSet(l2, "TRANSFERERNAME", t.name);
    l2.caller = { ...transferer.ep.caller };
    this.emit("NewCallerid", "call", l2, [["CID-CallingPres", CALLING_PRES]]);
    this.emitPairs("LocalBridge", [...channelHeaders(l1, "LocalOne"), ...channelHeaders(l2, "LocalTwo"), ["Context", "phones"], ["Exten", to], ["LocalOptimization", "Yes"]]);
    this.newexten(l2, "NoOp", `SIP lab: ${l2.caller.num} calls ${to}`);
    this.next(l2);
    this.newexten(l2, "Dial", `PJSIP/${to},${DIAL_TIMEOUT_S},t`);
    for (const v of DIAL_RESET) this.varSet(l2, v, "");
    l1.connected = { ...transferer.ep.caller };
    this.emit("NewConnectedLine", "call", l1);
    this.enterBridgeCh(b2, l1);
    this.varSet(l1, "ATTENDEDTRANSFER", "");
    const call: SipCall = { caller: transferee, targets: [], startedAt: Date.now(), ringing: false, done: false };
    const target = this.outboundLeg(call, to);
    const consult: Consult = { transferer, transferee, l1, l2, target, b2, startedAt: Date.now() };
    call.consult = consult;
    target.ch.exten = to;
    target.ch.connected = { ...l2.caller };
    this.newexten(target.ch, "AppDial", "(Outgoing Line)");
    this.emit("NewConnectedLine", "call", target.ch);
    // The transferer moves to the consultation bridge.
    const b1 = transferer.call.bridge as Bridge;
    this.leaveBridge(b1, transferer);
    this.enterBridgeCh(b2, t);
    this.varSet(l1, "BRIDGEPEER", t.name);
    this.varSet(l1, "BRIDGEPVTCALLID", transferer.callId);
    this.varSet(t, "BRIDGEPEER", l1.name);
    this.varSet(t, "BRIDGEPVTCALLID", "");
    t.connected = { num: UNKNOWN, name: UNKNOWN };
    this.emit("NewConnectedLine", "call", t);
    this.emitPairs("DialBegin", [...channelHeaders(l2), ...channelHeaders(target.ch, "Dest"), ["DialString", to]]);
    l2.connected = { ...target.ep.caller };
    this.emit("NewConnectedLine", "call", l2);
    this.setState(target, 5);
    l1.caller = { ...target.ep.caller };
    this.emit("NewCallerid", "call", l1, [["CID-CallingPres", CALLING_PRES]]);
    t.connected = { ...target.ep.caller };
    this.emit("NewConnectedLine", "call", t);
    l1.state = 5;
    this.emit("Newstate", "call", l1);
    this.localDevice(to, "INUSE");
    this.varSet(l2, "RINGTIME", "0");
    this.varSet(l2, "RINGTIME_MS", String(Date.now() - consult.startedAt));
    this.emitPairs("DialState", [...channelHeaders(l1, "Dest"), ["DialStatus", "RINGING"]]);
    this.emitPairs("DialState", [...channelHeaders(l2), ...channelHeaders(target.ch, "Dest"), ["DialStatus", "RINGING"]]);
    this.varSet(l1, "BRIDGEPEER", t.name);
    this.varSet(l1, "BRIDGEPVTCALLID", transferer.callId);
    this.varSet(t, "BRIDGEPEER", l1.name);
    // The last digit's trailing RFC 4733 end packets arrive after the switch: two more DTMFEnd on
    // the transferer, and the digit once through the new path (capture).
    const last = to.slice(-1);
    const end = (ch: Channel, dir: string): void => this.emit("DTMFEnd", "dtmf", ch, [["Digit", last], ["DurationMs", String(DTMF_MS)], ["Direction", dir]]);
    end(t, "Received");
    end(t, "Received");
    const path: Array<[Channel, string]> = [[l1, "Sent"], [l2, "Received"], [target.ch, "Sent"]];
    for (const [ch, dir] of path) this.emit("DTMFBegin", "dtmf", ch, [["Digit", last], ["Direction", dir]]);
    for (const [ch, dir] of path) end(ch, dir);
    // No Dial timeout for the consultation (not captured: what a transferer hears when it expires).
  }

  /** The consulted phone answers: ;2's Dial() bridges it, ;1 goes Up in the transferer's bridge. */
  private consultAnswered(c: Consult): void {
    const { target, l1, l2, transferer } = c;
    const t = transferer.ch;
    const call = target.call;
    if (call.timer) clearTimeout(call.timer);
    call.answered = target;
    c.answeredAt = Date.now();
    this.setState(target, 6);
    this.varSet(l2, "DIALSTATUS", "ANSWER");
    this.varSet(l2, "DIALEDPEERNAME", target.ch.name);
    this.varSet(l2, "DIALEDPEERNUMBER", target.ep.id);
    target.ch.exten = "";
    this.emitPairs("DialEnd", [...channelHeaders(l2), ...channelHeaders(target.ch, "Dest"), ["DialStatus", "ANSWER"]]);
    l2.state = 6;
    this.emit("Newstate", "call", l2);
    const b3 = new Bridge(randomUUID());
    c.b3 = b3;
    this.emitPairs("BridgeCreate", bridgeHeaders(b3));
    this.newexten(target.ch, "AppDial", "(Outgoing Line)");
    this.enterBridge(b3, target);
    l1.state = 6;
    this.emit("Newstate", "call", l1);
    this.emitPairs("DialEnd", [...channelHeaders(l1, "Dest"), ["DialStatus", "ANSWER"]]);
    this.varSet(l1, "BRIDGEPEER", t.name);
    this.varSet(l1, "BRIDGEPVTCALLID", transferer.callId);
    this.varSet(t, "BRIDGEPEER", l1.name);
    this.enterBridgeCh(b3, l2);
    this.varSet(l2, "ATTENDEDTRANSFER", "");
    this.varSet(target.ch, "BRIDGEPEER", l2.name);
    this.varSet(l2, "BRIDGEPEER", target.ch.name);
    this.varSet(l2, "BRIDGEPVTCALLID", target.callId);
    this.localDevice(target.ep.id, "INUSE");
    this.localDevice(target.ep.id, "INUSE");
    this.varSet(target.ch, "BRIDGEPEER", l2.name);
    this.varSet(l2, "BRIDGEPEER", target.ch.name);
    this.varSet(l2, "BRIDGEPVTCALLID", target.callId);
  }

  /** The attended transfer of `leg`'s phone, when it is the transferer of one. */
  private consultOf(leg: Leg): Consult | undefined {
    for (const l of this.legs) {
      const c = l.call.consult;
      if (c && c.transferer === leg) return c;
    }
    return undefined;
  }

  /**
   * The transferer hangs up with the consulted phone answered: the consultation bridge merges into
   * the original one (AttendedTransfer DestType Bridge), then the Local pair optimizes itself away
   * and the transferee ends up bridged with the target (LocalOptimizationBegin/End).
   */
  private completeAttended(c: Consult, leg: Leg): void {
    const { transferer, transferee: x, l1, l2, target, b2 } = c;
    const b3 = c.b3;
    if (leg !== transferer || !b3) {
      throw new Error(ATXFER_ONLY);
    }
    const t = transferer.ch;
    const b1 = transferer.call.bridge as Bridge;
    this.rtpQosCh(t, l1);
    this.emit("HangupRequest", "call", t, [["Cause", "16"]]);
    this.varSet(t, "BRIDGEPEER", "");
    this.leaveBridge(b2, transferer);
    this.emitPairs("BridgeMerge", [...prefixed(bridgeHeaders(b1), "To"), ...prefixed(bridgeHeaders(b2), "From")]);
    this.leaveBridgeCh(b2, l1);
    this.enterBridgeCh(b1, l1);
    this.varSet(x.ch, "BRIDGEPEER", l1.name);
    this.varSet(x.ch, "BRIDGEPVTCALLID", "");
    this.varSet(l1, "BRIDGEPEER", x.ch.name);
    this.varSet(l1, "BRIDGEPVTCALLID", x.callId);
    this.emitPairs("AttendedTransfer", [["Result", "Success"], ...channelHeaders(t, "OrigTransferer"), ...prefixed(bridgeHeaders(b1), "Orig"),
      ...channelHeaders(t, "SecondTransferer"), ...prefixed(bridgeHeaders(b2), "Second"), ...channelHeaders(x.ch, "Transferee"),
      ["IsExternal", "No"], ["DestType", "Bridge"], ["DestBridgeUniqueid", b1.uniqueid]]);
    x.ch.connected = { ...target.ep.caller };
    this.emit("NewConnectedLine", "call", x.ch);
    this.emitPairs("BridgeDestroy", bridgeHeaders(b2));
    transferer.call.done = true;
    this.hangupLeg(transferer, 16);
    l1.connected = { ...x.ep.caller };
    this.emit("NewConnectedLine", "call", l1);
    x.onHoldByPeer = false;
    this.updateDevice(x.ep);
    target.ch.connected = { ...x.ep.caller };
    this.emit("NewConnectedLine", "call", target.ch);
    this.varSet(x.ch, "BRIDGEPEER", l1.name);
    this.varSet(l1, "BRIDGEPEER", x.ch.name);
    this.varSet(l1, "BRIDGEPVTCALLID", x.callId);
    this.varSet(target.ch, "BRIDGEPEER", l2.name);
    this.varSet(l2, "BRIDGEPEER", target.ch.name);
    this.varSet(l2, "BRIDGEPVTCALLID", target.callId);
    l2.caller = { ...x.ep.caller };
    this.emit("NewCallerid", "call", l2, [["CID-CallingPres", CALLING_PRES]]);
    // The Local pair optimizes out: the transferee takes ;2's place next to the target.
    this.emitPairs("LocalOptimizationBegin", [...channelHeaders(l1, "LocalOne"), ...channelHeaders(l2, "LocalTwo"),
      ...channelHeaders(x.ch, "Source"), ["DestUniqueId", l2.uniqueid], ["Id", "1"]]);
    this.leaveBridge(b1, x);
    this.varSet(l2, "BRIDGEPEER", "");
    this.varSet(l2, "BRIDGEPVTCALLID", "");
    this.leaveBridgeCh(b3, l2);
    this.enterBridgeCh(b3, x.ch, l2);
    this.varSet(target.ch, "BRIDGEPEER", x.ch.name);
    this.varSet(target.ch, "BRIDGEPVTCALLID", x.callId);
    this.varSet(x.ch, "BRIDGEPEER", target.ch.name);
    this.varSet(x.ch, "BRIDGEPVTCALLID", target.callId);
    this.varSet(l1, "BRIDGEPEER", "");
    this.varSet(l1, "BRIDGEPVTCALLID", "");
    this.emitPairs("LocalOptimizationEnd", [...channelHeaders(l1, "LocalOne"), ...channelHeaders(l2, "LocalTwo"), ["Success", "No"], ["Id", "1"]]);
    this.leaveBridgeCh(b1, l1);
    this.emit("HangupRequest", "call", l2, [["Cause", "16"]]);
    this.hangupCh(l1, 16);
    const answeredMs = Date.now() - (c.answeredAt ?? Date.now());
    const dialedMs = Date.now() - c.startedAt;
    this.varSet(l2, "ANSWEREDTIME", String(Math.floor(answeredMs / 1000)));
    this.varSet(l2, "ANSWEREDTIME_MS", String(answeredMs));
    this.varSet(l2, "DIALEDTIME", String(Math.floor(dialedMs / 1000)));
    this.varSet(l2, "DIALEDTIME_MS", String(dialedMs));
    this.varSet(l2, "DIALSTATUS", "ANSWER");
    this.emit("SoftHangupRequest", "call", l2, [["Cause", "16"]]);
    this.hangupCh(l2, 16);
    this.emitPairs("BridgeDestroy", bridgeHeaders(b1));
    this.localDevice(target.ep.id, "NOT_INUSE");
    this.localDevice(target.ep.id, "NOT_INUSE");
    // From here on the transferee's call is with the target (a BYE from either side ends it as usual).
    const call = x.call;
    call.answered = target;
    call.bridge = b3;
    target.call = call;
  }

  private localDevice(exten: string, state: string): void {
    this.host.broadcast(PbxEvent.of("DeviceStateChange", "call", [["Device", `Local/${exten}@phones`], ["State", state]]));
  }

  /** BridgeEnter; `swap`: the channel this one replaces (a Local optimization's SwapUniqueid). */
  private enterBridgeCh(bridge: Bridge, ch: Channel, swap?: Channel): void {
    bridge.members.push(ch);
    ch.bridge = bridge;
    this.emitPairs("BridgeEnter", [...bridgeHeaders(bridge), ...channelHeaders(ch), ...(swap ? [["SwapUniqueid", swap.uniqueid] as [string, string]] : [])]);
  }

  private leaveBridgeCh(bridge: Bridge, ch: Channel): void {
    const i = bridge.members.indexOf(ch);
    if (i >= 0) bridge.members.splice(i, 1);
    ch.bridge = undefined;
    this.emitPairs("BridgeLeave", [...bridgeHeaders(bridge), ...channelHeaders(ch)]);
  }

  /** A channel that is no phone's leg (the Local halves) hangs up. */
  private hangupCh(ch: Channel, cause: number): void {
    if (ch.gone) return;
    ch.gone = true;
    this.host.calls.channels.delete(ch.name);
    this.emit("Hangup", "call", ch, [["Cause", String(cause)], ["Cause-txt", CAUSE_TEXT[cause] ?? "Unknown"]]);
  }

  // ---- helpers ------------------------------------------------------------------------------

  private dialEnd(call: SipCall, leg: Leg, status: string): void {
    this.emitPairs("DialEnd", [...channelHeaders(call.caller.ch), ...channelHeaders(leg.ch, "Dest"), ["DialStatus", status]]);
  }

  private connect(ch: Channel, party: Party): void {
    ch.connected = { ...party };
    this.emit("NewConnectedLine", "call", ch);
  }

  private enterBridge(bridge: Bridge, leg: Leg): void {
    this.enterBridgeCh(bridge, leg.ch);
  }

  private leaveBridge(bridge: Bridge, leg: Leg): void {
    this.leaveBridgeCh(bridge, leg.ch);
  }

  /** BRIDGEPEER and BRIDGEPVTCALLID (the peer's SIP Call-ID) on `leg`. */
  private bridgeVars(leg: Leg, peer: Leg): void {
    this.varSet(leg.ch, "BRIDGEPEER", peer.ch.name);
    this.varSet(leg.ch, "BRIDGEPVTCALLID", peer.callId);
  }

  /** RTP statistics at a BYE: the leaving channel's own, the same as *BRIDGED on its peer. */
  private rtpQos(leg: Leg, other: Leg): void {
    this.rtpQosCh(leg.ch, other.ch);
  }

  private rtpQosCh(ch: Channel, other: Channel): void {
    for (const [name, value] of rtpStats()) {
      this.varSet(ch, name, value);
      this.varSet(other, `${name}BRIDGED`, value);
    }
  }

  private rtpQosOwn(leg: Leg): void {
    for (const [name, value] of rtpStats()) this.varSet(leg.ch, name, value);
  }

  private peerOf(leg: Leg): Leg | undefined {
    const call = leg.call;
    if (leg === call.caller) return call.answered;
    return call.caller;
  }

  private endpoint(id: string): Endpoint {
    const ep = SIP_ENDPOINTS.find((e) => e.id === id);
    if (!ep) throw new Error(`no PJSIP endpoint ${id} (the SIP lab has ${SIP_ENDPOINTS.map((e) => e.id).join(", ")})`);
    return ep;
  }

  private legOf(phone: string): Leg | undefined {
    let found: Leg | undefined;
    for (const l of this.legs) if (l.ep.id === phone && !l.ch.gone) found ??= l;
    return found;
  }

  private ringingLeg(phone: string): Leg | undefined {
    for (const l of this.legs) if (l.ep.id === phone && l.dir === "out" && l.ch.state === 5 && !l.call.answered) return l;
    return undefined;
  }

  private newChannel(ep: Endpoint, context: string, exten: string, state: number, linkedid?: string): Channel {
    const calls = this.host.calls;
    const id = calls.newUniqueid();
    const ch = new Channel(`PJSIP/${ep.id}-${calls.newChannelSeq()}`, id, linkedid ?? id, context, exten);
    ch.state = state;
    ch.caller = { ...ep.caller };
    ch.connected = { num: UNKNOWN, name: UNKNOWN };
    calls.channels.set(ch.name, ch);
    this.emit("Newchannel", "call", ch);
    return ch;
  }

  private setState(leg: Leg, state: number): void {
    leg.ch.state = state;
    this.emit("Newstate", "call", leg.ch);
    this.updateDevice(leg.ep);
  }

  private hangupLeg(leg: Leg, cause: number): void {
    const ch = leg.ch;
    if (ch.gone) return;
    ch.gone = true;
    this.legs.delete(leg);
    this.host.calls.channels.delete(ch.name);
    this.emit("Hangup", "call", ch, [["Cause", String(cause)], ["Cause-txt", CAUSE_TEXT[cause] ?? "Unknown"]]);
    this.updateDevice(leg.ep);
    // A peer that held this one: its device is no longer ONHOLD.
  }

  /** PJSIP device state from the endpoint's live channels; DeviceStateChange, hint, queue member. */
  private updateDevice(ep: Endpoint): void {
    const device = `PJSIP/${ep.id}`;
    let state = "NOT_INUSE";
    for (const l of this.legs) {
      if (l.ep !== ep || l.ch.gone || l.queued) continue;
      if (l.ch.state === 6 || l.ch.state === 4) state = l.onHoldByPeer ? "ONHOLD" : "INUSE";
      else if (l.ch.state === 5 && state === "NOT_INUSE") state = "RINGING";
    }
    if (this.deviceState.get(device) === state) return;
    this.deviceState.set(device, state);
    this.host.broadcast(PbxEvent.of("DeviceStateChange", "call", [["Device", device], ["State", state]]));
    const hint = SIP_HINTS.find(([, , d]) => d === device);
    if (hint) {
      const [status, text] = EXT_STATUS[state] ?? [0, "Idle"];
      this.host.broadcast(PbxEvent.of("ExtensionStatus", "call", [
        ["Exten", hint[0]], ["Context", hint[1]], ["Hint", device], ["Status", String(status)], ["StatusText", text],
      ]));
    }
    const member = SIPQ_MEMBERS[device];
    if (member !== undefined) {
      const calls = this.memberCalls.get(ep.id) ?? { taken: 0, last: 0 };
      this.host.broadcast(PbxEvent.of("QueueMemberStatus", "agent", [
        ["Queue", "sipq"], ["MemberName", member], ["Interface", device], ["StateInterface", device], ["Membership", "static"],
        ["Penalty", "0"], ["CallsTaken", String(calls.taken)], ["LastCall", String(calls.last)], ["LastPause", "0"], ["LoginTime", String(this.loginTime)],
        ["InCall", "0"], ["Status", String(DEVSTATE_NUM[state] ?? 0)], ["Paused", "0"], ["PausedReason", ""],
        ["Ringinuse", "1"], ["Wrapuptime", "0"],
      ]));
    }
  }

  /** ChallengeSent / SuccessfulAuth for an INVITE (res_pjsip's security events). */
  private security(name: string, ep: Endpoint, callId: string, tail: Pairs): void {
    const tv = new Date().toISOString().replace("Z", "+0000");
    this.host.broadcast(PbxEvent.of(name, "security", [
      ["EventTV", tv], ["Severity", "Informational"], ["Service", "PJSIP"], ["EventVersion", "1"], ["AccountID", ep.id],
      ["SessionID", callId], ["LocalAddress", "IPV4/UDP/127.0.0.1/5060"], ["RemoteAddress", `IPV4/UDP/127.0.0.1/${ep.port}`], ...tail,
    ]));
  }

  private next(ch: Channel): void {
    ch.priority++;
  }

  private newexten(ch: Channel, app: string, data: string): void {
    ch.app = app;
    ch.appData = data;
    this.emit("Newexten", "dialplan", ch, [["Extension", ch.exten], ["Application", app], ["AppData", data]]);
  }

  private varSet(ch: Channel, name: string, value: string): void {
    if (value === "") ch.vars.delete(name);
    else ch.vars.set(name, value);
    this.emit("VarSet", "dialplan", ch, [["Variable", name], ["Value", value]]);
  }

  private emit(name: string, cls: string, ch: Channel, extra: Pairs = []): void {
    this.host.broadcast(channelEvent(name, cls, ch, extra));
  }

  private emitPairs(name: string, body: Pairs, cls = "call"): void {
    this.host.broadcast(PbxEvent.of(name, cls, body));
  }
}

/** Bridge headers under another prefix (BridgeMerge's To/From, AttendedTransfer's Orig/Second). */
function prefixed(pairs: Pairs, prefix: string): Pairs {
  return pairs.map(([k, v]): [string, string] => [prefix + k, v]);
}

/** res_rtp_asterisk's RTPAUDIOQOS* texts (the lab's loopback media: no loss, sub-ms jitter). */
function rtpStats(): Array<[string, string]> {
  const ssrc = (): number => randomBytes(4).readUInt32BE(0);
  const f = (v: number): string => v.toFixed(6).padStart(10, "0");
  const jitter = f(0.0007);
  return [
    ["RTPAUDIOQOS", `ssrc=${ssrc()};themssrc=${ssrc()};lp=0;rxjitter=0.000000;rxcount=151;txjitter=0.000750;txcount=151;rlp=0;rtt=0.000000;rxmes=0.000000;txmes=0.000000`],
    ["RTPAUDIOQOSJITTER", `minrxjitter=${f(0.000125)};maxrxjitter=${f(0.000875)};avgrxjitter=${jitter};stdevrxjitter=${f(0.000145)};mintxjitter=${f(0)};maxtxjitter=${f(0)};avgtxjitter=${f(0)};stdevtxjitter=${f(0)};`],
    ["RTPAUDIOQOSLOSS", `  minrxlost=${f(0)};  maxrxlost=${f(0)};  avgrxlost=${f(0)};  stdevrxlost=${f(0)};  mintxlost=${f(0)};  maxtxlost=${f(0)};  avgtxlost=${f(0)};  stdevtxlost=${f(0)};`],
    ["RTPAUDIOQOSRTT", `     minrtt=${f(0)};     maxrtt=${f(0)};     avgrtt=${f(0)};     stdevrtt=${f(0)};`],
    ["RTPAUDIOQOSMES", `   minrxmes=${f(0)};   maxrxmes=${f(0)};   avgrxmes=${f(0)};   stdevrxmes=${f(0)};   mintxmes=${f(0)};   maxtxmes=${f(0)};   avgtxmes=${f(0)};   stdevtxmes=${f(0)};`],
  ];
}
