import { BacklogQueue, sumRing, unwrapRing } from "../../src/node-red/frame-queue";

/**
 * A growable ring of items: a backlog queue for tests that push plain values (the "ami in" node
 * keeps its events as bytes, in a FrameQueue).
 */
export class ArrayQueue<T> implements BacklogQueue<T> {
  private items: Array<T | undefined> = [];
  private gaps: number[] = [];
  private head = 0;
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(item: T, gap: number): boolean {
    if (this.count === this.items.length) this.grow();
    const i = (this.head + this.count) % this.items.length;
    this.items[i] = item;
    this.gaps[i] = gap;
    this.count++;
    return true;
  }

  shift(fn: (item: T, gap: number) => void): void {
    if (this.count === 0) return;
    const item = this.items[this.head] as T;
    const gap = this.gaps[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.items.length;
    this.count--;
    fn(item, gap);
  }

  clear(keep = false): number {
    const gaps = sumRing(this.gaps, this.head, this.count);
    if (keep) this.items.fill(undefined);
    else {
      this.items = [];
      this.gaps = [];
    }
    this.head = this.count = 0;
    return gaps;
  }

  private grow(): void {
    const cap = Math.max(64, this.items.length * 2);
    const items: Array<T | undefined> = new Array(cap);
    const gaps: number[] = new Array(cap);
    unwrapRing(this.items, this.head, this.count, items);
    unwrapRing(this.gaps, this.head, this.count, gaps);
    this.items = items;
    this.gaps = gaps;
    this.head = 0;
  }
}
