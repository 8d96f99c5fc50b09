import * as assert from "node:assert/strict";
import * as fc from "fast-check";
import { EventFrame } from "../../src/ami/event-frame";
import { compileConditions, compileFrameConditions, type FieldCondition } from "../../src/node-red/event-filter";
import {
  encoderDefectProperty,
  encoderProperty,
  encoderValidProperty,
  frameConditionCase,
  frameConditionsProperty,
  frameObjectProperty,
  parserChunkingProperty,
  parserGarbageProperty,
} from "./properties";

// A few thousand generated cases per build; `npm run fuzz` runs a million and more.
const RUNS = Number(process.env.FUZZ_RUNS ?? 3000);

describe("protocol core properties (fast-check)", () => {
  it(`any chunking of a valid AMI stream parses into exactly the messages written (${RUNS} streams)`, () => {
    fc.assert(parserChunkingProperty, { numRuns: RUNS });
  });
  it(`random bytes never make the parser throw or hold more than its frame limit (${RUNS} inputs)`, () => {
    fc.assert(parserGarbageProperty, { numRuns: RUNS });
  });
  it(`the encoder writes exactly the given headers or refuses, never an extra line (${RUNS} actions)`, () => {
    fc.assert(encoderProperty, { numRuns: RUNS });
  });
  it(`the encoder accepts every valid action (unicode, 1024-byte lines, 128 headers) and it parses back exactly (${RUNS} actions)`, () => {
    fc.assert(encoderValidProperty, { numRuns: RUNS });
  });
  it(`the encoder refuses a valid action given one defect (CR/LF/NUL, bad or doubled name, comma in a Variable entry, 1025-byte line, 129 headers) (${RUNS} actions)`, () => {
    fc.assert(encoderDefectProperty, { numRuns: RUNS });
  });
  it(`"ami in" conditions answered from a frame's bytes are exactly those answered on the decoded event (${RUNS} frames)`, () => {
    fc.assert(frameConditionsProperty, { numRuns: RUNS });
  });
  it(`an event frame's headers as an object are the same decoded straight from its bytes or through its message (${RUNS} frames)`, () => {
    fc.assert(frameObjectProperty, { numRuns: RUNS });
  });
});

describe("frameConditionsProperty reaches both ways of answering", () => {
  it("for every operator, many generated cases are settled from the bytes alone and many on the decoded event, both ways", () => {
    const seen = new Map<string, number>();
    for (const [{ name, buf, start, end }, conditions] of fc.sample(frameConditionCase, { numRuns: 2000, seed: 42 })) {
      for (const c of conditions) {
        const frame = new EventFrame(name, buf, start, end);
        const answer = (compileFrameConditions([c]) as (f: EventFrame) => boolean)(frame);
        const key = `${c.op} ${frame.decoded ? "decoded" : "bytes"} ${answer}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
    }
    // Without these, the property would mostly compare compileConditions with itself. (The bytes
    // alone can only say true for eq/exists/regex and false for neq.)
    const wanted = ["eq bytes true", "neq bytes false", "exists bytes true", "regex bytes true"];
    for (const op of ["eq", "neq", "exists", "regex"]) wanted.push(`${op} decoded true`, `${op} decoded false`);
    for (const key of wanted) assert.ok((seen.get(key) ?? 0) >= 50, `${key}: ${seen.get(key) ?? 0} of ${JSON.stringify([...seen])}`);
  });
});

/**
 * Found by this suite: compileFrameConditions must answer exactly as compileConditions on the
 * decoded event for every frame and every condition, and these conditions (outside the pools of
 * frameConditionsProperty: a field or value that cannot be one header line) broke that. The byte
 * path takes `${field}: ${value}` encoded as UTF-8 as one header line, but parseFrame splits a line
 * at its first colon, ends it at LF (dropping one CR), AmiMessage.getAll skipped a name whose lower
 * case has another length, and UTF-8 has no form for a lone surrogate (Buffer.from writes U+FFFD).
 * Such conditions are now decided on the decoded event.
 */
describe("conditions that cannot be one header line: the same answer as on the decoded event", () => {
  const cases: Array<[string, string, FieldCondition, string?]> = [
    ["a field with a colon (exists)", "Event: X\r\nCause: 1:2", { field: "Cause: 1", op: "exists" }],
    ["a field with a colon (eq)", "Event: X\r\na:b: c", { field: "a:b", op: "eq", value: "c" }],
    ["a field with a colon (regex)", "Event: X\r\na:b: c", { field: "a:b", op: "regex", value: "c" }],
    ["a value ending in CR (eq)", "Event: X\r\nCause: 16\r\nY: 1", { field: "Cause", op: "eq", value: "16\r" }],
    ["a value with LF (eq)", "Event: X\r\nCause: 1\nY: 2", { field: "Cause", op: "eq", value: "1\nY: 2" }],
    ["a value with LF (neq)", "Event: X\r\nCause: 1\nY: 2", { field: "Cause", op: "neq", value: "1\nY: 2" }],
    ["a field with LF (exists)", "Event: X\r\nA\nB: v", { field: "A\nB", op: "exists" }],
    ["a field whose lower case is longer, U+0130 (eq)", "Event: X\r\n\u0130: v", { field: "\u0130", op: "eq", value: "v" }],
    ["a field whose lower case is longer, U+0130 (neq)", "Event: X\r\n\u0130: v", { field: "\u0130", op: "neq", value: "v" }],
    // The probe is the condition encoded as UTF-8, where a lone surrogate becomes U+FFFD.
    ["a value with a lone surrogate (eq)", "Event: X\r\nCause: \ufffd", { field: "Cause", op: "eq", value: "\ud83d" }],
    ["a value with a lone surrogate (neq)", "Event: X\r\nCause: \ufffd", { field: "Cause", op: "neq", value: "\ud83d" }],
    // EventFrame.valuesOf reads past end (see test/ami/event-frame.test.ts).
    ["a frame shorter than the probe, the rest after its end (regex)", "Caus", { field: "Cause", op: "regex", value: ".*" }, "e: 16\r\n"],
  ];
  for (const [what, text, condition, after = ""] of cases) {
    it(`${what}: ${JSON.stringify(condition)} on ${JSON.stringify(text)}${after ? ` followed by ${JSON.stringify(after)}` : ""}`, () => {
      const buf = Buffer.from(text + after);
      const end = Buffer.byteLength(text);
      const onEvent = (compileConditions([condition]) as (e: EventFrame["message"]) => boolean)(new EventFrame("X", buf, 0, end).message);
      const onBytes = (compileFrameConditions([condition]) as (f: EventFrame) => boolean)(new EventFrame("X", buf, 0, end));
      assert.equal(onBytes, onEvent);
    });
  }
});
