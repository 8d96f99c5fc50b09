import * as fc from "fast-check";
import { parserChunkingProperty, parserGarbageProperty } from "./framer-properties";
import { encoderDefectProperty, encoderProperty, encoderValidProperty } from "./encoder-properties";
import { frameConditionsProperty, frameObjectProperty } from "./event-frame-properties";

/**
 * Property-based checks of the protocol core, shared by the test suite (a few thousand cases per
 * build) and `npm run fuzz` (a million and more). Each concept's properties are in a file of its
 * own: framer-properties.ts (framer and decoder), encoder-properties.ts (the action encoder),
 * event-frame-properties.ts (conditions on frame bytes, frame headers as an object).
 */

export { amiStream, parserChunkingProperty, parserGarbageProperty } from "./framer-properties";
export { ValidAction, validAction, encoderDefectProperty, encoderProperty, encoderValidProperty } from "./encoder-properties";
export { EmbeddedFrame, embeddedEventFrame, frameConditionCase, frameConditionsProperty, frameObjectProperty } from "./event-frame-properties";

export function runAll(numRuns: number, seed?: number): void {
  const params = { numRuns, seed, verbose: false } as const;
  fc.assert(parserChunkingProperty, params);
  fc.assert(parserGarbageProperty, params);
  fc.assert(encoderProperty, params);
  fc.assert(encoderValidProperty, params);
  fc.assert(encoderDefectProperty, params);
  fc.assert(frameConditionsProperty, params);
  fc.assert(frameObjectProperty, params);
}
