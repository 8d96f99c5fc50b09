import * as fc from "fast-check";
import { encoderDefectProperty, encoderProperty, encoderValidProperty, parserChunkingProperty, parserGarbageProperty } from "./properties";

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
});
