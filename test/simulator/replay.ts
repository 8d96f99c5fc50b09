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
 *   SessionID, addresses, counters that depend on the lab's history. CLI `Output:` lines are compared
 *   verbatim but for uptimes and the lab's processed-call count (normaliseOutput).
 * - How each connection ends (closeDiff): the side that closed it (the .txt timeline says), after
 *   which message a server's close came, and its delay from the client's last action (a failed
 *   login's second), scaled, within 30 % + 25 ms.
 */
import { createHash } from "node:crypto";
import { connect, Socket } from "node:net";
import { readdirSync, readFileSync } from "node:fs";
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

/**
 * The header names, in order, of every broadcast event in the captures (`*.txt`; list items, which
 * carry an ActionID, left out): for each event name, each distinct layout seen.
 */
export function capturedLayouts(): Map<string, string[][]> {
  const out = new Map<string, string[][]>();
  for (const file of readdirSync(CAPTURES).filter((f) => f.endsWith(".txt")).sort()) {
    for (const block of readFileSync(join(CAPTURES, file), "utf8").split(/\n\s*\n/)) {
      const names = block.split("\n").filter((l) => l !== "" && !l.startsWith(">>>") && !l.startsWith("###")).map((l) => l.slice(0, l.indexOf(":")));
      if (names[0] !== "Event" || names.includes("ActionID")) continue;
      const event = /^Event: (\S+)/m.exec(block)?.[1] ?? "";
      const layouts = out.get(event) ?? [];
      if (!layouts.some((l) => l.join() === names.join())) layouts.push(names);
      out.set(event, layouts);
    }
  }
  return out;
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

/** How a session's connection ended. */
export interface Close {
  /** Who closed it first; `undefined`: still open when the replay ended. */
  by?: "server" | "client";
  /** Messages (banner not counted) received before the close. */
  messages: number;
  /** The last of them, for failure messages. */
  lastMessage?: string;
  /** Milliseconds from the client's last write to the close. */
  afterLastWrite?: number;
  /** Milliseconds from the last bytes received to the close. */
  afterLastData?: number;
}

export interface ReplayResult {
  /** Received stream per capture session. */
  streams: Map<string, string>;
  /** Capture stream per session. */
  expected: Map<string, string>;
  /** How each session ended against the simulator. */
  closes: Map<string, Close>;
  /** How each session ended in the capture (times unscaled, as recorded). */
  expectedCloses: Map<string, Close>;
  /** The time scale the replay ran at. */
  scale: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Who closed each session of a capture. The .jsonl records when (`dir: "close"`); the .txt timeline
 * says by whom (`### NAME: connection closed (by server)`). The .txt names its sessions (`session1`,
 * `A`, `admin`, `tls`) in the order they connected, the .jsonl numbers them in the order they opened.
 */
export function closedBy(name: string): Map<string, "server" | "client"> {
  const notes = readFileSync(join(CAPTURES, `${name}.txt`), "utf8").split("\n");
  const names: string[] = [];
  const by = new Map<string, "server" | "client">();
  for (const l of notes) {
    const connected = /^### (\S+): connected to /.exec(l);
    if (connected) names.push(connected[1]);
    const closed = /^### (\S+): connection closed \(by (server|client)\)/.exec(l);
    if (closed) by.set(closed[1], closed[2] as "server" | "client");
  }
  const opened = loadCapture(name).filter((l) => l.dir === "open").map((l) => String(l.s));
  if (opened.length !== names.length) throw new Error(`${name}: ${opened.length} sessions in .jsonl, ${names.length} in .txt`);
  return new Map(opened.map((s, i): [string, "server" | "client"] => {
    const who = by.get(names[i]);
    if (!who) throw new Error(`${name}: the .txt does not say who closed ${names[i]}`);
    return [s, who];
  }));
}

/** How the capture's sessions ended, from its `close` lines and the .txt's notes. */
function captureCloses(name: string, lines: Line[]): Map<string, Close> {
  const by = closedBy(name);
  const out = new Map<string, Close>();
  const stream = new Map<string, string>();
  const lastOut = new Map<string, number>();
  const lastIn = new Map<string, number>();
  for (const line of lines) {
    const s = String(line.s);
    if (line.dir === "in") {
      stream.set(s, (stream.get(s) ?? "") + (line.data ?? ""));
      lastIn.set(s, line.t);
    } else if (line.dir === "out") lastOut.set(s, line.t);
    else if (line.dir === "close") {
      const { messages } = splitMessages(stream.get(s) ?? "");
      out.set(s, {
        by: by.get(s),
        messages: messages.length,
        lastMessage: messages.at(-1)?.map(([k, v]) => `${k}: ${v}`).join("\n"),
        afterLastWrite: lastOut.has(s) ? line.t - (lastOut.get(s) ?? 0) : undefined,
        afterLastData: lastIn.has(s) ? line.t - (lastIn.get(s) ?? 0) : undefined,
      });
    }
  }
  return out;
}

/**
 * Sends the capture's `out` lines in order, each no earlier than its scaled capture time and only
 * once as many responses have arrived on that session as the real server had sent by then. A
 * `close` the client made is made too (at the end, after settleMs; mid-capture, once the session
 * has as many messages as the real one had); a close the server made is waited for, and recorded.
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
  const expectedCloses = captureCloses(name, lines);
  const sockets = new Map<string, Socket>();
  const streams = new Map<string, string>();
  const expected = new Map<string, string>();
  const closes = new Map<string, Close>();
  const lastWrite = new Map<string, number>();
  const lastData = new Map<string, number>();
  const start = Date.now();
  const countResponses = (stream: string): number => splitMessages(stream).messages.filter(isResponseLike).length;
  const countMessages = (stream: string): number => splitMessages(stream).messages.length;
  const waitUntil = async (cond: () => boolean, timeoutMs: number): Promise<void> => {
    const until = Date.now() + timeoutMs;
    while (!cond() && Date.now() < until) await sleep(2);
  };
  const recordClose = (s: string, by: "server" | "client"): void => {
    if (closes.has(s)) return;
    const now = Date.now();
    const { messages } = splitMessages(streams.get(s) ?? "");
    closes.set(s, {
      by,
      messages: messages.length,
      lastMessage: messages.at(-1)?.map(([k, v]) => `${k}: ${v}`).join("\n"),
      afterLastWrite: lastWrite.has(s) ? now - (lastWrite.get(s) ?? 0) : undefined,
      afterLastData: lastData.has(s) ? now - (lastData.get(s) ?? 0) : undefined,
    });
  };
  let lastT = 0;
  for (const line of lines) {
    const s = String(line.s);
    lastT = Math.max(lastT, line.t);
    if (line.dir === "in") expected.set(s, (expected.get(s) ?? "") + (line.data ?? ""));
  }
  /** Capture time after which only closes follow: the calls have run to their end. */
  const lastActivityT = Math.max(0, ...lines.filter((l) => l.dir !== "close").map((l) => l.t));
  const seen = new Map<string, string>();
  for (const line of lines) {
    const s = String(line.s);
    if (line.dir === "in") {
      seen.set(s, (seen.get(s) ?? "") + (line.data ?? ""));
      continue;
    }
    if (line.dir === "close" && expectedCloses.get(s)?.by === "server") continue; // waited for below
    await waitUntil(() => Date.now() - start >= line.t * scale, 60000);
    if (line.dir === "open") {
      const socket = open();
      streams.set(s, "");
      socket.setEncoding("utf8");
      socket.on("data", (d: string) => {
        streams.set(s, (streams.get(s) ?? "") + d);
        lastData.set(s, Date.now());
      });
      // The server closing first: its FIN ("end"), or a reset ("close" without one).
      socket.on("end", () => recordClose(s, "server"));
      socket.on("close", () => recordClose(s, "server"));
      socket.on("error", () => undefined);
      sockets.set(s, socket);
      await waitUntil(() => (streams.get(s) ?? "").includes("\r\n"), 2000);
    } else if (line.dir === "out") {
      const want = countResponses(seen.get(s) ?? "");
      await waitUntil(() => countResponses(streams.get(s) ?? "") >= want, 5000);
      const data = mapChannels(line.data ?? "", seen.get(s) ?? "", streams.get(s) ?? "");
      sockets.get(s)?.write(md5Login(data, seen.get(s) ?? "", streams.get(s) ?? ""));
      lastWrite.set(s, Date.now());
    } else if (line.dir === "close") {
      // A final close waits for the calls to run to their end (settleMs), so late extra events still
      // show; one mid-capture waits (as long) for as many messages as the real client had by then.
      if (line.t >= lastActivityT) await waitUntil(() => Date.now() - start >= line.t * scale + settleMs, 60000);
      else {
        const want = countMessages(seen.get(s) ?? "");
        await waitUntil(() => closes.has(s) || countMessages(streams.get(s) ?? "") >= want, settleMs);
      }
      recordClose(s, "client");
      sockets.get(s)?.end();
    }
  }
  // Let the calls run to their end as they did in the capture, then wait for the last responses.
  await waitUntil(() => Date.now() - start >= lastT * scale + settleMs, 60000);
  for (const [s, exp] of expected) {
    const want = countResponses(exp);
    await waitUntil(() => countResponses(streams.get(s) ?? "") >= want, 5000);
  }
  // The server's closes: give each twice its capture delay (scaled) and a second before calling it missing.
  for (const [s, c] of expectedCloses) {
    if (c.by !== "server") continue;
    await waitUntil(() => closes.has(s), (c.afterLastWrite ?? 0) * scale * 2 + 1000);
  }
  for (const socket of sockets.values()) socket.destroy();
  return { streams, expected, closes, expectedCloses, scale };
}

/** Timer jitter allowed on top of the fraction, in real milliseconds. */
export const CLOSE_JITTER_MS = 25;
/** How far the delay before a server's close may be off the capture's (scaled), as a fraction. */
export const CLOSE_DELAY_FRACTION = 0.3;

/**
 * Differences between how the capture's sessions ended and how the simulator's did (empty when
 * they agree): the same side closes; a server close comes right after the same message as in the
 * capture; the delay from the client's last action to the server's close (a failed login's second)
 * is the capture's, scaled, within CLOSE_DELAY_FRACTION plus CLOSE_JITTER_MS; and the close follows
 * the last message as promptly as it did in the capture.
 */
export function closeDiff(r: Pick<ReplayResult, "closes" | "expectedCloses" | "scale">, label = ""): string[] {
  const out: string[] = [];
  for (const [s, e] of r.expectedCloses) {
    const a = r.closes.get(s) ?? { messages: 0 };
    const where = `${label}session ${s}:`;
    if (e.by !== a.by) {
      out.push(`${where} the capture's connection was closed by the ${e.by}, the simulator's ${a.by ? `by the ${a.by}` : "was not closed"}` +
        (a.by === "server" ? ` after ${a.messages} messages, the last:\n${a.lastMessage ?? "(none)"}` : ""));
      continue;
    }
    if (e.by !== "server") continue;
    if (e.messages !== a.messages) {
      out.push(`${where} the server closed after message ${a.messages}, the capture after message ${e.messages}\n` +
        `--- capture's last message\n${e.lastMessage ?? "(none)"}\n+++ simulator's\n${a.lastMessage ?? "(none)"}`);
    }
    if (e.afterLastWrite !== undefined && a.afterLastWrite !== undefined) {
      const want = e.afterLastWrite * r.scale;
      const slack = want * CLOSE_DELAY_FRACTION + CLOSE_JITTER_MS;
      if (Math.abs(a.afterLastWrite - want) > slack) {
        out.push(`${where} the server closed ${a.afterLastWrite} ms after the client's last action; the capture ` +
          `${e.afterLastWrite} ms${r.scale !== 1 ? ` (x${r.scale} = ${want.toFixed(1)} ms)` : ""}, allowed ±${slack.toFixed(1)} ms`);
      }
    }
    if (e.afterLastData !== undefined && a.afterLastData !== undefined) {
      const most = e.afterLastData * r.scale * (1 + CLOSE_DELAY_FRACTION) + CLOSE_JITTER_MS;
      if (a.afterLastData > most) {
        out.push(`${where} the server closed ${a.afterLastData} ms after its last message; the capture ${e.afterLastData} ms, allowed ${most.toFixed(1)} ms`);
      }
    }
  }
  return out;
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
