/**
 * Replays a capture's client side against the simulated PBX and compares what comes back with
 * what the real Asterisk sent.
 *
 * Comparison rules (the "normaliser"):
 * - Responses, list items and FullyBooted belong to the action that asked: compared in strict order.
 * - Broadcast events are compared per subject (a channel, a device, a bridge, a queue member, a
 *   hint...), in order within each subject. Asterisk raises events from several threads, so the
 *   interleaving between two channels differs from run to run even on the real server (compare
 *   `originate-sync-success` with `originate-async-success`); within one channel it does not.
 * - Header names, their order and every value are compared, except dynamic values: ids, Uniqueids,
 *   channel sequence numbers (mapped to ordinals by first appearance), timestamps, durations,
 *   SessionID, addresses, counters that depend on the lab's history.
 */
import { createHash } from "node:crypto";
import { connect, Socket } from "node:net";
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const CAPTURES = join(__dirname, "..", "..", "..", "test", "fixtures", "captures");

interface Line {
  t: number;
  s: number | string;
  dir: "open" | "in" | "out" | "close";
  data?: string;
}

export function loadCapture(name: string): Line[] {
  return readFileSync(join(CAPTURES, `${name}.jsonl`), "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Line);
}

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

function isResponseLike(m: Array<[string, string]>): boolean {
  return get(m, "Event") === undefined || get(m, "EventList") === "Complete";
}

/** Header values that change from run to run. */
const DYNAMIC = new Set([
  "Timestamp", "EventTV", "SessionTV", "SessionID", "LocalAddress", "RemoteAddress", "Uptime", "LastReload", "Challenge",
  "Duration", "Seconds", "CoreStartupDate", "CoreStartupTime", "CoreReloadDate", "CoreReloadTime", "CoreProcessedCalls",
  "LoginTime", "LastPause", "Wait", "HoldTime", "LongestHoldTime", "Holdtime", "Abandoned", "Completed", "TalkTime",
]);
/** VarSet values that are times. */
const DYNAMIC_VARS = new Set(["ANSWEREDTIME", "ANSWEREDTIME_MS", "DIALEDTIME", "DIALEDTIME_MS"]);

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

/** Rewrites dynamic parts of one message; ordinals are shared across one session's stream. */
function normalise(m: Array<[string, string]>, ord: Ordinals): string[] {
  const event = get(m, "Event");
  const variable = get(m, "Variable");
  const chan = (v: string): string =>
    v
      .replace(/(Local\/[^\s;,)]+?)-([0-9a-f]{8})/g, (_, base: string, seq: string) => `${base}-${ord.of("seq", seq)}`)
      .replace(/\b(1[0-9]{9}\.[0-9]+)\b/g, (u: string) => ord.of("uid", u))
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (u: string) => ord.of("bridge", u));
  return m.map(([k, v]) => {
    if (DYNAMIC.has(k)) return `${k}: <*>`;
    if (k === "Value" && event === "VarSet" && variable && DYNAMIC_VARS.has(variable)) return `${k}: <*>`;
    if (k === "CommandId" && /^(AGIExecStart|AGIExecEnd)$/.test(event ?? "")) return `${k}: <*>`;
    if (k === "Env" || (k === "Result" && event === "AsyncAGIExec")) {
      const decoded = decodeURIComponent(v).replace(/agi_threadid: \d+/, "agi_threadid: <*>");
      return `${k}: ${chan(decoded)}`;
    }
    if (k === "Output") {
      const uptime = /\d+ (week|day|hour|minute|second)s?(, \d+ (week|day|hour|minute|second)s?)*/g;
      return `${k}: ${chan(v).replace(uptime, "<uptime>").replace(/\d+/g, "#")}`;
    }
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

export interface ReplayResult {
  /** Received stream per capture session. */
  streams: Map<string, string>;
  /** Capture stream per session. */
  expected: Map<string, string>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Sends the capture's `out` lines in order, each no earlier than its scaled capture time and only
 * once as many responses have arrived on that session as the real server had sent by then.
 */
export async function replay(
  name: string,
  port: number,
  scale: number,
  settleMs = 150,
  /** Opens the connection (a TLS socket for `tls-login-ping`); plain TCP to port by default. */
  open: () => Socket = () => connect(port, "127.0.0.1"),
): Promise<ReplayResult> {
  const lines = loadCapture(name);
  const sockets = new Map<string, Socket>();
  const streams = new Map<string, string>();
  const expected = new Map<string, string>();
  const start = Date.now();
  const countResponses = (stream: string): number => splitMessages(stream).messages.filter(isResponseLike).length;
  const waitUntil = async (cond: () => boolean, timeoutMs: number): Promise<void> => {
    const until = Date.now() + timeoutMs;
    while (!cond() && Date.now() < until) await sleep(2);
  };
  let lastT = 0;
  for (const line of lines) {
    const s = String(line.s);
    lastT = Math.max(lastT, line.t);
    if (line.dir === "in") expected.set(s, (expected.get(s) ?? "") + (line.data ?? ""));
  }
  const seen = new Map<string, string>();
  for (const line of lines) {
    const s = String(line.s);
    if (line.dir === "in") {
      seen.set(s, (seen.get(s) ?? "") + (line.data ?? ""));
      continue;
    }
    await waitUntil(() => Date.now() - start >= line.t * scale, 60000);
    if (line.dir === "open") {
      const socket = open();
      streams.set(s, "");
      socket.setEncoding("utf8");
      socket.on("data", (d: string) => streams.set(s, (streams.get(s) ?? "") + d));
      socket.on("error", () => undefined);
      sockets.set(s, socket);
      await waitUntil(() => (streams.get(s) ?? "").includes("\r\n"), 2000);
    } else if (line.dir === "out") {
      const want = countResponses(seen.get(s) ?? "");
      await waitUntil(() => countResponses(streams.get(s) ?? "") >= want, 5000);
      const data = mapChannels(line.data ?? "", seen.get(s) ?? "", streams.get(s) ?? "");
      sockets.get(s)?.write(md5Login(data, seen.get(s) ?? "", streams.get(s) ?? ""));
    }
  }
  // Let the calls run to their end as they did in the capture, then wait for the last responses.
  await waitUntil(() => Date.now() - start >= lastT * scale + settleMs, 60000);
  for (const [s, exp] of expected) {
    const want = countResponses(exp);
    await waitUntil(() => countResponses(streams.get(s) ?? "") >= want, 5000);
  }
  for (const socket of sockets.values()) socket.destroy();
  return { streams, expected };
}

/** The lab's secrets, to redo MD5 logins against the simulator's own challenge. */
const SECRETS: Record<string, string> = { admin: "amp111", limited: "limited1", filtered: "filt1" };

/**
 * An MD5 Login carries md5(challenge + secret) for the real server's challenge. When the captured
 * key was right for the captured challenge, send the right key for the simulator's challenge; a
 * deliberately wrong key stays wrong (capture `challenge-auth-bad`).
 */
function md5Login(action: string, captured: string, received: string): string {
  const key = /\r\nKey: ([0-9a-f]{32})\r\n/i.exec(action);
  const user = /Username: (.*)\r\n/.exec(action)?.[1];
  if (!key || !user || !SECRETS[user]) return action;
  const challenge = (stream: string): string => [...stream.matchAll(/Challenge: (\d+)/g)].pop()?.[1] ?? "";
  const md5 = (c: string): string => createHash("md5").update(c + SECRETS[user]).digest("hex");
  if (key[1].toLowerCase() !== md5(challenge(captured))) return action;
  return action.replace(key[1], md5(challenge(received)));
}

/** Channel sequence numbers in the order they first appear in a stream. */
function sequences(stream: string): string[] {
  const out: string[] = [];
  for (const m of stream.matchAll(/Local\/[^\s;,)]+?-([0-9a-f]{8})/g)) if (!out.includes(m[1])) out.push(m[1]);
  return out;
}

/** An action naming a captured channel (AGI, Hangup) names the simulator's channel of the same rank. */
function mapChannels(action: string, captured: string, received: string): string {
  const from = sequences(captured);
  const to = sequences(received);
  return action.replace(/(Local\/[^\s;,)]+?-)([0-9a-f]{8})/g, (all, base: string, seq: string) => {
    const i = from.indexOf(seq);
    return i >= 0 && to[i] ? base + to[i] : all;
  });
}
