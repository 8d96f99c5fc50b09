/**
 * An error whose text is an entry of the node's message catalog (nodes/locales/<lang>/<type>.json,
 * under `<type>.errors.<key>`): the pure modules throw it with its key and the parameters the text
 * takes, and an English message filled from the same text, so they read and work without
 * Node-RED. The node layer shows `catalogText(err, type, t)` instead of the English message.
 *
 * Node-RED gives each node type its own catalog (the file named like the node's .js), so a key
 * is in the catalog of every node that can raise it; `test/nodes/error-catalog.test.ts` checks that
 * each catalog has the keys its node can raise, with the same English text.
 */

/** The `__name__` parameters of a catalog text, as a union of names ("pattern" | "reason"). */
export type ParamsOf<T extends string> = T extends `${string}__${infer P}__${infer Rest}` ? P | ParamsOf<Rest> : never;

/** What a text's parameters are filled with: each one's display text. */
export type ParamValues<T extends string> = Readonly<Record<ParamsOf<T>, string>>;

import type { Translate } from "./status";

export type { Translate };

/**
 * `__name__` in `text` replaced by `params.name`, as Node-RED's i18next does (no escaping; a name not
 * given is left as it is). Unlike i18next, a value's own `__name__` is left as it is.
 */
export function fill(text: string, params: Readonly<Record<string, string>>): string {
  return text.replace(/__(\w+?)__/g, (whole, name: string) => params[name] ?? whole);
}

export class CatalogError extends Error {
  constructor(
    /** The key under `<type>.errors.` in the catalog of each node that can raise it. */
    readonly key: string,
    /** The text's parameters, as display texts. */
    readonly params: Readonly<Record<string, string>>,
    /** The English text (the catalog's, filled), or the text already shown in the user's language. */
    message: string,
  ) {
    super(message);
  }
}

/**
 * The catalog's text under `key`, filled with params; `english` (filled) when the catalog has no
 * such key (RED._ answers a key it does not know with the key itself).
 */
export function catalogLine(t: Translate, key: string, params: Readonly<Record<string, string>>, english: string): string {
  return translated(t, key, params) ?? fill(english, params);
}

/** The catalog's text under key, filled; undefined when RED._ does not know the key (it answers with the key itself). */
function translated(t: Translate, key: string, params: Readonly<Record<string, string>>): string | undefined {
  const text = t(key, params);
  return typeof text === "string" && text !== key ? text : undefined;
}

/**
 * What a node of `type` shows for `err`: the catalog's text for a CatalogError, else the error's
 * own message. A catalog without the key gives the English message: RED._ answers a key it does not
 * know with the key itself (the test helper's RED._ answers every key that way).
 */
export function catalogText(err: Error, type: string, t: Translate): string {
  if (!(err instanceof CatalogError)) return err.message;
  return translated(t, `${type}.errors.${err.key}`, err.params) ?? err.message;
}
