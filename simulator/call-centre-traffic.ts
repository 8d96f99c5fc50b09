/**
 * The call centre's background traffic: callers arrive in sales and support (a steady stream plus
 * a burst every minute or so, so the waiting count, the longest wait and the abandons move within
 * seconds), wait, give up when their patience ends or time out, are answered and talk; agents pick
 * up after a few rings or let it ring (AgentRingNoAnswer), hang up or are hung up on, wrap up
 * (queues.conf wrapuptime), pause with a reason, log out and back in.
 *
 * Every duration is in dialplan time (timeScale scales it). The arrivals come from their own random
 * source: with a seed the same callers arrive in the same order with the same patience and talk
 * times run after run; what agents do draws from a second source, in the order calls ring them.
 */
import { Party } from "./channel";
import { PbxEvent } from "./events";
import { Queues } from "./queues";
import { AGENTS, outsideCaller, PAUSE_REASONS } from "./call-centre-lab";
import type { CallCentre } from "./call-centre";

/** An event's headers by name (first occurrence). */
export type EventFields = Record<string, string>;

export function fieldsOf(ev: PbxEvent): EventFields {
  const out: EventFields = {};
  for (let i = 0; i < ev.fields.length; i += 2) out[ev.fields[i]] ??= ev.fields[i + 1];
  return out;
}

export interface Arrival {
  /** Dialplan ms from the start of the traffic. */
  atMs: number;
  queue: string;
  caller: Party;
  /** Seconds the caller waits before hanging up (past the queue's max wait: Queue() times out first). */
  patienceS: number;
  /** Seconds of talk once answered. */
  talkS: number;
  /** Who ends the call: the agent, else the caller. */
  agentHangsUp: boolean;
  /** Part of a peak. */
  burst: boolean;
}

/** Steady arrivals: exponential gaps around this mean (ms), kept within [MIN_GAP_MS, 4 × mean]. */
const MEAN_GAP_MS = 12000;
const MIN_GAP_MS = 1500;
/** A peak every PEAK_EVERY_MS ± PEAK_JITTER_MS: PEAK_MIN..PEAK_MAX callers into one queue, 0.5-2 s apart. */
const PEAK_EVERY_MS = 60000;
const PEAK_JITTER_MS = 10000;
const PEAK_MIN = 4;
const PEAK_MAX = 7;
/** Share of the steady stream going to sales (the rest to support). */
const SALES_SHARE = 0.45;
/** Calls in flight the traffic keeps at most (bound of `plans`): a slow machine never piles up channels. */
const MAX_IN_FLIGHT = 60;

const between = (random: () => number, min: number, max: number): number => min + Math.floor(random() * (max - min + 1));

/** The arrivals a random source gives, in time order, without end (pure: tests compare two seeds' plans). */
export function* arrivalPlan(random: () => number): Generator<Arrival> {
  let t = 0;
  let nextPeak = PEAK_EVERY_MS - PEAK_JITTER_MS + random() * 2 * PEAK_JITTER_MS;
  const arrival = (atMs: number, queue: string, burst: boolean): Arrival => ({
    atMs: Math.round(atMs), queue, caller: outsideCaller(random), patienceS: between(random, 15, 150), talkS: between(random, 15, 90),
    agentHangsUp: random() < 0.4, burst,
  });
  for (;;) {
    const gap = Math.min(4 * MEAN_GAP_MS, Math.max(MIN_GAP_MS, -Math.log(1 - random()) * MEAN_GAP_MS));
    if (t + gap < nextPeak) {
      t += gap;
      yield arrival(t, random() < SALES_SHARE ? "sales" : "support", false);
      continue;
    }
    const queue = random() < 0.5 ? "sales" : "support";
    t = nextPeak;
    for (let i = between(random, PEAK_MIN, PEAK_MAX); i > 0; i--) {
      yield arrival(t, queue, true);
      t += 500 + random() * 1500;
    }
    nextPeak += PEAK_EVERY_MS - PEAK_JITTER_MS + random() * 2 * PEAK_JITTER_MS;
  }
}

interface TrafficHost {
  readonly queues: Queues;
  scale(ms: number): number;
}

export class CallCentreTraffic {
  private readonly timers = new Set<NodeJS.Timeout>();
  /** The robot's callers by Uniqueid, until they hang up (at most MAX_IN_FLIGHT). */
  private readonly plans = new Map<string, Arrival>();
  private readonly plan: Generator<Arrival>;
  private unwatch?: () => void;
  private startedAt = 0;

  constructor(private readonly centre: CallCentre, private readonly host: TrafficHost, arrivals: () => number, private readonly random: () => number) {
    this.plan = arrivalPlan(arrivals);
  }

  start(): void {
    this.startedAt = Date.now();
    this.unwatch = this.centre.watch((ev) => this.onEvent(ev));
    this.next();
    this.later(between(this.random, 20, 40), () => this.breakTime());
    this.later(between(this.random, 60, 120), () => this.shiftChange());
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.unwatch?.();
    this.unwatch = undefined;
    this.plans.clear();
  }

  /** Runs `fn` after `seconds` of dialplan time (a timer stop() clears). */
  private later(seconds: number, fn: () => void): void {
    this.atReal(this.host.scale(seconds * 1000), fn);
  }

  private atReal(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, Math.max(0, ms));
    this.timers.add(t);
  }

  private next(): void {
    const a = this.plan.next().value as Arrival;
    this.atReal(this.startedAt + this.host.scale(a.atMs) - Date.now(), () => {
      this.arrive(a);
      this.next();
    });
  }

  private arrive(a: Arrival): void {
    if (this.plans.size >= MAX_IN_FLIGHT) return;
    void this.centre.join(a.queue, { callerIdNum: a.caller.num, callerIdName: a.caller.name }).then((c) => {
      this.plans.set(c.uniqueid, a);
      this.later(a.patienceS, () => void this.centre.abandon(c.uniqueid).catch(() => undefined));
    }, () => undefined);
  }

  private onEvent(ev: PbxEvent): void {
    if (ev.name === "AgentCalled") this.ringing(fieldsOf(ev));
    else if (ev.name === "AgentConnect") this.talking(fieldsOf(ev));
    else if (ev.name === "Hangup") this.plans.delete(fieldsOf(ev).Uniqueid);
  }

  /**
   * A rung agent of the call centre picks up after 1-4 s, or one time in seven lets it ring out.
   * Any caller's ring: the first one goes out before join() resolves (Queue() rings at once).
   */
  private ringing(f: EventFields): void {
    if (!AGENTS.some((a) => a.iface === f.Interface) || this.random() < 1 / 7) return;
    this.later(between(this.random, 1, 4), () => this.centre.answerIfRinging(f.Uniqueid, f.Interface));
  }

  /** The call ends after the caller's talk time (a caller placed by a test: 15-90 s, either side). */
  private talking(f: EventFields): void {
    if (!AGENTS.some((a) => a.iface === f.Interface)) return;
    const talkS = this.plans.get(f.Uniqueid)?.talkS ?? between(this.random, 15, 90);
    const agentHangsUp = this.plans.get(f.Uniqueid)?.agentHangsUp ?? this.random() < 0.4;
    this.later(talkS, () => void this.centre.hangUp(f.Uniqueid, agentHangsUp ? "agent" : "caller").catch(() => undefined));
  }

  /** Every 30-60 s an agent who is free takes a break (lunch, break, training) of 20-60 s in all its queues. */
  private breakTime(): void {
    const free = this.freeAgents();
    if (free.length > 0) {
      const agent = free[Math.floor(this.random() * free.length)];
      const reason = PAUSE_REASONS[Math.floor(this.random() * PAUSE_REASONS.length)];
      this.centre.pause(undefined, agent.iface, reason);
      this.later(between(this.random, 20, 60), () => this.tryDo(() => this.centre.unpause(undefined, agent.iface)));
    }
    this.later(between(this.random, 30, 60), () => this.breakTime());
  }

  /** Every 1.5-3 min a free agent logs out of its queues and back in 30-90 s later. */
  private shiftChange(): void {
    const free = this.freeAgents();
    if (free.length > 0) {
      const agent = free[Math.floor(this.random() * free.length)];
      for (const q of agent.queues) this.tryDo(() => this.centre.logout(q, agent.iface));
      this.later(between(this.random, 30, 90), () => {
        for (const q of agent.queues) this.tryDo(() => this.centre.login(q, agent.iface, agent.name));
      });
    }
    this.later(between(this.random, 90, 180), () => this.shiftChange());
  }

  /** Agents logged in to all their queues, not paused, not ringing, not in a call. */
  private freeAgents(): typeof AGENTS[number][] {
    return AGENTS.filter((a) => a.queues.every((name) => {
      const q = this.host.queues.byName.get(name);
      const m = q && this.host.queues.member(q, a.iface);
      return m !== undefined && !m.paused && !m.ringing && !m.inCall && m.status === 1;
    }));
  }

  /** A test may have logged the agent out or in meanwhile: the robot's step is then skipped. */
  private tryDo(fn: () => void): void {
    try {
      fn();
    } catch {
      /* the member is not there (any more) or already is */
    }
  }
}
