import { QUEUE_CHANGE_KINDS, QueueChange, QueueChangeKind } from "../ami";
import { FilterError, extensionMatcher, oneOf } from "./wildcards";

/**
 * What an "ami queues" node lets through, as pure functions: the queues it watches (names with
 * `*`/`?` wildcards), the kinds of change it sends, and the service level threshold it asks the
 * tracker for. Nothing here knows about Node-RED.
 */

export interface QueueFilterSpec {
  /** Queue names ("support", "sales-*"); empty: every queue. */
  queues?: readonly string[] | string;
  /** Kinds of change sent (caller-joined, answered, ...); empty: every kind. */
  changes?: readonly string[] | string;
  /** Seconds; empty: each queue's own ServiceLevel (or the default, 20 s). */
  serviceLevel?: string | number;
}

export interface QueueFilter {
  watches(queue: string): boolean;
  accepts(change: QueueChange): boolean;
  /** The threshold override, if the node has one. */
  readonly serviceLevel?: number;
}

export function compileQueueFilter(spec: QueueFilterSpec): QueueFilter {
  const queues = extensionMatcher(spec.queues);
  const kinds = oneOf<QueueChangeKind>(spec.changes, QUEUE_CHANGE_KINDS, "unknown-change");
  const watches = (queue: string) => !queues || queues(queue);
  return {
    watches,
    accepts: (c) => watches(c.queue) && (!kinds || kinds.has(c.kind)),
    serviceLevel: serviceLevelOf(spec.serviceLevel),
  };
}

function serviceLevelOf(value: string | number | undefined): number | undefined {
  if (value === undefined || String(value).trim() === "") return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new FilterError("bad-service-level", { value: JSON.stringify(value) });
  return n;
}
