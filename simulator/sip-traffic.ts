import type { SipPhones } from "./index";
import { RandomTraffic } from "./traffic";

/**
 * Background traffic in the SIP lab (`startPbx({ sip: true, traffic: { callsPerMinute } })`,
 * `npm run pbx -- --sip --traffic 6`, `npm start`): an office day driven through the phone API
 * (`pbx.phones`), the way the phones of the sip-* captures were driven. Calls start at random
 * (exponential gaps around 60 s / callsPerMinute of real time, bounded, as in traffic.ts), each a
 * short script: the trunk calling the ring group (answered, with hold, DTMF or a blind transfer;
 * abandoned by the caller; unanswered until Dial's timeout), phone-to-phone calls (answered, with
 * hold or DTMF, an attended transfer through `*2`, unanswered, rejected with 486) and queue 700
 * answered by a member. Ring, talk and hold times are dialplan seconds, so `timeScale` scales them.
 *
 * A phone does one call at a time: a script starts only when every phone it rings is idle and no
 * other script holds it, and it lets a phone go as soon as that phone is out of its call (the ring
 * group's loser once the other answers, the transferer after the transfer). Every step checks the
 * phone's state first (the lab's own timeouts may have ended the call), so the phone API is never
 * asked for something the phone cannot do; should it still refuse, the error is counted in
 * `errors`, never thrown into a timer.
 */

export type SipKind =
  | "inbound" | "inbound-hold" | "inbound-dtmf" | "inbound-transfer" | "inbound-abandoned" | "inbound-noanswer"
  | "queue" | "internal" | "internal-hold" | "internal-dtmf" | "internal-noanswer" | "internal-rejected" | "attended-transfer";

/** How many of each kind in every 20 calls (a shuffled deck, so short runs see the whole mix). */
const MIX: Array<[SipKind, number]> = [
  ["inbound", 3],
  ["inbound-hold", 2],
  ["inbound-dtmf", 1],
  ["inbound-transfer", 2],
  ["inbound-abandoned", 2],
  ["inbound-noanswer", 1],
  ["queue", 3],
  ["internal", 1],
  ["internal-hold", 1],
  ["internal-dtmf", 1],
  ["internal-noanswer", 1],
  ["internal-rejected", 1],
  ["attended-transfer", 1],
];

const PHONES = ["6001", "6002", "6003"] as const;
const TRUNK = "provider";
const RING_GROUP = ["6001", "6002"];
const QUEUE_CALLER = "6001";
const QUEUE_MEMBERS = ["6002", "6003"];
/** Longer than Dial's 15 s and the queue's 20 s timeouts: the lab ends those calls itself. */
const GIVE_UP_S = 25;

/** One call's script, every random draw made when it starts (so a seed repeats the scripts). */
export interface SipPlan {
  kind: SipKind;
  /** The phone that dials ("provider" for the trunk). */
  from: string;
  /** The number dialled: a DID, a phone, 700. */
  to: string;
  /** The phone that answers (or rejects), for a ring group or queue the member that picks up. */
  answerer?: string;
  /** Seconds of ringing before the answer (or the 486, or the caller giving up). */
  ringS: number;
  /** Seconds of talk once answered (before any hold, DTMF or transfer, and after it). */
  talkS: number;
  talk2S: number;
  holdS: number;
  digits: string;
  /** Transfer target, tried in this order (the first idle one). */
  transferTo: string[];
  /** Who hangs up at the end: the caller's side or the other. */
  callerHangsUp: boolean;
}

/** The phones one running script holds: `take` one more, `release` one out of its call. */
interface Script {
  take(phone: string): void;
  release(phone: string): void;
}

export interface SipTrafficStats {
  calls: number;
  inbound: number;
  internal: number;
  queue: number;
  /** Queue calls a member answered. */
  queueAnswered: number;
  answered: number;
  holds: number;
  dtmf: number;
  blindTransfers: number;
  attendedTransfers: number;
  rejected: number;
  abandoned: number;
  skipped: number;
}

export class SipTraffic extends RandomTraffic {
  private readonly waits = new Set<NodeJS.Timeout>();
  private deck: SipKind[] = [];
  /** Phones a running script drives. */
  private readonly held = new Set<string>();
  readonly stats: SipTrafficStats = {
    calls: 0, inbound: 0, internal: 0, queue: 0, queueAnswered: 0, answered: 0, holds: 0, dtmf: 0, blindTransfers: 0,
    attendedTransfers: 0, rejected: 0, abandoned: 0, skipped: 0,
  };
  /** What the phone API refused (none expected). */
  readonly errors: string[] = [];

  constructor(
    private readonly phones: SipPhones,
    /** Dialplan milliseconds to real ones (timeScale). */
    private readonly scale: (ms: number) => number,
    callsPerMinute: number,
    random: () => number = Math.random,
  ) {
    super(callsPerMinute, random);
  }

  /** No call starts or goes on after this; the calls under way end with the PBX's channels. */
  override stop(): void {
    super.stop();
    for (const t of this.waits) clearTimeout(t);
    this.waits.clear();
  }

  /**
   * Talk times: mostly short, some longer; kept short on purpose, since three phones carry one or
   * two calls at a time and the demo should show calls ending every few seconds. A call with a
   * hold, DTMF or transfer talks twice, each part short.
   */
  private talkTime(short: boolean): number {
    return short || this.random() < 0.7 ? this.between(4, 12) : this.between(12, 30);
  }

  private idle(phone: string): boolean {
    return !this.held.has(phone) && this.phones.status(phone) === undefined;
  }

  /** Whether a call of this kind can start now. */
  private fits(kind: SipKind): boolean {
    if (kind.startsWith("inbound")) return this.idle(TRUNK) && RING_GROUP.every((p) => this.idle(p));
    if (kind === "queue") return [QUEUE_CALLER, ...QUEUE_MEMBERS].every((p) => this.idle(p));
    return PHONES.filter((p) => this.idle(p)).length >= 2;
  }

  /** The next kind of the deck that can start now (taken out of the deck), undefined when none can. */
  private nextKind(): SipKind | undefined {
    if (this.deck.length === 0) {
      this.deck = MIX.flatMap(([kind, n]) => Array<SipKind>(n).fill(kind));
      for (let i = this.deck.length - 1; i > 0; i--) {
        const j = Math.floor(this.random() * (i + 1));
        [this.deck[i], this.deck[j]] = [this.deck[j], this.deck[i]];
      }
    }
    for (let i = this.deck.length - 1; i >= 0; i--) {
      if (this.fits(this.deck[i])) return this.deck.splice(i, 1)[0];
    }
    return undefined;
  }

  /** The script of a call of this kind with the phones idle now (every draw made here). */
  plan(kind: SipKind): SipPlan {
    const twoParts = /hold|dtmf|transfer/.test(kind);
    const plan: SipPlan = {
      kind, from: TRUNK, to: "", ringS: this.between(2, 6), talkS: this.talkTime(twoParts), talk2S: this.talkTime(twoParts),
      holdS: this.between(3, 8), digits: "", transferTo: [], callerHangsUp: this.random() < 0.5,
    };
    if (kind.startsWith("inbound")) {
      plan.to = `4930123${this.between(400, 499)}`;
      plan.answerer = this.pick(RING_GROUP);
      if (kind === "inbound-abandoned") plan.ringS = this.between(3, 10);
      if (kind === "inbound-dtmf") plan.digits = this.pick(["1", "2", "3", "12", "31#"]);
      plan.transferTo = PHONES.filter((p) => p !== plan.answerer);
      if (this.random() < 0.5) plan.transferTo.reverse();
    } else if (kind === "queue") {
      plan.from = QUEUE_CALLER;
      plan.to = "700";
      plan.answerer = this.pick(QUEUE_MEMBERS);
      plan.ringS = this.between(3, 8);
    } else {
      const free = PHONES.filter((p) => this.idle(p));
      plan.from = this.pick(free);
      plan.to = this.pick(free.filter((p) => p !== plan.from));
      plan.answerer = plan.to;
      if (kind === "internal-dtmf") plan.digits = this.pick(["1234#", "0", "42", "5#"]);
      plan.transferTo = PHONES.filter((p) => p !== plan.from && p !== plan.to);
    }
    return plan;
  }

  /** The script of the next call that can start now, undefined when the phones are too busy. */
  nextPlan(): SipPlan | undefined {
    const kind = this.nextKind();
    return kind && this.plan(kind);
  }

  protected placeCall(): void {
    const plan = this.nextPlan();
    if (!plan) {
      this.stats.skipped++;
      return;
    }
    const kind = plan.kind;
    this.stats.calls++;
    const mine = new Set<string>();
    const take = (phone: string): void => {
      mine.add(phone);
      this.held.add(phone);
    };
    const phones = kind.startsWith("inbound") ? [TRUNK, ...RING_GROUP] : kind === "queue" ? [QUEUE_CALLER, ...QUEUE_MEMBERS] : [plan.from, plan.to];
    for (const p of phones) take(p);
    const script: Script = {
      take,
      release: (phone) => {
        if (!mine.has(phone) || this.phones.status(phone) !== undefined) return;
        mine.delete(phone);
        this.held.delete(phone);
      },
    };
    void this.run(plan, script)
      .catch((err: Error) => this.errors.push(`${kind}: ${err.message}`))
      .finally(() => this.finish(mine));
  }

  /** The script is over: a phone still in its call is hung up (not expected), then all go. */
  private finish(mine: Set<string>): void {
    if (!this.running) return;
    for (const p of mine) {
      if (this.phones.status(p)) this.act(`hang up ${p} left in a call`, () => this.phones.hangUp(p));
      this.held.delete(p);
    }
  }

  /** A phone API call; a refusal is counted, never thrown. */
  private act(what: string, fn: () => void): boolean {
    try {
      fn();
      return true;
    } catch (err) {
      this.errors.push(`${what}: ${(err as Error).message}`);
      return false;
    }
  }

  /** Dialplan seconds (scaled); never resolves once the traffic stops. */
  private wait(seconds: number): Promise<void> {
    return new Promise((resolve) => {
      if (!this.running) return;
      const t = setTimeout(() => {
        this.waits.delete(t);
        if (this.running) resolve();
      }, this.scale(seconds * 1000));
      this.waits.add(t);
    });
  }

  private state(phone: string): string | undefined {
    return this.phones.status(phone)?.state;
  }

  /** Waits until the phone's call ends by itself (a timeout of the lab), at most GIVE_UP_S. */
  private async untilIdle(phone: string): Promise<void> {
    for (let s = 0; s < GIVE_UP_S && this.state(phone) !== undefined; s++) await this.wait(1);
  }

  private async run(p: SipPlan, script: Script): Promise<void> {
    const { phones } = this;
    const inbound = p.kind.startsWith("inbound");
    if (inbound) this.stats.inbound++;
    else if (p.kind === "queue") this.stats.queue++;
    else this.stats.internal++;
    if (!this.act(`${p.from} dials ${p.to}`, () => phones.dial(p.from, p.to))) return;
    if (p.kind === "inbound-noanswer" || p.kind === "internal-noanswer") return this.untilIdle(p.from);
    await this.wait(p.ringS);
    const answerer = p.answerer as string;
    if (p.kind === "inbound-abandoned") {
      if (this.state(p.from) !== undefined && this.act("the caller gives up", () => phones.hangUp(p.from))) this.stats.abandoned++;
      return;
    }
    if (this.state(answerer) !== "ringing") return this.untilIdle(p.from);
    if (p.kind === "internal-rejected") {
      if (this.act(`${answerer} rejects`, () => phones.reject(answerer))) this.stats.rejected++;
      return;
    }
    if (!this.act(`${answerer} answers`, () => phones.answer(answerer))) return;
    this.stats.answered++;
    if (p.kind === "queue") this.stats.queueAnswered++;
    // The ring group's or the queue's other phone is free again.
    for (const other of [...RING_GROUP, ...QUEUE_MEMBERS]) if (other !== answerer && other !== p.from) script.release(other);
    await this.wait(p.talkS);
    const up = (phone: string): boolean => this.state(phone) === "up";
    if (!up(answerer) || !up(p.from)) return;
    return this.talk(p, script, answerer);
  }

  /** The answered call: a hold, DTMF or a transfer as planned, then one side hangs up. */
  private async talk(p: SipPlan, script: Script, answerer: string): Promise<void> {
    const { phones } = this;
    const up = (phone: string): boolean => this.state(phone) === "up";
    if (p.kind === "inbound-hold" || p.kind === "internal-hold") {
      if (this.act(`${answerer} holds`, () => phones.hold(answerer))) this.stats.holds++;
      await this.wait(p.holdS);
      if (!up(answerer)) return;
      this.act(`${answerer} resumes`, () => phones.resume(answerer));
      await this.wait(p.talk2S);
    } else if (p.kind === "inbound-dtmf" || p.kind === "internal-dtmf") {
      if (this.act(`${p.from} sends DTMF`, () => phones.sendDtmf(p.from, p.digits))) this.stats.dtmf++;
      await this.wait(p.talk2S);
    } else if (p.kind === "inbound-transfer") {
      const target = p.transferTo.find((t) => this.idle(t));
      if (target) {
        script.take(target);
        if (this.act(`${answerer} transfers to ${target}`, () => phones.blindTransfer(answerer, target))) return this.blindTransferred(p, script, answerer, target);
      }
    } else if (p.kind === "attended-transfer") {
      const target = p.transferTo.find((t) => this.idle(t));
      if (target) return this.attendedTransfer(p, script, answerer, target);
    }
    return this.end(p.from, answerer, p.callerHangsUp);
  }

  /** After the REFER: the target rings, answers, and the call goes on with it. */
  private async blindTransferred(p: SipPlan, script: Script, answerer: string, target: string): Promise<void> {
    this.stats.blindTransfers++;
    script.release(answerer);
    await this.wait(p.ringS);
    if (this.state(target) !== "ringing") return this.untilIdle(p.from);
    if (!this.act(`${target} answers the transfer`, () => this.phones.answer(target))) return;
    await this.wait(p.talk2S);
    return this.end(p.from, target, p.callerHangsUp);
  }

  /**
   * `*2` and the target: the consultation has no timeout and only the captured path exists, so the
   * target answers, then the transferer hangs up.
   */
  private async attendedTransfer(p: SipPlan, script: Script, answerer: string, target: string): Promise<void> {
    const { phones } = this;
    script.take(target);
    if (!this.act(`${answerer} keys *2${target}`, () => phones.sendDtmf(answerer, `*2${target}`))) return;
    await this.wait(p.ringS);
    if (this.state(target) !== "ringing") return;
    if (!this.act(`${target} answers the consultation`, () => phones.answer(target))) return;
    await this.wait(p.holdS);
    if (!this.act(`${answerer} completes the transfer`, () => phones.hangUp(answerer))) return;
    this.stats.attendedTransfers++;
    script.release(answerer);
    await this.wait(p.talk2S);
    return this.end(p.from, target, p.callerHangsUp);
  }

  /** One side hangs up (BYE), if the call is still up. */
  private end(caller: string, other: string, callerHangsUp: boolean): void {
    const phone = callerHangsUp ? caller : other;
    const state = this.state(phone);
    if (state === "up") this.act(`${phone} hangs up`, () => this.phones.hangUp(phone));
  }
}
