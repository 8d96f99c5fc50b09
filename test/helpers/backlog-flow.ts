import type { EventBacklog } from "../../src/node-red/event-backlog";

/**
 * What the backlog tests (test/node-red/event-backlog, delivery-scheduler and the reliability
 * suite's timing scenarios) hand events to, and how they wait for a backlog to empty.
 */

/** Node-RED's delivery: a setImmediate per message, then the receiving node's work. */
export function flow(costMs: number, got: Array<[number, number]>) {
  return (item: number, gap: number) =>
    setImmediate(() => {
      const t = performance.now();
      while (performance.now() - t < costMs) {
        /* a slow node */
      }
      got.push([item, gap]);
    });
}

/** Resolves once nothing waits in `b` and Node-RED delivered all it was handed. */
export const drained = (b: EventBacklog<number>) =>
  new Promise<void>((resolve) => {
    const check = () => (b.stats.queued === 0 && b.stats.inFlight === 0 ? resolve() : setTimeout(check, 5));
    check();
  });
