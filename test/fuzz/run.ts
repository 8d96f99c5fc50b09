import { encoderDefectProperty, encoderProperty, encoderValidProperty, frameConditionsProperty, frameObjectProperty, parserChunkingProperty, parserGarbageProperty } from "./properties";
import * as fc from "fast-check";

/** npm run fuzz [-- cases]: runs each property for the given number of cases (default 1,000,000). */
const cases = Number(process.argv[2] ?? 1_000_000);
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
console.log(`fuzzing with ${cases} cases per property, seed ${seed}`);
for (const [name, property] of [
  ["parser: chunking", parserChunkingProperty],
  ["parser: garbage", parserGarbageProperty],
  ["encoder: no injection", encoderProperty],
  ["encoder: valid actions accepted, parsed back exactly", encoderValidProperty],
  ["encoder: one defect refused", encoderDefectProperty],
  ["ami in: conditions on frame bytes = on decoded events", frameConditionsProperty],
  ["ami in: frame headers as an object = decoded message's", frameObjectProperty],
] as const) {
  const started = Date.now();
  fc.assert(property as fc.IProperty<unknown>, { numRuns: cases, seed });
  console.log(`${name}: ${cases} cases passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
