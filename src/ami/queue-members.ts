import { known } from "./call-numbers";
import type { AmiMessage } from "./message";
import type { MemberState, QueueCaller, QueueMemberView } from "./queue-types";

/**
 * Reading queue members and callers from app_queue's events and QueueStatus items. The list items
 * name a member's fields differently from the events (QueueMember: Name, Location; the
 * QueueMember* events: MemberName, Interface: queue-status and queue-member-events captures).
 */

/**
 * A member's state from Status (ast_device_state: 0 UNKNOWN, 1 NOT_INUSE, 2 INUSE, 3 BUSY,
 * 4 INVALID, 5 UNAVAILABLE, 6 RINGING, 7 RINGINUSE, 8 ONHOLD), InCall and Paused. What a
 * wallboard must show first wins: unavailable, then ringing, then in a call, then paused.
 */
export function memberState(status: string | undefined, inCall: boolean, paused: boolean): MemberState {
  switch (Number(status)) {
    case 4:
    case 5:
      return "unavailable";
    case 6:
    case 7:
      return "ringing";
    case 2:
    case 3:
    case 8:
      return "in-call";
  }
  if (inCall) return "in-call";
  return paused ? "paused" : "available";
}

/** A member as one event or list item describes it; `since` is `at`. */
export function memberOf(e: AmiMessage, at: number): QueueMemberView {
  const iface = own(e.get("Interface") ?? e.get("Location") ?? "");
  const paused = e.get("Paused") === "1";
  const lastCall = Number(e.get("LastCall"));
  const member: QueueMemberView = {
    name: own(e.get("MemberName") ?? e.get("Name") ?? iface),
    interface: iface,
    stateInterface: own(e.get("StateInterface") ?? iface),
    state: memberState(e.get("Status"), e.get("InCall") === "1", paused),
    paused,
    membership: e.get("Membership") ?? "",
    penalty: count(e.get("Penalty")),
    callsTaken: count(e.get("CallsTaken")),
    since: at,
  };
  const reason = e.get("PausedReason");
  if (paused && reason) member.pausedReason = own(reason);
  // LastCall is epoch seconds, 0 for never.
  if (lastCall > 0) member.lastCall = lastCall * 1000;
  return member;
}

/** `next` with the `since` of `prev` when the state did not change. */
export function keepSince(prev: QueueMemberView | undefined, next: QueueMemberView): QueueMemberView {
  return prev && prev.state === next.state ? { ...next, since: prev.since } : next;
}

/** Whether anything a wallboard shows of a member changed. */
export function memberChanged(a: QueueMemberView, b: QueueMemberView): boolean {
  return (
    a.state !== b.state ||
    a.paused !== b.paused ||
    a.pausedReason !== b.pausedReason ||
    a.name !== b.name ||
    a.callsTaken !== b.callsTaken ||
    a.lastCall !== b.lastCall ||
    a.penalty !== b.penalty ||
    a.membership !== b.membership ||
    a.stateInterface !== b.stateInterface
  );
}

/** A caller from QueueCallerJoin (joined at `at`) or a QueueEntry item (joined Wait seconds before `at`). */
export function callerOf(e: AmiMessage, at: number): QueueCaller {
  const caller: QueueCaller = {
    uniqueid: own(e.get("Uniqueid") ?? ""),
    channel: own(e.get("Channel") ?? ""),
    position: count(e.get("Position")),
    since: at - count(e.get("Wait")) * 1000,
  };
  const num = known(e.get("CallerIDNum"));
  const name = known(e.get("CallerIDName"));
  if (num !== undefined) caller.callerIdNum = own(num);
  if (name !== undefined) caller.callerIdName = own(name);
  return caller;
}

/** A whole number of seconds (HoldTime, TalkTime...) or count; 0 for anything else. */
export function count(value: string | undefined): number {
  const n = Math.floor(Number(value));
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/**
 * A header value as a string of its own. The parser's values are slices of the frame's text, and
 * V8 keeps the whole frame (~500 bytes) alive for as long as a slice of it is kept: a tracker that
 * keeps a member's interface would keep its last event. The concatenation is flattened into a
 * new string; the slice of it holds only that.
 */
export function own(value: string): string {
  return value.length < 13 ? value : (" " + value).slice(1);
}
