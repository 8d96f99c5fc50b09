/**
 * The attended transfer of the SIP lab (DTMF feature `*2`, capture sip-attended-transfer): the
 * feature digits, the consultation call through a Local pair, its answer, and the transferer's
 * hangup that merges the bridges and lets the Local pair optimize itself away.
 */
import { randomUUID } from "node:crypto";
import { Bridge, bridgeHeaders, Channel, channelHeaders, UNKNOWN } from "./channel";
import { ATXFER, ATXFER_ONLY, CALLING_PRES, DIAL_RESET, DIAL_TIMEOUT_S, DTMF_MS, SIP_ENDPOINTS } from "./sip-lab-config";
import { Consult, Leg, prefixed, SipCall, SipChannels } from "./sip-channels";

export class AttendedTransfer {
  constructor(private readonly c: SipChannels) {}

  /**
   * A digit from a phone: true when the features took it. The called party of a Dial with `t`
   * (every Dial of the lab) has atxfer `*2`: its digits go to the feature (DTMF Received, nothing
   * Sent to the peer); after `*2` the peer is held and the number is keyed, and once it is a phone
   * (600X) the consultation call starts (capture sip-attended-transfer).
   */
  featureDigit(leg: Leg, d: string): boolean {
    const call = leg.call;
    if (leg.dir !== "out" || call.queue || call.consult || !call.bridge || call.answered !== leg) return false;
    const received = (): void => {
      this.c.emit("DTMFBegin", "dtmf", leg.ch, [["Digit", d], ["Direction", "Received"]]);
      this.c.emit("DTMFEnd", "dtmf", leg.ch, [["Digit", d], ["DurationMs", String(DTMF_MS)], ["Direction", "Received"]]);
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
      this.c.emit("Hold", "call", leg.ch);
      peer.onHoldByPeer = true;
      this.c.devices.update(peer.ep);
    }
    return true;
  }

  /** The Local/<to>@phones pair the feature dials; ;2 runs `to`@phones, ;1 joins the transferer's new bridge. */
  private startConsult(transferer: Leg, to: string): void {
    transferer.atxfer = undefined;
    const transferee = transferer.call.caller;
    const { l1, l2, b2 } = this.dialLocal(transferer, to);
    const call: SipCall = { caller: transferee, targets: [], startedAt: Date.now(), ringing: false, done: false };
    const target = this.c.outboundLeg(call, to);
    const consult: Consult = { transferer, transferee, l1, l2, target, b2, startedAt: Date.now() };
    call.consult = consult;
    target.ch.exten = to;
    target.ch.connected = { ...l2.caller };
    this.c.newexten(target.ch, "AppDial", "(Outgoing Line)");
    this.c.emit("NewConnectedLine", "call", target.ch);
    this.switchTransferer(consult, to);
    this.consultRinging(consult, to);
  }

  /** The feature's Local pair: ;2 runs `to`@phones up to its Dial(), ;1 enters the consultation bridge. */
  private dialLocal(transferer: Leg, to: string): { l1: Channel; l2: Channel; b2: Bridge } {
    const calls = this.c.host.calls;
    const seq = calls.newChannelSeq();
    const linkedid = transferer.call.caller.ch.linkedid;
    const local = (half: number, state: number): Channel => {
      const ch = new Channel(`Local/${to}@phones-${seq};${half}`, calls.newUniqueid(), linkedid, "phones", to);
      ch.state = state;
      calls.channels.set(ch.name, ch);
      this.c.emit("Newchannel", "call", ch);
      return ch;
    };
    const l1 = local(1, 0);
    const l2 = local(2, 4);
    const t = transferer.ch;
    this.c.varSet(l1, "TRANSFERERNAME", t.name);
    this.c.varSet(l1, "ATTENDEDTRANSFER", t.name);
    const b2 = new Bridge(randomUUID());
    this.c.emitPairs("BridgeCreate", bridgeHeaders(b2));
    this.c.varSet(l2, "ATTENDEDTRANSFER", t.name);
    this.c.varSet(l2, "TRANSFERERNAME", t.name);
    l2.caller = { ...transferer.ep.caller };
    this.c.emit("NewCallerid", "call", l2, [["CID-CallingPres", CALLING_PRES]]);
    this.c.emitPairs("LocalBridge", [...channelHeaders(l1, "LocalOne"), ...channelHeaders(l2, "LocalTwo"), ["Context", "phones"], ["Exten", to], ["LocalOptimization", "Yes"]]);
    this.c.newexten(l2, "NoOp", `SIP lab: ${l2.caller.num} calls ${to}`);
    this.c.next(l2);
    this.c.newexten(l2, "Dial", `PJSIP/${to},${DIAL_TIMEOUT_S},t`);
    for (const v of DIAL_RESET) this.c.varSet(l2, v, "");
    l1.connected = { ...transferer.ep.caller };
    this.c.emit("NewConnectedLine", "call", l1);
    this.c.enterBridgeCh(b2, l1);
    this.c.varSet(l1, "ATTENDEDTRANSFER", "");
    return { l1, l2, b2 };
  }

  /** The transferer moves to the consultation bridge; the consulted phone rings. */
  private switchTransferer(c: Consult, to: string): void {
    const { transferer, l1, l2, target, b2 } = c;
    const t = transferer.ch;
    // The transferer moves to the consultation bridge.
    const b1 = transferer.call.bridge as Bridge;
    this.c.leaveBridge(b1, transferer);
    this.c.enterBridgeCh(b2, t);
    this.c.varSet(l1, "BRIDGEPEER", t.name);
    this.c.varSet(l1, "BRIDGEPVTCALLID", transferer.callId);
    this.c.varSet(t, "BRIDGEPEER", l1.name);
    this.c.varSet(t, "BRIDGEPVTCALLID", "");
    t.connected = { num: UNKNOWN, name: UNKNOWN };
    this.c.emit("NewConnectedLine", "call", t);
    this.c.emitPairs("DialBegin", [...channelHeaders(l2), ...channelHeaders(target.ch, "Dest"), ["DialString", to]]);
    l2.connected = { ...target.ep.caller };
    this.c.emit("NewConnectedLine", "call", l2);
    this.c.setState(target, 5);
    l1.caller = { ...target.ep.caller };
    this.c.emit("NewCallerid", "call", l1, [["CID-CallingPres", CALLING_PRES]]);
    t.connected = { ...target.ep.caller };
    this.c.emit("NewConnectedLine", "call", t);
    l1.state = 5;
    this.c.emit("Newstate", "call", l1);
  }

  /** RINGTIME and the DialStates of the consultation, and the last digit's trailing RTP packets. */
  private consultRinging(c: Consult, to: string): void {
    const { transferer, l1, l2, target } = c;
    const t = transferer.ch;
    this.c.devices.localDevice(to, "INUSE");
    this.c.varSet(l2, "RINGTIME", "0");
    this.c.varSet(l2, "RINGTIME_MS", String(Date.now() - c.startedAt));
    this.c.emitPairs("DialState", [...channelHeaders(l1, "Dest"), ["DialStatus", "RINGING"]]);
    this.c.emitPairs("DialState", [...channelHeaders(l2), ...channelHeaders(target.ch, "Dest"), ["DialStatus", "RINGING"]]);
    this.c.varSet(l1, "BRIDGEPEER", t.name);
    this.c.varSet(l1, "BRIDGEPVTCALLID", transferer.callId);
    this.c.varSet(t, "BRIDGEPEER", l1.name);
    // The last digit's trailing RFC 4733 end packets arrive after the switch: two more DTMFEnd on
    // the transferer, and the digit once through the new path (capture).
    const last = to.slice(-1);
    const end = (ch: Channel, dir: string): void => this.c.emit("DTMFEnd", "dtmf", ch, [["Digit", last], ["DurationMs", String(DTMF_MS)], ["Direction", dir]]);
    end(t, "Received");
    end(t, "Received");
    const path: Array<[Channel, string]> = [[l1, "Sent"], [l2, "Received"], [target.ch, "Sent"]];
    for (const [ch, dir] of path) this.c.emit("DTMFBegin", "dtmf", ch, [["Digit", last], ["Direction", dir]]);
    for (const [ch, dir] of path) end(ch, dir);
    // No Dial timeout for the consultation (not captured: what a transferer hears when it expires).
  }

  /** The consulted phone answers: ;2's Dial() bridges it, ;1 goes Up in the transferer's bridge. */
  consultAnswered(c: Consult): void {
    const { target, l1, l2, transferer } = c;
    const t = transferer.ch;
    const call = target.call;
    if (call.timer) clearTimeout(call.timer);
    call.answered = target;
    c.answeredAt = Date.now();
    this.c.setState(target, 6);
    this.c.varSet(l2, "DIALSTATUS", "ANSWER");
    this.c.varSet(l2, "DIALEDPEERNAME", target.ch.name);
    this.c.varSet(l2, "DIALEDPEERNUMBER", target.ep.id);
    target.ch.exten = "";
    this.c.emitPairs("DialEnd", [...channelHeaders(l2), ...channelHeaders(target.ch, "Dest"), ["DialStatus", "ANSWER"]]);
    l2.state = 6;
    this.c.emit("Newstate", "call", l2);
    const b3 = new Bridge(randomUUID());
    c.b3 = b3;
    this.c.emitPairs("BridgeCreate", bridgeHeaders(b3));
    this.c.newexten(target.ch, "AppDial", "(Outgoing Line)");
    this.c.enterBridge(b3, target);
    l1.state = 6;
    this.c.emit("Newstate", "call", l1);
    this.c.emitPairs("DialEnd", [...channelHeaders(l1, "Dest"), ["DialStatus", "ANSWER"]]);
    this.c.varSet(l1, "BRIDGEPEER", t.name);
    this.c.varSet(l1, "BRIDGEPVTCALLID", transferer.callId);
    this.c.varSet(t, "BRIDGEPEER", l1.name);
    this.c.enterBridgeCh(b3, l2);
    this.c.varSet(l2, "ATTENDEDTRANSFER", "");
    this.c.varSet(target.ch, "BRIDGEPEER", l2.name);
    this.c.varSet(l2, "BRIDGEPEER", target.ch.name);
    this.c.varSet(l2, "BRIDGEPVTCALLID", target.callId);
    this.c.devices.localDevice(target.ep.id, "INUSE");
    this.c.devices.localDevice(target.ep.id, "INUSE");
    this.c.varSet(target.ch, "BRIDGEPEER", l2.name);
    this.c.varSet(l2, "BRIDGEPEER", target.ch.name);
    this.c.varSet(l2, "BRIDGEPVTCALLID", target.callId);
  }

  /** The attended transfer of `leg`'s phone, when it is the transferer of one. */
  consultOf(leg: Leg): Consult | undefined {
    for (const l of this.c.legs) {
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
  completeAttended(c: Consult, leg: Leg): void {
    const { transferer, transferee: x, target } = c;
    const b3 = c.b3;
    if (leg !== transferer || !b3) {
      throw new Error(ATXFER_ONLY);
    }
    const b1 = transferer.call.bridge as Bridge;
    this.mergeBridges(c, b1);
    this.reconnect(c);
    this.optimizeLocal(c, b1, b3);
    // From here on the transferee's call is with the target (a BYE from either side ends it as usual).
    const call = x.call;
    call.answered = target;
    call.bridge = b3;
    target.call = call;
  }

  /** The transferer's BYE: the consultation bridge merges into the original one (AttendedTransfer). */
  private mergeBridges(c: Consult, b1: Bridge): void {
    const { transferer, transferee: x, l1, target, b2 } = c;
    const t = transferer.ch;
    this.c.rtpQosCh(t, l1);
    this.c.emit("HangupRequest", "call", t, [["Cause", "16"]]);
    this.c.varSet(t, "BRIDGEPEER", "");
    this.c.leaveBridge(b2, transferer);
    this.c.emitPairs("BridgeMerge", [...prefixed(bridgeHeaders(b1), "To"), ...prefixed(bridgeHeaders(b2), "From")]);
    this.c.leaveBridgeCh(b2, l1);
    this.c.enterBridgeCh(b1, l1);
    this.c.varSet(x.ch, "BRIDGEPEER", l1.name);
    this.c.varSet(x.ch, "BRIDGEPVTCALLID", "");
    this.c.varSet(l1, "BRIDGEPEER", x.ch.name);
    this.c.varSet(l1, "BRIDGEPVTCALLID", x.callId);
    this.c.emitPairs("AttendedTransfer", [["Result", "Success"], ...channelHeaders(t, "OrigTransferer"), ...prefixed(bridgeHeaders(b1), "Orig"),
      ...channelHeaders(t, "SecondTransferer"), ...prefixed(bridgeHeaders(b2), "Second"), ...channelHeaders(x.ch, "Transferee"),
      ["IsExternal", "No"], ["DestType", "Bridge"], ["DestBridgeUniqueid", b1.uniqueid]]);
    x.ch.connected = { ...target.ep.caller };
    this.c.emit("NewConnectedLine", "call", x.ch);
    this.c.emitPairs("BridgeDestroy", bridgeHeaders(b2));
    transferer.call.done = true;
    this.c.hangupLeg(transferer, 16);
  }

  /** The connected lines and bridge peers after the merge: the transferee now talks to the target. */
  private reconnect(c: Consult): void {
    const { transferee: x, l1, l2, target } = c;
    l1.connected = { ...x.ep.caller };
    this.c.emit("NewConnectedLine", "call", l1);
    x.onHoldByPeer = false;
    this.c.devices.update(x.ep);
    target.ch.connected = { ...x.ep.caller };
    this.c.emit("NewConnectedLine", "call", target.ch);
    this.c.varSet(x.ch, "BRIDGEPEER", l1.name);
    this.c.varSet(l1, "BRIDGEPEER", x.ch.name);
    this.c.varSet(l1, "BRIDGEPVTCALLID", x.callId);
    this.c.varSet(target.ch, "BRIDGEPEER", l2.name);
    this.c.varSet(l2, "BRIDGEPEER", target.ch.name);
    this.c.varSet(l2, "BRIDGEPVTCALLID", target.callId);
    l2.caller = { ...x.ep.caller };
    this.c.emit("NewCallerid", "call", l2, [["CID-CallingPres", CALLING_PRES]]);
  }

  /** The Local pair optimizes out: the transferee takes ;2's place next to the target, ;1 and ;2 hang up. */
  private optimizeLocal(c: Consult, b1: Bridge, b3: Bridge): void {
    const { transferee: x, l1, l2, target } = c;
    // The Local pair optimizes out: the transferee takes ;2's place next to the target.
    this.c.emitPairs("LocalOptimizationBegin", [...channelHeaders(l1, "LocalOne"), ...channelHeaders(l2, "LocalTwo"),
      ...channelHeaders(x.ch, "Source"), ["DestUniqueId", l2.uniqueid], ["Id", "1"]]);
    this.c.leaveBridge(b1, x);
    this.c.varSet(l2, "BRIDGEPEER", "");
    this.c.varSet(l2, "BRIDGEPVTCALLID", "");
    this.c.leaveBridgeCh(b3, l2);
    this.c.enterBridgeCh(b3, x.ch, l2);
    this.c.varSet(target.ch, "BRIDGEPEER", x.ch.name);
    this.c.varSet(target.ch, "BRIDGEPVTCALLID", x.callId);
    this.c.varSet(x.ch, "BRIDGEPEER", target.ch.name);
    this.c.varSet(x.ch, "BRIDGEPVTCALLID", target.callId);
    this.c.varSet(l1, "BRIDGEPEER", "");
    this.c.varSet(l1, "BRIDGEPVTCALLID", "");
    this.c.emitPairs("LocalOptimizationEnd", [...channelHeaders(l1, "LocalOne"), ...channelHeaders(l2, "LocalTwo"), ["Success", "No"], ["Id", "1"]]);
    this.c.leaveBridgeCh(b1, l1);
    this.c.emit("HangupRequest", "call", l2, [["Cause", "16"]]);
    this.c.hangupCh(l1, 16);
    const answeredMs = Date.now() - (c.answeredAt ?? Date.now());
    const dialedMs = Date.now() - c.startedAt;
    this.c.varSet(l2, "ANSWEREDTIME", String(Math.floor(answeredMs / 1000)));
    this.c.varSet(l2, "ANSWEREDTIME_MS", String(answeredMs));
    this.c.varSet(l2, "DIALEDTIME", String(Math.floor(dialedMs / 1000)));
    this.c.varSet(l2, "DIALEDTIME_MS", String(dialedMs));
    this.c.varSet(l2, "DIALSTATUS", "ANSWER");
    this.c.emit("SoftHangupRequest", "call", l2, [["Cause", "16"]]);
    this.c.hangupCh(l2, 16);
    this.c.emitPairs("BridgeDestroy", bridgeHeaders(b1));
    this.c.devices.localDevice(target.ep.id, "NOT_INUSE");
    this.c.devices.localDevice(target.ep.id, "NOT_INUSE");
  }

}
