import { strict as assert } from "node:assert";
import { decodeAgiEnv, parseAgiResult } from "../../src/ami/agi";
import { AmiMessage } from "../../src/ami/message";
import { parseFrame } from "../../src/ami/frame-decoder";
import { amiVersionToAsterisk } from "../../src/ami/version";
import { readRaw } from "../helpers/captures";

function frames(raw: Buffer): AmiMessage[] {
  const text = raw.toString("utf8");
  const body = Buffer.from(text.slice(text.indexOf("\r\n") + 2));
  const out: AmiMessage[] = [];
  let pos = 0;
  for (;;) {
    const end = body.indexOf("\r\n\r\n", pos);
    if (end < 0) break;
    out.push(parseFrame(body, pos, end));
    pos = end + 4;
  }
  return out;
}

describe("AMI message model", () => {
  it("toObject keeps header names as sent and turns repeated headers into arrays in order", () => {
    const m = AmiMessage.from([
      ["Event", "UserEvent"],
      ["Foo", "bar"],
      ["Num", "42"],
      ["Foo", "baz"],
      ["Foo", "qux"],
    ]);
    assert.deepEqual(m.toObject(), { Event: "UserEvent", Foo: ["bar", "baz", "qux"], Num: "42" });
    assert.equal(m.get("Foo"), "bar");
    assert.deepEqual(m.getAll("foo"), ["bar", "baz", "qux"]);
    assert.equal(m.kind, "event");
  });

  it("an event that carries Response (OriginateResponse) is an event", () => {
    const m = AmiMessage.from([["Event", "OriginateResponse"], ["Response", "Failure"]]);
    assert.equal(m.kind, "event");
    assert.equal(m.response, undefined);
  });

  it("looks headers up exactly first, then case-insensitively (AsyncAGIExec answers CommandID as CommandId)", () => {
    const m = AmiMessage.from([["CommandId", "cmd-1"]]);
    assert.equal(m.get("CommandID"), "cmd-1");
  });

  it("a header named __proto__ is data, never a prototype", () => {
    const o = AmiMessage.from([["__proto__", "x"], ["__proto__", "y"], ["A", "1"]]).toObject();
    assert.deepEqual(Object.getOwnPropertyDescriptor(o, "__proto__")?.value, ["x", "y"]);
    assert.equal(Object.getPrototypeOf(o), Object.prototype);
  });

  it("keeps ChanVariable lines of the chanvariable capture in order", () => {
    const events = frames(readRaw("chanvariable")).filter((m) => m.getAll("ChanVariable").length > 1);
    assert.ok(events.length > 0, "the capture has events with several ChanVariable headers");
    const obj = events[0].toObject();
    assert.ok(Array.isArray(obj.ChanVariable));
    assert.deepEqual(obj.ChanVariable, events[0].getAll("ChanVariable"));
  });

  it("round-trips to wire form", () => {
    const m = AmiMessage.from([["Response", "Success"], ["ActionID", "1"]]);
    assert.equal(m.toString(), "Response: Success\r\nActionID: 1\r\n\r\n");
  });

  it("maps AMI versions to Asterisk majors, and refuses to guess for 2.8", () => {
    assert.equal(amiVersionToAsterisk("11.0.0"), 22);
    assert.equal(amiVersionToAsterisk("9.0.0"), 20);
    assert.equal(amiVersionToAsterisk("5.0.1"), 16);
    assert.equal(amiVersionToAsterisk("2.8.0"), undefined);
    assert.equal(amiVersionToAsterisk("nonsense"), undefined);
  });
});

describe("Async AGI decoding", () => {
  it("decodes the results of the async-agi capture", () => {
    const execs = frames(readRaw("async-agi")).filter((m) => m.event === "AsyncAGIExec");
    const byId = new Map(execs.map((m) => [m.get("CommandId"), parseAgiResult(m.get("Result") ?? "")]));
    assert.deepEqual(byId.get("cmd-answer"), { code: 200, result: "0", raw: "200 result=0", ok: true });
    assert.deepEqual(byId.get("cmd-getvar"), { code: 200, result: "1", data: "Local/200@test-0000003a;2", raw: "200 result=1 (Local/200@test-0000003a;2)", ok: true });
    assert.equal(byId.get("cmd-bad")?.code, 510);
    assert.equal(byId.get("cmd-bad")?.result, undefined);
    assert.equal(byId.get("cmd-bad")?.raw, "510 Invalid or unknown command");
  });

  it("parses data with parentheses and trailing key=value pairs", () => {
    assert.deepEqual(parseAgiResult("200%20result%3D49%20(timeout)%20endpos%3D12345%0A"), {
      code: 200,
      result: "49",
      data: "timeout",
      extra: { endpos: "12345" },
      raw: "200 result=49 (timeout) endpos=12345",
      ok: true,
    });
    assert.equal(parseAgiResult("200 result=1 (a (nested) value)\n").data, "a (nested) value");
    assert.equal(parseAgiResult("200 result=-1\n").result, "-1");
  });

  it("tells a result that means failure for its command (ok, failure) without the user reading the AGI spec", () => {
    const judged = (line: string, command?: string) => {
      const r = parseAgiResult(line, command);
      return r.ok ? "ok" : r.failure;
    };
    // A sound the PBX does not have: Asterisk 22 answers 200 with result=-1 (the AGI goes on).
    assert.match(judged("200%20result%3D-1%20endpos%3D0%0A", 'STREAM FILE hello-world ""') ?? "", /^STREAM FILE failed \(result=-1\): the sound file could not be played \(missing from the sounds directory\?\)/);
    assert.equal(judged("200 result=0 endpos=8000", 'STREAM FILE hello-world ""'), "ok");
    assert.equal(judged("200 result=49 endpos=4000", 'stream file hello-world "0123456789"'), "ok", "a digit pressed (ASCII 49), any case of the command");
    assert.match(judged("200 result=-1", "GET DATA ivr-menu 5000 4") ?? "", /^GET DATA failed \(result=-1\)/);
    assert.equal(judged("200 result= (timeout)", "GET DATA ivr-menu 5000 4"), "ok", "nothing typed is an answer");
    assert.match(judged("200 result=-1", "WAIT FOR DIGIT 5000") ?? "", /^WAIT FOR DIGIT failed/);
    assert.equal(judged("200 result=0", "WAIT FOR DIGIT 5000"), "ok", "no digit within the time");
    assert.match(judged("200 result=-2", "EXEC NoSuchApp x") ?? "", /^EXEC failed \(result=-2\): -2: the application does not exist/);
    assert.equal(judged("200 result=0", "EXEC Playback beep"), "ok");
    assert.match(judged("200 result=0", "DATABASE PUT fam key val") ?? "", /^DATABASE PUT failed \(result=0\)/);
    assert.equal(judged("200 result=1", "DATABASE PUT fam key val"), "ok");
    assert.equal(judged("200 result=0", "DATABASE GET fam key"), "ok", "not set is an answer, not a failure");
    assert.equal(judged("200 result=0", "GET VARIABLE NOPE"), "ok");
    assert.equal(judged("200 result=0", "ANSWER"), "ok");
    assert.match(judged("200 result=-1", "ANSWER") ?? "", /^ANSWER failed \(result=-1\): error, or the channel hung up/);
    assert.match(judged("510%20Invalid%20or%20unknown%20command%0A", "BOGUS COMMAND") ?? "", /^BOGUS failed \(510: invalid or unknown command\)/);
    assert.match(judged("511 Command Not Permitted on a dead channel or intercept routine", "SAY DIGITS 123 \"\"") ?? "", /^SAY DIGITS failed \(511: the channel is dead/);
    assert.match(judged("garbage", "NOOP") ?? "", /no AGI status/);
    assert.match(judged("200 result=-1") ?? "", /^AGI command failed \(result=-1\)/, "without the command, -1 still fails");
  });

  it("keeps a malformed escape rather than throwing", () => {
    const r = parseAgiResult("200%20result%3D1%ZZ");
    assert.equal(r.code, 200);
    assert.equal(r.raw, "200%20result%3D1%ZZ");
  });

  it("decodes AsyncAGIStart's Env", () => {
    const start = frames(readRaw("async-agi")).find((m) => m.event === "AsyncAGIStart");
    assert.ok(start);
    const env = decodeAgiEnv(start.get("Env") ?? "");
    assert.equal(env.agi_request, "async");
    assert.equal(env.agi_channel, "Local/200@test-0000003a;2");
    assert.equal(env.agi_extension, "200");
    assert.equal(env.agi_accountcode, "");
    assert.equal(env.agi_version, "22.10.1");
  });
});
