/**
 * The events app_queue publishes, built in the header order of the real Asterisk 22.10.1:
 * captures `queue-member-events` (QueueMemberAdded/Pause/Removed), `sip-queue-answered`
 * (QueueCallerJoin/Leave, AgentCalled/Connect/Complete, QueueMemberStatus); for the events no
 * capture holds (QueueCallerAbandon, AgentRingNoAnswer), the field set of ami-facts.json, with
 * the member block in the captured siblings' order (Queue, Interface, MemberName).
 */
import { Channel, channelHeaders, Pairs } from "./channel";
import { PbxEvent } from "./events";

/** What a member event shows of a queue member (app_queue's `struct member`). */
export interface MemberFields {
  name: string;
  iface: string;
  stateIface: string;
  membership: "static" | "dynamic";
  penalty: number;
  callsTaken: number;
  /** Epoch seconds, 0 for never. */
  lastCall: number;
  lastPause: number;
  loginTime: number;
  inCall: boolean;
  /** AST_DEVICE_* of the state interface: 1 not in use, 2 in use, 6 ringing. */
  status: number;
  paused: boolean;
  pausedReason: string;
  ringinuse: boolean;
  wrapupTime: number;
}

/** The member block of QueueMemberAdded / Removed / Pause / Status / Ringinuse / Penalty. */
export function memberEvent(name: string, queue: string, m: MemberFields): PbxEvent {
  return PbxEvent.of(name, "agent", [
    ["Queue", queue], ["MemberName", m.name], ["Interface", m.iface], ["StateInterface", m.stateIface],
    ["Membership", m.membership], ["Penalty", String(m.penalty)], ["CallsTaken", String(m.callsTaken)],
    ["LastCall", String(m.lastCall)], ["LastPause", String(m.lastPause)], ["LoginTime", String(m.loginTime)],
    ["InCall", m.inCall ? "1" : "0"], ["Status", String(m.status)], ["Paused", m.paused ? "1" : "0"], ["PausedReason", m.pausedReason],
    ["Ringinuse", m.ringinuse ? "1" : "0"], ["Wrapuptime", String(m.wrapupTime)],
  ]);
}

/** QueueCallerJoin: Position then Count (capture `sip-queue-answered`). */
export function callerJoin(queue: string, caller: Channel, position: number, count: number): PbxEvent {
  return PbxEvent.of("QueueCallerJoin", "agent", [...channelHeaders(caller), ["Queue", queue], ["Position", String(position)], ["Count", String(count)]]);
}

/** QueueCallerLeave: Position then Count (capture `sip-queue-answered`; ami-facts lists Count first). */
export function callerLeave(queue: string, caller: Channel, position: number, count: number): PbxEvent {
  return PbxEvent.of("QueueCallerLeave", "agent", [...channelHeaders(caller), ["Queue", queue], ["Position", String(position)], ["Count", String(count)]]);
}

/** QueueCallerAbandon (not captured; ami-facts): the caller hung up while waiting. HoldTime in seconds. */
export function callerAbandon(queue: string, caller: Channel, position: number, originalPosition: number, holdTime: number): PbxEvent {
  return PbxEvent.of("QueueCallerAbandon", "agent", [
    ...channelHeaders(caller), ["Queue", queue], ["Position", String(position)], ["OriginalPosition", String(originalPosition)], ["HoldTime", String(holdTime)],
  ]);
}

/** The two channels and the member of every Agent* event. */
function agentBody(queue: string, caller: Channel, member: Channel, m: { iface: string; name: string }): Pairs {
  return [...channelHeaders(caller), ...channelHeaders(member, "Dest"), ["Queue", queue], ["Interface", m.iface], ["MemberName", m.name]];
}

export function agentCalled(queue: string, caller: Channel, member: Channel, m: { iface: string; name: string }): PbxEvent {
  return PbxEvent.of("AgentCalled", "agent", agentBody(queue, caller, member, m));
}

/** AgentRingNoAnswer (not captured; ami-facts). RingTime in milliseconds, as app_queue's rna() passes it. */
export function agentRingNoAnswer(queue: string, caller: Channel, member: Channel, m: { iface: string; name: string }, ringMs: number): PbxEvent {
  return PbxEvent.of("AgentRingNoAnswer", "agent", [...agentBody(queue, caller, member, m), ["RingTime", String(ringMs)]]);
}

/** AgentConnect: HoldTime then RingTime, seconds (capture `sip-queue-answered`; ami-facts lists RingTime first). */
export function agentConnect(queue: string, caller: Channel, member: Channel, m: { iface: string; name: string }, hold: number, ring: number): PbxEvent {
  return PbxEvent.of("AgentConnect", "agent", [...agentBody(queue, caller, member, m), ["HoldTime", String(hold)], ["RingTime", String(ring)]]);
}

/** AgentComplete: HoldTime, TalkTime (seconds), Reason `caller` or `agent` (capture `sip-queue-answered`). */
export function agentComplete(queue: string, caller: Channel, member: Channel, m: { iface: string; name: string }, hold: number, talk: number, reason: string): PbxEvent {
  return PbxEvent.of("AgentComplete", "agent", [...agentBody(queue, caller, member, m), ["HoldTime", String(hold)], ["TalkTime", String(talk)], ["Reason", reason]]);
}
