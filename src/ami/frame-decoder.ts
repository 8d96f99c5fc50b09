import { AmiMessage, HeaderObject, addHeader } from "./message";

/**
 * Decoding one frame's bytes into headers: the line walker, the message (parseFrame) and the plain
 * object (frameHeaders). UTF-8 is decoded once per complete frame (the framer never splits one).
 */

const CR = 0x0d;
/** The legacy (Asterisk <= 13) Command output's end marker. */
export const END_COMMAND_TEXT = "--END COMMAND--";

/**
 * Walks the lines of a frame's text. After next(): the line is [start, end) without its line end;
 * a header line has its first colon at `colon` (else -1) and its value from `value` (one space after
 * the colon is part of the separator, any further spaces belong to the value). The search for a
 * colon never reads past the one it found before, so that a frame of lines without colons costs one
 * pass, not one per line (a megabyte of them would otherwise hold the event loop for seconds).
 */
class FrameLines {
  start = 0;
  end = 0;
  colon = -1;
  value = 0;
  private pos = 0;
  /** The first colon at or after the last search's start; -2 when the text has none left. */
  private nextColon = -1;

  constructor(readonly text: string) {}

  /** Moves to the next line; false past the end of the text. */
  next(): boolean {
    const text = this.text;
    const pos = this.pos;
    if (pos > text.length) return false;
    let nl = text.indexOf("\n", pos);
    if (nl < 0) nl = text.length;
    let end = nl;
    if (end > pos && text.charCodeAt(end - 1) === CR) end--;
    this.start = pos;
    this.end = end;
    this.pos = nl + 1;
    if (this.nextColon !== -2 && this.nextColon < pos) {
      this.nextColon = text.indexOf(":", pos);
      if (this.nextColon < 0) this.nextColon = -2;
    }
    const colon = this.nextColon;
    this.colon = colon >= 0 && colon < end ? colon : -1;
    if (this.colon >= 0) {
      let v = colon + 1;
      if (v < end && text.charCodeAt(v) === 32) v++;
      this.value = v;
    }
    return true;
  }

  /** The header's name, and its value (a header line only). */
  get key(): string {
    return this.text.slice(this.start, this.colon);
  }

  get val(): string {
    return this.text.slice(this.value, this.end);
  }

  /** The whole line. */
  get line(): string {
    return this.text.slice(this.start, this.end);
  }
}

/**
 * Decodes a frame into a message: its header lines (see FrameLines). Lines with no colon are not
 * headers and are dropped, except in a legacy `Response: Follows` frame, whose raw text lines
 * become `Output` headers, as Asterisk 14+ sends them.
 */
export function parseFrame(buf: Buffer, start: number, end: number): AmiMessage {
  const lines = new FrameLines(buf.toString("utf8", start, end));
  const fields: string[] = [];
  let legacy = false;
  let output = false;
  while (lines.next()) {
    if (!output) {
      if (lines.end === lines.start) continue;
      const key = lines.colon >= 0 ? lines.key : undefined;
      if (!legacy || key === "Privilege" || key === "ActionID") {
        if (key === undefined) continue;
        const value = lines.val;
        fields.push(key, value);
        if (fields.length === 2 && key === "Response" && value === "Follows") legacy = true;
        continue;
      }
      // In a legacy frame, the first line that is not Privilege or ActionID starts the output.
      output = true;
    }
    const line = lines.line;
    if (line === END_COMMAND_TEXT) break;
    if (line.endsWith(END_COMMAND_TEXT)) {
      // Output without a final newline: the marker shares the last line.
      fields.push("Output", line.slice(0, -END_COMMAND_TEXT.length));
      break;
    }
    fields.push("Output", line);
  }
  return new AmiMessage(fields);
}

/**
 * The headers of an event frame as a plain object (as parseFrame(...).toObject() gives them),
 * decoded straight from the bytes: no message in between, a third less to allocate. An event frame
 * starts with its Event line, so the legacy `Response: Follows` form never applies.
 */
export function frameHeaders(buf: Buffer, start: number, end: number): HeaderObject {
  const lines = new FrameLines(buf.toString("utf8", start, end));
  const obj: HeaderObject = {};
  while (lines.next()) if (lines.colon >= 0) addHeader(obj, lines.key, lines.val);
  return obj;
}
