import * as fc from "fast-check";
import { encodeAction } from "../../src/ami/encoder";
import { AmiError } from "../../src/ami/errors";
import { AmiFramer, parseFrame } from "../../src/ami/parser";

/**
 * Property-based checks of the protocol core, shared by the test suite (a few thousand cases per
 * build) and `npm run fuzz` (a million and more).
 */

type Header = [string, string];

// Header names as Asterisk uses them; values: any text without CR/LF (unicode, colons, spaces).
const key = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_\-]{0,20}$/);
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
 * For any fields, the encoder either refuses (AmiError ERR_AMI_INVALID_ACTION) or writes exactly
 * Action, the given headers and ActionID, one per line: never an extra header line.
 */
export const encoderProperty = fc.property(fc.oneof(anyText, fc.constantFrom("Originate", "Command")), fc.dictionary(anyText, fieldValue, { maxKeys: 6 }), anyText, (action, fields, id) => {
  let bytes: Buffer;
  try {
    bytes = encodeAction(action, fields as never, id);
  } catch (err) {
    return err instanceof AmiError && err.code === "ERR_AMI_INVALID_ACTION";
  }
  // Expected header list, built independently of the encoder.
  const expected: Header[] = [["Action", action]];
  for (const [k, v] of Object.entries(fields)) {
    if (v === null || v === undefined) continue;
    if (Array.isArray(v)) for (const item of v) expected.push([k, String(item)]);
    else if (typeof v === "object") for (const [n, x] of Object.entries(v)) expected.push([k, `${n}=${x}`]);
    else expected.push([k, String(v)]);
  }
  expected.push(["ActionID", id]);
  // What Asterisk would see: any of \r\n, \n (and \r) ends a line.
  const text = bytes.toString("utf8");
  if (!text.endsWith("\r\n\r\n")) return false;
  const lines = text.slice(0, -4).split("\r\n");
  if (lines.length !== expected.length) return false;
  for (let i = 0; i < lines.length; i++) {
    if (/[\r\n\0]/.test(lines[i])) return false;
    if (lines[i] !== `${expected[i][0]}: ${expected[i][1]}`) return false;
    if (Buffer.byteLength(lines[i]) + 2 > 1024) return false;
  }
  const parsed = parseAll([bytes], 1 << 20, false);
  return parsed.messages.length === 1 && parsed.messages[0].length === expected.length * 2;
});

export function runAll(numRuns: number, seed?: number): void {
  const params = { numRuns, seed, verbose: false } as const;
  fc.assert(parserChunkingProperty, params);
  fc.assert(parserGarbageProperty, params);
  fc.assert(encoderProperty, params);
}
