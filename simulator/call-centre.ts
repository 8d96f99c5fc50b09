/**
 * The call centre (option `callCentre`): queues sales and support with the agents of
 * call-centre-lab.ts logged in, callers placed as Local calls into context `callcentre` (so every
 * queue call is app_queue's, calls.ts + queues.ts, with its channel events), and a test API to make
 * things happen and wait for them. The background traffic (peaks, abandons, pauses, logouts) is
 * call-centre-traffic.ts and drives the same API.
 */
import { Channel, UNKNOWN } from "./channel";
import { CallEngine } from "./calls";
import { PbxEvent } from "./events";
import { Queues } from "./queues";
import { AGENTS, CALLER_CONTEXT } from "./call-centre-lab";
import { CallCentreTraffic, EventFields, fieldsOf } from "./call-centre-traffic";
import { seededRandom } from "./traffic";

export interface CallCentreOptions {
  /** The background traffic (default true); false: only what the test API does happens. */
  traffic?: boolean;
  /** Seeds the traffic: the same arrivals (queues, callers, patience, talk times) run after run. */
  seed?: number;
}

export interface CallCentreHost {
  readonly calls: CallEngine;
  readonly queues: Queues;
  /** Dialplan milliseconds to real ones (timeScale). */
  scale(ms: number): number;
  /** Every event the PBX publishes, before sessions filter it; returns the unsubscribe. */
  watch(listener: (ev: PbxEvent) => void): () => void;
}

export type { EventFields } from "./call-centre-traffic";

export interface JoinedCaller {
  /** The Uniqueid of the caller's channel in the queue (QueueCallerJoin, QueueEntry). */
  uniqueid: string;
  channel: string;
  queue: string;
  position: number;
}

/** How long a test API call waits for its event before it rejects (real ms). */
const WAIT_MS = 30000;
/** Pending waits at once; more is a test that forgot to await (bound of `waiters`). */
const MAX_WAITERS = 1000;
/** An Originate timeout that never fires before the queue's own (dialplan ms: one day). */
const CALLER_TIMEOUT_MS = 86400000;

interface Waiter {
  name: string;
  match: EventFields;
  resolve(fields: EventFields): void;
  reject(err: Error): void;
}

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

export class CallCentre {
  private readonly waiters = new Set<Waiter>();
  private readonly unwatch: () => void;
  private traffic?: CallCentreTraffic;

  constructor(private readonly host: CallCentreHost, private readonly options: CallCentreOptions = {}) {
    this.unwatch = host.watch((ev) => this.dispatch(ev));
    for (const agent of AGENTS) for (const q of agent.queues) host.queues.add(q, agent.iface, agent.name, 0, false, "");
  }

  /** Starts the background traffic unless `traffic: false` (the PBX calls it once it listens). */
  start(): void {
    if (this.options.traffic === false || this.traffic) return;
    const seed = this.options.seed;
    this.traffic = new CallCentreTraffic(this, this.host, seed === undefined ? Math.random : seededRandom(seed), seed === undefined ? Math.random : seededRandom(seed + 1));
    this.traffic.start();
  }

  /** Stops the traffic; waits still pending reject (the PBX closes). */
  stop(): void {
    this.traffic?.stop();
    this.traffic = undefined;
  }

  /** The PBX closes: the traffic stops and every pending wait rejects now (no timer outlives it). */
  close(): void {
    this.stop();
    this.unwatch();
    for (const w of [...this.waiters]) w.reject(new Error("the simulated PBX closed"));
  }

  // ---- waiting for events -------------------------------------------------------------------

  private dispatch(ev: PbxEvent): void {
    if (this.waiters.size === 0) return;
    const fields = fieldsOf(ev);
    for (const w of [...this.waiters]) {
      if (w.name === ev.name && Object.entries(w.match).every(([k, v]) => fields[k] === v)) w.resolve(fields);
    }
  }

  /**
   * The next event `name` whose headers include `match` (exact values), as a record of its headers.
   * Register it before doing what causes the event: events go out synchronously.
   */
  waitFor(name: string, match: EventFields = {}, timeoutMs = WAIT_MS): Promise<EventFields> {
    if (this.waiters.size >= MAX_WAITERS) return Promise.reject(new Error(`more than ${MAX_WAITERS} waits pending`));
    return new Promise((resolve, reject) => {
      const settle = (): void => {
        clearTimeout(timer);
        this.waiters.delete(w);
      };
      const w: Waiter = {
        name,
        match,
        resolve: (fields) => (settle(), resolve(fields)),
        reject: (err) => (settle(), reject(err)),
      };
      const timer = setTimeout(() => w.reject(new Error(`no ${name} ${JSON.stringify(match)} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.add(w);
    });
  }

  /** Passed to the traffic: the PBX's event feed. */
  watch(listener: (ev: PbxEvent) => void): () => void {
    return this.host.watch(listener);
  }

  // ---- callers ------------------------------------------------------------------------------

  /** A caller rings the queue's extension in context `callcentre` and waits there (QueueCallerJoin). */
  async join(queue: string, caller: { callerIdNum?: string; callerIdName?: string } = {}): Promise<JoinedCaller> {
    if (!this.host.queues.byName.has(queue)) throw new Error(`no such queue: ${queue}`);
    const { calls } = this.host;
    const oneId = calls.newUniqueid();
    const twoId = calls.newUniqueid();
    const joined = this.waitFor("QueueCallerJoin", { Uniqueid: twoId });
    const outcome = calls.originate({
      channel: `Local/${queue}@${CALLER_CONTEXT}`, app: "Wait", data: "86400", variables: [], timeoutMs: CALLER_TIMEOUT_MS,
      callerId: { num: caller.callerIdNum ?? UNKNOWN, name: caller.callerIdName ?? UNKNOWN }, channelId: oneId, otherChannelId: twoId,
    });
    void outcome.catch(() => undefined);
    const ev = await joined;
    return { uniqueid: twoId, channel: ev.Channel, queue, position: Number(ev.Position) };
  }

  /** The waiting caller hangs up: resolves on its QueueCallerAbandon. */
  async abandon(uniqueid: string): Promise<EventFields> {
    const ch = this.waiting(uniqueid);
    const done = this.waitFor("QueueCallerAbandon", { Uniqueid: uniqueid });
    this.host.calls.requestHangup(ch.localPeer ?? ch, 16);
    return done;
  }

  /**
   * The member (any, or the one with this interface) rung for the caller picks up: now if it
   * rings, else as soon as the queue rings it. Resolves on AgentConnect.
   */
  async answer(uniqueid: string, memberInterface?: string): Promise<EventFields> {
    this.waiting(uniqueid);
    const connected = this.waitFor("AgentConnect", { Uniqueid: uniqueid });
    if (!this.answerIfRinging(uniqueid, memberInterface)) {
      const called = this.waitFor("AgentCalled", { Uniqueid: uniqueid, ...(memberInterface ? { Interface: memberInterface } : {}) });
      // AgentCalled goes out while app_queue still calls the other members: pick up once it is done.
      void called.then(() => setImmediate(() => this.answerIfRinging(uniqueid, memberInterface)), () => undefined);
    }
    return connected;
  }

  /** Picks up the caller's ringing member (with that interface); false when none rings now. */
  answerIfRinging(uniqueid: string, memberInterface?: string): boolean {
    const caller = this.host.calls.find(uniqueid);
    const callee = caller?.dialing?.attempts.find((c) => !c.gone && !c.dialStatus && (!memberInterface || same(c.device, memberInterface)));
    if (!callee?.localPeer) return false;
    this.host.calls.answer(callee.localPeer);
    return true;
  }

  /** One side of a caller's call hangs up (the caller's phone, or the agent's); resolves on the caller's Hangup. */
  async hangUp(uniqueid: string, by: "caller" | "agent" = "caller"): Promise<EventFields> {
    const caller = this.host.calls.find(uniqueid);
    if (!caller) throw new Error(`no such caller: ${uniqueid}`);
    let target: Channel = caller.localPeer ?? caller;
    if (by === "agent") {
      const member = caller.bridge?.members.find((c) => c !== caller);
      if (!member?.localPeer) throw new Error(`caller ${uniqueid} is not talking to an agent`);
      target = member.localPeer;
    }
    const gone = this.waitFor("Hangup", { Uniqueid: uniqueid });
    this.host.calls.requestHangup(target, 16);
    const fields = await gone;
    // The member's QueueMemberStatus follows AgentComplete a moment later (queues.ts deviceUse).
    await new Promise((resolve) => setImmediate(resolve));
    return fields;
  }

  /** The caller's channel while it waits in a queue, else an error. */
  private waiting(uniqueid: string): Channel {
    for (const q of this.host.queues.byName.values()) {
      const c = q.callers.find((x) => x.channel.uniqueid === uniqueid);
      if (c) return c.channel;
    }
    throw new Error(`caller ${uniqueid} is not waiting in a queue`);
  }

  // ---- agents -------------------------------------------------------------------------------

  /** QueueAdd of a dynamic member (QueueMemberAdded). */
  login(queue: string, iface: string, name?: string, opts: { penalty?: number; paused?: boolean; reason?: string } = {}): void {
    const err = this.host.queues.add(queue, iface, name, opts.penalty ?? 0, opts.paused ?? false, opts.reason ?? "");
    if (err) throw new Error(err);
  }

  /** QueueRemove (QueueMemberRemoved). */
  logout(queue: string, iface: string): void {
    const err = this.host.queues.remove(queue, iface);
    if (err) throw new Error(err);
  }

  /** QueuePause with a reason, in one queue or (queue undefined) all of the member's (QueueMemberPause). */
  pause(queue: string | undefined, iface: string, reason = ""): void {
    if (!this.host.queues.pause(queue, iface, true, reason)) throw new Error(`Interface not found: ${iface}`);
  }

  unpause(queue: string | undefined, iface: string): void {
    if (!this.host.queues.pause(queue, iface, false, "")) throw new Error(`Interface not found: ${iface}`);
  }
}
