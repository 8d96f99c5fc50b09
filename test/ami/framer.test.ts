import { strict as assert } from "node:assert";
import { AmiFramer, ParseError, peekEventName } from "../../src/ami/framer";
import { EventFrame } from "../../src/ami/event-frame";
import { parseFrame } from "../../src/ami/frame-decoder";
import { captureNames, readRaw, referenceParse } from "../helpers/captures";
import { chunk } from "../fuzz/framer-properties";

interface Parsed {
  banner?: string;
  messages: string[][];
  errors: string[];
}

/** Feeds the chunks to a fresh framer and decodes every frame. */
function parseChunks(chunks: Buffer[], maxFrameBytes?: number, banner = true): Parsed {
  const out: Parsed = { messages: [], errors: [] };
  const framer = new AmiFramer(
    {
      onBanner: (line) => (out.banner = line),
      onFrame: (buf, s, e) => out.messages.push([...parseFrame(buf, s, e).fields]),
      onError: (err: ParseError) => out.errors.push(err.message),
    },
    { maxFrameBytes, banner },
  );
  for (const c of chunks) framer.push(c);
  return out;
}

function bytewise(buf: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  for (let i = 0; i < buf.length; i++) chunks.push(buf.subarray(i, i + 1));
  return chunks;
}

/** Where each frame starts (after the banner line), plus the end of the buffer. */
function frameBounds(raw: Buffer): number[] {
  const bounds = [raw.indexOf("\r\n") + 2];
  for (let at = raw.indexOf("\r\n\r\n", bounds[0]); at >= 0; at = raw.indexOf("\r\n\r\n", at + 4)) bounds.push(at + 4);
  if (bounds[bounds.length - 1] !== raw.length) bounds.push(raw.length);
  return bounds;
}

/** A deterministic PRNG so a failing split can be reproduced. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe("AMI framer and parser", () => {
  describe("every real-Asterisk capture", () => {
    for (const name of captureNames()) {
      const raw = readRaw(name);
      it(`${name}: parses like the reference, whole, byte by byte, and split at every offset${raw.length <= 16384 ? "" : " (frame by frame) and at random offsets"}`, () => {
        const expected = referenceParse(raw);
        const whole = parseChunks([raw]);
        assert.deepEqual(whole.errors, []);
        assert.equal(whole.banner, "Asterisk Call Manager/11.0.0");
        assert.equal(whole.banner, expected.banner);
        assert.deepEqual(whole.messages, expected.messages);
        // Every "Event: " line at a message start is one event, every "Response: " one response.
        const events = raw.toString().split("\r\n\r\n").filter((b) => /(^|\n)Event: /.test(b.replace(/^.*Call Manager\/[^\r]*\r\n/, ""))).length;
        assert.equal(whole.messages.filter((m) => m.includes("Event")).length, events);

        assert.deepEqual(parseChunks(bytewise(raw)), whole, "fed one byte at a time");
        if (raw.length <= 16384) {
          for (let i = 1; i < raw.length; i++) {
            const split = parseChunks(chunk(raw, [i]));
            if (split.messages.length !== whole.messages.length) assert.fail(`split at ${i}: ${split.messages.length} messages`);
            assert.deepEqual(split, whole, `split at offset ${i}`);
          }
        } else {
          // Splitting the whole file at every offset costs length² (minutes here). Between frames the
          // framer holds nothing, so a split inside frame k is tried on frames k and k+1 fed to a fresh
          // framer: every offset of the file, each next to the frame that follows it.
          const bounds = frameBounds(raw);
          for (let k = 0; k + 1 < bounds.length; k++) {
            const window = raw.subarray(bounds[k], bounds[Math.min(k + 2, bounds.length - 1)]);
            const expectedWindow = parseChunks([window], undefined, false);
            for (let j = 1; j <= bounds[k + 1] - bounds[k] && j < window.length; j++) {
              const split = parseChunks(chunk(window, [j]), undefined, false);
              if (split.messages.length !== expectedWindow.messages.length || split.errors.length > 0) {
                assert.deepEqual(split, expectedWindow, `split at offset ${bounds[k] + j}`);
              }
            }
            const pair = expectedWindow.messages;
            assert.deepEqual(pair, whole.messages.slice(k, k + pair.length), `frames ${k}, ${k + 1} alone read as in the whole file`);
          }
          const rnd = prng(raw.length);
          for (let round = 0; round < 200; round++) {
            const cuts = new Set<number>();
            const n = 1 + Math.floor(rnd() * 40);
            for (let k = 0; k < n; k++) cuts.add(1 + Math.floor(rnd() * (raw.length - 1)));
            const offsets = [...cuts].sort((a, b) => a - b);
            assert.deepEqual(parseChunks(chunk(raw, offsets)), whole, `split at ${offsets.join(",")}`);
          }
        }
      });
    }
  });

  it("keeps repeated headers in order and values verbatim (no coercion, no trimming)", () => {
    const raw = Buffer.from(
      "Asterisk Call Manager/11.0.0\r\n" +
        "Event: UserEvent\r\nUserEvent: TestEvent\r\nFoo: bar\r\nFoo: baz\r\nNum: 004930123\r\nUniqueid: 1795663249.98\r\nAccountCode: \r\nTime: 12:30:01\r\n\r\n",
    );
    const [m] = parseChunks([raw]).messages;
    assert.deepEqual(m, [
      "Event", "UserEvent",
      "UserEvent", "TestEvent",
      "Foo", "bar",
      "Foo", "baz",
      "Num", "004930123",
      "Uniqueid", "1795663249.98",
      "AccountCode", "",
      "Time", "12:30:01",
    ]);
  });

  it("accepts bare \\n line ends, \\r\\n\\n frame ends and extra blank lines between messages", () => {
    const raw = Buffer.from(
      "Asterisk Call Manager/11.0.0\n" +
        "Response: Success\nActionID: a\nPing: Pong\n\n" +
        "\r\n\r\n\n" +
        "Event: X\r\nA: 1\r\n\n" +
        "Event: Y\r\nB: 2\n\r\n" +
        "Event: Z\r\nC: 3\r\n\r\n",
    );
    const whole = parseChunks([raw]);
    assert.deepEqual(whole.messages, [
      ["Response", "Success", "ActionID", "a", "Ping", "Pong"],
      ["Event", "X", "A", "1"],
      ["Event", "Y", "B", "2"],
      ["Event", "Z", "C", "3"],
    ]);
    assert.deepEqual(parseChunks(bytewise(raw)), whole);
    for (let i = 1; i < raw.length; i++) assert.deepEqual(parseChunks(chunk(raw, [i])), whole, `split at ${i}`);
  });

  it("decodes UTF-8 after framing: a character split across chunks stays intact", () => {
    const raw = Buffer.from("Asterisk Call Manager/11.0.0\r\nEvent: Newchannel\r\nCallerIDName: Jürgen Müller 日本 🙂\r\n\r\n");
    const whole = parseChunks([raw]);
    assert.equal(whole.messages[0][3], "Jürgen Müller 日本 🙂");
    const start = raw.indexOf("J");
    for (let i = start; i < raw.length - 4; i++) {
      assert.deepEqual(parseChunks(chunk(raw, [i, i + 1, i + 2, i + 3])), whole, `split inside the name at ${i}`);
    }
  });

  it("reads the legacy (Asterisk <= 13) Command format into Output headers, blank lines and colons included", () => {
    // Asterisk 13's action_command: headers, then the raw CLI text with bare \n, then the marker.
    const body = "Name/username             Host            Dyn\nfoo: bar looks like a header\n\n2 sip peers\n";
    const raw = Buffer.from(
      "Asterisk Call Manager/2.10.5\r\n" +
        "Response: Follows\r\nPrivilege: Command\r\nActionID: c1\r\n" + body + "--END COMMAND--\r\n\r\n" +
        "Response: Follows\r\nPrivilege: Command\r\nActionID: c2\r\nno newline before the marker--END COMMAND--\r\n\r\n" +
        "Event: After\r\nX: 1\r\n\r\n",
    );
    const whole = parseChunks([raw]);
    assert.deepEqual(whole.errors, []);
    assert.deepEqual(whole.messages, [
      ["Response", "Follows", "Privilege", "Command", "ActionID", "c1",
        "Output", "Name/username             Host            Dyn",
        "Output", "foo: bar looks like a header",
        "Output", "",
        "Output", "2 sip peers"],
      ["Response", "Follows", "Privilege", "Command", "ActionID", "c2", "Output", "no newline before the marker"],
      ["Event", "After", "X", "1"],
    ]);
    assert.deepEqual(parseChunks(bytewise(raw)), whole);
    for (let i = 1; i < raw.length; i++) assert.deepEqual(parseChunks(chunk(raw, [i])), whole, `split at ${i}`);
  });

  it("accepts any Name/Version banner, and no banner at all", () => {
    assert.equal(parseChunks([Buffer.from("PBX Call Manager/5.0.1\r\nResponse: Success\r\n\r\n")]).banner, "PBX Call Manager/5.0.1");
    const none = parseChunks([Buffer.from("Response: Success\r\nActionID: 1\r\n\r\n")]);
    assert.equal(none.banner, undefined);
    assert.deepEqual(none.messages, [["Response", "Success", "ActionID", "1"]]);
  });

  it("splits a line at the first colon only; a value may hold ': '", () => {
    const [m] = parseChunks([Buffer.from("Event: Cdr\r\nLastData: SIP/100,30,tT: x\r\nNoSpace:v\r\n\r\n")], undefined, false).messages;
    assert.deepEqual(m, ["Event", "Cdr", "LastData", "SIP/100,30,tT: x", "NoSpace", "v"]);
  });

  describe("frame size limit", () => {
    it("a frame that never ends is a protocol error once it passes the limit, and memory stays bounded", () => {
      const errors: string[] = [];
      let frames = 0;
      const framer = new AmiFramer({ onFrame: () => frames++, onError: (e) => errors.push(e.message) }, { maxFrameBytes: 4096, banner: false });
      const line = Buffer.from("X-Garbage: " + "a".repeat(100) + "\r\n");
      for (let i = 0; i < 1000 && errors.length === 0; i++) {
        framer.push(line);
        assert.ok(framer.bufferedBytes <= 4096 + 3, `holds ${framer.bufferedBytes} bytes`); // + an unfinished closing "\r\n\r"
      }
      assert.equal(frames, 0);
      assert.equal(errors.length, 1);
      assert.match(errors[0], /exceeds 4096 bytes/);
      framer.push(Buffer.from("Event: Late\r\n\r\n"));
      assert.equal(frames, 0, "a failed framer ignores input until reset");
      framer.reset();
      framer.push(Buffer.from("Event: Fresh\r\n\r\n"));
      assert.equal(frames, 1);
    });

    it("an absurdly long line inside one chunk is refused without holding it", () => {
      const errors: string[] = [];
      const framer = new AmiFramer({ onFrame: () => assert.fail("no frame expected"), onError: (e) => errors.push(e.message) }, { maxFrameBytes: 1024 * 1024, banner: false });
      framer.push(Buffer.alloc(3 * 1024 * 1024, 0x61));
      assert.equal(errors.length, 1);
      assert.equal(framer.bufferedBytes, 0);
    });

    it("a complete frame larger than the limit is refused too", () => {
      const errors: string[] = [];
      const framer = new AmiFramer({ onFrame: () => assert.fail("no frame expected"), onError: (e) => errors.push(e.message) }, { maxFrameBytes: 100, banner: false });
      framer.push(Buffer.from("Event: Big\r\nData: " + "x".repeat(200) + "\r\n\r\n"));
      assert.equal(errors.length, 1);
    });

    it("a legacy Command output larger than the limit is refused, whether its end marker came or not", () => {
      const errors: string[] = [];
      const framer = new AmiFramer({ onFrame: () => assert.fail("no frame expected"), onError: (e) => errors.push(e.message) }, { maxFrameBytes: 100, banner: false });
      framer.push(Buffer.from("Response: Follows\r\nPrivilege: Command\r\n" + "line\n".repeat(40) + "--END COMMAND--\r\n\r\n"));
      assert.deepEqual(errors, ["frame exceeds 100 bytes"]);
      const open = new AmiFramer({ onFrame: () => assert.fail("no frame expected"), onError: (e) => errors.push(e.message) }, { maxFrameBytes: 100, banner: false });
      for (let i = 0; i < 40 && errors.length === 1; i++) open.push(Buffer.from(i === 0 ? "Response: Follows\r\n" : "line\n"));
      assert.deepEqual(errors, ["frame exceeds 100 bytes", "frame exceeds 100 bytes without an end"]);
      assert.equal(open.bufferedBytes, 0);
    });

    it("a frame of a megabyte of lines without a colon is decoded in one pass, not one per line", () => {
      // Each line's search for its colon used to run on to the next colon in the frame: a frame of
      // short colon-less lines (a peer can send one up to the frame limit) cost a pass per line,
      // seconds of a blocked event loop. Counted here: the characters String#indexOf reads.
      const lines = "ab\r\n".repeat(262_000);
      const text = `Event: X\r\n${lines}Key: v`;
      const buf = Buffer.from(`junk${text}junk`);
      const frameEvent = new EventFrame("X", buf, 4, 4 + text.length, undefined, true);
      // eslint-disable-next-line @typescript-eslint/unbound-method -- called with .call below, and put back after
      const indexOf = String.prototype.indexOf;
      let read = 0;
      String.prototype.indexOf = function (this: string, search: string, from?: number): number {
        const at = indexOf.call(this, search, from);
        read += (at < 0 ? this.length : at + search.length) - (from ?? 0);
        return at;
      };
      let message, object;
      const reads: number[] = [];
      try {
        message = parseFrame(buf, 4, 4 + text.length);
        reads.push(read);
        read = 0;
        object = frameEvent.toObject();
        reads.push(read);
      } finally {
        String.prototype.indexOf = indexOf;
      }
      assert.deepEqual(message.fields, ["Event", "X", "Key", "v"]);
      assert.deepEqual(object, { Event: "X", Key: "v" });
      for (const r of reads) assert.ok(r <= 3 * text.length, `read ${r} characters of a ${text.length}-character frame`);
    });

    it("frames just under the limit pass", () => {
      const frame = "Event: Fits\r\nData: " + "x".repeat(50) + "\r\n\r\n";
      const limit = frame.length - 4; // the frame without its closing blank line
      const out = parseChunks([Buffer.from(frame + frame)], limit, false);
      assert.deepEqual(out.errors, []);
      assert.equal(out.messages.length, 2);
    });
  });

  it("peeks the event name without decoding the frame", () => {
    const buf = Buffer.from("Event: Newchannel\r\nPrivilege: call,all\r\n");
    assert.equal(peekEventName(buf, 0, buf.length - 2), "Newchannel");
    const resp = Buffer.from("Response: Success\r\n");
    assert.equal(peekEventName(resp, 0, resp.length), undefined);
  });
});
