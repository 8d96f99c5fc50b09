import { EventFrame } from "./event-frame";
import { AmiMessage } from "./message";

/**
 * Who wants which events: the subscriptions of one client (a selector and a listener of decoded
 * messages or of frames), and, per event name, the listeners it selects. That answer is cached per
 * name, so an event costs one map lookup, and an event nobody wants is never decoded. The cache is
 * cleared whenever a subscription comes or goes, and holds at most 4096 names (names come from the
 * server: a peer inventing names cannot grow it).
 */

export type EventSelector = string | readonly string[] | ((eventName: string) => boolean);
export type EventListener = (event: AmiMessage) => void;
/** Gets events as frames: the name and bytes at once, the headers decoded on demand. */
export type FrameListener = (frame: EventFrame) => void;

/** Who gets events of one name: listeners of decoded messages and of frames. */
export interface Listeners {
  readonly messages: readonly EventListener[];
  readonly frames: readonly FrameListener[];
}

interface Subscription {
  selector: EventSelector;
  listener?: EventListener;
  frameListener?: FrameListener;
}

const NO_LISTENERS: Listeners = { messages: [], frames: [] };
const MAX_CACHED_NAMES = 4096;

export class Subscriptions {
  private readonly list: Subscription[] = [];
  private readonly cache = new Map<string, Listeners>();
  /** `onListenerError` hears of a listener that threw (the others still get the event). */
  private readonly onListenerError: (eventName: string, err: unknown) => void;

  constructor(onListenerError: (eventName: string, err: unknown) => void) {
    this.onListenerError = onListenerError;
  }

  /** Number of active subscriptions. */
  get count(): number {
    return this.list.length;
  }

  /** Adds a subscription of decoded messages; returns the function that removes it (once). */
  subscribe(selector: EventSelector, listener: EventListener): () => void {
    return this.add({ selector, listener });
  }

  /** Adds a subscription of frames; returns the function that removes it (once). */
  subscribeFrames(selector: EventSelector, listener: FrameListener): () => void {
    return this.add({ selector, frameListener: listener });
  }

  /** The listeners of events of this name (the same empty object when there are none). */
  listenersFor(name: string): Listeners {
    let found = this.cache.get(name);
    if (found) return found;
    const messages: EventListener[] = [];
    const frames: FrameListener[] = [];
    for (const sub of this.list) {
      if (!selects(sub.selector, name)) continue;
      if (sub.listener) messages.push(sub.listener);
      if (sub.frameListener) frames.push(sub.frameListener);
    }
    found = messages.length === 0 && frames.length === 0 ? NO_LISTENERS : { messages, frames };
    if (this.cache.size >= MAX_CACHED_NAMES) this.cache.clear();
    this.cache.set(name, found);
    return found;
  }

  /** Hands a decoded event to its message listeners, then (as a frame, built only if needed) to its frame listeners. */
  deliver(msg: AmiMessage, name: string, listeners: Listeners, frame: () => EventFrame): void {
    for (const listener of listeners.messages) {
      try {
        listener(msg);
      } catch (err) {
        this.onListenerError(name, err);
      }
    }
    if (listeners.frames.length > 0) this.deliverFrame(frame(), listeners.frames);
  }

  /** Hands a frame to its listeners, then releases it: the framer reuses the bytes it points into. */
  deliverFrame(frame: EventFrame, listeners: readonly FrameListener[]): void {
    for (const listener of listeners) {
      try {
        listener(frame);
      } catch (err) {
        this.onListenerError(frame.name, err);
      }
    }
    frame.release();
  }

  private add(sub: Subscription): () => void {
    this.list.push(sub);
    this.cache.clear();
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      const i = this.list.indexOf(sub);
      if (i >= 0) this.list.splice(i, 1);
      this.cache.clear();
    };
  }
}

/** Whether a selector takes events of this name: the name itself, one of a list, "*", or a predicate's yes (a predicate that throws says no). */
export function selects(selector: EventSelector, name: string): boolean {
  if (typeof selector === "string") return selector === "*" || selector === name;
  if (typeof selector === "function") {
    try {
      return !!selector(name);
    } catch {
      return false;
    }
  }
  return selector.includes(name) || selector.includes("*");
}
