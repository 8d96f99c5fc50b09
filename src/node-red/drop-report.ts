/**
 * How an "ami in" node tells the log that it drops events: at once when the first one is dropped,
 * then a sum of what was dropped at most once every `everyMs` while dropping goes on, and a last
 * sum when the node closes. The texts come from the node's message catalog.
 */
export interface DropTexts {
  /** The first drop (the bound that was reached). */
  started(): string;
  /** `count` more were dropped (in the last period, or since the last sum when final); `total` since start. */
  summary(count: number, total: number, final: boolean): string;
}

/** A warning about dropped events at most this often, ms. */
export const DROP_REPORT_MS = 10_000;

export class DropReport {
  private unreported = 0;
  private timer?: NodeJS.Timeout;
  private total = 0;

  constructor(
    private readonly warn: (text: string) => void,
    private readonly texts: DropTexts,
    private readonly everyMs = DROP_REPORT_MS,
  ) {}

  /** One more event was dropped; `total` dropped since the node started. */
  dropped(total: number): void {
    this.total = total;
    this.unreported++;
    if (this.timer) return;
    this.warn(this.texts.started());
    this.timer = setInterval(() => {
      if (this.unreported > 0) this.sum(false);
      else this.stopTimer();
    }, this.everyMs);
    this.timer.unref?.();
  }

  /** The node closes: the last sum, if anything was dropped since the one before. */
  close(): void {
    this.stopTimer();
    this.sum(true);
  }

  private sum(final: boolean): void {
    if (this.unreported === 0) return;
    this.warn(this.texts.summary(this.unreported, this.total, final));
    this.unreported = 0;
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
