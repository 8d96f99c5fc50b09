import { randomBytes } from "node:crypto";

const WRAP = 2 ** 32;

/**
 * Ids for the messages a node starts (msg._msgid), 16 hex digits as Node-RED's own: a random
 * 32-bit prefix and a 32-bit counter, with a new prefix whenever the counter wraps. Node-RED makes
 * an id for a message that has none from eight calls to Math.random and sixteen small strings; an
 * "ami in" node may start a hundred thousand messages a second, and this makes three.
 */
export class MsgIds {
  private prefix = randomBytes(4).toString("hex");

  constructor(private counter = 0) {}

  next(): string {
    if (this.counter >= WRAP) {
      this.prefix = randomBytes(4).toString("hex");
      this.counter = 0;
    }
    return this.prefix + (this.counter++).toString(16).padStart(8, "0");
  }
}

const ids = new MsgIds();

/** A new message id (see MsgIds), unique in this process. */
export function newMsgId(): string {
  return ids.next();
}
