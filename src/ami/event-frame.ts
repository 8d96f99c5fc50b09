import type { AmiMessage, HeaderObject } from "./message";
import { frameHeaders, parseFrame } from "./frame-decoder";
import { startsWith } from "./framer";
import { amiError } from "./errors";

const LF = 0x0a;
const CR = 0x0d;

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
    if (this.end < 0) throw amiError("ERR_AMI_FRAME_RELEASED", `EventFrame ${this.name}: read after its listener returned; read message or copy the bytes during the call`);
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
    if (this.end < 0) throw amiError("ERR_AMI_FRAME_RELEASED", `EventFrame ${this.name}: read after its listener returned; read message or copy the bytes during the call`);
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
    if (this.end < 0) throw amiError("ERR_AMI_FRAME_RELEASED", `EventFrame ${this.name}: copied after its listener returned`);
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
    if (this.end < 0) throw amiError("ERR_AMI_FRAME_RELEASED", `EventFrame ${this.name}: read after its listener returned`);
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
    if (this.end < 0) throw amiError("ERR_AMI_FRAME_RELEASED", `EventFrame ${this.name}: read after its listener returned`);
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
