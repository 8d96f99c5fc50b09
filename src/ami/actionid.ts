import { randomBytes } from "node:crypto";

/**
 * ActionIDs: a random prefix per connection plus a counter.
 *
 * Asterisk broadcasts OriginateResponse to every AMI session with call read rights, carrying the
 * originator's ActionID; two processes that both count from 1 (or use Date.now()) would take each
 * other's results. 48 random bits per connection make a collision across sessions negligible, and
 * a new prefix after each reconnect keeps late answers of the old session from matching.
 */
export class ActionIdSource {
  private prefix = "";
  private counter = 0;

  constructor() {
    this.renew();
  }

  /** A fresh prefix (call on every new connection). */
  renew(): void {
    this.prefix = randomBytes(6).toString("hex");
    this.counter = 0;
  }

  next(): string {
    this.counter += 1;
    return `${this.prefix}-${this.counter}`;
  }
}
