import { CatalogError, ParamValues, fill } from "./catalog-error";

/**
 * A filter or setting a node cannot use (a bad regex, an unknown step...): the node shows it and
 * does not start. Each one's English text by its catalog key; the catalog of each node that can
 * raise it has the same text under `<type>.errors.<key>` ("ami in": the name and condition keys;
 * "ami calls": direction, step, extension role, inbound contexts, trunk channels, digits;
 * "ami queues": change, service level; "ami presence": state). Values are shown quoted as JSON.
 */
export const FILTER_TEXTS = {
  "bad-name-regex": "invalid event name regex __pattern__: __reason__",
  "bad-condition-regex": "invalid regex __pattern__ for header __field__: __reason__",
  "unknown-operator": "unknown operator __op__ for header __field__",
  "unknown-direction": "unknown direction __value__ (one of __allowed__)",
  "unknown-step": "unknown step __value__ (one of __allowed__)",
  "unknown-extension-role": "unknown extension role __value__ (one of __allowed__)",
  "unknown-change": "unknown change __value__ (one of __allowed__)",
  "unknown-state": "unknown state __value__ (one of __allowed__)",
  "bad-inbound-contexts": "invalid inbound contexts regex __pattern__: __reason__",
  "bad-trunk-channels": "invalid trunk channels regex __pattern__: __reason__",
  "bad-digits": "invalid number of digits __value__",
  "bad-service-level": "service level __value__ is not a number of seconds",
} as const;

export type FilterErrorKey = keyof typeof FILTER_TEXTS;

/** The keys for an item a list of allowed values does not have (`oneOf`). */
export type UnknownItemKey = "unknown-direction" | "unknown-step" | "unknown-extension-role" | "unknown-change" | "unknown-state";

export class FilterError<K extends FilterErrorKey = FilterErrorKey> extends CatalogError {
  declare readonly key: K;

  constructor(key: K, params: ParamValues<(typeof FILTER_TEXTS)[K]>) {
    super(key, params, fill(FILTER_TEXTS[key], params));
    this.name = "FilterError";
  }
}
