/**
 * The normaliser: what replay.ts compares between a capture and the simulator's answer.
 *
 * Comparison rules (the "normaliser"):
 * - Responses, list items and FullyBooted belong to the action that asked: compared in strict order.
 * - Broadcast events are compared per subject (a channel, a device, a bridge, a queue member, a
 *   hint...), in order within each subject. Asterisk raises events from several threads, so the
 *   interleaving between two channels differs from run to run even on the real server (compare
 *   `originate-sync-success` with `originate-async-success`); within one channel it does not.
 * - Header names, their order and every value are compared, except dynamic values: ids, Uniqueids,
 *   channel sequence numbers (mapped to ordinals by first appearance), timestamps, durations,
 *   SessionID, addresses, counters that depend on the lab's history. CLI `Output:` lines are compared
 *   verbatim but for uptimes and the lab's processed-call count (normaliseOutput).
 */

/** Splits a received stream into its banner and messages (arrays of [name, value]). */
export function splitMessages(stream: string): { banner?: string; messages: Array<Array<[string, string]>> } {
  let rest = stream;
  let banner: string | undefined;
  const nl = rest.indexOf("\r\n");
  if (nl >= 0 && !/^[A-Za-z0-9_-]+: /.test(rest.slice(0, nl)) && rest.slice(0, nl).includes("/")) {
    banner = rest.slice(0, nl);
    rest = rest.slice(nl + 2);
  }
  const messages = rest
    .split("\r\n\r\n")
    .filter((m) => m.trim() !== "")
    .map((m) =>
      m
        .split("\r\n")
        .filter((l) => l !== "")
        .map((l): [string, string] => {
          const i = l.indexOf(":");
          return i < 0 ? [l, ""] : [l.slice(0, i), l.slice(i + 1).replace(/^ /, "")];
        }),
    );
  return { banner, messages };
}

const get = (m: Array<[string, string]>, k: string): string | undefined => m.find(([n]) => n === k)?.[1];

/** Response, list item (carries an ActionID and is not a broadcast), or FullyBooted. */
function isDirect(m: Array<[string, string]>): boolean {
  const ev = get(m, "Event");
  if (ev === undefined) return true;
  if (ev === "FullyBooted") return true;
  if (ev === "OriginateResponse" || ev === "UserEvent") return false;
  return get(m, "ActionID") !== undefined;
}

/** A response or the Complete event of a list: what the replay counts before sending the next action. */
export function isResponseLike(m: Array<[string, string]>): boolean {
  return get(m, "Event") === undefined || get(m, "EventList") === "Complete";
}

/** Header values that change from run to run. */
const DYNAMIC = new Set([
  "Timestamp", "EventTV", "SessionTV", "SessionID", "LocalAddress", "RemoteAddress", "Uptime", "LastReload", "Challenge",
  "Duration", "Seconds", "CoreStartupDate", "CoreStartupTime", "CoreReloadDate", "CoreReloadTime", "CoreProcessedCalls",
  "LoginTime", "LastPause", "Wait", "HoldTime", "LongestHoldTime", "Holdtime", "Abandoned", "Completed", "TalkTime",
  // A queue member's calls so far and the time of its last one: the lab's history (capture sip-queue-answered).
  "CallsTaken", "LastCall",
]);
/** VarSet values that are times. */
const DYNAMIC_VARS = new Set(["ANSWEREDTIME", "ANSWEREDTIME_MS", "DIALEDTIME", "DIALEDTIME_MS"]);
/**
 * VarSet values of SIP calls (captures sip-*) that are measured or random when set (an empty value,
 * the clearing, is still compared): ring and progress times in ms, the peer's SIP Call-ID, the RTP
 * statistics (RTPAUDIOQOS*, *BRIDGED).
 */
const DYNAMIC_SIP_VARS = /^(RINGTIME_MS|PROGRESSTIME_MS|BRIDGEPVTCALLID|RTPAUDIOQOS\w*)$/;

class Ordinals {
  private readonly maps = new Map<string, Map<string, number>>();
  of(kind: string, value: string): string {
    let m = this.maps.get(kind);
    if (!m) this.maps.set(kind, (m = new Map()));
    let n = m.get(value);
    if (n === undefined) m.set(value, (n = m.size + 1));
    return `<${kind}${n}>`;
  }
}

/**
 * A CLI `Output:` line with only what truly varies replaced; everything else (the version and build
 * line, dialplan line numbers, user counts, the live channel and call counts, which a replay
 * reproduces) is compared verbatim:
 * - uptimes (`core show uptime`: `3 minutes, 4 seconds`);
 * - `N calls processed` (`core show channels`): calls since the lab's Asterisk started, history a
 *   fresh PBX has not (the same counter as CoreStatus's CoreProcessedCalls).
 * Channel names and Uniqueids were already mapped to ordinals.
 */
export function normaliseOutput(v: string): string {
  const uptime = /\b\d+ (week|day|hour|minute|second)s?(, \d+ (week|day|hour|minute|second)s?)*/g;
  return v.replace(uptime, "<uptime>").replace(/^\d+ calls? processed$/, "<n> calls processed");
}

/** Rewrites dynamic parts of one message; ordinals are shared across one session's stream. */
function normalise(m: Array<[string, string]>, ord: Ordinals): string[] {
  const event = get(m, "Event");
  const variable = get(m, "Variable");
  const chan = (v: string): string =>
    v
      .replace(/(Local\/[^\s;,)]+?)-([0-9a-f]{8})/g, (_, base: string, seq: string) => `${base}-${ord.of("seq", seq)}`)
      .replace(/(PJSIP\/[^\s;,)&]+?)-([0-9a-f]{8})\b/g, (_, base: string, seq: string) => `${base}-${ord.of("seq", seq)}`)
      .replace(/\b(1[0-9]{9}\.[0-9]+)\b/g, (u: string) => ord.of("uid", u))
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (u: string) => ord.of("bridge", u));
  return m.map(([k, v]) => {
    if (DYNAMIC.has(k)) return `${k}: <*>`;
    if (k === "Value" && event === "VarSet" && variable && DYNAMIC_VARS.has(variable)) return `${k}: <*>`;
    if (k === "Value" && event === "VarSet" && variable && DYNAMIC_SIP_VARS.test(variable) && v !== "") return `${k}: <*>`;
    if (k === "CommandId" && /^(AGIExecStart|AGIExecEnd)$/.test(event ?? "")) return `${k}: <*>`;
    if (k === "Env" || (k === "Result" && event === "AsyncAGIExec")) {
      const decoded = decodeURIComponent(v).replace(/agi_threadid: \d+/, "agi_threadid: <*>");
      return `${k}: ${chan(decoded)}`;
    }
    if (k === "Output") return `${k}: ${normaliseOutput(chan(v))}`;
    return `${k}: ${chan(v)}`;
  });
}

/** The subject a broadcast event is about; its events keep their order. */
function subjectOf(lines: string[]): string {
  const val = (k: string): string | undefined => lines.find((l) => l.startsWith(`${k}: `))?.slice(k.length + 2);
  const event = val("Event") ?? "?";
  if (event === "OriginateResponse") return `originate ${val("ActionID")}`;
  if (event.startsWith("Queue")) return `queue ${val("Queue")} ${val("Interface") ?? ""}`;
  if (event === "ExtensionStatus") return `hint ${val("Hint")}`;
  const subject = val("Channel") ?? val("DestChannel") ?? val("LocalOneChannel") ?? val("BridgeUniqueid") ?? val("Device");
  return subject ?? event;
}

export interface Comparable {
  banner?: string;
  direct: string[][];
  subjects: Map<string, string[][]>;
}

export function comparable(stream: string): Comparable {
  const { banner, messages } = splitMessages(stream);
  const ord = new Ordinals();
  const direct: string[][] = [];
  const subjects = new Map<string, string[][]>();
  for (const m of messages) {
    const lines = normalise(m, ord);
    if (isDirect(m)) direct.push(lines);
    else {
      const key = subjectOf(lines);
      const list = subjects.get(key) ?? [];
      list.push(lines);
      subjects.set(key, list);
    }
  }
  return { banner, direct, subjects };
}

/** Readable differences between the capture and the simulator (empty when they agree). */
export function diff(expected: Comparable, actual: Comparable, label: string, tolerate: Record<string, string> = {}): string[] {
  const out: string[] = [];
  if (expected.banner !== actual.banner) out.push(`${label} banner: expected ${expected.banner}, got ${actual.banner}`);
  const seq = (what: string, e: string[][], a: string[][]): void => {
    const n = Math.max(e.length, a.length);
    for (let i = 0; i < n; i++) {
      const x = e[i]?.join("\n");
      const y = a[i]?.join("\n");
      if (x === y) continue;
      out.push(`${label} ${what} #${i + 1} differs:\n--- capture\n${x ?? "(nothing)"}\n+++ simulator\n${y ?? "(nothing)"}`);
      return;
    }
  };
  seq("response/list message", expected.direct, actual.direct);
  const keys = new Set([...expected.subjects.keys(), ...actual.subjects.keys()]);
  const namesOnly = (list: string[][]): string[][] => list.map((m) => [m[0]]);
  for (const k of keys) {
    const e = expected.subjects.get(k) ?? [];
    const a = actual.subjects.get(k) ?? [];
    // A tolerated subject may be missing on one side; where both have it, the event names must agree.
    if (k in tolerate) {
      if (e.length > 0 && a.length > 0) seq(`events about [${k}] (names only)`, namesOnly(e), namesOnly(a));
    }
    else seq(`events about [${k}]`, e, a);
  }
  return out;
}
