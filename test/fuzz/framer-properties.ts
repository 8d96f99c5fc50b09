import * as fc from "fast-check";
import { AmiFramer } from "../../src/ami/framer";
import { parseFrame } from "../../src/ami/frame-decoder";

/**
 * Properties of the stream framer and frame decoder: any chunking of a valid stream parses into
 * the messages written; random bytes never throw nor grow the buffer past the frame limit. The
 * arbitraries and the parse helpers are shared with the encoder's and the event frame's properties.
 */

export type Header = [string, string];

// Header names as Asterisk uses them; values: any text without CR/LF (unicode, colons, spaces).
export const key = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,20}$/);
export const value = fc
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
export const lineEnd = fc.constantFrom("\r\n", "\n");
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


export function parseAll(chunks: Buffer[], maxFrameBytes = 1 << 20, banner = true): { messages: string[][]; errors: number; maxHeld: number } {
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

export function chunk(bytes: Buffer, cuts: number[]): Buffer[] {
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

