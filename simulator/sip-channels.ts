/**
 * The SIP lab's channels: a SIP dialog's leg, the call (one Dial() or Queue()) it belongs to, and
 * the primitives every phone behaviour publishes its events through (Newchannel, Newstate, VarSet,
 * Newexten, bridges, hangups, RTP statistics, res_pjsip's security events). The legs live in the
 * call engine's channel list too, so CoreShowChannels and Status see them.
 */
import { randomUUID, randomBytes } from "node:crypto";
import { Bridge, bridgeHeaders, CAUSE_TEXT, Channel, channelHeaders, Pairs, Party, UNKNOWN } from "./channel";
import { channelEvent, PbxEvent } from "./events";
import type { CallEngine } from "./calls";
import { Endpoint, SIP_ENDPOINTS } from "./sip-lab-config";
import { SipDevices } from "./sip-devices";

export interface SipHost {
  readonly calls: CallEngine;
  broadcast(ev: PbxEvent): void;
  /** Dialplan milliseconds to real ones (timeScale). */
  scale(ms: number): number;
}

/** One SIP dialog's channel. */
export interface Leg {
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
export interface SipCall {
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
export interface Consult {
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

export class SipChannels {
  /** The live legs, one per live SIP channel: each leaves at its hangup (and all at stop). */
  readonly legs = new Set<Leg>();
  readonly devices: SipDevices;

  constructor(readonly host: SipHost) {
    this.devices = new SipDevices(host, this.legs);
  }

  /** The endpoint of a phone id; an error naming the lab's phones for any other. */
  endpoint(id: string): Endpoint {
    const ep = SIP_ENDPOINTS.find((e) => e.id === id);
    if (!ep) throw new Error(`no PJSIP endpoint ${id} (the SIP lab has ${SIP_ENDPOINTS.map((e) => e.id).join(", ")})`);
    return ep;
  }

  /** The phone's oldest live leg. */
  legOf(phone: string): Leg | undefined {
    let found: Leg | undefined;
    for (const l of this.legs) if (l.ep.id === phone && !l.ch.gone) found ??= l;
    return found;
  }

  /** The phone's leg that rings (an INVITE Asterisk sent it, not answered yet). */
  ringingLeg(phone: string): Leg | undefined {
    for (const l of this.legs) if (l.ep.id === phone && l.dir === "out" && l.ch.state === 5 && !l.call.answered) return l;
    return undefined;
  }

  /** The other side of the leg's call: the caller, or the leg that answered it. */
  peerOf(leg: Leg): Leg | undefined {
    const call = leg.call;
    if (leg === call.caller) return call.answered;
    return call.caller;
  }

  /** A PJSIP channel of the endpoint (Newchannel), in the call engine's channel list. */
  newChannel(ep: Endpoint, context: string, exten: string, state: number, linkedid?: string): Channel {
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

  /** The INVITE Asterisk sends a rung phone: its channel (Down, exten s), DIALEDPEERNUMBER. */
  outboundLeg(call: SipCall, target: string): Leg {
    const ep = this.endpoint(target);
    const ch = this.newChannel(ep, "phones", "s", 0, call.caller.ch.linkedid);
    const leg: Leg = { ch, ep, callId: randomUUID(), dir: "out", call };
    this.legs.add(leg);
    call.targets.push(leg);
    this.varSet(ch, "DIALEDPEERNUMBER", target);
    return leg;
  }

  setState(leg: Leg, state: number): void {
    leg.ch.state = state;
    this.emit("Newstate", "call", leg.ch);
    this.devices.update(leg.ep);
  }

  /** The leg hangs up (Hangup with its cause) and its device is updated. */
  hangupLeg(leg: Leg, cause: number): void {
    const ch = leg.ch;
    if (ch.gone) return;
    ch.gone = true;
    this.legs.delete(leg);
    this.host.calls.channels.delete(ch.name);
    this.emit("Hangup", "call", ch, [["Cause", String(cause)], ["Cause-txt", CAUSE_TEXT[cause] ?? "Unknown"]]);
    this.devices.update(leg.ep);
    // A peer that held this one: its device is no longer ONHOLD.
  }

  /** A channel that is no phone's leg (the Local halves) hangs up. */
  hangupCh(ch: Channel, cause: number): void {
    if (ch.gone) return;
    ch.gone = true;
    this.host.calls.channels.delete(ch.name);
    this.emit("Hangup", "call", ch, [["Cause", String(cause)], ["Cause-txt", CAUSE_TEXT[cause] ?? "Unknown"]]);
  }

  /** A rung phone answered (200 OK): it goes Up; the other rung legs are returned (to be cancelled). */
  pickUp(leg: Leg): { call: SipCall; caller: Leg; others: Leg[] } {
    const call = leg.call;
    if (call.timer) clearTimeout(call.timer);
    call.answered = leg;
    call.answeredAt = Date.now();
    this.setState(leg, 6);
    return { call, caller: call.caller, others: call.targets.filter((l) => l !== leg) };
  }

  /** The legs that lost to the answer hang up with cause 26 (answered elsewhere). */
  dropLosers(call: SipCall, others: Leg[]): void {
    for (const o of others) {
      call.targets.splice(call.targets.indexOf(o), 1);
      this.hangupLeg(o, 26);
    }
  }

  dialEnd(call: SipCall, leg: Leg, status: string): void {
    this.emitPairs("DialEnd", [...channelHeaders(call.caller.ch), ...channelHeaders(leg.ch, "Dest"), ["DialStatus", status]]);
  }

  connect(ch: Channel, party: Party): void {
    ch.connected = { ...party };
    this.emit("NewConnectedLine", "call", ch);
  }

  enterBridge(bridge: Bridge, leg: Leg): void {
    this.enterBridgeCh(bridge, leg.ch);
  }

  leaveBridge(bridge: Bridge, leg: Leg): void {
    this.leaveBridgeCh(bridge, leg.ch);
  }

  /** BridgeEnter; `swap`: the channel this one replaces (a Local optimization's SwapUniqueid). */
  enterBridgeCh(bridge: Bridge, ch: Channel, swap?: Channel): void {
    bridge.members.push(ch);
    ch.bridge = bridge;
    this.emitPairs("BridgeEnter", [...bridgeHeaders(bridge), ...channelHeaders(ch), ...(swap ? [["SwapUniqueid", swap.uniqueid] as [string, string]] : [])]);
  }

  leaveBridgeCh(bridge: Bridge, ch: Channel): void {
    const i = bridge.members.indexOf(ch);
    if (i >= 0) bridge.members.splice(i, 1);
    ch.bridge = undefined;
    this.emitPairs("BridgeLeave", [...bridgeHeaders(bridge), ...channelHeaders(ch)]);
  }

  /** BRIDGEPEER and BRIDGEPVTCALLID (the peer's SIP Call-ID) on `leg`. */
  bridgeVars(leg: Leg, peer: Leg): void {
    this.varSet(leg.ch, "BRIDGEPEER", peer.ch.name);
    this.varSet(leg.ch, "BRIDGEPVTCALLID", peer.callId);
  }

  /** RTP statistics at a BYE: the leaving channel's own, the same as *BRIDGED on its peer. */
  rtpQos(leg: Leg, other: Leg): void {
    this.rtpQosCh(leg.ch, other.ch);
  }

  rtpQosCh(ch: Channel, other: Channel): void {
    for (const [name, value] of rtpStats()) {
      this.varSet(ch, name, value);
      this.varSet(other, `${name}BRIDGED`, value);
    }
  }

  rtpQosOwn(leg: Leg): void {
    for (const [name, value] of rtpStats()) this.varSet(leg.ch, name, value);
  }

  /** ChallengeSent / SuccessfulAuth for an INVITE (res_pjsip's security events). */
  security(name: string, ep: Endpoint, callId: string, tail: Pairs): void {
    const tv = new Date().toISOString().replace("Z", "+0000");
    this.host.broadcast(PbxEvent.of(name, "security", [
      ["EventTV", tv], ["Severity", "Informational"], ["Service", "PJSIP"], ["EventVersion", "1"], ["AccountID", ep.id],
      ["SessionID", callId], ["LocalAddress", "IPV4/UDP/127.0.0.1/5060"], ["RemoteAddress", `IPV4/UDP/127.0.0.1/${ep.port}`], ...tail,
    ]));
  }

  /** Real milliseconds back to dialplan seconds (the lab runs at timeScale), rounded. */
  dialplanSeconds(realMs: number): number {
    const perSecond = this.host.scale(1000);
    return Math.round(perSecond > 0 ? realMs / perSecond : 0);
  }

  next(ch: Channel): void {
    ch.priority++;
  }

  newexten(ch: Channel, app: string, data: string): void {
    ch.app = app;
    ch.appData = data;
    this.emit("Newexten", "dialplan", ch, [["Extension", ch.exten], ["Application", app], ["AppData", data]]);
  }

  varSet(ch: Channel, name: string, value: string): void {
    if (value === "") ch.vars.delete(name);
    else ch.vars.set(name, value);
    this.emit("VarSet", "dialplan", ch, [["Variable", name], ["Value", value]]);
  }

  emit(name: string, cls: string, ch: Channel, extra: Pairs = []): void {
    this.host.broadcast(channelEvent(name, cls, ch, extra));
  }

  emitPairs(name: string, body: Pairs, cls = "call"): void {
    this.host.broadcast(PbxEvent.of(name, cls, body));
  }
}

/** Bridge headers under another prefix (BridgeMerge's To/From, AttendedTransfer's Orig/Second). */
export function prefixed(pairs: Pairs, prefix: string): Pairs {
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
