import { EventFrame, peekEventName } from "../ami";

/** Where a backlog keeps what waits, first in first out. */
export interface BacklogQueue<T> {
  readonly length: number;
  /** Bytes of what waits, for queues that keep bytes. */
  readonly bytes?: number;
  /** Keeps an item (in whatever form the queue chooses); false when it has no room for it. */
  push(item: T, gap: number): boolean;
  /** Removes the first item, handing it and its gap to fn (the item is valid during the call). */
  shift(fn: (item: T, gap: number) => void): void;
  /** Forgets every item and returns the sum of their gaps; with keep, holds on to some memory for reuse. */
  clear(keep?: boolean): number;
}

export function sumRing(values: ArrayLike<number>, head: number, count: number): number {
  let sum = 0;
  for (let k = 0; k < count; k++) sum += values[(head + k) % values.length];
  return sum;
}

/** Copies the `count` entries of a ring that start at `head` to the start of `into`, in order. */
export function unwrapRing<T>(ring: ArrayLike<T>, head: number, count: number, into: { [i: number]: T }): void {
  for (let k = 0; k < count; k++) into[k] = ring[(head + k) % ring.length];
}


/** One block of a FrameQueue: frames one after the other in [read, write). */
interface Block {
  buf: Buffer;
  read: number;
  write: number;
}

/** Largest block, bytes: small enough that a burst's memory comes back soon after it drained. */
const MAX_BLOCK = 256 * 1024;
/** Entries of the ring of lengths kept once the queue is empty again (12 bytes each). */
const RING_KEPT = 4096;

/**
 * Waiting events kept as their bytes outside the JavaScript heap, in blocks (Buffers of up to
 * 256 KiB) taken as a burst needs them and given back as soon as it drained: nothing for the
 * garbage collector to move however long they wait, nothing copied twice, and a bound in bytes
 * (`maxBytes`, the bytes of the events waiting). What the queue holds is those bytes, the unused
 * end of each block (less than one event each), the part of the first block already handed over,
 * and one spare block: `capacity` ≤ maxBytes + 3 blocks with events far smaller than a block, and
 * ≤ 2 × maxBytes + 3 blocks for any mix of sizes. A frame larger than a block gets a block of its own.
 */
export class FrameQueue implements BacklogQueue<EventFrame> {
  private blocks: Block[] = [];
  private spare?: Buffer;
  private live = 0;
  private held = 0;
  private lens = new Int32Array(0);
  private gaps = new Float64Array(0);
  private head = 0;
  private count = 0;
  /** Frames being handed over (shift's callback running): their blocks must not be reused. */
  private handing = 0;
  readonly blockSize: number;

  constructor(readonly maxBytes: number) {
    // Small bounds (tests, tiny settings) get small blocks, so that the overhead stays in proportion.
    let block = 1024;
    while (block < MAX_BLOCK && block * 8 < maxBytes) block *= 2;
    this.blockSize = block;
  }

  get length(): number {
    return this.count;
  }

  /** Bytes of the events waiting. */
  get bytes(): number {
    return this.live;
  }

  /** Bytes held: every block in use and the spare. */
  get capacity(): number {
    return this.held + (this.spare?.length ?? 0);
  }

  push(frame: EventFrame, gap: number): boolean {
    const len = frame.length;
    if (this.live + len > this.maxBytes) return false;
    let tail = this.blocks[this.blocks.length - 1];
    if (!tail || tail.buf.length - tail.write < len) {
      tail = { buf: this.takeBuffer(len), read: 0, write: 0 };
      this.blocks.push(tail);
    }
    frame.copyTo(tail.buf, tail.write);
    tail.write += len;
    this.live += len;
    if (this.count === this.lens.length) this.growRing();
    const i = (this.head + this.count) % this.lens.length;
    this.lens[i] = len;
    this.gaps[i] = gap;
    this.count++;
    return true;
  }

  shift(fn: (frame: EventFrame, gap: number) => void): void {
    if (this.count === 0) return;
    const len = this.lens[this.head];
    const gap = this.gaps[this.head];
    // Blocks already read to their end wait for the callbacks that use them (nested shifts).
    let b = 0;
    while (this.blocks[b].read === this.blocks[b].write) b++;
    const block = this.blocks[b];
    const at = block.read;
    const frame = new EventFrame(peekEventName(block.buf, at, at + len) ?? "", block.buf, at, at + len, undefined, true);
    block.read += len;
    this.live -= len;
    this.head = (this.head + 1) % this.lens.length;
    this.count--;
    this.handing++;
    try {
      fn(frame, gap);
    } finally {
      this.handing--;
      frame.release();
      if (this.handing === 0) this.recycle();
    }
  }

  clear(keep = false): number {
    const gaps = sumRing(this.gaps, this.head, this.count);
    // A frame being handed over keeps its block: dropped here, never reused.
    const reusable = keep && this.handing === 0 ? this.blocks.find((x) => x.buf.length === this.blockSize)?.buf : undefined;
    this.blocks = [];
    this.held = 0;
    this.live = 0;
    this.head = this.count = 0;
    if (!keep) this.spare = undefined;
    else if (!this.spare && reusable) this.spare = reusable;
    this.shrinkRing(keep ? RING_KEPT : 0);
    return gaps;
  }

  /** Gives back the blocks read to their end (one kept as the spare); an empty queue starts over. */
  private recycle(): void {
    while (this.blocks.length > 0 && this.blocks[0].read === this.blocks[0].write) {
      const done = this.blocks[0];
      // The last block starts over, unless it is a large frame's own block: kept for the small
      // frames after it, its size would count against the bound on top of theirs.
      if (this.blocks.length === 1 && done.buf.length === this.blockSize) {
        done.read = done.write = 0;
        break;
      }
      this.blocks.shift();
      this.held -= done.buf.length;
      if (!this.spare && done.buf.length === this.blockSize) this.spare = done.buf;
    }
    if (this.count === 0) this.shrinkRing(RING_KEPT);
  }

  private takeBuffer(len: number): Buffer {
    let buf: Buffer;
    if (len <= this.blockSize && this.spare) {
      buf = this.spare;
      this.spare = undefined;
    } else buf = Buffer.allocUnsafeSlow(Math.max(len, this.blockSize));
    this.held += buf.length;
    return buf;
  }

  private growRing(): void {
    this.resizeRing(Math.max(64, this.lens.length * 2));
  }

  /** After a burst: the ring of lengths goes back to `keep` entries at most (empty queue only). */
  private shrinkRing(keep: number): void {
    if (this.count === 0 && this.lens.length > keep) this.resizeRing(keep);
  }

  private resizeRing(cap: number): void {
    const lens = new Int32Array(cap);
    const gaps = new Float64Array(cap);
    unwrapRing(this.lens, this.head, this.count, lens);
    unwrapRing(this.gaps, this.head, this.count, gaps);
    this.lens = lens;
    this.gaps = gaps;
    this.head = 0;
  }
}
