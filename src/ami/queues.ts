import type { AmiMessage } from "./message";
import { PeriodCounters, localDay } from "./queue-counters";
import {
  DEFAULT_MAX_CALLERS,
  DEFAULT_MAX_MEMBERS,
  DEFAULT_MAX_QUEUES,
  DEFAULT_SERVICE_LEVEL,
  MemberState,
  QueueBound,
  QueueCaller,
  QueueChange,
  QueueMemberView,
  QueueTrackerOptions,
  QueueView,
} from "./queue-types";
import { callerOf, count, keepSince, memberChanged, memberOf, own } from "./queue-members";
import { byName } from "./names";
import { LeftCaller, LeftCallers } from "./queue-left-callers";

/**
 * Queues live: each queue's waiting callers, its members and their states, and its counters since
 * the tracker started and since local midnight, from app_queue's events; seeded with QueueStatus
 * (QueueParams, QueueMember, QueueEntry) after every (re)connect.
 *
 * An answered call says QueueCallerLeave first and AgentConnect after it (sip-queue-answered
 * capture); a caller who hangs up says QueueCallerAbandon, then QueueCallerLeave. So a caller
 * leaves the waiting list on whichever comes first, and is remembered for a while (LeftCallers) so
 * that the event after it still knows who it was: "caller-left" carries the outcome when it is
 * already known ("abandoned"), "answered" the caller who had left.
 *
 * Pure logic: feed it events (handle), seed it with QueueStatus items, read changes and snapshots.
 */

export * from "./queue-types";

interface QueueState {
  name: string;
  strategy: string;
  /** The queue's own ServiceLevel (s), 0 when it has none. */
  serviceLevel: number;
  callers: Map<string, QueueCaller>;
  members: Map<string, QueueMemberView>;
  today: PeriodCounters;
  sinceStart: PeriodCounters;
}

type Handler = (q: QueueState, e: AmiMessage) => QueueChange[];

export class QueueTracker {
  private readonly queues = new Map<string, QueueState>();
  private readonly left = new LeftCallers();
  private callerCount = 0;
  private readonly now: () => number;
  private readonly started: number;
  private day: { start: number; next: number };
  /** A session dropped and no seed has come since. */
  private gapOpen = false;
  private readonly opts: Required<Omit<QueueTrackerOptions, "now" | "onLimit">> & Pick<QueueTrackerOptions, "onLimit">;
  /** Entries not tracked because a bound was reached. */
  readonly dropped: Record<QueueBound, number> = { queues: 0, members: 0, callers: 0 };
  private readonly handlers: Record<string, Handler> = {
    QueueParams: (q, e) => this.onParams(q, e),
    QueueCallerJoin: (q, e) => this.onJoin(q, e),
    QueueCallerLeave: (q, e) => this.onLeave(q, e),
    QueueCallerAbandon: (q, e) => this.onAbandon(q, e),
    QueueMemberAdded: (q, e) => this.onMember(q, e),
    QueueMemberPause: (q, e) => this.onMember(q, e),
    QueueMemberStatus: (q, e) => this.onMember(q, e),
    QueueMemberRinginuse: (q, e) => this.onMember(q, e),
    QueueMemberRemoved: (q, e) => this.onMemberRemoved(q, e),
    AgentConnect: (q, e) => this.onConnect(q, e),
    AgentComplete: (q, e) => this.onComplete(q, e),
    AgentRingNoAnswer: (q, e) => this.onRingNoAnswer(q, e),
    // Who rings is in the member's QueueMemberStatus; an agent hanging up on the announcement
    // (AgentDump) puts the caller back to waiting. Both only make an unknown queue known.
    AgentCalled: () => [],
    AgentDump: () => [],
  };

  constructor(options: QueueTrackerOptions = {}) {
    this.now = options.now ?? Date.now;
    this.started = this.now();
    this.day = localDay(this.started);
    this.opts = {
      serviceLevel: nonNegative(options.serviceLevel) ?? DEFAULT_SERVICE_LEVEL,
      maxQueues: Math.max(1, options.maxQueues ?? DEFAULT_MAX_QUEUES),
      maxMembers: Math.max(1, options.maxMembers ?? DEFAULT_MAX_MEMBERS),
      maxCallers: Math.max(1, options.maxCallers ?? DEFAULT_MAX_CALLERS),
      onLimit: options.onLimit,
    };
  }

  get size(): number {
    return this.queues.size;
  }

  /** The names of the queues known, sorted. */
  names(): string[] {
    return [...this.queues.keys()].sort(byName);
  }

  /** Feeds one live event; returns what changed. */
  handle(event: AmiMessage): QueueChange[] {
    const kind = event.event ?? "";
    // Own handlers only: an event named "constructor" or "toString" is not one of them.
    const handler = Object.hasOwn(this.handlers, kind) ? this.handlers[kind] : undefined;
    const name = event.get("Queue");
    if (!handler || !name) return [];
    this.roll();
    const q = this.queue(name);
    return q ? handler(q, event) : [];
  }

  /** Replaces callers and members with the items of a QueueStatus response; one "queue" change per queue. */
  seed(listEvents: AmiMessage[]): QueueChange[] {
    this.roll();
    const at = this.now();
    const lists = new Map<string, { params?: AmiMessage; members: AmiMessage[]; entries: AmiMessage[] }>();
    for (const e of listEvents) {
      const name = e.get("Queue");
      if (!name) continue;
      let list = lists.get(name);
      if (!list) lists.set(name, (list = { members: [], entries: [] }));
      if (e.event === "QueueParams") list.params = e;
      else if (e.event === "QueueMember") list.members.push(e);
      else if (e.event === "QueueEntry") list.entries.push(e);
    }
    // A queue QueueStatus no longer lists was removed from the configuration.
    const changes: QueueChange[] = [];
    for (const name of [...this.queues.keys()]) {
      if (lists.has(name)) continue;
      this.queues.delete(name);
      changes.push({ kind: "queue-removed", queue: name });
    }
    this.callerCount = 0;
    for (const [name, list] of lists) {
      const q = this.queue(name);
      if (!q) continue;
      if (list.params) this.applyParams(q, list.params);
      this.seedMembers(q, list.members, at);
      this.seedCallers(q, list.entries, at);
      changes.push({ kind: "queue", queue: name });
    }
    this.gapOpen = false;
    return changes;
  }

  /** The session dropped: events may be missed until the next seed. */
  markGap(): void {
    this.gapOpen = true;
    for (const q of this.queues.values()) {
      q.today.complete = false;
      q.sinceStart.complete = false;
    }
  }

  /** Every queue (copies), sorted by name; `serviceLevel` (s) overrides each queue's threshold. */
  snapshot(options: { serviceLevel?: number } = {}): QueueView[] {
    this.roll();
    return [...this.queues.values()].sort((a, b) => byName(a.name, b.name)).map((q) => this.viewOf(q, options.serviceLevel));
  }

  view(name: string, options: { serviceLevel?: number } = {}): QueueView | undefined {
    this.roll();
    const q = this.queues.get(name);
    return q && this.viewOf(q, options.serviceLevel);
  }

  private onParams(q: QueueState, e: AmiMessage): QueueChange[] {
    const before = `${q.strategy}/${q.serviceLevel}`;
    this.applyParams(q, e);
    return before === `${q.strategy}/${q.serviceLevel}` ? [] : [{ kind: "queue", queue: q.name }];
  }

  private applyParams(q: QueueState, e: AmiMessage): void {
    q.strategy = own(e.get("Strategy") ?? q.strategy);
    q.serviceLevel = count(e.get("ServiceLevel") ?? String(q.serviceLevel));
  }

  private onJoin(q: QueueState, e: AmiMessage): QueueChange[] {
    const caller = callerOf(e, this.now());
    // Without a Uniqueid no later event could name this caller: not a caller app_queue sends.
    if (caller.uniqueid === "") return [];
    q.today.joined();
    q.sinceStart.joined();
    const old = q.callers.get(caller.uniqueid);
    if (old) this.removeCaller(q, old);
    if (this.room("callers", this.callerCount, this.opts.maxCallers)) {
      for (const c of q.callers.values()) if (c.position >= caller.position) c.position++;
      q.callers.set(caller.uniqueid, caller);
      this.callerCount++;
    }
    return [{ kind: "caller-joined", queue: q.name, caller: { ...caller } }];
  }

  private onLeave(q: QueueState, e: AmiMessage): QueueChange[] {
    const uniqueid = e.get("Uniqueid") ?? "";
    const waiting = q.callers.get(uniqueid);
    if (waiting) {
      const gone = this.leave(q, waiting);
      gone.leaveSeen = true;
      return [{ kind: "caller-left", queue: q.name, caller: { ...waiting }, wait: gone.wait }];
    }
    const gone = this.left.get(q.name, uniqueid);
    if (!gone || gone.leaveSeen) return [];
    gone.leaveSeen = true;
    return [{ kind: "caller-left", queue: q.name, caller: { ...gone.caller }, wait: gone.wait, reason: gone.outcome }];
  }

  private onAbandon(q: QueueState, e: AmiMessage): QueueChange[] {
    const wait = count(e.get("HoldTime"));
    q.today.abandon(wait);
    q.sinceStart.abandon(wait);
    const caller = this.outcome(q, e.get("Uniqueid") ?? "", "abandoned");
    return [{ kind: "abandoned", queue: q.name, caller, wait }];
  }

  private onConnect(q: QueueState, e: AmiMessage): QueueChange[] {
    const wait = count(e.get("HoldTime"));
    q.today.answer(wait);
    q.sinceStart.answer(wait);
    const caller = this.outcome(q, e.get("Uniqueid") ?? "", "answered");
    return [{ kind: "answered", queue: q.name, caller, member: this.memberIn(q, e), wait }];
  }

  private onComplete(q: QueueState, e: AmiMessage): QueueChange[] {
    const talk = count(e.get("TalkTime"));
    q.today.finished(talk);
    q.sinceStart.finished(talk);
    const gone = this.left.take(q.name, e.get("Uniqueid") ?? "");
    const change: QueueChange = { kind: "completed", queue: q.name, member: this.memberIn(q, e), talk, reason: e.get("Reason") };
    if (gone) change.caller = { ...gone.caller };
    return [change];
  }

  private onRingNoAnswer(q: QueueState, e: AmiMessage): QueueChange[] {
    const caller = q.callers.get(e.get("Uniqueid") ?? "");
    return [{ kind: "ring-no-answer", queue: q.name, caller: caller && { ...caller }, member: this.memberIn(q, e) }];
  }

  private onMember(q: QueueState, e: AmiMessage): QueueChange[] {
    const next = memberOf(e, this.now());
    // Members are known by their interface: an event without one names no member.
    if (next.interface === "") return [];
    const prev = q.members.get(next.interface);
    if (!prev) {
      if (!this.room("members", q.members.size, this.opts.maxMembers)) return [];
      q.members.set(next.interface, next);
      return [{ kind: "member-added", queue: q.name, member: { ...next } }];
    }
    const member = keepSince(prev, next);
    if (!memberChanged(prev, member)) return [];
    q.members.set(member.interface, member);
    const change: QueueChange = { kind: "member-state", queue: q.name, member: { ...member } };
    if (prev.paused !== member.paused) change.kind = member.paused ? "paused" : "unpaused";
    if (member.pausedReason) change.reason = member.pausedReason;
    return [change];
  }

  private onMemberRemoved(q: QueueState, e: AmiMessage): QueueChange[] {
    const prev = q.members.get(memberOf(e, this.now()).interface);
    // A member never known (an interface it never had, or none) is not reported removed.
    if (!prev) return [];
    q.members.delete(prev.interface);
    return [{ kind: "member-removed", queue: q.name, member: { ...prev } }];
  }

  /** The caller an AgentConnect or QueueCallerAbandon concerns, out of the waiting list, with the outcome kept. */
  private outcome(q: QueueState, uniqueid: string, outcome: "answered" | "abandoned"): QueueCaller | undefined {
    const waiting = q.callers.get(uniqueid);
    const gone = waiting ? this.leave(q, waiting) : this.left.get(q.name, uniqueid);
    if (!gone) return undefined;
    gone.outcome = outcome;
    return { ...gone.caller };
  }

  /** Takes a caller off the waiting list and remembers it (LeftCallers: at most MAX_LEFT). */
  private leave(q: QueueState, caller: QueueCaller): LeftCaller {
    this.removeCaller(q, caller);
    return this.left.remember(q.name, caller, Math.max(0, Math.round((this.now() - caller.since) / 1000)));
  }

  private removeCaller(q: QueueState, caller: QueueCaller): void {
    q.callers.delete(caller.uniqueid);
    this.callerCount--;
    // Asterisk moves everyone behind up one place and does not say so.
    for (const c of q.callers.values()) if (c.position > caller.position) c.position--;
  }

  private memberIn(q: QueueState, e: AmiMessage): QueueMemberView | undefined {
    const member = q.members.get(e.get("Interface") ?? "");
    return member && { ...member };
  }

  private seedMembers(q: QueueState, items: AmiMessage[], at: number): void {
    const members = new Map<string, QueueMemberView>();
    for (const item of items) {
      const next = memberOf(item, at);
      if (!members.has(next.interface) && !this.room("members", members.size, this.opts.maxMembers)) continue;
      members.set(next.interface, keepSince(q.members.get(next.interface), next));
    }
    q.members = members;
  }

  private seedCallers(q: QueueState, items: AmiMessage[], at: number): void {
    const callers = new Map<string, QueueCaller>();
    for (const item of items) {
      const next = callerOf(item, at);
      if (!this.room("callers", this.callerCount, this.opts.maxCallers)) continue;
      const prev = q.callers.get(next.uniqueid);
      // A caller still waiting keeps the time it joined (QueueEntry's Wait is whole seconds).
      callers.set(next.uniqueid, prev ? { ...next, since: prev.since } : next);
      this.callerCount++;
    }
    q.callers = callers;
  }

  /** The queue, made when first seen (unless there are maxQueues already). */
  private queue(name: string): QueueState | undefined {
    const known = this.queues.get(name);
    if (known || !this.room("queues", this.queues.size, this.opts.maxQueues)) return known;
    const complete = !this.gapOpen;
    const q: QueueState = {
      name: own(name),
      strategy: "",
      serviceLevel: 0,
      callers: new Map(),
      members: new Map(),
      today: new PeriodCounters(Math.max(this.day.start, this.started), complete),
      sinceStart: new PeriodCounters(this.started, complete),
    };
    this.queues.set(q.name, q);
    return q;
  }

  /** Whether one more entry fits; counts and reports (once per bound) the ones that do not. */
  private room(bound: QueueBound, size: number, max: number): boolean {
    if (size < max) return true;
    if (this.dropped[bound]++ === 0) this.opts.onLimit?.(bound, max);
    return false;
  }

  /** Starts today's counters afresh once local midnight has passed. */
  private roll(): void {
    const now = this.now();
    if (now < this.day.next) return;
    this.day = localDay(now);
    for (const q of this.queues.values()) q.today = new PeriodCounters(this.day.start, !this.gapOpen);
  }

  private viewOf(q: QueueState, override: number | undefined): QueueView {
    const serviceLevel = nonNegative(override) ?? (q.serviceLevel > 0 ? q.serviceLevel : this.opts.serviceLevel);
    const callers = [...q.callers.values()].map((c) => ({ ...c })).sort((a, b) => a.position - b.position);
    const members = [...q.members.values()].map((m) => ({ ...m })).sort((a, b) => byName(a.name, b.name) || byName(a.interface, b.interface));
    const inState = (s: MemberState) => members.filter((m) => m.state === s).length;
    return {
      name: q.name,
      strategy: q.strategy,
      serviceLevel,
      callers,
      waiting: callers.length,
      longestWaitSince: callers.reduce<number | null>((oldest, c) => (oldest === null || c.since < oldest ? c.since : oldest), null),
      members,
      loggedIn: members.length - inState("unavailable"),
      available: inState("available"),
      ringing: inState("ringing"),
      inCall: inState("in-call"),
      paused: inState("paused"),
      unavailable: inState("unavailable"),
      today: q.today.view(serviceLevel),
      sinceStart: q.sinceStart.view(serviceLevel),
    };
  }
}

function nonNegative(x: number | undefined): number | undefined {
  return typeof x === "number" && Number.isFinite(x) && x >= 0 ? x : undefined;
}
