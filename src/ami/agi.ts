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
}

/** URL-decodes an AMI value; a malformed escape keeps the input rather than throwing. */
export function urlDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Parses an AGI result line, URL-encoded (as in AsyncAGIExec) or not. */
export function parseAgiResult(encoded: string): AgiResult {
  const raw = urlDecode(encoded).replace(/\r?\n$/, "").replace(/\r?\n$/, "");
  const out: AgiResult = { code: NaN, raw };
  const m = /^(\d{3})[ -]?(.*)$/s.exec(raw);
  if (!m) return out;
  out.code = Number(m[1]);
  let rest = m[2];
  const res = /^result=(\S*)\s*/.exec(rest);
  if (!res) return out;
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
  return out;
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
