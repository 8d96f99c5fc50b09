/**
 * Queue(name,options,,,timeout): the caller waits, the members ring (ringall) per attempt, the
 * first to answer is bridged; app_queue's events come from queues.ts.
 */
import { Channel } from "./channel";
import { Queue, QueueMember } from "./queues";
import { DialTarget, LOCAL_TARGET } from "./dial-app";
import type { AppResult } from "./dialplan-apps";
import type { CallEngine } from "./calls";

/** queues.conf `timeout=5` of the lab's queues: how long app_queue rings members per attempt. */
const QUEUE_MEMBER_TIMEOUT_MS = 5000;
/** app_queue's default `retry`: the pause between two attempts to ring the members. */
const QUEUE_RETRY_MS = 5000;
/** app_queue's RECHECK: a caller not yet at its turn looks again every second. */
const QUEUE_RECHECK_MS = 1000;

export class QueueApp {
  constructor(private readonly e: CallEngine) {}

  /**
   * Queue(name,options,,,timeout): the caller waits (QueueCallerJoin); when it is its turn, every
   * member that is not paused rings (ringall: AgentCalled and DialBegin each) for the queue's
   * member timeout, then again after `retry`. The first to answer gets the call: DialEnd ANSWER,
   * QueueCallerLeave, AgentConnect, the bridge, AgentComplete when one side hangs up. Option r
   * rings the caller while it waits.
   */
  async queueApp(ch: Channel, data: string): Promise<AppResult> {
    const args = data.split(",");
    const q = this.e.host.queues.join(args[0], ch);
    if (!q || q === "full") {
      this.e.ev.varSet(ch, "QUEUESTATUS", q ? "FULL" : "UNKNOWN");
      return "continue";
    }
    if ((args[1] ?? "").includes("r")) this.e.indicateRinging(ch);
    const joinedAt = Date.now();
    const expire = args[4] ? joinedAt + this.e.host.scale(parseFloat(args[4]) * 1000) : Infinity;
    for (;;) {
      const members = this.e.host.queues.ringable(q, ch);
      let pause = QUEUE_RECHECK_MS;
      if (members.length > 0) {
        const r = await this.ringMembers(ch, q, members, expire, joinedAt);
        if (r === "answer") return "hangup";
        if (r === "hangup") break;
        pause = QUEUE_RETRY_MS;
      }
      if (ch.hangupRequested) break;
      if (Date.now() >= expire) {
        this.e.host.queues.leave(q, ch, false);
        this.e.ev.varSet(ch, "QUEUESTATUS", "TIMEOUT");
        return "continue";
      }
      const woke = await ch.sleep(Math.min(expire - Date.now(), this.e.host.scale(pause)));
      if (woke === "hangup") break;
    }
    this.e.host.queues.leave(q, ch, true);
    return "hangup";
  }

  /** One attempt to reach the members; on an answer, the whole connected call (app_queue's events: queues.ts). */
  private async ringMembers(ch: Channel, q: Queue, members: QueueMember[], expire: number, joinedAt: number): Promise<"answer" | "hangup" | "again"> {
    const targets: DialTarget[] = [];
    for (const member of members) {
      const m = LOCAL_TARGET.exec(member.iface);
      if (m && this.e.host.dialplan[m[2]]) targets.push({ exten: m[1], context: m[2], dialString: member.iface, member });
    }
    if (targets.length === 0) return "again";
    const queues = this.e.host.queues;
    const memberOf = new Map<Channel, QueueMember>();
    const started = Date.now();
    const dialing = this.e.dialApp.startDialing(ch, "Queue", targets, (callee, t) => {
      memberOf.set(callee, t.member as QueueMember);
      queues.called(q, t.member as QueueMember, ch, callee);
    });
    const rna = (callee: Channel): void => queues.ringEnded(q, memberOf.get(callee) as QueueMember, ch, callee, Date.now() - started);
    const deadline = Math.min(expire, started + this.e.host.scale(QUEUE_MEMBER_TIMEOUT_MS));
    const outcome = await this.e.dialApp.ringCallees(ch, dialing, deadline, rna);
    ch.dialing = undefined;
    const callee = dialing.winner;
    for (const [c, m] of memberOf) if (c !== callee) queues.ringEnded(q, m, ch, c);
    if (!callee) return outcome === "hangup" ? "hangup" : "again";

    const member = memberOf.get(callee) as QueueMember;
    const connectedAt = Date.now();
    const hold = queues.seconds(connectedAt - joinedAt);
    queues.leave(q, ch, false);
    queues.connected(q, member, ch, callee, hold, queues.seconds(connectedAt - started));
    this.e.answer(ch);
    await this.e.bridges.bridgeCall(ch, callee, "AppQueue");
    // app_queue learns who hung up first from the HangupRequest: the member (agent) or the caller.
    queues.completed(q, member, ch, callee, hold, queues.seconds(Date.now() - connectedAt), ch.bridgeEnded ? "agent" : "caller");
    ch.hangupCause ??= 16;
    return "answer";
  }
}
