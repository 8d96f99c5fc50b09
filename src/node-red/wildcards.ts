import { FilterError, UnknownItemKey } from "./filter-error";

// The filters import FilterError from here, beside the lists it is about.
export { FilterError };

/**
 * Lists as the editor gives them ("Newchannel, Queue*", "6001 60*", or an array) and matching
 * against them with `*` / `?` wildcards: the event names of "ami in", the extensions and contexts
 * of "ami calls" and "ami presence". One implementation for all of them.
 */

/** Splits an editor value on commas, semicolons and spaces into trimmed, non-empty, distinct items. */
export function listOf(value: unknown): string[] {
  const items = Array.isArray(value) ? value : typeof value === "string" ? value.split(/[,;\s]+/) : [];
  const out: string[] = [];
  for (const item of items) {
    const s = String(item ?? "").trim();
    if (s.length > 0 && !out.includes(s)) out.push(s);
  }
  return out;
}

/** `6*` → /^6.*$/, `Dial?egin` → /^Dial.egin$/; every other character literal. */
function wildcardToRegExp(pattern: string): RegExp {
  let src = "";
  for (const ch of pattern) {
    if (ch === "*") src += ".*";
    else if (ch === "?") src += ".";
    else src += ch.replace(/[\\^$.|+()[\]{}]/g, "\\$&");
  }
  return new RegExp(`^${src}$`);
}

/**
 * One predicate for a list of items with wildcards: exact items are a Set lookup, wildcards
 * anchored regular expressions; case-sensitive. Undefined for an empty list (everything passes).
 */
export function wildcardMatcher(items: readonly string[]): ((value: string) => boolean) | undefined {
  if (items.length === 0) return undefined;
  const exact = new Set<string>();
  const patterns: RegExp[] = [];
  for (const item of items) {
    if (/[*?]/.test(item)) patterns.push(wildcardToRegExp(item));
    else exact.add(item);
  }
  if (patterns.length === 0) return (value) => exact.has(value);
  return (value) => exact.has(value) || patterns.some((re) => re.test(value));
}

/** An extension (or context) list as one predicate (an empty value never matches); undefined when the list is empty (everything passes). */
export function extensionMatcher(value: unknown): ((ext: string | undefined) => boolean) | undefined {
  const match = wildcardMatcher(listOf(value));
  return match && ((ext) => ext !== undefined && ext !== "" && match(ext));
}

/** A list whose items must each be one of `allowed` (directions, steps, states); undefined when empty. `unknown` names the error for an item that is not. */
export function oneOf<T extends string>(value: unknown, allowed: readonly T[], unknown: UnknownItemKey): Set<T> | undefined {
  const list = listOf(value);
  if (list.length === 0) return undefined;
  for (const v of list) if (!allowed.includes(v as T)) throw new FilterError(unknown, { value: JSON.stringify(v), allowed: allowed.join(", ") });
  return new Set(list as T[]);
}
