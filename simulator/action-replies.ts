/**
 * What every action handler answers with: a response in Asterisk's header order, a list with its
 * Complete event, and the handler's signature (the handlers live in actions-<family>.ts).
 */
import type { AmiMessage } from "../src/ami/message";
import { Pairs } from "./channel";
import type { AmiSession } from "./session";
import type { PbxCore } from "./pbx";

export type Handler = (pbx: PbxCore, s: AmiSession, a: AmiMessage) => void | Promise<void>;

/** Response headers in Asterisk's order: Response, ActionID (only when sent), then the rest. */
export function reply(s: AmiSession, a: AmiMessage, response: string, rest: Pairs = []): void {
  const id = a.get("ActionID");
  s.send([["Response", response], ...(id !== undefined ? ([["ActionID", id]] as Pairs) : []), ...rest]);
}

export const success = (s: AmiSession, a: AmiMessage, message: string): void => reply(s, a, "Success", [["Message", message]]);
export const error = (s: AmiSession, a: AmiMessage, message: string): void => reply(s, a, "Error", [["Message", message]]);

/** A list: `EventList: start`, items carrying the ActionID, then the Complete event. */
export function sendList(s: AmiSession, a: AmiMessage, message: string, complete: string, items: Pairs[], opts: { idFirst?: boolean; extra?: Pairs } = {}): void {
  reply(s, a, "Success", [["EventList", "start"], ["Message", message]]);
  const id = a.get("ActionID");
  const idPair: Pairs = id !== undefined ? [["ActionID", id]] : [];
  for (const item of items) {
    // Most list items put ActionID right after Event; app_queue and Status put it last.
    s.send(opts.idFirst === false ? [...item, ...idPair] : [item[0], ...idPair, ...item.slice(1)]);
  }
  s.send([["Event", complete], ...idPair, ["EventList", "Complete"], ["ListItems", String(items.length)], ...(opts.extra ?? [])]);
}

/** An AMI boolean (`yes`, `true`, `1`, `on`...). */
export const isTrue = (v: string | undefined): boolean => v !== undefined && /^(true|yes|1|on|y|t)$/i.test(v.trim());
