import { Channel, channelHeaders, Pairs } from "./channel";
import { QueueConfig } from "./config";
import { PbxEvent } from "./events";

export interface QueueMember {
  name: string;
  iface: string;
  stateIface: string;
  membership: "static" | "dynamic";
  penalty: number;
  callsTaken: number;
  lastCall: number;
  lastPause: number;
  loginTime: number;
  /** AST_DEVICE_* of the state interface: 1 not in use, 2 in use. */
  status: number;
  paused: boolean;
  pausedReason: string;
}

export interface QueueCaller {
  channel: Channel;
  joinedAt: number;
}

export interface Queue {
  name: string;
  strategy: string;
  members: QueueMember[];
  callers: QueueCaller[];
  completed: number;
  abandoned: number;
}

export interface QueueHost {
  broadcast(ev: PbxEvent): void;
  setDevice(device: string, state: string): void;
  isDeviceInUse(device: string): boolean;
}

const now = (): number => Math.floor(Date.now() / 1000);

/** app_queue: queues, members and callers, with the events captures `queue-*` show. */
export class Queues {
  readonly byName = new Map<string, Queue>();

  constructor(private readonly host: QueueHost, config: QueueConfig[]) {
    const loginTime = now();
    for (const q of config) {
      this.byName.set(q.name, {
        name: q.name,
        strategy: q.strategy ?? "ringall",
        callers: [],
        completed: 0,
        abandoned: 0,
        members: (q.members ?? []).map((m) => ({
          name: m.name ?? m.interface,
          iface: m.interface,
          stateIface: m.stateInterface ?? m.interface,
          membership: "static",
          penalty: m.penalty ?? 0,
          callsTaken: 0,
          lastCall: 0,
          lastPause: 0,
          loginTime,
          status: 1,
          paused: false,
          pausedReason: "",
        })),
      });
    }
  }

  /** QueueMemberAdded / Pause / Status / Removed share this body. */
  private memberEvent(name: string, q: Queue, m: QueueMember): PbxEvent {
    return PbxEvent.of(name, "agent", [
      ["Queue", q.name], ["MemberName", m.name], ["Interface", m.iface], ["StateInterface", m.stateIface],
      ["Membership", m.membership], ["Penalty", String(m.penalty)], ["CallsTaken", String(m.callsTaken)],
      ["LastCall", String(m.lastCall)], ["LastPause", String(m.lastPause)], ["LoginTime", String(m.loginTime)],
      ["InCall", "0"], ["Status", String(m.status)], ["Paused", m.paused ? "1" : "0"], ["PausedReason", m.pausedReason],
      ["Ringinuse", "1"], ["Wrapuptime", "0"],
    ]);
  }

  /** The QueueStatus list item for a member (different header names from the events). */
  memberItem(q: Queue, m: QueueMember): Pairs {
    return [
      ["Event", "QueueMember"], ["Queue", q.name], ["Name", m.name], ["Location", m.iface], ["StateInterface", m.stateIface],
      ["Membership", m.membership], ["Penalty", String(m.penalty)], ["CallsTaken", String(m.callsTaken)],
      ["LastCall", String(m.lastCall)], ["LastPause", String(m.lastPause)], ["LoginTime", String(m.loginTime)],
      ["InCall", "0"], ["Status", String(m.status)], ["Paused", m.paused ? "1" : "0"], ["PausedReason", m.pausedReason],
      ["Wrapuptime", "0"],
    ];
  }

  paramsItem(q: Queue): Pairs {
    return [
      ["Event", "QueueParams"], ["Queue", q.name], ["Max", "0"], ["Strategy", q.strategy], ["Calls", String(q.callers.length)],
      ["Holdtime", "0"], ["TalkTime", "0"], ["Completed", String(q.completed)], ["Abandoned", String(q.abandoned)],
      ["ServiceLevel", "0"], ["ServicelevelPerf", "0.0"], ["ServicelevelPerf2", "0.0"], ["Weight", "0"],
    ];
  }

  entryItem(q: Queue, caller: QueueCaller, position: number): Pairs {
    const ch = caller.channel;
    return [
      ["Event", "QueueEntry"], ["Queue", q.name], ["Position", String(position)], ["Channel", ch.name], ["Uniqueid", ch.uniqueid],
      ["CallerIDNum", ch.caller.num], ["CallerIDName", ch.caller.name], ["ConnectedLineNum", ch.connected.num],
      ["ConnectedLineName", ch.connected.name], ["Wait", String(Math.floor((Date.now() - caller.joinedAt) / 1000))], ["Priority", "0"],
    ];
  }

  summaryItem(q: Queue): Pairs {
    const loggedIn = q.members.length;
    const available = q.members.filter((m) => !m.paused && m.status === 1).length;
    const longest = q.callers.reduce((max, c) => Math.max(max, Math.floor((Date.now() - c.joinedAt) / 1000)), 0);
    return [
      ["Event", "QueueSummary"], ["Queue", q.name], ["LoggedIn", String(loggedIn)], ["Available", String(available)],
      ["Callers", String(q.callers.length)], ["HoldTime", "0"], ["TalkTime", "0"], ["LongestHoldTime", String(longest)],
    ];
  }

  /** Returns an error message, or undefined when added (texts: app_queue manager_add_queue_member). */
  add(queue: string, iface: string, name: string | undefined, penalty: number, paused: boolean, reason: string): string | undefined {
    const q = this.byName.get(queue);
    if (!q) return "Unable to add interface to queue: No such queue";
    if (q.members.some((m) => m.iface.toLowerCase() === iface.toLowerCase())) return "Unable to add interface: Already there";
    const m: QueueMember = {
      name: name ?? iface, iface, stateIface: iface, membership: "dynamic", penalty, callsTaken: 0, lastCall: 0,
      lastPause: paused ? now() : 0, loginTime: now(), status: this.host.isDeviceInUse(iface) ? 2 : 1, paused, pausedReason: paused ? reason : "",
    };
    q.members.push(m);
    this.host.broadcast(this.memberEvent("QueueMemberAdded", q, m));
    this.updateAvail(q);
    return undefined;
  }

  remove(queue: string, iface: string): string | undefined {
    const q = this.byName.get(queue);
    if (!q) return "Unable to remove interface from queue: No such queue";
    const i = q.members.findIndex((m) => m.iface.toLowerCase() === iface.toLowerCase());
    if (i < 0) return "Unable to remove interface: Not there";
    const m = q.members[i];
    if (m.membership === "static") return "Unable to remove interface: Static member";
    q.members.splice(i, 1);
    this.host.broadcast(this.memberEvent("QueueMemberRemoved", q, m));
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
      const m = q.members.find((x) => x.iface.toLowerCase() === iface.toLowerCase());
      if (!m) continue;
      found = true;
      m.paused = paused;
      m.pausedReason = paused ? reason : "";
      if (paused) m.lastPause = now();
      this.host.setDevice(`Queue:${q.name}_pause_${m.iface}`, paused ? "INUSE" : "NOT_INUSE");
      this.updateAvail(q);
      this.host.broadcast(this.memberEvent("QueueMemberPause", q, m));
    }
    return found;
  }

  /** A Local device became busy or idle: its members' Status follows (QueueMemberStatus). */
  deviceUse(device: string, inUse: boolean): void {
    for (const q of this.byName.values()) {
      for (const m of q.members) {
        if (m.stateIface !== device) continue;
        m.status = inUse ? 2 : 1;
        this.host.broadcast(this.memberEvent("QueueMemberStatus", q, m));
      }
    }
  }

  /** `Queue:<name>_avail` is NOT_INUSE while a member can take a call. */
  private updateAvail(q: Queue): void {
    const available = q.members.some((m) => !m.paused && m.status === 1);
    this.host.setDevice(`Queue:${q.name}_avail`, available ? "NOT_INUSE" : "INUSE");
  }

  /**
   * The members a caller rings now: every member not paused (ringall, ringinuse=yes), once the
   * caller is within the first as many positions as there are such members (is_our_turn).
   */
  ringable(q: Queue, ch: Channel): QueueMember[] {
    const available = q.members.filter((m) => !m.paused);
    const position = q.callers.findIndex((c) => c.channel === ch);
    return position >= 0 && position < available.length ? available : [];
  }

  /** A member's call ended (update_queue): its CallsTaken/LastCall and the queue's Completed. */
  completed(q: Queue, m: QueueMember): void {
    m.callsTaken++;
    m.lastCall = now();
    q.completed++;
  }

  join(queueName: string, ch: Channel): Queue | undefined {
    const q = this.byName.get(queueName);
    if (!q) return undefined;
    q.callers.push({ channel: ch, joinedAt: Date.now() });
    this.host.broadcast(PbxEvent.of("QueueCallerJoin", "agent", [...channelHeaders(ch), ["Queue", q.name], ["Position", String(q.callers.length)], ["Count", String(q.callers.length)]]));
    return q;
  }

  /** The caller leaves: timed out (QueueCallerLeave) or hung up waiting (QueueCallerAbandon). */
  leave(q: Queue, ch: Channel, abandoned: boolean): void {
    const i = q.callers.findIndex((c) => c.channel === ch);
    if (i < 0) return;
    const [caller] = q.callers.splice(i, 1);
    if (abandoned) {
      q.abandoned++;
      this.host.broadcast(PbxEvent.of("QueueCallerAbandon", "agent", [...channelHeaders(ch), ["Queue", q.name], ["Position", String(i + 1)], ["OriginalPosition", String(i + 1)], ["HoldTime", String(Math.floor((Date.now() - caller.joinedAt) / 1000))]]));
    }
    this.host.broadcast(PbxEvent.of("QueueCallerLeave", "agent", [...channelHeaders(ch), ["Queue", q.name], ["Count", String(q.callers.length)], ["Position", String(i + 1)]]));
  }
}
