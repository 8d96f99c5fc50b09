/**
 * Async AGI helpers. Asterisk URL-encodes the AGI result in `AsyncAGIExec` (`Result:
 * 200%20result%3D1%20(data)%0A`) and the channel environment in `AsyncAGIStart` (`Env:`).
 */

export interface AgiResult {
  /** The AGI status code: 200 success, 510 invalid command, 511 dead channel, 520 usage. */
  code: number;
  /** The `result=` value, verbatim (a digit, an ASCII code, -1...), when the line has one. */
  result?: string;
  /** The text in parentheses after the result, when present (`(timeout)`, a variable's value). */
  data?: string;
  /** Any other `key=value` pairs on the line (`endpos=12345`). */
  extra?: Record<string, string>;
  /** The decoded line without its line end. */
  raw: string;
  /**
   * Whether the command did what it was asked: code 200 and no result that means failure for that
   * command (`-1` for STREAM FILE, GET DATA, WAIT FOR DIGIT, SAY..., `-2` for EXEC of an unknown
   * application, `0` for DATABASE PUT/DEL...). Without the command, only the code and `-1` count.
   */
  ok: boolean;
  /** When not ok: what the result means, in words (`STREAM FILE failed (result=-1): ...`). */
  failure?: string;
}

/**
 * Results that mean failure, per AGI command (Asterisk's res_agi documentation: "-1 on error or
 * if the channel was disconnected"; EXEC "-2 if the application was not found"; DATABASE PUT/DEL
 * and SPEECH commands "1 if successful, 0 otherwise"). Commands not listed fail only on -1.
 * GET VARIABLE / DATABASE GET answer 0 for "not set": that is an answer, not a failure.
 */
const FAILING_RESULTS: ReadonlyArray<[RegExp, readonly string[], string]> = [
  [/^EXEC\b/, ["-1", "-2"], "-2: the application does not exist; -1: it failed or the channel hung up"],
  [/^DATABASE (PUT|DEL|DELTREE)\b/, ["0"], "the database entry could not be written or deleted"],
  [/^SPEECH (CREATE|SET|DESTROY|LOAD GRAMMAR|UNLOAD GRAMMAR|ACTIVATE GRAMMAR|DEACTIVATE GRAMMAR|RECOGNIZE)\b/, ["0"], "the speech engine refused"],
  [/^(STREAM FILE|CONTROL STREAM FILE|GET OPTION)\b/, ["-1"], "the sound file could not be played (missing from the sounds directory?) or the channel hung up"],
  [/^RECORD FILE\b/, ["-1"], "the file could not be written or the channel hung up"],
  [/^/, ["-1"], "error, or the channel hung up"],
];

const CODE_MEANING: Record<number, string> = {
  510: "invalid or unknown command",
  511: "the channel is dead (hung up)",
  520: "wrong usage of the command",
};

/** AGI commands of more than one word (Asterisk 22), longest first: how a failure names its command. */
const COMMAND_NAMES = [
  "SPEECH DEACTIVATE GRAMMAR", "SPEECH ACTIVATE GRAMMAR", "SPEECH UNLOAD GRAMMAR", "SPEECH LOAD GRAMMAR",
  "CONTROL STREAM FILE", "GET FULL VARIABLE", "WAIT FOR DIGIT", "DATABASE DELTREE", "SPEECH RECOGNIZE",
  "ASYNCAGI BREAK", "CHANNEL STATUS", "SET AUTOHANGUP", "SPEECH DESTROY", "DATABASE GET", "DATABASE PUT",
  "DATABASE DEL", "GET VARIABLE", "RECEIVE CHAR", "RECEIVE TEXT", "SAY DATETIME", "SAY PHONETIC", "SET EXTENSION",
  "SET VARIABLE", "SET CALLERID", "SET PRIORITY", "SPEECH CREATE", "RECORD FILE", "STREAM FILE", "SAY DIGITS",
  "SAY NUMBER", "SEND IMAGE", "SET CONTEXT", "SPEECH SET", "SAY ALPHA", "SEND TEXT", "SET MUSIC", "GET OPTION",
  "SAY DATE", "SAY TIME", "GET DATA", "TDD MODE",
];

/** Sets `ok` and `failure` of a parsed result for the command that produced it. */
function judge(out: AgiResult, command: string | undefined): AgiResult {
  const name = (command ?? "").trim().toUpperCase().replace(/\s+/g, " ");
  const what = COMMAND_NAMES.find((c) => name === c || name.startsWith(c + " ")) ?? (name.split(" ")[0] || "AGI command");
  if (out.code !== 200) {
    out.ok = false;
    out.failure = Number.isNaN(out.code) ? `${what}: no AGI status in "${out.raw}"` : `${what} failed (${out.code}: ${CODE_MEANING[out.code] ?? "error"})`;
    return out;
  }
  const rule = FAILING_RESULTS.find(([re]) => re.test(name)) as [RegExp, readonly string[], string];
  if (out.result !== undefined && rule[1].includes(out.result)) {
    out.ok = false;
    out.failure = `${what} failed (result=${out.result}): ${rule[2]}`;
    return out;
  }
  out.ok = true;
  return out;
}

/** URL-decodes an AMI value; a malformed escape keeps the input rather than throwing. */
export function urlDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Parses an AGI result line, URL-encoded (as in AsyncAGIExec) or not, and judges it for `command`
 * (the AGI command that was sent, e.g. `STREAM FILE hello-world ""`; see `AgiResult.ok`).
 */
export function parseAgiResult(encoded: string, command?: string): AgiResult {
  const raw = urlDecode(encoded).replace(/\r?\n$/, "").replace(/\r?\n$/, "");
  const out: AgiResult = { code: NaN, raw, ok: false };
  const m = /^(\d{3})[ -]?(.*)$/s.exec(raw);
  if (!m) return judge(out, command);
  out.code = Number(m[1]);
  let rest = m[2];
  const res = /^result=(\S*)\s*/.exec(rest);
  if (!res) return judge(out, command);
  out.result = res[1];
  rest = rest.slice(res[0].length);
  if (rest.startsWith("(")) {
    // The data may itself contain parentheses: take up to the last ")" before any key=value tail.
    const close = rest.lastIndexOf(")");
    if (close > 0) {
      out.data = rest.slice(1, close);
      rest = rest.slice(close + 1).trim();
    }
  }
  for (const pair of rest.split(/\s+/)) {
    const eq = pair.indexOf("=");
    if (eq > 0) (out.extra ??= {})[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return judge(out, command);
}

/** Decodes the `Env` of AsyncAGIStart into { agi_request: "async", agi_channel: ..., ... }. */
export function decodeAgiEnv(encoded: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of urlDecode(encoded).split("\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const key = line.slice(0, colon);
    if (key === "__proto__") continue;
    env[key] = line.slice(colon + 1).replace(/^ /, "");
  }
  return env;
}
