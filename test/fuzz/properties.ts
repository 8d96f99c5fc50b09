import * as fc from "fast-check";
import { encodeAction } from "../../src/ami/encoder";
import { AmiError } from "../../src/ami/errors";
import { AmiFramer } from "../../src/ami/framer";
import { EventFrame } from "../../src/ami/event-frame";
import { parseFrame } from "../../src/ami/frame-decoder";
import type { HeaderObject } from "../../src/ami/message";
import { textOf } from "../../src/ami/values";
import { compileConditions, compileFrameConditions, type FieldCondition } from "../../src/node-red/event-filter";

/**
 * Property-based checks of the protocol core, shared by the test suite (a few thousand cases per
 * build) and `npm run fuzz` (a million and more).
 */

type Header = [string, string];

// Header names as Asterisk uses them; values: any text without CR/LF (unicode, colons, spaces).
const key = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,20}$/);
const value = fc
  .oneof(
    fc.string({ unit: "grapheme", maxLength: 40 }),
    fc.string({ unit: fc.constantFrom(..."ab: -/=,;@().\t", "é", "日", "🙂", "ß"), maxLength: 60 }),
  )
  .filter((v) => !/[\r\n]/.test(v));
const header = fc.tuple(key, value);
// The first header of a frame may not start a legacy Command block.
const message = fc
  .array(header, { minLength: 1, maxLength: 12 })
  .filter((m) => !(m[0][0] === "Response" && m[0][1].startsWith("Follows")));
const lineEnd = fc.constantFrom("\r\n", "\n");
const gap = fc.constantFrom("", "", "", "\r\n", "\n", "\r\n\r\n");

/** A stream as Asterisk (or a proxy) might write it, with the messages it must parse into. */
export const amiStream = fc
  .array(fc.tuple(message, lineEnd, lineEnd, gap), { minLength: 1, maxLength: 8 })
  .map((parts) => {
    let text = "Asterisk Call Manager/11.0.0\r\n";
    const expected: string[][] = [];
    for (const [headers, le, end, between] of parts) {
      text += between;
      for (const [k, v] of headers) text += `${k}: ${v}${le}`;
      text += end;
      // A value of only spaces loses nothing but the separator space.
      expected.push(headers.flatMap(([k, v]) => [k, v]));
    }
    return { bytes: Buffer.from(text), expected };
  });

function parseAll(chunks: Buffer[], maxFrameBytes = 1 << 20, banner = true): { messages: string[][]; errors: number; maxHeld: number } {
  const out = { messages: [] as string[][], errors: 0, maxHeld: 0 };
  const framer = new AmiFramer(
    { onFrame: (b, s, e) => out.messages.push([...parseFrame(b, s, e).fields]), onError: () => out.errors++ },
    { maxFrameBytes, banner },
  );
  for (const c of chunks) {
    framer.push(c);
    out.maxHeld = Math.max(out.maxHeld, framer.bufferedBytes);
  }
  return out;
}

function chunk(bytes: Buffer, cuts: number[]): Buffer[] {
  const offsets = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let prev = 0;
  for (const o of offsets) {
    chunks.push(bytes.subarray(prev, o));
    prev = o;
  }
  chunks.push(bytes.subarray(prev));
  return chunks;
}

/** Any chunking of a valid stream gives exactly the messages written, as one whole buffer does. */
export const parserChunkingProperty = fc.property(amiStream, fc.array(fc.nat(), { maxLength: 30 }), ({ bytes, expected }, cuts) => {
  const whole = parseAll([bytes]);
  if (whole.errors !== 0) return false;
  const split = parseAll(chunk(bytes, cuts));
  return JSON.stringify(whole.messages) === JSON.stringify(expected) && JSON.stringify(split.messages) === JSON.stringify(expected);
});

/** Random bytes never make the parser throw, and it never holds more than its frame limit. */
export const parserGarbageProperty = fc.property(
  fc.array(fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(Buffer.from("\r\n"), Buffer.from("\n\n"), Buffer.from("Response: Follows\r\n"), Buffer.from("--END COMMAND--"), Buffer.from("Event: X\r\n"))), { maxLength: 40 }),
  fc.boolean(),
  (parts, banner) => {
    const limit = 512;
    const r = parseAll(parts.map((p) => Buffer.from(p)), limit, banner);
    return r.maxHeld <= limit + 3;
  },
);

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

/**
 * Header names from a small pool, so that conditions hit them often: the same name in several
 * cases (names are compared case-insensitively), and names that are a prefix or a suffix of
 * another (Cause / Cause-txt, Channel / DestChannel).
 */
const conditionNames = ["Cause", "cause", "CAUSE", "Cause-txt", "Channel", "channel", "DestChannel", "UserEvent", "userevent", "Var", "VAR", "Uniqueid"];
/** Values from a small pool (so equal values meet), near misses (in case too), and some with extra spaces. */
const conditionValues = ["16", "160", "1", " 16", "16 ", "", " ", "Hang", "Dial", "SIP/100-00000001", "sip/100-00000001", "Local/100@from-internal-0001;1", "Normal Clearing", "normal clearing", "a: b", "Channel: SIP/1", "é日🙂"];
const conditionValue = fc.oneof({ arbitrary: fc.constantFrom(...conditionValues), weight: 5 }, { arbitrary: value, weight: 1 });
/** Lines that are not `Name: value` with a pool name, but look close to one. */
const noiseLines = ["Cause16", " Cause: 16", "xCause: 16", "Cause : 16", "cause:16", "Channel", "Foo: Cause: 16", "DestChannel: SIP/100-00000001"];

type FrameLine = { name: string; sep: string; value: string } | { raw: string };
const frameLine: fc.Arbitrary<FrameLine> = fc.oneof(
  { arbitrary: fc.record({ name: fc.constantFrom(...conditionNames), sep: fc.constantFrom(": ", ": ", ": ", ":"), value: conditionValue }), weight: 8 },
  { arbitrary: fc.record({ name: key, sep: fc.constant(": "), value: conditionValue }), weight: 1 },
  { arbitrary: fc.record({ raw: fc.constantFrom(...noiseLines) }), weight: 1 },
  // Names a plain object has already (inherited), or that would set its prototype.
  { arbitrary: fc.record({ name: fc.constantFrom("__proto__", "constructor", "toString", "hasOwnProperty"), sep: fc.constant(": "), value: conditionValue }), weight: 1 },
);

/**
 * An event frame as bytes [start, end) of a larger buffer; the pool headers written in it, and
 * those written around it (which a view reading outside its bounds would see).
 */
export interface EmbeddedFrame {
  name: string;
  buf: Buffer;
  start: number;
  end: number;
  headers: Array<[string, string]>;
  outside: Array<[string, string]>;
}

interface Piece {
  bytes: Buffer;
  header?: [string, string];
}

/**
 * Bytes around a frame: random bytes, pool header lines (with or without line ends, so a line may
 * run into the frame or on from it), whole frames, and fragments that would complete or extend a
 * header if a view read outside its frame ("6" after a frame ending in "Cause: 1").
 */
const aroundPiece: fc.Arbitrary<Piece> = fc.oneof(
  fc.uint8Array({ maxLength: 24 }).map((b) => ({ bytes: Buffer.from(b) })),
  {
    arbitrary: fc
      .tuple(fc.constantFrom("\n", "\r\n", ""), fc.constantFrom(...conditionNames), fc.constantFrom(": ", ":"), conditionValue, fc.constantFrom("\r\n", "\n", ""))
      .map(([before, name, sep, v, after]): Piece => ({ bytes: Buffer.from(`${before}${name}${sep}${v}${after}`), header: [name, v] })),
    weight: 2,
  },
  fc.constantFrom("\r\n", "\n", "\r\n\r\n", "Cause: 16\r\n", "\nCause: 16", "Channel: SIP/100-00000001\n", "6", "0", ": 16", "e: 16\r\n", "Event: Other\r\nCause: 16\r\nVar: 1\r\n\r\n").map((t) => ({ bytes: Buffer.from(t) })),
);

export const embeddedEventFrame: fc.Arbitrary<EmbeddedFrame> = fc
  .record({
    event: fc.constantFrom("Hangup", "UserEvent", "Newchannel", "DialEnd"),
    lines: fc.array(fc.tuple(frameLine, lineEnd), { maxLength: 8 }),
    // The framer strips the last line end; a frame given some other way may keep it, or a lone CR.
    last: fc.constantFrom("", "", "", "\r\n", "\n", "\r"),
    // Sometimes the last value is cut by the frame's end: the rest of it (and a line end) follows.
    cut: fc.option(fc.tuple(fc.nat(), fc.constantFrom("\r\n", "\n", "")), { nil: undefined }),
    before: fc.array(aroundPiece, { maxLength: 3 }),
    after: fc.array(aroundPiece, { maxLength: 3 }),
  })
  .map(({ event, lines, last, cut, before, after }) => {
    let text = `Event: ${event}`;
    let le = "\r\n";
    // The first line (Event) is a header too: conditions on it test findLine's first-line case.
    const headers: Array<[string, string]> = [["Event", event]];
    const outside: Array<[string, string]> = [];
    let rest = "";
    for (const [i, [line, end]] of lines.entries()) {
      if ("raw" in line) text += le + line.raw;
      else if (cut && i === lines.length - 1 && line.value.length > 0) {
        // Cut between code points (a lone surrogate has no UTF-8 form).
        const chars = Array.from(line.value);
        const k = cut[0] % chars.length;
        const kept = chars.slice(0, k).join("");
        text += le + `${line.name}${line.sep}${kept}`;
        headers.push([line.name, kept]);
        outside.push([line.name, line.value]);
        rest = chars.slice(k).join("") + cut[1];
      } else {
        text += le + `${line.name}${line.sep}${line.value}`;
        headers.push([line.name, line.value]);
      }
      le = end;
    }
    if (rest === "") text += last;
    for (const p of [...before, ...after]) if (p.header) outside.push(p.header);
    const head = Buffer.concat(before.map((p) => p.bytes));
    const body = Buffer.from(text, "utf8");
    const tail = [Buffer.from(rest, "utf8"), ...after.map((p) => p.bytes)];
    return { name: event, buf: Buffer.concat([head, body, ...tail]), start: head.length, end: head.length + body.length, headers, outside };
  });

const escapeRegex = (t: string): string => t.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
/** Regular expressions that run in bounded time on any value; some match one pool value exactly. */
const safeRegexes = ["^Local/", "16", "^16$", ".*", "^$", "^ ", "Clearing$", "é", "^SIP/\\d+", ...conditionValues.map((v) => `^${escapeRegex(v)}$`)];
const caseVariants = (n: string): string[] => [n, n.toLowerCase(), n.toUpperCase(), n[0].toLowerCase() + n.slice(1)];

/**
 * 1-3 conditions on a frame: fields from the pool (any case, a missing one, one with spaces to
 * trim), or the names written in or around the frame, as written or in another case; values from
 * the pool or written in or around the frame, so that byte-level matches (and near misses, and
 * matches a view reading outside its frame would make) are common.
 */
function conditionsFor(headers: ReadonlyArray<[string, string]>): fc.Arbitrary<FieldCondition[]> {
  // headers is never empty: it holds at least the Event line.
  const poolField = fc.constantFrom(...conditionNames, "Event", "event", "Missing", " Cause ", "cAuSe-TxT");
  const field = fc.oneof({ arbitrary: poolField, weight: 2 }, { arbitrary: fc.constantFrom(...headers.flatMap(([n]) => caseVariants(n))), weight: 3 });
  const val = fc.oneof({ arbitrary: conditionValue, weight: 2 }, { arbitrary: fc.constantFrom(...headers.map(([, v]) => v)), weight: 1 });
  // A header of the frame: its name as written (or in another case) with its value (or the value
  // in another case: values are compared exactly).
  const written = fc
    .tuple(fc.constantFrom(...headers), fc.nat({ max: 3 }), fc.boolean(), fc.constantFrom(0, 0, 0, 1, 2))
    .map(([[n, v], k, same, vk]) => ({ field: same ? n : caseVariants(n)[k], value: [v, v.toLowerCase(), v.toUpperCase()][vk] }));
  const eqOp = fc.constantFrom("eq" as const, "neq" as const);
  const condition: fc.Arbitrary<FieldCondition> = fc.oneof(
    fc.record({ field, op: eqOp, value: val }),
    fc.tuple(written, eqOp).map(([w, op]) => ({ ...w, op })),
    fc.record({ field, op: fc.constant("exists" as const) }),
    fc.record({ field, op: fc.constant("regex" as const), value: fc.constantFrom(...safeRegexes) }),
    written.map((w) => ({ field: w.field, op: "regex" as const, value: `^${escapeRegex(w.value)}$` })),
    // A missing value counts as "".
    fc.record({ field, op: eqOp }),
  );
  return fc.array(condition, { minLength: 1, maxLength: 3 });
}

/** A frame and conditions on it. */
export const frameConditionCase: fc.Arbitrary<[EmbeddedFrame, FieldCondition[]]> = embeddedEventFrame.chain((frame) =>
  fc.tuple(fc.constant(frame), conditionsFor([...frame.headers, ...frame.outside])),
);

/**
 * The conditions of an "ami in" node answered from a frame's bytes (compileFrameConditions) are
 * exactly those answered on the decoded event (compileConditions), as a whole and one by one. Each
 * evaluation gets a fresh EventFrame over the same bytes, so a decoding memoized by one cannot
 * hide a wrong answer of another; the bytes are never changed.
 */
export const frameConditionsProperty = fc.property(frameConditionCase, ([{ name, buf, start, end }, conditions]) => {
  const fresh = (): EventFrame => new EventFrame(name, buf, start, end);
  const copy = Buffer.from(buf);
  const sets = conditions.length > 1 ? [conditions, ...conditions.map((c) => [c])] : [conditions];
  for (const set of sets) {
    const onBytes = compileFrameConditions(set);
    const onEvent = compileConditions(set);
    if (!onBytes || !onEvent) throw new Error("a condition on a pool field was ignored");
    const exact = onEvent(fresh().message);
    if (onBytes(fresh()) !== exact) return false;
  }
  return buf.equals(copy);
});

/** Same own properties, in the same order, with the same values, and a plain prototype. */
function sameHeaders(a: HeaderObject, b: HeaderObject): boolean {
  const plain = (o: object): boolean => Object.getPrototypeOf(o) === Object.prototype;
  return plain(a) && plain(b) && JSON.stringify(Object.entries(a)) === JSON.stringify(Object.entries(b));
}

/**
 * An event frame's headers as a plain object are the same whichever way they are made: decoded
 * straight from the bytes (a frame with one consumer), or through the decoded message (a frame
 * shared by several): both as parseFrame(...).toObject() gives them. The bytes are never changed.
 */
export const frameObjectProperty = fc.property(embeddedEventFrame, ({ name, buf, start, end }) => {
  const copy = Buffer.from(buf);
  const expected = parseFrame(buf, start, end).toObject();
  const single = new EventFrame(name, buf, start, end, undefined, true);
  const shared = new EventFrame(name, buf, start, end);
  return sameHeaders(single.toObject(), expected) && !single.decoded && sameHeaders(shared.toObject(), expected) && buf.equals(copy);
});

export function runAll(numRuns: number, seed?: number): void {
  const params = { numRuns, seed, verbose: false } as const;
  fc.assert(parserChunkingProperty, params);
  fc.assert(parserGarbageProperty, params);
  fc.assert(encoderProperty, params);
  fc.assert(encoderValidProperty, params);
  fc.assert(encoderDefectProperty, params);
  fc.assert(frameConditionsProperty, params);
  fc.assert(frameObjectProperty, params);
}
