import { strict as assert } from "node:assert";
import { decodeAgiEnv, parseAgiResult } from "../../src/ami/agi";
import { readRaw } from "../helpers/captures";
import { frames } from "../helpers/capture-frames";

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
