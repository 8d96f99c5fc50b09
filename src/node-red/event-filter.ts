import { FilterError, listOf, wildcardMatcher } from "./wildcards";
import { LineProbe } from "../ami";
import type { AmiMessage, EventFrame } from "../ami";

/**
 * The "ami in" filters as pure functions: which event names a node wants (a list with `*`/`?`
 * wildcards, or one regular expression) and conditions on header values, all combined with AND.
 * This is PAMI's predicate idea turned into configuration; nothing here knows about Node-RED.
 */

export type NameMode = "list" | "regex";

export interface NameFilterSpec {
  mode?: NameMode;
  /** mode "list": names, each exact or with `*` (any run) and `?` (one character). Empty: all. */
  names?: readonly string[] | string;
  /** mode "regex": one pattern, tested against the whole event name (not anchored for you). */
  regex?: string;
}

export type ConditionOperator = "eq" | "neq" | "regex" | "exists";

export interface FieldCondition {
  field: string;
  op: ConditionOperator;
  value?: string;
}

/** A compiled name filter: "*" (every event, cheapest for the core) or a predicate. */
export type NameMatcher = "*" | ((eventName: string) => boolean);

export { FilterError };

/**
 * Compiles the name part. Exact names are a Set lookup; wildcards become anchored RegExps. Event
 * names are matched case-sensitively, as Asterisk sends them (`Newchannel`, not `NewChannel`).
 * Throws FilterError for an invalid regular expression.
 */
export function compileNameFilter(spec: NameFilterSpec): NameMatcher {
  if (spec.mode === "regex") {
    const pattern = (spec.regex ?? "").trim();
    if (pattern.length === 0) return "*";
    let re: RegExp;
    try {
      re = new RegExp(pattern);
    } catch (err) {
      throw new FilterError("bad-name-regex", { pattern: JSON.stringify(pattern), reason: (err as Error).message });
    }
    return (name) => re.test(name);
  }
  const names = listOf(spec.names ?? []);
  if (names.includes("*")) return "*";
  return wildcardMatcher(names) ?? "*";
}

/**
 * Compiles header conditions into one predicate over a decoded event. A header that appears
 * several times (ChanVariable, custom UserEvent headers) satisfies `equals` and `matches` when any
 * of its values does, and `not equals` only when none does. Header names are compared
 * case-insensitively, as Asterisk reads them. Throws FilterError for a bad condition.
 */
export function compileConditions(conditions: readonly FieldCondition[] | undefined): ((event: AmiMessage) => boolean) | undefined {
  const tests: Array<(event: AmiMessage) => boolean> = [];
  for (const c of conditions ?? []) {
    const field = String(c?.field ?? "").trim();
    if (field.length === 0) continue;
    const value = c.value === undefined || c.value === null ? "" : String(c.value);
    switch (c.op) {
      case "eq":
        tests.push((e) => e.getAll(field).includes(value));
        break;
      case "neq":
        tests.push((e) => !e.getAll(field).includes(value));
        break;
      case "exists":
        tests.push((e) => e.has(field));
        break;
      case "regex": {
        let re: RegExp;
        try {
          re = new RegExp(value);
        } catch (err) {
          throw new FilterError("bad-condition-regex", { pattern: JSON.stringify(value), field, reason: (err as Error).message });
        }
        tests.push((e) => e.getAll(field).some((v) => re.test(v)));
        break;
      }
      default:
        throw new FilterError("unknown-operator", { op: String(JSON.stringify(c.op)), field });
    }
  }
  if (tests.length === 0) return undefined;
  return (e) => tests.every((t) => t(e));
}

/**
 * The same conditions over an event's frame, answered from its bytes when they can be: a header
 * line spelled exactly as in the condition (`Cause: 16`) settles `equals`, `not equals`, `exists`
 * and a `matches` that one of its values passes, without decoding the event. Anything else (no
 * such line, a header in another case, a value that fails) is decided on the decoded event, exactly
 * as compileConditions does. A node whose backlog is full can thus count what it drops cheaply.
 */
export function compileFrameConditions(conditions: readonly FieldCondition[] | undefined): ((frame: EventFrame) => boolean) | undefined {
  const exact = compileConditions(conditions); // validates, and decides every case the bytes cannot
  if (!exact) return undefined;
  const tests: Array<(frame: EventFrame) => boolean> = [];
  for (const c of conditions ?? []) {
    const field = String(c?.field ?? "").trim();
    if (field.length === 0) continue;
    const value = c.value === undefined || c.value === null ? "" : String(c.value);
    const slow = compileConditions([c]) as (event: AmiMessage) => boolean;
    // Only a field and value that can be one header line as sent are looked for in the bytes: no
    // colon, line end or lone surrogate (UTF-8 would turn it into U+FFFD); anything else is decided
    // on the decoded event.
    if (!canBeLine(field, true) || (c.op !== "exists" && c.op !== "regex" && !canBeLine(value, false))) {
      tests.push((f) => slow(f.message));
      continue;
    }
    switch (c.op) {
      case "eq": {
        const line = new LineProbe(`${field}: ${value}`, true);
        tests.push((f) => f.findLine(line) >= 0 || slow(f.message));
        break;
      }
      case "neq": {
        const line = new LineProbe(`${field}: ${value}`, true);
        tests.push((f) => f.findLine(line) < 0 && slow(f.message));
        break;
      }
      case "exists": {
        const line = new LineProbe(`${field}:`);
        tests.push((f) => f.findLine(line) >= 0 || slow(f.message));
        break;
      }
      case "regex": {
        const re = new RegExp(value);
        const line = new LineProbe(`${field}:`);
        tests.push((f) => f.valuesOf(line).some((v) => re.test(v)) || slow(f.message));
        break;
      }
    }
  }
  return (f) => tests.every((t) => t(f));
}

function canBeLine(text: string, isName: boolean): boolean {
  if (/[\r\n]/.test(text) || (isName && text.includes(":"))) return false;
  return Buffer.from(text, "utf8").toString("utf8") === text;
}
