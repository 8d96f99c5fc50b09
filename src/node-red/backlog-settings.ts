/**
 * The "ami in" node's Backlog settings: how much may wait for a flow that is slower than the PBX
 * for a while. The bound is in bytes (the events' own bytes, kept outside the JavaScript heap);
 * a bound in events is optional. Pure: nothing here knows about Node-RED.
 *
 * Why 64 MB by default: events wait only while a burst outruns the flow, and then as their bytes
 * (about 400 bytes each with the captures' mix, 500-700 for PJSIP calls): 64 MB holds 100,000 to
 * 170,000 events, more than any realistic burst (a trunk dropping 200 calls sends about 2,000; a
 * reload of 1,000 channels some 10,000-20,000), and is given back as soon as the flow caught up.
 * On a Raspberry Pi with 1 GB, one node's worst case stays a small share of the memory.
 */

/** One MB here is 1,048,576 bytes (as the dialog says). */
export const MB = 1024 * 1024;
export const DEFAULT_BACKLOG_MB = 64;
export const MIN_BACKLOG_MB = 0.1;
export const MAX_BACKLOG_MB = 1024;
export const MAX_BACKLOG_EVENTS = 10_000_000;

export interface BacklogSettings {
  /** Bytes of events that may wait. */
  bytes: number;
  /** Events that may wait, when set (earlier versions' only bound: an old flow keeps its number). */
  events?: number;
}

const blank = (v: string | number | undefined): boolean => v === undefined || v === null || String(v).trim() === "";

/**
 * `backlogSize`: MB (blank: 64; bounded to 0.1-1024). `backlog`: events (blank: no bound in events;
 * a flow saved by an earlier version, whose backlog was a number of events, keeps it). Values that
 * are not numbers fall back to the defaults (the dialog does not let them through).
 */
export function backlogSettings(def: { backlogSize?: string | number; backlog?: string | number }): BacklogSettings {
  const size = Number(def.backlogSize);
  const mb = blank(def.backlogSize) || !Number.isFinite(size) || size <= 0 ? DEFAULT_BACKLOG_MB : Math.min(MAX_BACKLOG_MB, Math.max(MIN_BACKLOG_MB, size));
  const out: BacklogSettings = { bytes: Math.round(mb * MB) };
  const n = Number(def.backlog);
  if (!blank(def.backlog) && Number.isFinite(n) && n >= 1) out.events = Math.min(MAX_BACKLOG_EVENTS, Math.floor(n));
  return out;
}

/** "64 MB" or "64 MB or 1,000 events", for warnings. */
export function describeBacklog(s: BacklogSettings): string {
  const size = `${Number((s.bytes / MB).toFixed(2))} MB`;
  return s.events === undefined ? size : `${size} or ${s.events.toLocaleString("en-US")} events`;
}
