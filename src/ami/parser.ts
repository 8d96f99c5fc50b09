import { AmiMessage, HeaderObject, addHeader } from "./message";

/**
 * The AMI stream framer.
 *
 * Frames on bytes (Buffer.indexOf is native) and decodes UTF-8 only once a whole frame is known,
 * so a multi-byte character split across TCP chunks is never mangled. Real traffic mixes `\r\n`
 * and bare `\n` line ends, `\r\n\n` frame ends and extra blank lines; all are accepted. Memory is
 * bounded: a frame larger than `maxFrameBytes` is a protocol error and the parser stops.
 *
 * The framer hands frames to `onFrame` as (buffer, start, end) without building anything, so the
 * consumer can peek at the event name and skip frames nobody wants (see peekEventName).
 */

const LF = 0x0a;
const CR = 0x0d;
const LF_LF = Buffer.from("\n\n");
const LF_CR_LF = Buffer.from("\n\r\n");
const EVENT_PREFIX = Buffer.from("Event: ");
const RESPONSE_FOLLOWS = Buffer.from("Response: Follows");
const END_COMMAND_TEXT = "--END COMMAND--";
const END_COMMAND = Buffer.from(END_COMMAND_TEXT);
const ACTION_ID = Buffer.from("ActionID:");

export interface FramerOptions {
  /** Expect a `Name/Version` banner line first (true for a client; false for a server reading actions). */
  banner?: boolean;
  /** Largest frame accepted, in bytes (default 1 MiB). */
  maxFrameBytes?: number;
}

export interface FramerHandlers {
  onBanner?(line: string): void;
  /** A complete frame: bytes [start, end) of buf, without the closing blank line. */
  onFrame(buf: Buffer, start: number, end: number): void;
  /** A framing violation; the framer ignores all input after it until reset(). */
  onError(err: ParseError): void;
}

export class ParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ParseError";
  }
}

export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;
/** The limit counts a frame's text; an unfinished frame may also hold its closing "\r\n\r". */
const PARTIAL_SLACK = 3;

export class AmiFramer {
  private readonly handlers: FramerHandlers;
  private readonly maxFrameBytes: number;
  private readonly expectBanner: boolean;
  private awaitingBanner: boolean;
  private failed = false;
  /** Bytes of an incomplete frame carried to the next push, at store[0, pendingLen). */
  private store: Buffer = Buffer.alloc(0);
  private pendingLen = 0;
  /** How many bytes of the carried frame are known to hold no frame end (avoids rescans). */
  private scanned = 0;

  constructor(handlers: FramerHandlers, options: FramerOptions = {}) {
    this.handlers = handlers;
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.expectBanner = options.banner ?? true;
    this.awaitingBanner = this.expectBanner;
  }

  /** Forget everything (a new connection). */
  reset(): void {
    this.awaitingBanner = this.expectBanner;
    this.failed = false;
    this.pendingLen = 0;
    this.scanned = 0;
    if (this.store.length > 64 * 1024) this.store = Buffer.alloc(0);
  }

  /** Bytes currently held for an incomplete frame. */
  get bufferedBytes(): number {
    return this.pendingLen;
  }

  push(chunk: Buffer): void {
    if (this.failed || chunk.length === 0) return;
    let data: Buffer;
    let scanFrom = 0;
    if (this.pendingLen === 0) {
      data = chunk; // common case: scan the socket's own buffer, copy only an unfinished tail
    } else {
      this.reserve(this.pendingLen + chunk.length);
      chunk.copy(this.store, this.pendingLen);
      this.pendingLen += chunk.length;
      data = this.store.subarray(0, this.pendingLen);
      scanFrom = this.scanned;
    }
    const consumed = this.scan(data, scanFrom);
    if (this.failed) return;
    const rest = data.length - consumed;
    if (rest === 0) {
      this.pendingLen = 0;
      this.scanned = 0;
      return;
    }
    if (rest > this.maxFrameBytes + PARTIAL_SLACK) {
      this.fail(`frame exceeds ${this.maxFrameBytes} bytes without an end`);
      return;
    }
    if (data === chunk) {
      this.reserve(rest);
      chunk.copy(this.store, 0, consumed);
    } else if (consumed > 0) {
      this.store.copyWithin(0, consumed, this.pendingLen);
    }
    this.pendingLen = rest;
  }

  private reserve(size: number): void {
    if (this.store.length >= size) return;
    let cap = Math.max(4096, this.store.length * 2);
    while (cap < size) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.store.copy(next, 0, 0, this.pendingLen);
    this.store = next;
  }

  private fail(message: string): void {
    this.failed = true;
    this.pendingLen = 0;
    this.scanned = 0;
    this.handlers.onError(new ParseError(message));
  }

  /**
   * Emits every complete frame in data and returns the number of bytes consumed. `resume` is the
   * offset (within the first, carried frame) already known to hold no frame end.
   */
  private scan(data: Buffer, resume: number): number {
    const len = data.length;
    let pos = 0;
    if (this.awaitingBanner) {
      const nl = data.indexOf(LF, 0);
      if (nl < 0) {
        this.scanned = 0;
        return 0;
      }
      const line = data.toString("utf8", 0, nl > 0 && data[nl - 1] === CR ? nl - 1 : nl);
      this.awaitingBanner = false;
      if (looksLikeHeader(line)) {
        // No banner (some proxies): the line is the first header of the first frame.
      } else {
        this.handlers.onBanner?.(line);
        pos = nl + 1;
        resume = 0;
      }
    }
    // Positions of the next "\n\n" and "\n\r\n" at or after the current frame; each is searched
    // again only when passed, and never again once known absent, so a chunk is scanned once.
    let nextLfLf = -2;
    let nextLfCrLf = -2;
    while (pos < len && !this.failed) {
      // Blank lines between messages.
      while (pos < len && (data[pos] === CR || data[pos] === LF)) pos++;
      if (pos >= len) break;
      const start = pos;
      const searchFrom = Math.max(start, start + resume - 2);
      resume = 0;
      if (startsWith(data, start, RESPONSE_FOLLOWS)) {
        // Asterisk <= 13 Command output: raw text (blank lines included) up to --END COMMAND--.
        const mark = data.indexOf(END_COMMAND, searchFrom);
        if (mark < 0) {
          this.scanned = Math.max(0, len - start - END_COMMAND.length);
          return start;
        }
        let end = mark + END_COMMAND.length;
        if (end - start > this.maxFrameBytes) {
          this.fail(`frame exceeds ${this.maxFrameBytes} bytes`);
          return len;
        }
        // The frame ends after the line holding the marker, then one blank line.
        const nl = data.indexOf(LF, end);
        if (nl < 0) {
          this.scanned = Math.max(0, end - start - END_COMMAND.length);
          return start;
        }
        end = nl;
        let after = nl + 1;
        if (after < len && data[after] === CR) after++;
        if (after < len && data[after] === LF) after++;
        else if (after >= len) {
          this.scanned = Math.max(0, end - start - END_COMMAND.length);
          return start;
        }
        this.handlers.onFrame(data, start, end);
        pos = after;
        nextLfLf = nextLfCrLf = -2;
        continue;
      }
      if (nextLfLf !== -1 && nextLfLf < searchFrom) nextLfLf = data.indexOf(LF_LF, searchFrom);
      if (nextLfCrLf !== -1 && nextLfCrLf < searchFrom) nextLfCrLf = data.indexOf(LF_CR_LF, searchFrom);
      let term: number;
      let termLen: number;
      if (nextLfLf >= 0 && (nextLfCrLf < 0 || nextLfLf <= nextLfCrLf)) {
        term = nextLfLf;
        termLen = 2;
      } else if (nextLfCrLf >= 0) {
        term = nextLfCrLf;
        termLen = 3;
      } else {
        if (len - start > this.maxFrameBytes + PARTIAL_SLACK) {
          this.fail(`frame exceeds ${this.maxFrameBytes} bytes without an end`);
          return len;
        }
        this.scanned = len - start;
        return start;
      }
      // The frame's last line ends at term (its "\n"); drop that line end.
      let end = term;
      if (end > start && data[end - 1] === CR) end--;
      if (end - start > this.maxFrameBytes) {
        this.fail(`frame exceeds ${this.maxFrameBytes} bytes`);
        return len;
      }
      this.handlers.onFrame(data, start, end);
      pos = term + termLen;
    }
    this.scanned = 0;
    return pos;
  }
}

function startsWith(buf: Buffer, at: number, prefix: Buffer): boolean {
  if (buf.length - at < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (buf[at + i] !== prefix[i]) return false;
  return true;
}

function looksLikeHeader(line: string): boolean {
  return /^[A-Za-z0-9_\-]+:( |$)/.test(line);
}

/** The event name of a frame (`Event: X` as its first line), without decoding the rest. */
export function peekEventName(buf: Buffer, start: number, end: number): string | undefined {
  if (!startsWith(buf, start, EVENT_PREFIX)) return undefined;
  let nl = buf.indexOf(LF, start);
  if (nl < 0 || nl > end) nl = end;
  let stop = nl;
  if (stop > start && buf[stop - 1] === CR) stop--;
  return buf.toString("utf8", start + EVENT_PREFIX.length, stop);
}

/** True when the frame may carry an ActionID (conservative: any `ActionID:` bytes in it). */
export function frameMayHaveActionId(buf: Buffer, start: number, end: number): boolean {
  return buf.subarray(start, end).indexOf(ACTION_ID) >= 0;
}

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
function frameHeaders(buf: Buffer, start: number, end: number): HeaderObject {
  const lines = new FrameLines(buf.toString("utf8", start, end));
  const obj: HeaderObject = {};
  while (lines.next()) if (lines.colon >= 0) addHeader(obj, lines.key, lines.val);
  return obj;
}

/**
 * An event as it came off the wire: its name (peeked from the first line), its bytes, and its
 * headers decoded only when first asked for. A subscriber that often drops events (a full backlog)
 * or keeps them waiting gets them this way: dropping one costs no decoding and no copy, and one that
 * waits can be kept as bytes outside the JavaScript heap (copyTo) instead of a few dozen strings for
 * the garbage collector to move.
 *
 * A frame given to a listener is a view of the client's read buffer, valid only during that call:
 * read `message`, or copy the bytes, before returning. Afterwards `message` still works if it was
 * read in time and throws otherwise (the bytes may have been overwritten).
 */
export class EventFrame {
  private decodedMessage?: AmiMessage;
  /** toObject() made an object from the bytes already (the next one decodes the message). */
  private objectMade = false;
  private buf: Buffer;
  private start: number;
  private end: number;

  constructor(
    readonly name: string,
    buf: Buffer,
    start: number,
    end: number,
    message?: AmiMessage,
    /**
     * Read by one consumer only (a queue's own copy): toObject then decodes straight from the
     * bytes. A frame given to several listeners decodes once, into `message`, for all of them.
     */
    private readonly single = false,
  ) {
    this.buf = buf;
    this.start = start;
    this.end = end;
    this.decodedMessage = message;
  }

  /** Size of the frame in bytes (without the closing blank line). */
  get length(): number {
    return this.end - this.start;
  }

  /** The event's headers, decoded on the first call. */
  get message(): AmiMessage {
    if (this.decodedMessage) return this.decodedMessage;
    if (this.end < 0) throw new Error(`EventFrame ${this.name}: read after its listener returned; read message or copy the bytes during the call`);
    return (this.decodedMessage = parseFrame(this.buf, this.start, this.end));
  }

  /**
   * The headers as a new plain object (as message.toObject()). The first object is read straight
   * from the bytes, without decoding a message (most events have one consumer); a frame shared by
   * several consumers decodes its message once when a second object is asked for, and every later
   * object comes from it.
   */
  toObject(): HeaderObject {
    if (this.decodedMessage) return this.decodedMessage.toObject();
    if (this.end < 0) throw new Error(`EventFrame ${this.name}: read after its listener returned; read message or copy the bytes during the call`);
    if (this.single || !this.objectMade) {
      this.objectMade = true;
      return frameHeaders(this.buf, this.start, this.end);
    }
    return this.message.toObject();
  }

  /** True once the headers have been decoded. */
  get decoded(): boolean {
    return this.decodedMessage !== undefined;
  }

  /** Copies the frame's bytes into target at offset (as Buffer.copy). */
  copyTo(target: Buffer, offset: number): number {
    if (this.end < 0) throw new Error(`EventFrame ${this.name}: copied after its listener returned`);
    return this.buf.copy(target, offset, this.start, this.end);
  }

  /** A copy of the frame's bytes that the caller owns. */
  bytes(): Buffer {
    const out = Buffer.allocUnsafe(this.length);
    this.copyTo(out, 0);
    return out;
  }

  /**
   * Finds a header line that starts with the probe's text exactly (case and bytes: `Name:` or
   * `Name: value`; with `whole`, nothing may follow on the line), without decoding. Returns the
   * byte offset just past the match, or -1. A miss says nothing of a header spelled in another case
   * (which message.get would still find): callers fall back to `message` on a miss.
   */
  findLine(probe: LineProbe): number {
    if (this.end < 0) throw new Error(`EventFrame ${this.name}: read after its listener returned`);
    const { buf, start, end } = this;
    const len = probe.text.length;
    // The first line has no line end before it; every other one follows a "\n".
    if (start + len <= end && startsWith(buf, start, probe.text) && (!probe.whole || endsLineAt(buf, start + len, end))) return start + len;
    const view = buf.subarray(start, end);
    let from = 0;
    for (;;) {
      const i = view.indexOf(probe.afterLf, from);
      if (i < 0) return -1;
      const past = start + i + 1 + len;
      if (!probe.whole || endsLineAt(buf, past, end)) return past;
      from = i + 1;
    }
  }

  /** The values of every header line that starts with the probe's text (`Name:`), decoded. */
  valuesOf(probe: LineProbe): string[] {
    const out: string[] = [];
    if (this.end < 0) throw new Error(`EventFrame ${this.name}: read after its listener returned`);
    const { buf, start, end } = this;
    const view = buf.subarray(start, end);
    let at = start + probe.text.length <= end && startsWith(buf, start, probe.text) ? start : -1;
    let from = 0;
    for (;;) {
      if (at < 0) {
        const i = view.indexOf(probe.afterLf, from);
        if (i < 0) return out;
        at = start + i + 1;
        from = i + 1;
      }
      let v = at + probe.text.length;
      if (v < end && buf[v] === 0x20) v++;
      let stop = buf.indexOf(LF, v);
      if (stop < 0 || stop > end) stop = end;
      const next = stop;
      if (stop > v && buf[stop - 1] === CR) stop--;
      out.push(buf.toString("utf8", v, stop));
      if (from === 0) from = Math.max(0, next - start);
      at = -1;
    }
  }

  /** Ends the view: the buffer it points into is about to be reused. */
  release(): void {
    this.buf = EMPTY;
    this.start = this.end = -1;
  }
}

const EMPTY = Buffer.alloc(0);

/** Text to find at the start of a header line of a frame (see EventFrame.findLine). */
export class LineProbe {
  readonly text: Buffer;
  readonly afterLf: Buffer;

  /** `text`: "Name:" or "Name: value"; `whole`: the line must end right after it. */
  constructor(
    text: string,
    readonly whole = false,
  ) {
    this.text = Buffer.from(text, "utf8");
    this.afterLf = Buffer.from(`\n${text}`, "utf8");
  }
}

/** True when position p of buf (a frame ending at end) is the end of a line. */
function endsLineAt(buf: Buffer, p: number, end: number): boolean {
  return p === end || buf[p] === LF || (buf[p] === CR && (p + 1 === end || buf[p + 1] === LF));
}
