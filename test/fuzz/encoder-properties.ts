import * as fc from "fast-check";
import { encodeAction } from "../../src/ami/encoder";
import { AmiError } from "../../src/ami/errors";
import { textOf } from "../../src/ami/values";
import { Header, chunk, parseAll } from "./framer-properties";

/**
 * Properties of the action encoder: it writes exactly the headers given or refuses, never an
 * extra line; it accepts every valid action (unicode, Asterisk's line and header limits) and the
 * framer reads it back exactly; one defect in a valid action is refused with ERR_AMI_INVALID_ACTION.
 */

// Keys and values that include everything an attacker could put in a msg.payload.
const anyText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: fc.constantFrom("a", ":", " ", "\r", "\n", "\0", "é", "🙂", "="), maxLength: 30 }),
  fc.string({ unit: fc.constantFrom("x", "\r\n", "Action: Originate"), maxLength: 10 }),
  fc.string({ minLength: 1000, maxLength: 1100, unit: fc.constantFrom("a", "é") }),
);
const fieldValue = fc.oneof(anyText, fc.integer(), fc.boolean(), fc.constant(null), fc.array(anyText, { maxLength: 3 }), fc.dictionary(anyText, anyText, { maxKeys: 3 }));

/**
 * Asterisk's limits (manager.c), written here rather than taken from the encoder so that a wrong
 * constant there fails: a line of at most 1024 bytes with its CRLF, at most 128 headers an action.
 */
const MAX_LINE_BYTES = 1024;
const MAX_HEADERS = 128;

/**
 * The headers the encoder must write for these fields, built independently of the encoder: arrays
 * repeat the header, an object (Variable) gives one `name=value` header per entry, null and
 * undefined are skipped (in arrays and objects too).
 */
function expectedHeaders(action: string, fields: Record<string, unknown>, id: string | undefined): Header[] {
  const expected: Header[] = [["Action", action]];
  const skip = (x: unknown): boolean => x === null || x === undefined;
  for (const [k, v] of Object.entries(fields)) {
    if (skip(v)) continue;
    if (Array.isArray(v)) for (const item of v) { if (!skip(item)) expected.push([k, String(item)]); }
    else if (typeof v === "object") for (const [n, x] of Object.entries(v as object)) { if (!skip(x)) expected.push([k, `${n}=${x}`]); }
    else expected.push([k, textOf(v)]);
  }
  if (id !== undefined) expected.push(["ActionID", id]);
  return expected;
}

/** Whether bytes are exactly these headers, one `Name: value` line each within Asterisk's limits. */
function writesExactly(bytes: Buffer, expected: Header[]): boolean {
  // What Asterisk would see: any of \r\n, \n (and \r) ends a line.
  const text = bytes.toString("utf8");
  if (!text.endsWith("\r\n\r\n")) return false;
  const lines = text.slice(0, -4).split("\r\n");
  if (lines.length !== expected.length || lines.length > MAX_HEADERS) return false;
  for (let i = 0; i < lines.length; i++) {
    if (/[\r\n\0]/.test(lines[i])) return false;
    if (lines[i] !== `${expected[i][0]}: ${expected[i][1]}`) return false;
    if (Buffer.byteLength(lines[i]) + 2 > MAX_LINE_BYTES) return false;
  }
  return true;
}

/**
 * For any fields, the encoder either refuses (AmiError ERR_AMI_INVALID_ACTION) or writes exactly
 * Action, the given headers and ActionID, one per line: never an extra header line. (Most of these
 * inputs are refused, rightly: see encoderValidProperty for the accept path.)
 */
export const encoderProperty = fc.property(fc.oneof(anyText, fc.constantFrom("Originate", "Command")), fc.dictionary(anyText, fieldValue, { maxKeys: 6 }), anyText, (action, fields, id) => {
  let bytes: Buffer;
  try {
    bytes = encodeAction(action, fields, id);
  } catch (err) {
    return err instanceof AmiError && err.code === "ERR_AMI_INVALID_ACTION";
  }
  const expected = expectedHeaders(action, fields, id);
  if (!writesExactly(bytes, expected)) return false;
  const parsed = parseAll([bytes], 1 << 20, false);
  return parsed.messages.length === 1 && parsed.messages[0].length === expected.length * 2;
});

// ---- Valid actions: what the encoder must accept ------------------------------------------------

/**
 * Text with no CR, LF or NUL: unicode (accents, CJK, emoji, combining marks, U+2028), colons, tabs,
 * spaces, other control characters. Well-formed: a lone surrogate has no UTF-8 form (Buffer.from
 * writes U+FFFD for it), so it could not round-trip on any wire.
 */
const safeText = (maxLength: number): fc.Arbitrary<string> =>
  fc
    .oneof(
      fc.string({ unit: "grapheme", maxLength }),
      fc.string({ unit: fc.constantFrom(..."ab: -/=,;@().\t|", "é", "日", "🙂", "ß", "\u0301", "\u2028", "\x7f", "\x1b"), maxLength }),
      fc.string({ unit: "binary", maxLength }),
    )
    .map((v) => v.replace(/[\r\n\0]|[\uD800-\uDFFF]/gu, ""));
/** A header name: Asterisk-style, or any unicode without controls, spaces or a colon. */
const safeKey = fc
  .oneof(
    { arbitrary: fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,20}$/), weight: 3 },
    // eslint-disable-next-line no-control-regex -- the controls a header name may not hold, as the encoder refuses them
    { arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 12 }).map((k) => k.replace(/[\x00-\x20\x7f:]/g, "")), weight: 1 },
  )
  .filter((k) => k.length > 0 && !/^(action|actionid)$/i.test(k));
const safeScalar = fc.oneof(
  { arbitrary: safeText(60), weight: 6 },
  { arbitrary: fc.integer(), weight: 1 },
  { arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }), weight: 1 },
  { arbitrary: fc.boolean(), weight: 1 },
);
/** A field's value: a scalar, a repeated header (nulls skipped), or null / undefined (skipped). */
const safeValue = fc.oneof(
  { arbitrary: safeScalar, weight: 6 },
  { arbitrary: fc.array(fc.oneof({ arbitrary: safeScalar, weight: 5 }, { arbitrary: fc.constant(null), weight: 1 }), { maxLength: 5 }), weight: 2 },
  { arbitrary: fc.constantFrom(null, undefined), weight: 1 },
);
/**
 * `Variable: name=value` pairs: names without `=`; neither names nor values with a comma (Asterisk
 * splits Variable headers on commas, so the encoder refuses one in an object's entry).
 */
const noComma = (t: string): string => t.replace(/,/g, "");
const variables = fc.dictionary(
  safeText(20).map(noComma).filter((n) => n.length > 0 && !n.includes("=")),
  fc.oneof(
    { arbitrary: safeScalar.map((v) => (typeof v === "string" ? noComma(v) : v)), weight: 5 },
    { arbitrary: fc.constant(null), weight: 1 },
  ),
  { maxKeys: 5, noNullPrototype: true },
);

/** Sets an own property, even one named `__proto__`. */
function put(o: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** An action and its headers, all valid and within Asterisk's limits. */
export interface ValidAction {
  action: string;
  fields: Record<string, unknown>;
  id?: string;
}

/** Ordinary actions: a few headers, short values. */
const ordinaryAction: fc.Arbitrary<ValidAction> = fc
  .record({
    action: fc.oneof(fc.constantFrom("Originate", "Command", "Ping", "Getvar", "QueueAdd"), fc.stringMatching(/^[A-Za-z0-9_-]{1,30}$/)),
    // Unique regardless of case: Asterisk reads names case-insensitively, so a pair is refused.
    entries: fc.uniqueArray(fc.tuple(safeKey, safeValue), { maxLength: 10, selector: ([k]) => k.toLowerCase() }),
    variable: fc.option(fc.tuple(fc.constantFrom("Variable", "variable", "VARIABLE"), variables), { nil: undefined }),
    id: fc.option(safeText(40).filter((i) => i.length > 0), { nil: undefined }),
  })
  .map(({ action, entries, variable, id }) => {
    const fields: Record<string, unknown> = {};
    for (const [k, v] of entries) if (!variable || k.toLowerCase() !== "variable") put(fields, k, v);
    if (variable) put(fields, variable[0], variable[1]);
    return { action, fields, id };
  });

/**
 * Actions at Asterisk's limits: one line of exactly 1024 bytes (or one short of it, a multi-byte
 * character not fitting), and/or exactly 128 headers.
 */
const actionAtTheLimits: fc.Arbitrary<ValidAction> = fc
  .record({
    base: ordinaryAction,
    longKey: fc.option(safeKey, { nil: undefined }),
    fill: fc.constantFrom("a", "é", "日", "🙂", ": "),
    full: fc.boolean(),
  })
  .map(({ base, longKey, fill, full }) => {
    const fields = { ...base.fields };
    const taken = new Set(Object.keys(fields).map((k) => k.toLowerCase()));
    if (longKey && !taken.has(longKey.toLowerCase())) {
      taken.add(longKey.toLowerCase());
      const room = MAX_LINE_BYTES - Buffer.byteLength(`${longKey}: \r\n`);
      put(fields, longKey, fill.repeat(Math.max(0, Math.floor(room / Buffer.byteLength(fill)))));
    }
    const count = expectedHeaders(base.action, fields, base.id).length;
    let pad = "Pad";
    while (taken.has(pad.toLowerCase())) pad += "X";
    // Fill up to 128 headers with a repeated one (or stop short when already over: leave as is).
    if (full && count < MAX_HEADERS) put(fields, pad, Array.from({ length: MAX_HEADERS - count }, (_, i) => `v${i}`));
    return { action: base.action, fields, id: base.id };
  })
  .filter((a) => expectedHeaders(a.action, a.fields, a.id).length <= MAX_HEADERS);

/** Valid actions: mostly ordinary ones, one in four at the line or header limit. */
export const validAction: fc.Arbitrary<ValidAction> = fc.oneof(
  { arbitrary: ordinaryAction, weight: 3 },
  { arbitrary: actionAtTheLimits, weight: 1 },
);

/**
 * Valid input MUST be accepted: the encoder writes exactly Action, the headers in order and the
 * ActionID, and the project's own parser reads back exactly those names and values, however the
 * bytes arrive in chunks.
 */
export const encoderValidProperty = fc.property(validAction, fc.array(fc.nat(), { maxLength: 8 }), ({ action, fields, id }, cuts) => {
  let bytes: Buffer;
  try {
    bytes = encodeAction(action, fields as never, id);
  } catch (err) {
    throw new Error(`a valid action was refused: ${(err as Error).message}`);
  }
  const expected = expectedHeaders(action, fields, id);
  if (!writesExactly(bytes, expected)) return false;
  const parsed = parseAll(chunk(bytes, cuts), 1 << 20, false);
  return parsed.errors === 0 && JSON.stringify(parsed.messages) === JSON.stringify([expected.flat()]);
});

/** One defect that makes a valid action invalid. */
const defect = fc.constantFrom("CR in a value", "LF in a value", "NUL in a value", "CRLF in the ActionID", "LF in a variable name",
  "comma in a variable", "colon in a name", "space in a name", "name given twice", "line of 1025 bytes", "129 headers");

/** The same valid actions with one defect are refused, with ERR_AMI_INVALID_ACTION. */
export const encoderDefectProperty = fc.property(validAction, defect, fc.nat(), ({ action, fields: base, id }, what, n) => {
  const fields: Record<string, unknown> = { ...base };
  const at = (s: string, c: string): string => s.slice(0, n % (s.length + 1)) + c + s.slice(n % (s.length + 1));
  const fresh = (name: string): string => {
    while (Object.keys(fields).some((k) => k.toLowerCase() === name.toLowerCase())) name += "X";
    return name;
  };
  switch (what) {
    case "CR in a value": fields[fresh("Bad")] = at("some value", "\r"); break;
    case "LF in a value": fields[fresh("Bad")] = at("x", "\nAction: Originate"); break;
    case "NUL in a value": fields[fresh("Bad")] = [at("v", "\0")]; break;
    case "CRLF in the ActionID": id = at(id ?? "id", "\r\n"); break;
    case "LF in a variable name":
    case "comma in a variable": {
      const k = Object.keys(fields).find((x) => x.toLowerCase() === "variable") ?? "Variable";
      const old = fields[k];
      const bad = what === "comma in a variable" ? (n % 2 ? { A: at("1", ",CALLERID(name)=x") } : { [at("NAME", ",")]: "1" }) : { [at("NAME", "\n")]: "1" };
      fields[k] = { ...(old !== null && typeof old === "object" && !Array.isArray(old) ? old : {}), ...bad };
      break;
    }
    case "colon in a name": fields[at(fresh("Bad"), ":")] = "1"; break;
    case "space in a name": fields[at(fresh("Bad"), " ")] = "1"; break;
    case "name given twice": { const k = fresh("Twice"); fields[k] = "1"; fields[k.toUpperCase()] = "2"; break; }
    case "line of 1025 bytes": { const k = fresh("Long"); fields[k] = "a".repeat(MAX_LINE_BYTES + 1 - Buffer.byteLength(`${k}: \r\n`)); break; }
    case "129 headers": {
      const k = fresh("Many");
      fields[k] = [];
      fields[k] = Array.from({ length: MAX_HEADERS + 1 - expectedHeaders(action, fields, id).length }, (_, i) => String(i));
      break;
    }
  }
  try {
    encodeAction(action, fields as never, id);
  } catch (err) {
    return err instanceof AmiError && err.code === "ERR_AMI_INVALID_ACTION";
  }
  return false;
});

// ---- "ami in" conditions: answered from a frame's bytes = answered on the decoded event --------
