import { parseFrame } from "../../src/ami/frame-decoder";
import type { AmiMessage } from "../../src/ami/message";

/** A capture's .raw transcript after its banner line, and where each frame is in it (cut on the blank lines). */
export function frameRanges(raw: Buffer): { body: Buffer; ranges: Array<[number, number]> } {
  const text = raw.toString("utf8");
  const body = Buffer.from(text.slice(text.indexOf("\r\n") + 2));
  const ranges: Array<[number, number]> = [];
  let pos = 0;
  for (;;) {
    const end = body.indexOf("\r\n\r\n", pos);
    if (end < 0) break;
    ranges.push([pos, end]);
    pos = end + 4;
  }
  return { body, ranges };
}

/** The frames of a capture's .raw transcript, decoded. */
export function frames(raw: Buffer): AmiMessage[] {
  const { body, ranges } = frameRanges(raw);
  return ranges.map(([start, end]) => parseFrame(body, start, end));
}
