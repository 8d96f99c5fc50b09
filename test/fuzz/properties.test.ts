import * as fc from "fast-check";
import { encoderProperty, parserChunkingProperty, parserGarbageProperty } from "./properties";

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
});
