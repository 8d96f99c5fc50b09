import type { NodeStatus } from "../../src/node-red/red";
import { translate } from "./catalog";

/** What the status board tests share: a strict RED._ and a node.status that records what it is shown. */

/** RED._ over the package's catalogs; a key none of them has throws (a status text that is not there). */
export function strictTranslate(key: string, params?: Record<string, unknown>): string {
  const text = translate(key, params);
  if (text === key) throw new Error(`missing catalog key ${key}`);
  return text;
}

/**
 * Every status shown, in order, and a wait until they satisfy `done`, checked on each show (no
 * polling timer is left behind when it never comes: the mocha timeout ends the test).
 */
export function showRecorder() {
  const shows: NodeStatus[] = [];
  let waiter: (() => void) | undefined;
  const show = (s: NodeStatus) => {
    shows.push(s);
    waiter?.();
  };
  const until = (done: (s: NodeStatus[]) => boolean) =>
    new Promise<void>((resolve) => {
      waiter = () => {
        if (!done(shows)) return;
        waiter = undefined;
        resolve();
      };
      waiter();
    });
  return { shows, show, until };
}
