import type { QueueCaller } from "./queue-types";

/**
 * Callers remembered after they left a queue's waiting list, for the event that tells the outcome:
 * an answered call says QueueCallerLeave before AgentConnect, an abandoned one QueueCallerAbandon
 * before QueueCallerLeave (sip-queue-answered capture). At most MAX_LEFT, the oldest let go.
 */

/** Callers remembered after they left the waiting list, for the event that tells the outcome. */
export const MAX_LEFT = 1000;

export interface LeftCaller {
  caller: QueueCaller;
  wait: number;
  outcome?: "answered" | "abandoned";
  /** QueueCallerLeave was seen. */
  leaveSeen: boolean;
}

export class LeftCallers {
  private readonly left = new Map<string, LeftCaller>();

  /** Remembers a caller who left `queue` after waiting `wait` seconds (the oldest let go past MAX_LEFT). */
  remember(queue: string, caller: QueueCaller, wait: number): LeftCaller {
    const gone: LeftCaller = { caller, wait, leaveSeen: false };
    const key = leftKey(queue, caller.uniqueid);
    this.left.delete(key);
    if (this.left.size >= MAX_LEFT) this.left.delete(this.left.keys().next().value as string);
    this.left.set(key, gone);
    return gone;
  }

  get(queue: string, uniqueid: string): LeftCaller | undefined {
    return this.left.get(leftKey(queue, uniqueid));
  }

  /** The caller, forgotten: its call is complete. */
  take(queue: string, uniqueid: string): LeftCaller | undefined {
    const key = leftKey(queue, uniqueid);
    const gone = this.left.get(key);
    this.left.delete(key);
    return gone;
  }
}

function leftKey(queue: string, uniqueid: string): string {
  return `${queue}\n${uniqueid}`;
}
