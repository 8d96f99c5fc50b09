import { Channel, Pairs } from "./channel";
import { QueueConfig } from "./config";
import { PbxEvent } from "./events";
import * as ev from "./queue-events";

export interface QueueMember extends ev.MemberFields {
  /** Rung by a caller right now (app_queue sees the member's device RINGING: not rung twice). */
  ringing: boolean;
  /** Date.now() of the end of its last call, for wrapuptime. */
  lastCallMs: number;
}

export interface QueueCaller {
  channel: Channel;
  joinedAt: number;
  /** Position when it joined (QueueCallerAbandon OriginalPosition). */
  originalPosition: number;
}

export interface Queue {
  name: string;
  strategy: string;
  ringinuse: boolean;
  /** Seconds. */
  wrapupTime: number;
  serviceLevel: number;
  members: QueueMember[];
  /** rrmemory: the member (index) to try first next time. */
  rrpos: number;
  callers: QueueCaller[];
  completed: number;
  abandoned: number;
  completedInSl: number;
  abandonedInSl: number;
  /** app_queue's running averages (recalc_holdtime), seconds. */
  holdtime: number;
  talktime: number;
}

export interface QueueHost {
  broadcast(ev: PbxEvent): void;
  setDevice(device: string, state: string): void;
  isDeviceInUse(device: string): boolean;
  /** Dialplan milliseconds to real ones (timeScale): wrapuptime runs on the dialplan's clock. */
  scale(ms: number): number;
}

/** At most this many queues (the config's plus the call centre's); callers and members are bounded per queue. */
export const MAX_QUEUES = 64;
/** Members per queue: QueueAdd beyond it is refused. */
export const MAX_MEMBERS = 200;
/** Callers waiting per queue (queues.conf `maxlen`): Queue() beyond it continues as QUEUESTATUS FULL. */
export const MAX_CALLERS = 500;

const now = (): number => Math.floor(Date.now() / 1000);
const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
/** app_queue recalc_holdtime: the new value weighs a quarter. */
const average = (old: number, value: number): number => Math.floor((old * 3 + value) / 4);
const pct = (part: number, whole: number): string => (whole > 0 ? ((part / whole) * 100).toFixed(1) : "0.0");

/** app_queue: queues, members and callers, with the events captures `queue-*` show. */
export class Queues {
  readonly byName = new Map<string, Queue>();

  constructor(private readonly host: QueueHost, config: QueueConfig[]) {
    for (const q of config) this.define(q);
  }

  /** A queue of queues.conf with its static members; an error text when it cannot be added. */
  define(q: QueueConfig): string | undefined {
    if (this.byName.has(q.name)) return `Queue ${q.name} exists`;
    if (this.byName.size >= MAX_QUEUES) return `At most ${MAX_QUEUES} queues`;
    const queue: Queue = {
      name: q.name, strategy: q.strategy ?? "ringall", ringinuse: q.ringinuse ?? true, wrapupTime: q.wrapupTime ?? 0,
      serviceLevel: q.serviceLevel ?? 0, members: [], rrpos: 0, callers: [], completed: 0, abandoned: 0, completedInSl: 0, abandonedInSl: 0,
      holdtime: 0, talktime: 0,
    };
    for (const m of q.members ?? []) queue.members.push(this.newMember(queue, m.interface, m.name, m.penalty ?? 0, "static", m.stateInterface));
    this.byName.set(q.name, queue);
    return undefined;
  }

  private newMember(q: Queue, iface: string, name: string | undefined, penalty: number, membership: "static" | "dynamic", stateIface?: string): QueueMember {
    const state = stateIface || iface;
    // Static members come with queues.conf, before any device is known: idle.
    return {
      name: name || iface, iface, stateIface: state, membership, penalty, callsTaken: 0, lastCall: 0, lastPause: 0, loginTime: now(),
      inCall: false, status: membership === "dynamic" && this.host.isDeviceInUse(state) ? 2 : 1, paused: false, pausedReason: "", ringinuse: q.ringinuse, wrapupTime: 0,
      ringing: false, lastCallMs: 0,
    };
  }

  member(q: Queue, iface: string): QueueMember | undefined {
    return q.members.find((m) => same(m.iface, iface));
  }

  private publish(name: string, q: Queue, m: QueueMember): void {
    this.host.broadcast(ev.memberEvent(name, q.name, m));
  }

  // ---- QueueStatus / QueueSummary items -------------------------------------------------------

  /** The QueueStatus list item for a member (different header names from the events). */
  memberItem(q: Queue, m: QueueMember): Pairs {
    return [
      ["Event", "QueueMember"], ["Queue", q.name], ["Name", m.name], ["Location", m.iface], ["StateInterface", m.stateIface],
      ["Membership", m.membership], ["Penalty", String(m.penalty)], ["CallsTaken", String(m.callsTaken)],
      ["LastCall", String(m.lastCall)], ["LastPause", String(m.lastPause)], ["LoginTime", String(m.loginTime)],
      ["InCall", m.inCall ? "1" : "0"], ["Status", String(m.status)], ["Paused", m.paused ? "1" : "0"], ["PausedReason", m.pausedReason],
      ["Wrapuptime", String(m.wrapupTime)],
    ];
  }

  paramsItem(q: Queue): Pairs {
    return [
      ["Event", "QueueParams"], ["Queue", q.name], ["Max", "0"], ["Strategy", q.strategy], ["Calls", String(q.callers.length)],
      ["Holdtime", String(q.holdtime)], ["TalkTime", String(q.talktime)], ["Completed", String(q.completed)], ["Abandoned", String(q.abandoned)],
      ["ServiceLevel", String(q.serviceLevel)], ["ServicelevelPerf", pct(q.completedInSl, q.completed)],
      ["ServicelevelPerf2", pct(q.completedInSl + q.abandonedInSl, q.completed + q.abandoned)], ["Weight", "0"],
    ];
  }

  entryItem(q: Queue, caller: QueueCaller, position: number): Pairs {
    const ch = caller.channel;
    return [
      ["Event", "QueueEntry"], ["Queue", q.name], ["Position", String(position)], ["Channel", ch.name], ["Uniqueid", ch.uniqueid],
      ["CallerIDNum", ch.caller.num], ["CallerIDName", ch.caller.name], ["ConnectedLineNum", ch.connected.num],
      ["ConnectedLineName", ch.connected.name], ["Wait", String(this.seconds(Date.now() - caller.joinedAt))], ["Priority", "0"],
    ];
  }

  /** app_queue manager_queues_summary: logged in = not UNAVAILABLE/INVALID; available = also free and not paused. */
  summaryItem(q: Queue): Pairs {
    const loggedIn = q.members.filter((m) => m.status !== 4 && m.status !== 5).length;
    const available = q.members.filter((m) => !m.paused && m.status === 1 && !this.inWrapup(q, m)).length;
    const longest = q.callers.reduce((max, c) => Math.max(max, this.seconds(Date.now() - c.joinedAt)), 0);
    return [
      ["Event", "QueueSummary"], ["Queue", q.name], ["LoggedIn", String(loggedIn)], ["Available", String(available)],
      ["Callers", String(q.callers.length)], ["HoldTime", String(q.holdtime)], ["TalkTime", String(q.talktime)], ["LongestHoldTime", String(longest)],
    ];
  }

  // ---- QueueAdd / QueueRemove / QueuePause ----------------------------------------------------

  /** Returns an error message, or undefined when added (texts: app_queue manager_add_queue_member). */
  add(queue: string, iface: string, name: string | undefined, penalty: number, paused: boolean, reason: string, stateIface?: string): string | undefined {
    const q = this.byName.get(queue);
    if (!q) return "Unable to add interface to queue: No such queue";
    if (this.member(q, iface)) return "Unable to add interface: Already there";
    if (q.members.length >= MAX_MEMBERS) return "Out of memory";
    const m = this.newMember(q, iface, name, penalty, "dynamic", stateIface);
    if (paused) Object.assign(m, { paused, pausedReason: reason, lastPause: now() });
    q.members.push(m);
    this.publish("QueueMemberAdded", q, m);
    this.updateAvail(q);
    return undefined;
  }

  remove(queue: string, iface: string): string | undefined {
    const q = this.byName.get(queue);
    if (!q) return "Unable to remove interface from queue: No such queue";
    const m = this.member(q, iface);
    if (!m) return "Unable to remove interface: Not there";
    if (m.membership === "static") return "Unable to remove interface: Static member";
    q.members.splice(q.members.indexOf(m), 1);
    this.publish("QueueMemberRemoved", q, m);
    // app_queue resets the member's pause device as it goes (capture `queue-member-events`).
    this.host.setDevice(`Queue:${q.name}_pause_${m.iface}`, "NOT_INUSE");
    this.updateAvail(q);
    return undefined;
  }

  /** Pauses or unpauses in one queue or all; false when the interface is in none of them. */
  pause(queue: string | undefined, iface: string, paused: boolean, reason: string): boolean {
    let found = false;
    for (const q of this.byName.values()) {
      if (queue && q.name !== queue) continue;
      const m = this.member(q, iface);
      if (!m) continue;
      found = true;
      m.paused = paused;
      m.pausedReason = paused ? reason : "";
      if (paused) m.lastPause = now();
      this.host.setDevice(`Queue:${q.name}_pause_${m.iface}`, paused ? "INUSE" : "NOT_INUSE");
      this.updateAvail(q);
      this.publish("QueueMemberPause", q, m);
    }
    return found;
  }

  /** A Local device became busy or idle: its members' Status follows (QueueMemberStatus). */
  deviceUse(device: string, inUse: boolean): void {
    for (const q of this.byName.values()) {
      for (const m of q.members) {
        if (m.stateIface !== device) continue;
        m.status = inUse ? 2 : 1;
        // A member's queue call ends with its device: app_queue's devstate thread reports it after
        // AgentComplete, with CallsTaken counted (capture sip-queue-answered).
        if (!inUse && m.inCall) setImmediate(() => this.publish("QueueMemberStatus", q, m));
        else this.publish("QueueMemberStatus", q, m);
      }
    }
  }

  /** `Queue:<name>_avail` is NOT_INUSE while a member can take a call. */
  private updateAvail(q: Queue): void {
    const available = q.members.some((m) => !m.paused && m.status === 1);
    this.host.setDevice(`Queue:${q.name}_avail`, available ? "NOT_INUSE" : "INUSE");
  }

  /** Real milliseconds as dialplan seconds (the lab runs at timeScale): HoldTime, Wait, TalkTime. */
  seconds(realMs: number): number {
    const perSecond = this.host.scale(1000);
    return perSecond > 0 ? Math.floor(realMs / perSecond) : 0;
  }

  private inWrapup(q: Queue, m: QueueMember): boolean {
    return q.wrapupTime > 0 && m.lastCallMs > 0 && Date.now() < m.lastCallMs + this.host.scale(q.wrapupTime * 1000);
  }

  // ---- callers ------------------------------------------------------------------------------

  /**
   * The members a caller rings now, once it is within the first as many positions as there are
   * such members (is_our_turn): not paused, not rung by another caller, past their wrapuptime and,
   * with ringinuse=no, not in use. rrmemory rings one, the next after the last one rung (so a
   * member who lets it ring is not tried again first); any other strategy rings them all (ringall).
   */
  ringable(q: Queue, ch: Channel): QueueMember[] {
    const free = q.members.filter((m) => !m.paused && !m.ringing && !this.inWrapup(q, m) && (q.ringinuse || (m.status === 1 && !m.inCall)));
    const position = q.callers.findIndex((c) => c.channel === ch);
    if (position < 0 || position >= free.length) return [];
    if (q.strategy !== "rrmemory") return free;
    const n = q.members.length;
    for (let k = 0; k < n; k++) {
      const m = q.members[(q.rrpos + k) % n];
      if (free.includes(m)) return [m];
    }
    return [];
  }

  /** Queue(): undefined for no such queue, "full" past MAX_CALLERS. */
  join(queueName: string, ch: Channel): Queue | "full" | undefined {
    const q = this.byName.get(queueName);
    if (!q) return undefined;
    if (q.callers.length >= MAX_CALLERS) return "full";
    q.callers.push({ channel: ch, joinedAt: Date.now(), originalPosition: q.callers.length + 1 });
    this.host.broadcast(ev.callerJoin(q.name, ch, q.callers.length, q.callers.length));
    return q;
  }

  /** The caller leaves: answered or timed out (QueueCallerLeave) or hung up waiting (QueueCallerAbandon first). */
  leave(q: Queue, ch: Channel, abandoned: boolean): void {
    const i = q.callers.findIndex((c) => c.channel === ch);
    if (i < 0) return;
    const [caller] = q.callers.splice(i, 1);
    if (abandoned) {
      const held = this.seconds(Date.now() - caller.joinedAt);
      q.abandoned++;
      if (held <= q.serviceLevel) q.abandonedInSl++;
      this.host.broadcast(ev.callerAbandon(q.name, ch, i + 1, caller.originalPosition, held));
    }
    this.host.broadcast(ev.callerLeave(q.name, ch, i + 1, q.callers.length));
  }

  // ---- a member rung, connected, done -------------------------------------------------------

  /** AgentCalled: the member is being rung by this caller. */
  called(q: Queue, m: QueueMember, caller: Channel, member: Channel): void {
    m.ringing = true;
    q.rrpos = (q.members.indexOf(m) + 1) % q.members.length;
    this.host.broadcast(ev.agentCalled(q.name, caller, member, m));
  }

  /** The member's ringing ended (answered elsewhere, cancelled, no answer): AgentRingNoAnswer for the last. */
  ringEnded(q: Queue, m: QueueMember, caller: Channel, member: Channel, noAnswerMs?: number): void {
    m.ringing = false;
    if (noAnswerMs !== undefined) this.host.broadcast(ev.agentRingNoAnswer(q.name, caller, member, m, noAnswerMs));
  }

  /** AgentConnect: the member takes the call (InCall 1 until it completes). */
  connected(q: Queue, m: QueueMember, caller: Channel, member: Channel, hold: number, ring: number): void {
    m.ringing = false;
    m.inCall = true;
    q.holdtime = average(q.holdtime, hold);
    this.host.broadcast(ev.agentConnect(q.name, caller, member, m, hold, ring));
  }

  /** AgentComplete, then update_queue: the member's CallsTaken/LastCall, the queue's Completed and TalkTime. */
  completed(q: Queue, m: QueueMember, caller: Channel, member: Channel, hold: number, talk: number, reason: string): void {
    this.host.broadcast(ev.agentComplete(q.name, caller, member, m, hold, talk, reason));
    m.inCall = false;
    m.callsTaken++;
    m.lastCall = now();
    m.lastCallMs = Date.now();
    q.completed++;
    if (hold <= q.serviceLevel) q.completedInSl++;
    q.talktime = average(q.talktime, talk);
  }
}
