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
import { randomBytes } from "node:crypto";
import { ATXFER_ONLY, CALLING_PRES, DTMF_MS, OUTSIDE_CALLER, QUEUE, QUEUE_EXTEN, RING_GROUP, SIP_ENDPOINTS } from "./sip-lab-config";
import { Leg, SipCall, SipChannels, SipHost } from "./sip-channels";
import { SipDial } from "./sip-dial";
import { SipQueue } from "./sip-queue";
import { AttendedTransfer } from "./sip-attended-transfer";
import { BlindTransfer } from "./sip-blind-transfer";

export { SIP_ENDPOINTS, SIP_HINTS } from "./sip-lab-config";
export type { SipHost } from "./sip-channels";

export class SipLab {
  private readonly c: SipChannels;
  private readonly queue: SipQueue;
  private readonly dialApp: SipDial;
  private readonly attended: AttendedTransfer;
  private readonly blind: BlindTransfer;

  constructor(host: SipHost) {
    this.c = new SipChannels(host);
    this.queue = new SipQueue(this.c);
    this.dialApp = new SipDial(this.c, this.queue);
    this.attended = new AttendedTransfer(this.c);
    this.blind = new BlindTransfer(this.c, this.dialApp);
  }

  /** The phone sends an INVITE for `number` (its endpoint's context decides what runs). */
  dial(from: string, number: string): void {
    const ep = this.c.endpoint(from);
    const callId = randomBytes(8).toString("hex");
    this.c.security("ChallengeSent", ep, callId, [["Challenge", ""]]);
    this.c.security("SuccessfulAuth", ep, callId, [["UsingPassword", "1"]]);
    const ch = this.c.newChannel(ep, ep.context, number, 4);
    const call: SipCall = { caller: undefined as unknown as Leg, targets: [], startedAt: Date.now(), ringing: false, done: false };
    const leg: Leg = { ch, ep, callId, dir: "in", call };
    call.caller = leg;
    this.c.legs.add(leg);
    if (ep.context === "phones" && number === QUEUE_EXTEN) leg.queued = true;
    this.c.varSet(ch, "SIPDOMAIN", "127.0.0.1");
    this.c.devices.update(ep);
    let targets: string[];
    if (ep.context === "from-pstn") {
      this.c.newexten(ch, "NoOp", `SIP lab: inbound DID ${number}`);
      this.c.next(ch);
      this.c.newexten(ch, "Set", `CALLERID(all)="${OUTSIDE_CALLER.name}" <${OUTSIDE_CALLER.num}>`);
      ch.caller = { ...OUTSIDE_CALLER };
      this.c.emit("NewCallerid", "call", ch, [["CID-CallingPres", CALLING_PRES]]);
      targets = RING_GROUP;
    } else if (/^600\d$/.test(number) && SIP_ENDPOINTS.some((e) => e.id === number)) {
      this.c.newexten(ch, "NoOp", `SIP lab: ${ep.caller.num} calls ${number}`);
      targets = [number];
    } else if (leg.queued) {
      this.c.newexten(ch, "NoOp", `SIP lab: queue ${QUEUE}`);
      this.c.next(ch);
      this.queue.startQueue(call);
      return;
    } else if (number === "800") {
      this.c.newexten(ch, "NoOp", "SIP lab: ring group 800");
      targets = RING_GROUP;
    } else {
      // No such extension: the INVITE gets 404 and the channel goes at once.
      this.c.hangupLeg(leg, 1);
      return;
    }
    this.c.next(ch);
    this.dialApp.startDial(call, targets);
  }

  /** The phone answers its ringing call (200 OK). */
  answer(phone: string): void {
    const leg = this.c.ringingLeg(phone);
    if (!leg) throw new Error(`phone ${phone} has no ringing call`);
    if (leg.call.queue) return this.queue.queueAnswered(leg);
    if (leg.call.consult) return this.attended.consultAnswered(leg.call.consult);
    this.dialApp.answered(leg);
  }

  /** The phone rejects its ringing call (486 Busy Here): DialEnd BUSY, the leg hangs up with cause 17. */
  reject(phone: string): void {
    const leg = this.c.ringingLeg(phone);
    if (!leg) throw new Error(`phone ${phone} has no ringing call`);
    if (leg.call.consult) throw new Error(ATXFER_ONLY);
    const call = leg.call;
    leg.ch.hangupCause = 17;
    this.c.dialEnd(call, leg, "BUSY");
    call.targets.splice(call.targets.indexOf(leg), 1);
    this.c.hangupLeg(leg, 17);
    if (call.targets.length === 0) this.dialApp.dialFailed(call, "BUSY");
  }

  /** The phone hangs up (BYE; CANCEL while its own call rings; 486 on a call ringing on it). */
  hangUp(phone: string): void {
    const leg = this.c.legOf(phone);
    if (!leg) throw new Error(`phone ${phone} has no call`);
    const consult = this.attended.consultOf(leg);
    if (consult) return this.attended.completeAttended(consult, leg);
    if (leg.call.consult) throw new Error(ATXFER_ONLY);
    if (leg.dir === "out" && leg.ch.state !== 6) return this.reject(phone);
    const call = leg.call;
    if (!call.answered) return this.dialApp.callerCancels(call);
    this.dialApp.byeInBridge(leg);
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
    const leg = this.c.legOf(phone);
    if (!leg) throw new Error(`phone ${phone} has no call`);
    const other = this.c.peerOf(leg);
    for (const d of digits) {
      if (this.attended.featureDigit(leg, d)) continue;
      this.c.emit("DTMFBegin", "dtmf", leg.ch, [["Digit", d], ["Direction", "Received"]]);
      if (other) this.c.emit("DTMFBegin", "dtmf", other.ch, [["Digit", d], ["Direction", "Sent"]]);
      this.c.emit("DTMFEnd", "dtmf", leg.ch, [["Digit", d], ["DurationMs", String(DTMF_MS)], ["Direction", "Received"]]);
      if (other) this.c.emit("DTMFEnd", "dtmf", other.ch, [["Digit", d], ["DurationMs", String(DTMF_MS)], ["Direction", "Sent"]]);
    }
  }

  /**
   * The phone sends a SIP REFER for its bridged call (blind transfer, capture sip-blind-transfer):
   * Unhold on the transferer, BlindTransfer, the transferer's leg hangs up, the transferee runs
   * `to`@phones (its Dial() rings that phone) and is bridged to it once it answers.
   */
  blindTransfer(phone: string, to: string): void {
    this.blind.refer(phone, to);
  }

  /** The SIP hints with their extension state: [exten, context, hint, status, text]. */
  hints(): Array<[string, string, string, number, string]> {
    return this.c.devices.hints();
  }

  /** The SIP hint of exten@context, or undefined. */
  hint(context: string, exten: string): [string, number, string] | undefined {
    return this.c.devices.hint(context, exten);
  }

  /** DeviceStateList with the SIP lab's devices placed among `others` (the default lab's), as in capture sip-presence. */
  deviceList(others: Array<[string, string]>): Array<[string, string]> {
    return this.c.devices.deviceList(others);
  }

  /** Hangs every SIP channel up (the PBX closes). */
  stop(): void {
    for (const leg of [...this.c.legs]) {
      if (leg.call.timer) clearTimeout(leg.call.timer);
      leg.call.done = true;
      this.c.legs.delete(leg);
      this.c.host.calls.channels.delete(leg.ch.name);
    }
  }

  /** What each phone is doing (for tests): its channel name and state, or undefined when idle. */
  status(phone: string): { channel: string; state: string } | undefined {
    const leg = this.c.legOf(phone);
    return leg ? { channel: leg.ch.name, state: leg.ch.state === 5 ? "ringing" : leg.ch.state === 6 ? "up" : "calling" } : undefined;
  }

  private holdOrResume(phone: string, hold: boolean): void {
    const leg = this.c.legOf(phone);
    if (!leg) throw new Error(`phone ${phone} has no call`);
    const other = this.c.peerOf(leg);
    if (!!leg.onHold === hold) return;
    leg.onHold = hold;
    this.c.emit(hold ? "Hold" : "Unhold", "call", leg.ch, hold ? [["MusicClass", "default"]] : []);
    // The bridge re-evaluates its peers after the re-INVITE.
    if (other) {
      this.c.bridgeVars(leg, other);
      this.c.bridgeVars(other, leg);
      other.onHoldByPeer = hold;
      this.c.devices.update(other.ep);
    }
  }
}
