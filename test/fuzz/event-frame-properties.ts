import * as fc from "fast-check";
import { EventFrame } from "../../src/ami/event-frame";
import { parseFrame } from "../../src/ami/frame-decoder";
import type { HeaderObject } from "../../src/ami/message";
import { compileConditions, compileFrameConditions, type FieldCondition } from "../../src/node-red/event-filter";
import { key, lineEnd, value } from "./framer-properties";

/**
 * Properties of an event read from its bytes (EventFrame) without decoding: the "ami in" field
 * conditions on the frame's bytes decide as on the decoded event, and its headers as an object are
 * the decoded message's, for frames embedded in a buffer among bytes that look like headers.
 */

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
