/**
 * Dial() in the SIP lab (captures sip-internal-*, sip-ringgroup-inbound, sip-hold-resume): the
 * phones rung, the answer and the bridge, the timeout, the caller's CANCEL, a BYE in the bridge.
 */
import { randomUUID } from "node:crypto";
import { Bridge, bridgeHeaders, channelHeaders } from "./channel";
import { DIAL_RESET, DIAL_TIMEOUT_S, QUEUE } from "./sip-lab-config";
import type { Leg, SipCall, SipChannels } from "./sip-channels";
import type { SipQueue } from "./sip-queue";

export class SipDial {
  constructor(private readonly c: SipChannels, private readonly queue: SipQueue) {}

  /** Dial(PJSIP/...,15,t): a leg per phone, DialBegin each, their 180 Ringing at once, then the 15 s timeout. */
  startDial(call: SipCall, targets: string[]): void {
    const caller = call.caller.ch;
    const data = `${targets.map((t) => `PJSIP/${t}`).join("&")},${DIAL_TIMEOUT_S},t`;
    this.c.newexten(caller, "Dial", data);
    for (const v of DIAL_RESET) this.c.varSet(caller, v, "");
    for (const t of targets) {
      const { ch } = this.c.outboundLeg(call, t);
      ch.exten = caller.exten;
      ch.connected = { ...caller.caller };
      this.c.newexten(ch, "AppDial", "(Outgoing Line)");
      this.c.emit("NewConnectedLine", "call", ch);
    }
    for (const leg of call.targets) {
      this.c.emitPairs("DialBegin", [...channelHeaders(caller), ...channelHeaders(leg.ch, "Dest"), ["DialString", leg.ep.id]]);
    }
    if (call.targets.length === 1) this.c.connect(caller, call.targets[0].ep.caller);
    // The phones answer the INVITE with 180 Ringing at once.
    for (const leg of call.targets) this.ringing(leg);
    call.timer = setTimeout(() => this.dialTimeout(call), this.c.host.scale(DIAL_TIMEOUT_S * 1000));
  }

  /** A rung phone's 180 Ringing: RINGTIME on the caller the first time, DialState RINGING, the leg rings. */
  private ringing(leg: Leg): void {
    const call = leg.call;
    const caller = call.caller.ch;
    if (!call.ringing) {
      call.ringing = true;
      this.c.varSet(caller, "RINGTIME", "0");
      this.c.varSet(caller, "RINGTIME_MS", String(Date.now() - call.startedAt));
    }
    this.c.emitPairs("DialState", [...channelHeaders(caller), ...channelHeaders(leg.ch, "Dest"), ["DialStatus", "RINGING"]]);
    this.c.setState(leg, 5);
  }

  /** A rung phone answers the Dial(): the other phones are cancelled, the caller is bridged with it. */
  answered(leg: Leg): void {
    const { call, caller, others } = this.c.pickUp(leg);
    if (others.length > 0) this.c.connect(caller.ch, leg.ep.caller);
    for (const o of others) this.c.dialEnd(call, o, "CANCEL");
    this.c.varSet(caller.ch, "DIALSTATUS", "ANSWER");
    this.c.varSet(caller.ch, "DIALEDPEERNAME", leg.ch.name);
    this.c.varSet(caller.ch, "DIALEDPEERNUMBER", leg.ep.id);
    // The outbound channel's dialplan location is gone once it is up (empty Exten, DestExten).
    leg.ch.exten = "";
    this.c.dialEnd(call, leg, "ANSWER");
    if (caller.ch.state !== 6) this.c.setState(caller, 6);
    this.c.dropLosers(call, others);
    const bridge = new Bridge(randomUUID());
    call.bridge = bridge;
    this.c.emitPairs("BridgeCreate", bridgeHeaders(bridge));
    this.c.newexten(leg.ch, "AppDial", "(Outgoing Line)");
    this.c.enterBridge(bridge, leg);
    this.c.enterBridge(bridge, caller);
    // After a blind transfer: BLINDTRANSFER cleared, the peers evaluated twice (capture sip-blind-transfer).
    if (call.transferred) this.c.varSet(caller.ch, "BLINDTRANSFER", "");
    for (let i = 0; i < (call.transferred ? 2 : 1); i++) {
      this.c.bridgeVars(leg, caller);
      this.c.bridgeVars(caller, leg);
    }
  }

  /** Dial's timeout: NOANSWER, the dialplan goes on to Hangup(); the rung legs go with cause 0. */
  private dialTimeout(call: SipCall): void {
    if (call.done || call.answered) return;
    for (const t of call.targets) this.c.dialEnd(call, t, "NOANSWER");
    this.dialFailed(call, "NOANSWER");
  }

  /** Dial() returned without an answer: DIALSTATUS, then priority 3's Hangup() (cause 16). */
  dialFailed(call: SipCall, status: string): void {
    if (call.timer) clearTimeout(call.timer);
    const caller = call.caller.ch;
    this.c.varSet(caller, "DIALSTATUS", status);
    this.c.next(caller);
    this.c.newexten(caller, "Hangup", "");
    this.c.emit("SoftHangupRequest", "call", caller, [["Cause", "16"]]);
    for (const t of [...call.targets]) this.c.hangupLeg(t, 0);
    call.targets.length = 0;
    this.c.hangupLeg(call.caller, 16);
    call.done = true;
  }

  /** The caller gives up while the phones ring (CANCEL): DialEnd CANCEL each, DIALSTATUS CANCEL. */
  callerCancels(call: SipCall): void {
    if (call.timer) clearTimeout(call.timer);
    const caller = call.caller.ch;
    this.c.emit("HangupRequest", "call", caller, [["Cause", "16"]]);
    for (const t of call.targets) this.c.dialEnd(call, t, "CANCEL");
    if (call.queue) {
      // Not captured: app_queue's abandon (QueueCallerAbandon) as the queue captures of the default lab show it.
      this.c.devices.queueDevice("NOT_INUSE");
      this.c.emit("QueueCallerAbandon", "agent", caller, [["Queue", QUEUE], ["Position", "1"], ["OriginalPosition", "1"],
        ["HoldTime", String(this.c.dialplanSeconds(Date.now() - call.queue.joinedAt))]]);
    } else this.c.varSet(caller, "DIALSTATUS", "CANCEL");
    for (const t of [...call.targets]) this.c.hangupLeg(t, 16);
    call.targets.length = 0;
    this.c.hangupLeg(call.caller, 16);
    call.done = true;
  }

  /** A BYE from one side of the bridge (captures sip-internal-answered, sip-hold-resume). */
  byeInBridge(leg: Leg): void {
    const call = leg.call;
    const other = this.c.peerOf(leg);
    const bridge = call.bridge;
    if (other) this.c.rtpQos(leg, other);
    // Under Queue() the BYE's HangupRequest carries no Cause (capture sip-queue-answered); under Dial() 16.
    this.c.emit("HangupRequest", "call", leg.ch, call.queue ? [] : [["Cause", "16"]]);
    for (const l of [leg, other]) {
      if (!l) continue;
      this.c.varSet(l.ch, "BRIDGEPEER", "");
      this.c.varSet(l.ch, "BRIDGEPVTCALLID", "");
    }
    if (bridge) this.c.leaveBridge(bridge, leg);
    const callerLeg = call.caller;
    const answeredMs = Date.now() - (call.answeredAt ?? Date.now());
    const dialedMs = Date.now() - call.startedAt;
    const dialReturns = (): void => {
      this.c.varSet(callerLeg.ch, "ANSWEREDTIME", String(Math.floor(answeredMs / 1000)));
      this.c.varSet(callerLeg.ch, "ANSWEREDTIME_MS", String(answeredMs));
      this.c.varSet(callerLeg.ch, "DIALEDTIME", String(Math.floor(dialedMs / 1000)));
      this.c.varSet(callerLeg.ch, "DIALEDTIME_MS", String(dialedMs));
      if (!call.queue) this.c.varSet(callerLeg.ch, "DIALSTATUS", "ANSWER");
      this.c.emit("SoftHangupRequest", "call", callerLeg.ch, [["Cause", "16"]]);
      this.queue.agentComplete(call, leg);
    };
    if (leg === callerLeg) dialReturns();
    if (bridge && other) this.c.leaveBridge(bridge, other);
    if (leg !== callerLeg) dialReturns();
    if (other) this.c.rtpQosOwn(other);
    if (bridge) this.c.emitPairs("BridgeDestroy", bridgeHeaders(bridge));
    this.c.hangupLeg(leg, 16);
    if (other) this.c.hangupLeg(other, 16);
    call.done = true;
  }
}
