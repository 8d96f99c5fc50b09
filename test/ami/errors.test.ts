import { strict as assert } from "node:assert";
import { AmiClient } from "../../src/ami/client";
import { AmiError } from "../../src/ami/errors";
import { EventFrame } from "../../src/ami/event-frame";
import { AmiFramer, ParseError } from "../../src/ami/framer";

/** Every failure the core reports is an AmiError with a code from the list, so a Catch node can branch on it. */
describe("one error vocabulary", () => {
  const codeOf = (fn: () => unknown): string => {
    try {
      fn();
    } catch (err) {
      assert.ok(err instanceof AmiError, `an AmiError, not ${(err as Error)?.constructor?.name}`);
      return err.code;
    }
    return assert.fail("no error");
  };

  it("options an AmiClient cannot use", () => {
    assert.equal(codeOf(() => new AmiClient({ host: "", port: 5038, username: "u", secret: "s" })), "ERR_AMI_INVALID_OPTIONS");
    assert.equal(codeOf(() => new AmiClient({ host: "pbx", port: 70000, username: "u", secret: "s" })), "ERR_AMI_INVALID_OPTIONS");
    assert.equal(codeOf(() => new AmiClient({ host: "pbx", port: 5038, username: "", secret: "s" })), "ERR_AMI_INVALID_OPTIONS");
  });

  it("a frame over the limit (ParseError is an AmiError, ERR_AMI_PROTOCOL)", () => {
    const errors: ParseError[] = [];
    const framer = new AmiFramer({ onFrame: () => undefined, onError: (e) => errors.push(e) }, { maxFrameBytes: 64, banner: false });
    framer.push(Buffer.from(`Event: X\r\nLong: ${"x".repeat(100)}\r\n`));
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof AmiError);
    assert.equal(errors[0].code, "ERR_AMI_PROTOCOL");
  });

  it("an EventFrame read after its listener returned", () => {
    const bytes = Buffer.from("Event: Hangup\r\nCause: 16\r\n");
    const frame = new EventFrame("Hangup", bytes, 0, bytes.length);
    frame.release();
    assert.equal(codeOf(() => frame.message), "ERR_AMI_FRAME_RELEASED");
  });
});
