import type { EventFrame } from "../ami";
import type { NameMatcher } from "./event-filter";

/**
 * Routes events from one AMI connection to the "ami in" nodes that use it. The config node holds
 * one subscription on the AmiClient whose selector is `wants`; the core caches that answer per
 * event name and never decodes an event nobody wants. Here, the routes for a name are worked out
 * once and cached too, so many nodes on one connection still cost one Map lookup per event.
 * Routes are keyed by owner (a node id), so everything a node added is removed in one call when it
 * closes: no doubled events after a redeploy. Events come as frames (see EventFrame): a node that
 * drops an event never pays for decoding it; the first node that reads one gets its payload straight
 * from the bytes, and a message decoded once then serves every other node that reads it.
 */

/** Where a route's events go (an "ami in" node's EventIntake). */
export interface EventSink {
  take(event: EventFrame): void;
}

interface Route {
  owner: string;
  matcher: NameMatcher;
  sink: EventSink;
}

export class EventRouter {
  private routes: Route[] = [];
  private readonly cache = new Map<string, Route[]>();
  /** Called whenever the set of wanted names may have changed (re-subscribe to clear the core's cache). */
  onChange?: () => void;

  get size(): number {
    return this.routes.length;
  }

  /** Adds a route; returns the function that removes it. */
  add(owner: string, matcher: NameMatcher, sink: EventSink): () => void {
    const route: Route = { owner, matcher, sink };
    this.routes.push(route);
    this.changed();
    return () => {
      const i = this.routes.indexOf(route);
      if (i < 0) return;
      this.routes.splice(i, 1);
      this.changed();
    };
  }

  /** Removes every route an owner added; returns how many there were. */
  removeOwner(owner: string): number {
    const before = this.routes.length;
    this.routes = this.routes.filter((r) => r.owner !== owner);
    const removed = before - this.routes.length;
    if (removed > 0) this.changed();
    return removed;
  }

  /** True when any route wants events of this name (the selector given to the core). */
  wants(name: string): boolean {
    return this.routesFor(name).length > 0;
  }

  dispatch(event: EventFrame): void {
    for (const r of this.routesFor(event.name)) r.sink.take(event);
  }

  private routesFor(name: string): Route[] {
    let list = this.cache.get(name);
    if (list) return list;
    list = this.routes.filter((r) => r.matcher === "*" || safeMatch(r.matcher, name));
    // Names come from the server: bound the cache so a peer inventing names cannot grow it.
    if (this.cache.size >= 4096) this.cache.clear();
    this.cache.set(name, list);
    return list;
  }

  private changed(): void {
    this.cache.clear();
    this.onChange?.();
  }
}

function safeMatch(matcher: (name: string) => boolean, name: string): boolean {
  try {
    return matcher(name);
  } catch {
    return false;
  }
}
