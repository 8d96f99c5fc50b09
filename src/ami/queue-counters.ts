import type { QueueCounters } from "./queue-types";

/**
 * A queue's counters over one period (since the tracker started, or today): calls offered,
 * answered, abandoned, their waits and talk times, and the answered waits as a histogram so the
 * service level can be computed for any threshold a node asks for.
 */

/** Waits up to this many seconds are kept to the second. */
const FINE_UP_TO = 300;
/** Above FINE_UP_TO, waits are kept in steps of this many seconds... */
const COARSE_STEP = 10;
/** ...up to this; longer waits share one overflow bin. */
const COARSE_UP_TO = 3600;
const COARSE_BINS = (COARSE_UP_TO - FINE_UP_TO) / COARSE_STEP;
const BINS = FINE_UP_TO + 1 + COARSE_BINS + 1;

/**
 * Answered waits: one bin per second for 0–300 s, one per 10 s for 301–3600 s, one overflow bin
 * (632 bins, 2.5 KB, made on the first answered call). A threshold up to 300 s is exact; above it,
 * it is rounded down to 10 s; a wait over an hour is never within the service level.
 */
export class WaitHistogram {
  private bins?: Uint32Array;

  add(wait: number): void {
    this.bins ??= new Uint32Array(BINS);
    this.bins[binOf(wait)]++;
  }

  /** Answered calls that waited at most `threshold` seconds. */
  atMost(threshold: number): number {
    if (!this.bins || threshold < 0) return 0;
    const t = Math.floor(threshold);
    const last = t <= FINE_UP_TO ? t : FINE_UP_TO + Math.min(COARSE_BINS, Math.floor((t - FINE_UP_TO) / COARSE_STEP));
    let n = 0;
    for (let i = 0; i <= last; i++) n += this.bins[i];
    return n;
  }
}

function binOf(wait: number): number {
  if (wait <= FINE_UP_TO) return Math.max(0, Math.floor(wait));
  if (wait > COARSE_UP_TO) return BINS - 1;
  return FINE_UP_TO + Math.ceil((wait - FINE_UP_TO) / COARSE_STEP);
}

export class PeriodCounters {
  private offered = 0;
  private answered = 0;
  private abandoned = 0;
  private completed = 0;
  private waitSum = 0;
  private abandonWaitSum = 0;
  private talkSum = 0;
  private maxWait: number | null = null;
  private readonly waits = new WaitHistogram();

  constructor(
    /** ms epoch: the start of what is counted. */
    readonly since: number,
    /** False once events may have been missed in this period. */
    public complete: boolean,
  ) {}

  joined(): void {
    this.offered++;
  }

  answer(wait: number): void {
    this.answered++;
    this.waitSum += wait;
    this.waits.add(wait);
    this.longest(wait);
  }

  abandon(wait: number): void {
    this.abandoned++;
    this.abandonWaitSum += wait;
    this.longest(wait);
  }

  finished(talk: number): void {
    this.completed++;
    this.talkSum += talk;
  }

  /** The counters as a node shows them, with answered-in-service-level for `threshold` seconds. */
  view(threshold: number): QueueCounters {
    const inSl = this.waits.atMost(threshold);
    const handled = this.answered + this.abandoned;
    return {
      since: this.since,
      offered: this.offered,
      answered: this.answered,
      abandoned: this.abandoned,
      answeredInServiceLevel: inSl,
      serviceLevelPct: handled > 0 ? round1((inSl / handled) * 100) : null,
      avgWait: average(this.waitSum, this.answered),
      avgAbandonWait: average(this.abandonWaitSum, this.abandoned),
      avgTalk: average(this.talkSum, this.completed),
      maxWait: this.maxWait,
      complete: this.complete,
    };
  }

  private longest(wait: number): void {
    if (this.maxWait === null || wait > this.maxWait) this.maxWait = wait;
  }
}

function average(sum: number, n: number): number | null {
  return n > 0 ? round1(sum / n) : null;
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

/** Local midnight (of the host) at or before `at`, and the next one after it. */
export function localDay(at: number): { start: number; next: number } {
  const d = new Date(at);
  d.setHours(0, 0, 0, 0);
  const start = d.getTime();
  d.setDate(d.getDate() + 1);
  return { start, next: d.getTime() };
}
