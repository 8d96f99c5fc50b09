import { CallEngine, OriginateRequest } from "./calls";
import { DeviceStates } from "./devices";
import { Party } from "./channel";

/**
 * Background traffic of the default lab (`traffic: { callsPerMinute }`, `npm run pbx -- --traffic 6`;
 * the SIP lab's is sip-traffic.ts, on the same RandomTraffic): calls arrive at random (exponential
 * gaps around 60 s / callsPerMinute of real time, bounded) in the mix a small office sees, each
 * an Originate into the lab's contexts the way a test would place it. Durations
 * are dialplan or Originate seconds, so `timeScale` scales them.
 */

type Kind = "ring-group" | "queue" | "no-answer" | "abandoned" | "busy" | "internal" | "outbound";

/** How many of each kind in every 20 calls (a shuffled deck, so short runs see the whole mix). */
const MIX: Array<[Kind, number]> = [
  ["ring-group", 5],
  ["queue", 3],
  ["no-answer", 2],
  ["abandoned", 2],
  ["busy", 2],
  ["internal", 3],
  ["outbound", 3],
];

const DIDS: Record<Exclude<Kind, "internal" | "outbound">, string> = {
  "ring-group": "4930123400",
  queue: "4930123401",
  "no-answer": "4930123402",
  abandoned: "4930123403",
  busy: "4930123404",
};

const PHONES: Party[] = [
  { num: "6001", name: "Anna Schmidt" },
  { num: "6002", name: "Ben Fischer" },
  { num: "6003", name: "Clara Weber" },
];

const OUTSIDE_NAMES = [
  "Lena Hoffmann", "Jonas Wagner", "Marie Becker", "Paul Schulz", "Sophie Koch", "Felix Richter",
  "Emma Klein", "Lukas Wolf", "Mia Neumann", "Noah Braun", "Hannah Zimmermann", "Elias Krüger",
];

/** A small deterministic generator (mulberry32) in [0, 1), for traffic that repeats run after run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Calls started at random: a Poisson process at callsPerMinute of real time, its gaps kept between
 * a fifth and three times the mean, until stop(). Subclasses place the calls.
 */
export abstract class RandomTraffic {
  private timer?: NodeJS.Timeout;
  protected running = false;

  constructor(
    protected readonly callsPerMinute: number,
    protected readonly random: () => number,
  ) {}

  start(): void {
    if (this.running || !(this.callsPerMinute > 0)) return;
    this.running = true;
    this.schedule();
  }

  /** No call starts after this; the calls under way end with the PBX's channels. */
  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  protected abstract placeCall(): void;

  private schedule(): void {
    const mean = 60000 / this.callsPerMinute;
    const gap = Math.min(3 * mean, Math.max(mean / 5, -Math.log(1 - this.random()) * mean));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.running) return;
      this.placeCall();
      this.schedule();
    }, gap);
  }

  /** An integer in [min, max]. */
  protected between(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  protected pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.random() * list.length)];
  }
}

export class Traffic extends RandomTraffic {
  private deck: Kind[] = [];

  constructor(
    private readonly calls: CallEngine,
    private readonly devices: DeviceStates,
    callsPerMinute: number,
    random: () => number = Math.random,
  ) {
    super(callsPerMinute, random);
  }

  private nextKind(): Kind {
    if (this.deck.length === 0) {
      this.deck = MIX.flatMap(([kind, n]) => Array<Kind>(n).fill(kind));
      for (let i = this.deck.length - 1; i > 0; i--) {
        const j = Math.floor(this.random() * (i + 1));
        [this.deck[i], this.deck[j]] = [this.deck[j], this.deck[i]];
      }
    }
    return this.deck.pop() as Kind;
  }

  /** A phone that is neither ringing nor in a call, to call from (someone picks it up). */
  private idlePhone(except?: string): Party | undefined {
    const idle = PHONES.filter((p) => p.num !== except && ["NOT_INUSE", "UNKNOWN"].includes(this.devices.state(`Custom:${p.num}`)));
    return idle.length > 0 ? this.pick(idle) : undefined;
  }

  private outsideCaller(): Party {
    return { num: `+4930${this.between(1000000, 9999999)}`, name: this.pick(OUTSIDE_NAMES) };
  }

  /** The Originate for the next call: the caller's leg waits for an answer, then talks and hangs up. */
  request(kind: Kind = this.nextKind()): OriginateRequest {
    const talk = String(this.between(10, 120));
    let exten: string;
    let context = "from-pstn";
    let callerId: Party;
    // How long the caller lets it ring (Originate timeout): long enough for the dialplan to decide.
    let patienceS = 90;
    if (kind === "internal" || kind === "outbound") {
      const phone = this.idlePhone();
      if (!phone) return this.request(this.pick(["ring-group", "queue", "no-answer", "busy"] as const));
      callerId = phone;
      context = "from-internal";
      exten = kind === "internal"
        ? (this.idlePhone(phone.num) ?? this.pick(PHONES.filter((p) => p.num !== phone.num))).num
        : this.pick([`0049${this.between(30, 89)}${this.between(1000000, 9999999)}`, `0${this.between(30, 89)}${this.between(100000, 9999999)}`]);
    } else {
      exten = DIDS[kind];
      callerId = this.outsideCaller();
      // Callers to reception give up after a few rings; the phone there rings for two minutes.
      if (kind === "abandoned") patienceS = this.between(5, 25);
    }
    return {
      channel: `Local/${exten}@${context}`, app: "Wait", data: talk, variables: [],
      timeoutMs: patienceS * 1000, callerId,
    };
  }

  protected placeCall(): void {
    void this.calls.originate(this.request());
  }
}
