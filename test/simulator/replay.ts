/**
 * Replays a capture's client side against the simulated PBX and collects what comes back, to be
 * compared with what the real Asterisk sent under normaliser.ts's rules.
 *
 * - How each connection ends (closeDiff): the side that closed it (the .txt timeline says), after
 *   which message a server's close came, and its delay from the client's last action (a failed
 *   login's second), scaled, within 30 % + 25 ms.
 */
import { createHash } from "node:crypto";
import { connect, Socket } from "node:net";
import { closedBy, Line, loadCapture } from "./captures";
import { isResponseLike, splitMessages } from "./normaliser";

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
  /** What each session has received so far, by session: given, the caller can watch it while the replay runs. */
  streams = new Map<string, string>(),
): Promise<ReplayResult> {
  const lines = loadCapture(name);
  const expectedCloses = captureCloses(name, lines);
  const sockets = new Map<string, Socket>();
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
