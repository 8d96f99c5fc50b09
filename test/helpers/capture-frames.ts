import { strict as assert } from "node:assert";
import { parseFrame } from "../../src/ami/frame-decoder";
import { AmiMessage } from "../../src/ami/message";
import { timedMessages } from "./captures";

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

/** The first message session 1 of a capture received that `pick` accepts (asserted to exist). */
export function firstMessage(capture: string, pick: (m: AmiMessage) => boolean): AmiMessage {
  const found = timedMessages(capture).find(({ msg }) => pick(msg));
  assert.ok(found, `${capture} has the message`);
  return found.msg;
}

/** The message with some headers' values replaced (the order and the other headers kept). */
export function edited(m: AmiMessage, values: Record<string, string>): AmiMessage {
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i < m.fields.length; i += 2) pairs.push([m.fields[i], values[m.fields[i]] ?? m.fields[i + 1]]);
  return AmiMessage.from(pairs);
}
