/**
 * `700 => Queue(sipq,,,,20)` in the SIP lab (capture sip-queue-answered): the caller joins, the
 * members ring (ringall), one answers and is bridged, AgentComplete at the end; the timeout and
 * the abandon follow app_queue where no capture shows them.
 */
import { randomUUID } from "node:crypto";
import { Bridge, bridgeHeaders, channelHeaders, Pairs } from "./channel";
import { Endpoint, QUEUE, QUEUE_MEMBERS, QUEUE_TIMEOUT_S, SIPQ_MEMBERS } from "./sip-lab-config";
import type { Leg, SipCall, SipChannels } from "./sip-channels";

export class SipQueue {
  constructor(private readonly c: SipChannels) {}

  /**
   * `700 => Queue(sipq,,,,20)` (capture sip-queue-answered): the caller joins, every member rings
   * at once (ringall): AgentCalled, then DialBegin, per member; the caller stays in state Ring (no
   * early answer) and its device NOT_INUSE until a member answers.
   */
  startQueue(call: SipCall): void {
    const caller = call.caller.ch;
    this.c.newexten(caller, "Queue", `${QUEUE},,,,${QUEUE_TIMEOUT_S}`);
    for (const v of ["ANSWEREDTIME", "ANSWEREDTIME_MS", "DIALEDTIME", "DIALEDTIME_MS", "QUEUEWAIT", "QUEUEWAIT_MS"]) this.c.varSet(caller, v, "");
    call.queue = { joinedAt: Date.now() };
    this.c.devices.queueDevice("RINGING");
    this.c.emit("QueueCallerJoin", "agent", caller, [["Queue", QUEUE], ["Position", "1"], ["Count", "1"]]);
    for (const [i, t] of QUEUE_MEMBERS.entries()) {
      const leg = this.c.outboundLeg(call, t);
      const { ch, ep } = leg;
      // AgentCalled shows the member's channel as app_queue set it up; DialBegin the bare one.
      const bare = channelHeaders(ch, "Dest");
      ch.exten = caller.exten;
      ch.connected = { ...caller.caller };
      this.c.emitPairs("AgentCalled", [...channelHeaders(caller), ...channelHeaders(ch, "Dest"), ...this.memberHeaders(ep)], "agent");
      this.c.emitPairs("DialBegin", [...channelHeaders(caller), ...bare, ["DialString", `PJSIP/${t}`]]);
      // The first member's 180 Ringing arrives while app_queue still calls the next (capture).
      if (i === 0) this.queueRinging(leg);
    }
    for (const leg of call.targets) {
      this.c.emitPairs("DialState", [...channelHeaders(caller), ...channelHeaders(leg.ch, "Dest"), ["DialStatus", "RINGING"]]);
    }
    for (const leg of call.targets.slice(1)) this.queueRinging(leg);
    call.timer = setTimeout(() => this.queueTimeout(call), this.c.host.scale(QUEUE_TIMEOUT_S * 1000));
  }

  /** A member's phone answers the INVITE with 180 Ringing. */
  private queueRinging(leg: Leg): void {
    this.c.setState(leg, 5);
    this.c.newexten(leg.ch, "AppQueue", "(Outgoing Line)");
    this.c.emit("NewConnectedLine", "call", leg.ch);
  }

  /** A member answered: the others are cancelled, the caller leaves the queue and is bridged to it. */
  queueAnswered(leg: Leg): void {
    const { call, caller, others } = this.c.pickUp(leg);
    this.c.dialEnd(call, leg, "ANSWER");
    for (const o of others) this.c.dialEnd(call, o, "CANCEL");
    this.c.connect(caller.ch, leg.ep.caller);
    // app_queue cancels the losers a second time once the caller's connected line is updated.
    for (const o of others) this.c.dialEnd(call, o, "CANCEL");
    this.c.devices.queueDevice("NOT_INUSE");
    this.c.emit("QueueCallerLeave", "agent", caller.ch, [["Queue", QUEUE], ["Position", "1"], ["Count", "0"]]);
    const waited = this.c.dialplanSeconds(Date.now() - (call.queue?.joinedAt ?? call.startedAt));
    this.c.varSet(caller.ch, "QUEUEPOSITION", "1");
    this.c.varSet(caller.ch, "QUEUEWAIT", String(waited));
    this.c.varSet(caller.ch, "QUEUEWAIT_MS", String(waited * 1000));
    this.c.emitPairs("AgentConnect", [...channelHeaders(caller.ch), ...channelHeaders(leg.ch, "Dest"), ...this.memberHeaders(leg.ep),
      ["HoldTime", String(waited)], ["RingTime", String(waited)]], "agent");
    this.c.dropLosers(call, others);
    caller.queued = false;
    this.c.setState(caller, 6);
    const bridge = new Bridge(randomUUID());
    call.bridge = bridge;
    this.c.emitPairs("BridgeCreate", bridgeHeaders(bridge));
    this.c.enterBridge(bridge, leg);
    this.c.enterBridge(bridge, caller);
    // The bridge re-evaluates its peers three times as app_queue sets the call up (capture).
    for (let i = 0; i < 3; i++) {
      this.c.bridgeVars(caller, leg);
      this.c.bridgeVars(leg, caller);
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
    for (const t of call.targets) this.c.dialEnd(call, t, "NOANSWER");
    const caller = call.caller.ch;
    this.c.devices.queueDevice("NOT_INUSE");
    this.c.emit("QueueCallerLeave", "agent", caller, [["Queue", QUEUE], ["Position", "1"], ["Count", "0"]]);
    for (const t of [...call.targets]) this.c.hangupLeg(t, 0);
    call.targets.length = 0;
    this.c.next(caller);
    this.c.newexten(caller, "Hangup", "");
    this.c.emit("SoftHangupRequest", "call", caller, [["Cause", "16"]]);
    this.c.hangupLeg(call.caller, 16);
    call.done = true;
  }

  /** AgentComplete when the bridged queue call ends; the member's CallsTaken goes up. */
  agentComplete(call: SipCall, hungUpBy: Leg): void {
    const agent = call.answered;
    if (!call.queue || !agent) return;
    const talk = this.c.dialplanSeconds(Date.now() - (call.answeredAt ?? Date.now()));
    const hold = this.c.dialplanSeconds((call.answeredAt ?? Date.now()) - call.queue.joinedAt);
    this.c.emitPairs("AgentComplete", [...channelHeaders(call.caller.ch), ...channelHeaders(agent.ch, "Dest"), ...this.memberHeaders(agent.ep),
      ["HoldTime", String(hold)], ["TalkTime", String(talk)], ["Reason", hungUpBy === call.caller ? "caller" : "agent"]], "agent");
    const m = this.c.devices.memberCalls.get(agent.ep.id) ?? { taken: 0, last: 0 };
    this.c.devices.memberCalls.set(agent.ep.id, { taken: m.taken + 1, last: Math.floor(Date.now() / 1000) });
  }

  /** Queue, Interface, MemberName of a sipq member (AgentCalled, AgentConnect, AgentComplete). */
  private memberHeaders(ep: Endpoint): Pairs {
    const device = `PJSIP/${ep.id}`;
    return [["Queue", QUEUE], ["Interface", device], ["MemberName", SIPQ_MEMBERS[device] ?? device]];
  }
}
