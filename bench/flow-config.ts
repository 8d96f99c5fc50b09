import * as path from "node:path";

/** The flow benchmark's settings and what its processes report (see flow.ts). */

export const ROOT = path.join(__dirname, "..", "..");
export const SHORT = Number(process.env.BENCH_EVENTS ?? 400_000) < 400_000;
export const EVENTS = Number(process.env.BENCH_FLOW_EVENTS ?? (SHORT ? 100_000 : 1_000_000));
/** Events flooded before the measured flood, to warm the JIT up (not measured). */
export const WARMUP_EVENTS = Math.min(100_000, Math.max(20_000, Math.floor(EVENTS / 10)));
/** Warm-up floods at most: one more each time the PBX dropped the session in the last (cold). */
export const MAX_WARMUPS = 3;
export const SAMPLE_EVERY = EVENTS >= 500_000 ? 100_000 : 20_000;
export const ADMIN = { username: "admin", secret: "amp111" };

/**
 * The ten nodes' filters; VarSet and Newexten (2 of the flood's 7 kinds) are wanted by none. Every
 * kind a node with header conditions wants is also wanted by a node without conditions, so every
 * event decoded for the flow is wanted by at least one node.
 */
export const FILTERS: Array<Record<string, unknown>> = [
  { names: ["Newchannel"] },
  { names: ["Hangup"] },
  { names: ["Newchannel", "Hangup", "Newstate"] },
  { names: ["Dial*"] },
  { names: ["*state"] },
  { nameMode: "regex", regex: "^(UserEvent|Hangup)$" },
  { names: ["UserEvent"], conditions: [{ field: "UserEvent", op: "eq", value: "TestEvent" }] },
  { names: ["Hangup"], conditions: [{ field: "Cause", op: "eq", value: "16" }] },
  { names: ["Newstate"], conditions: [{ field: "ChannelStateDesc", op: "eq", value: "Up" }, { field: "Channel", op: "regex", value: "^Local/" }] },
  { names: ["DialBegin"], conditions: [{ field: "DestChannel", op: "exists" }] },
];


/** Set by the counter nodes: which events of the flood reached at least one node. */
export interface Reached {
  bits: Uint8Array;
  distinct: number;
  /** Messages a counter could not map to an event of the flood. */
  unknown: number;
}

export interface Sample {
  events: number;
  seconds: number;
  heapMB: number;
  rssMB: number;
}

export function mb(n: number): number {
  return Math.round((n / 2 ** 20) * 10) / 10;
}
