import { amiError } from "./errors";
import { describeValue, isPlainObject } from "./values";

/**
 * Builds action bytes from plain values, refusing anything that could change the meaning of what
 * is written: Asterisk ends a line at a bare `\n` too, so a CR or LF in a key or a value would add
 * headers or start a second action (a second Originate). Such input is refused with an error that
 * names the key, never stripped silently. Limits are Asterisk's own (manager.c): a line of at most
 * 1024 bytes and at most 128 headers per action; beyond them Asterisk answers "line too long" or
 * "Too many lines in message" after part of the action was already taken.
 */

export const MAX_LINE_BYTES = 1024;
export const MAX_HEADERS = 128;

export type FieldValue = string | number | boolean | null | undefined;
/** A header value: a scalar, an array (repeated header), or for Variable an object {name: value}. */
export type ActionFieldValue = FieldValue | FieldValue[] | Record<string, FieldValue>;
export type ActionFields = Record<string, ActionFieldValue>;

/** Header names that carry `name=value` pairs, one header per pair (Asterisk splits on commas). */
const VARIABLE_KEYS = new Set(["variable"]);

const FORBIDDEN_IN_VALUE = /[\r\n\0]/;
// eslint-disable-next-line no-control-regex -- a header name may hold no control character
const VALID_KEY = /^[^\x00-\x20\x7f:]+$/;
/** Half of a UTF-16 surrogate pair without its other half: it has no UTF-8 form (it would be sent as U+FFFD). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** An ordered list of [name, value] headers, already validated. */
export type HeaderList = Array<[string, string]>;

function scalar(key: string, value: FieldValue, action: string | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  let s: string;
  if (typeof value === "string") s = value;
  else if (typeof value === "number") {
    if (!Number.isFinite(value)) throw invalid(action, `header "${key}" is not a finite number`);
    s = String(value);
  } else if (typeof value === "boolean") s = value ? "true" : "false";
  else throw invalid(action, `header "${key}" must be a string, number or boolean, not ${describeValue(value)}`);
  if (FORBIDDEN_IN_VALUE.test(s)) {
    throw invalid(action, `header "${key}" contains a CR, LF or NUL character (it would inject AMI headers)`);
  }
  if (LONE_SURROGATE.test(s)) {
    throw invalid(action, `header "${key}" contains a lone UTF-16 surrogate, which has no UTF-8 form (it would arrive changed)`);
  }
  return s;
}

function invalid(action: string | undefined, why: string) {
  return amiError("ERR_AMI_INVALID_ACTION", action ? `invalid ${action} action: ${why}` : `invalid action: ${why}`, {
    action,
  });
}

export function checkKey(key: string, action?: string): void {
  if (key.length === 0) throw invalid(action, "a header name is empty");
  if (!VALID_KEY.test(key)) {
    throw invalid(action, `header name ${JSON.stringify(key)} contains a colon, space or control character`);
  }
  if (LONE_SURROGATE.test(key)) throw invalid(action, "a header name contains a lone UTF-16 surrogate, which has no UTF-8 form");
}

/**
 * Turns `fields` into validated headers, in object order. Arrays become repeated headers; a
 * `Variable` object becomes one `Variable: name=value` header per entry; null and undefined are
 * skipped. Two keys that differ only in case are refused: Asterisk reads headers
 * case-insensitively and takes the first, so the pair would be ambiguous.
 */
export function toHeaders(fields: ActionFields, action?: string): HeaderList {
  const out: HeaderList = [];
  const seen = new Set<string>();
  for (const key of Object.keys(fields)) {
    checkKey(key, action);
    const lower = key.toLowerCase();
    if (seen.has(lower)) throw invalid(action, `header "${key}" is given twice (names are case-insensitive)`);
    seen.add(lower);
    const value = fields[key];
    if (Array.isArray(value)) {
      for (const item of value) {
        const s = scalar(key, item, action);
        if (s !== undefined) out.push([key, s]);
      }
    } else if (value !== null && typeof value === "object") {
      // Plain objects from any realm (a function node's objects come from its own vm context).
      if (!VARIABLE_KEYS.has(lower) || !isPlainObject(value)) {
        throw invalid(action, `header "${key}" must be a string, number or boolean${VARIABLE_KEYS.has(lower) ? " or an object of name: value" : ""}, not ${describeValue(value)}`);
      }
      for (const name of Object.keys(value)) {
        if (name.length === 0 || name.includes("=")) {
          throw invalid(action, `variable name ${JSON.stringify(name)} in "${key}" is empty or contains "="`);
        }
        if (FORBIDDEN_IN_VALUE.test(name)) {
          throw invalid(action, `a variable name in "${key}" contains a CR, LF or NUL character`);
        }
        if (LONE_SURROGATE.test(name)) throw invalid(action, `a variable name in "${key}" contains a lone UTF-16 surrogate`);
        const s = scalar(`${key}.${name}`, value[name], action);
        // Asterisk splits every Variable header on commas: "a,B=x" would set a second variable
        // (or a dialplan function such as CALLERID(name)) that the object never named.
        if (name.includes(",") || (s !== undefined && s.includes(","))) {
          throw invalid(action, `variable ${JSON.stringify(name)} in "${key}" contains a comma, which Asterisk reads as the start of another variable`);
        }
        if (s !== undefined) out.push([key, `${name}=${s}`]);
      }
    } else {
      const s = scalar(key, value, action);
      if (s !== undefined) out.push([key, s]);
    }
  }
  return out;
}

/** Serialises validated headers, enforcing Asterisk's per-line and per-action limits. */
export function encodeHeaders(headers: HeaderList, action?: string): Buffer {
  if (headers.length > MAX_HEADERS) {
    throw invalid(action, `${headers.length} headers exceed Asterisk's limit of ${MAX_HEADERS} per action`);
  }
  let text = "";
  for (const [key, value] of headers) {
    const line = `${key}: ${value}\r\n`;
    if (Buffer.byteLength(line) > MAX_LINE_BYTES) {
      throw invalid(action, `header "${key}" makes a line longer than Asterisk's ${MAX_LINE_BYTES} bytes`);
    }
    text += line;
  }
  return Buffer.from(text + "\r\n");
}

/**
 * Encodes one action: `Action` first, then the fields, then `ActionID`. Nothing is written
 * anywhere; the caller gets bytes or an AmiError (code ERR_AMI_INVALID_ACTION) naming the key.
 */
export function encodeAction(action: string, fields: ActionFields, actionId?: string): Buffer {
  const name = scalar("Action", action, undefined);
  if (!name) throw invalid(undefined, "the action name is empty");
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw invalid(undefined, `action name ${JSON.stringify(name)} is not a valid AMI action name`);
  const headers: HeaderList = [["Action", name]];
  for (const h of toHeaders(fields, name)) {
    const lower = h[0].toLowerCase();
    if (lower === "action") throw invalid(name, `header "${h[0]}" would name a second action`);
    if (lower === "actionid") throw invalid(name, `pass the ActionID separately, not as header "${h[0]}"`);
    headers.push(h);
  }
  if (actionId !== undefined) {
    const id = scalar("ActionID", actionId, name);
    if (!id) throw invalid(name, "the ActionID is empty");
    headers.push(["ActionID", id]);
  }
  return encodeHeaders(headers, name);
}
