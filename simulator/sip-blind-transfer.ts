/**
 * The blind transfer of the SIP lab (a SIP REFER, capture sip-blind-transfer).
 */
import { bridgeHeaders, channelHeaders } from "./channel";
import { SIP_ENDPOINTS } from "./sip-lab-config";
import type { SipCall, SipChannels } from "./sip-channels";
import type { SipDial } from "./sip-dial";

export class BlindTransfer {
  constructor(private readonly c: SipChannels, private readonly dial: SipDial) {}

  /**
   * The phone sends a SIP REFER for its bridged call (blind transfer, capture sip-blind-transfer):
   * Unhold on the transferer, BlindTransfer, the transferer's leg hangs up, the transferee runs
   * `to`@phones (its Dial() rings that phone) and is bridged to it once it answers.
   */
  refer(phone: string, to: string): void {
    const leg = this.c.legOf(phone);
    if (!leg) throw new Error(`phone ${phone} has no call`);
    const other = this.c.peerOf(leg);
    const bridge = leg.call.bridge;
    if (!other || !bridge || !leg.ch.bridge) throw new Error(`phone ${phone} has no bridged call to transfer`);
    const target = /^(?:sips?:)?([^@;]+)/.exec(to)?.[1] ?? to;
    this.c.emit("Unhold", "call", leg.ch);
    leg.onHold = false;
    this.c.varSet(leg.ch, "BLINDTRANSFER", other.ch.name);
    this.c.varSet(other.ch, "BLINDTRANSFER", leg.ch.name);
    this.c.varSet(other.ch, "SIPTRANSFER", "yes");
    this.c.varSet(other.ch, "SIPREFERRINGCONTEXT", other.ch.context);
    this.c.varSet(other.ch, "SIPREFERTOHDR", `sip:${target}@127.0.0.1`);
    this.c.varSet(leg.ch, "BRIDGEPEER", "");
    this.c.varSet(leg.ch, "BRIDGEPVTCALLID", "");
    this.c.emitPairs("BlindTransfer", [["Result", "Success"], ...channelHeaders(leg.ch, "Transferer"), ...channelHeaders(other.ch, "Transferee"),
      ...bridgeHeaders(bridge), ["IsExternal", "Yes"], ["Context", other.ch.context], ["Extension", target]]);
    this.c.bridgeVars(leg, other);
    this.c.bridgeVars(other, leg);
    this.c.varSet(other.ch, "BRIDGEPEER", "");
    this.c.varSet(other.ch, "BRIDGEPVTCALLID", "");
    // The transferee leaves the bridge for to@phones (its Newexten still names the old application).
    leg.call.done = true;
    other.ch.exten = target;
    other.ch.priority = 1;
    this.c.newexten(other.ch, other.ch.app, other.ch.appData);
    this.c.leaveBridge(bridge, other);
    this.c.varSet(other.ch, "DIALSTATUS", "ANSWER");
    this.c.leaveBridge(bridge, leg);
    this.c.emitPairs("BridgeDestroy", bridgeHeaders(bridge));
    this.c.rtpQosOwn(leg);
    this.c.hangupLeg(leg, 16);
    const call: SipCall = { caller: other, targets: [], startedAt: Date.now(), ringing: false, done: false, transferred: true };
    other.call = call;
    other.dir = "in";
    this.c.next(other.ch);
    if (!SIP_ENDPOINTS.some((e) => e.id === target && e.context === "phones" && /^600\d$/.test(target))) {
      // Not captured: a REFER to a number the dialplan does not know ends the transferee's call.
      this.c.hangupLeg(other, 1);
      return;
    }
    this.dial.startDial(call, [target]);
  }
}
