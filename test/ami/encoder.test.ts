import { strict as assert } from "node:assert";
import { encodeAction, MAX_HEADERS } from "../../src/ami/encoder";
import { AmiError } from "../../src/ami/errors";

function refused(fn: () => unknown, key: RegExp): AmiError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof AmiError, `expected an AmiError, got ${String(err)}`);
    assert.equal(err.code, "ERR_AMI_INVALID_ACTION");
    assert.match(err.message, key);
    return err;
  }
  return assert.fail("expected the encoder to refuse");
}

describe("AMI action encoder", () => {
  it("writes Action first, fields in order, ActionID last, CRLF lines and a blank line", () => {
    const bytes = encodeAction("Originate", { Channel: "Local/100@test", Application: "Wait", Data: 1, Async: true }, "abc-1");
    assert.equal(
      bytes.toString(),
      "Action: Originate\r\nChannel: Local/100@test\r\nApplication: Wait\r\nData: 1\r\nAsync: true\r\nActionID: abc-1\r\n\r\n",
    );
  });

  it("turns arrays into repeated headers and a Variable object into one header per variable", () => {
    const bytes = encodeAction("Originate", { Channel: "Local/1@t", Variable: { A: "1;2", B: 3 }, Codecs: ["ulaw", "alaw"] });
    assert.equal(
      bytes.toString(),
      "Action: Originate\r\nChannel: Local/1@t\r\nVariable: A=1;2\r\nVariable: B=3\r\nCodecs: ulaw\r\nCodecs: alaw\r\n\r\n",
    );
    assert.equal(encodeAction("Originate", { Variable: ["A=1", "B=2"] }).toString(), "Action: Originate\r\nVariable: A=1\r\nVariable: B=2\r\n\r\n");
  });

  it("skips null and undefined, stringifies numbers and booleans", () => {
    assert.equal(encodeAction("Ping", { A: null, B: undefined, C: 0, D: false }).toString(), "Action: Ping\r\nC: 0\r\nD: false\r\n\r\n");
  });

  it("refuses CR, LF or NUL in any value, naming the key and never echoing the value", () => {
    const attack = "SIP/100\r\nAction: Originate\r\nChannel: SIP/evil";
    const err = refused(() => encodeAction("Hangup", { Channel: attack }), /"Channel"/);
    assert.ok(!err.message.includes("evil"));
    refused(() => encodeAction("Hangup", { Channel: "a\nb" }), /"Channel".*CR, LF or NUL/);
    refused(() => encodeAction("Hangup", { Channel: "a\rb" }), /"Channel"/);
    refused(() => encodeAction("Hangup", { Channel: "a\0b" }), /"Channel"/);
    refused(() => encodeAction("Originate", { Variable: { X: "1\r\nAction: Command" } }), /"Variable\.X"/);
    refused(() => encodeAction("Originate", { Variable: { "X\r\nY": "1" } }), /variable name in "Variable"/);
    // Asterisk splits a Variable header on commas: the value would set CALLERID(name) as well.
    refused(() => encodeAction("Originate", { Variable: { NOTE: "hi,CALLERID(name)=Spoofed" } }), /variable "NOTE" in "Variable" contains a comma/);
    refused(() => encodeAction("Originate", { Variable: { "A,B": "1" } }), /contains a comma/);
    // Half a surrogate pair has no UTF-8 form: Buffer.from would send U+FFFD instead, a silent change.
    refused(() => encodeAction("UserEvent", { Note: "a\uD83D" }), /"Note" contains a lone UTF-16 surrogate/);
    refused(() => encodeAction("UserEvent", { ["K\uDE00"]: "1" }), /header name contains a lone UTF-16 surrogate/);
    refused(() => encodeAction("Originate", { Variable: { ["V\uD83D"]: "1" } }), /variable name in "Variable" contains a lone UTF-16 surrogate/);
    assert.match(encodeAction("UserEvent", { Note: "smile \uD83D\uDE42" }).toString(), /Note: smile 🙂\r\n/, "a whole pair is fine");
    refused(() => encodeAction("Originate", { Codecs: ["ulaw", "alaw\r\nAction: Logoff"] }), /"Codecs"/);
    refused(() => encodeAction("Ping", {}, "id\r\nAction: Originate"), /"ActionID"/);
    refused(() => encodeAction("Ping\r\nAction: Originate", {}), /"Action"/);
    refused(() => encodeAction("Ping Originate", {}), /not a valid AMI action name/);
  });

  it("refuses bad header names: empty, with a colon, with spaces or control characters", () => {
    refused(() => encodeAction("Ping", { "": "x" }), /empty/);
    refused(() => encodeAction("Ping", { "Channel: SIP/evil\r\nX": "x" }), /colon, space or control/);
    refused(() => encodeAction("Ping", { "A:B": "x" }), /colon/);
    refused(() => encodeAction("Ping", { "A B": "x" }), /space/);
    refused(() => encodeAction("Ping", { "A\nB": "x" }), /control/);
  });

  it("refuses a second Action header, an ActionID among the fields, and case-duplicate keys", () => {
    refused(() => encodeAction("Ping", { action: "Originate" }), /second action/);
    refused(() => encodeAction("Ping", { ActionId: "x" }), /ActionID separately/);
    refused(() => encodeAction("Hangup", { Channel: "a", channel: "b" }), /given twice/);
  });

  it("refuses nested objects except for Variable", () => {
    refused(() => encodeAction("Originate", { Channel: { a: 1 } }), /"Channel" must be a string/);
    refused(() => encodeAction("Originate", { Codecs: [["x"]] as never }), /"Codecs" must be a string/);
    refused(() => encodeAction("Originate", { Data: NaN }), /finite/);
  });

  it("enforces Asterisk's limits: 1024-byte lines and 128 headers per action", () => {
    const okValue = "x".repeat(1024 - "Data: \r\n".length);
    assert.ok(encodeAction("Originate", { Data: okValue }).length > 1024);
    refused(() => encodeAction("Originate", { Data: okValue + "x" }), /"Data".*1024/);
    // Multi-byte characters count in bytes.
    refused(() => encodeAction("Originate", { Data: "é".repeat(600) }), /"Data".*1024/);
    const fields: Record<string, string> = {};
    for (let i = 0; i < MAX_HEADERS - 2; i++) fields[`H${i}`] = "v";
    assert.ok(encodeAction("UserEvent", fields, "id-1")); // Action + 126 + ActionID = 128
    fields.One = "more";
    refused(() => encodeAction("UserEvent", fields, "id-1"), /129 headers exceed.*128/);
  });
});
