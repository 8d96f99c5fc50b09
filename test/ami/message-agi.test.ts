import { strict as assert } from "node:assert";
import { decodeAgiEnv, parseAgiResult } from "../../src/ami/agi";
import { AmiMessage } from "../../src/ami/message";
import { parseFrame } from "../../src/ami/parser";
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
    assert.deepEqual(byId.get("cmd-answer"), { code: 200, result: "0", raw: "200 result=0" });
    assert.deepEqual(byId.get("cmd-getvar"), { code: 200, result: "1", data: "Local/200@test-0000003a;2", raw: "200 result=1 (Local/200@test-0000003a;2)" });
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
    });
    assert.equal(parseAgiResult("200 result=1 (a (nested) value)\n").data, "a (nested) value");
    assert.equal(parseAgiResult("200 result=-1\n").result, "-1");
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
