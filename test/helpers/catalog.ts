import * as fs from "node:fs";
import * as path from "node:path";
import { textOf } from "../../src/ami/values";

/**
 * The package's en-US message catalogs (nodes/locales/en-US/<type>.json) as the tests read them:
 * RED._ as a real runtime answers it (the test helper's RED._ returns the key and drops the
 * parameters), for status texts with counts ("reconnecting in 1 s", "1234 dropped") and for the
 * edit dialogs run in jsdom. One catalog per node type, each keyed by its type; six files, read
 * once per process.
 */

const LOCALES = path.join(__dirname, "..", "..", "..", "nodes", "locales", "en-US");

type Params = Record<string, unknown>;
type Translate = (key: string, params?: Params) => string;
type NodeModule = (red: any) => unknown;

let all: Array<Record<string, unknown>> | undefined;

/** Every catalog of the package (loaded on first use). */
function catalogs(): Array<Record<string, unknown>> {
  all ??= fs
    .readdirSync(LOCALES)
    .filter((f) => f.endsWith(".json"))
    .map((f) => JSON.parse(fs.readFileSync(path.join(LOCALES, f), "utf8")) as Record<string, unknown>);
  return all;
}

/** The text at a dotted key ("asterisk-ami-in.status.connected") with its __name__ parameters filled in. */
function lookup(catalog: Record<string, unknown>, key: string, params: Params): string | undefined {
  const text = key.split(".").reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Params)[k] : undefined), catalog);
  if (typeof text !== "string") return undefined;
  return text.replace(/__(\w+)__/g, (_m, p: string) => textOf(params[p] ?? ""));
}

/** RED._ over all the package's catalogs; a key none of them has comes back as it is, as in a runtime. */
export function translate(key: string, params: Params = {}): string {
  for (const catalog of catalogs()) {
    const text = lookup(catalog, key, params);
    if (text !== undefined) return text;
  }
  return key;
}

/** One node type's catalog, strict: a key it lacks throws (an edit dialog asking for a text that is not there). */
export function translator(type: string): Translate {
  const catalog = JSON.parse(fs.readFileSync(path.join(LOCALES, `${type}.json`), "utf8")) as Record<string, unknown>;
  return (key, params = {}) => {
    const text = lookup(catalog, key, params);
    if (text === undefined) throw new Error(`missing catalog key ${key}`);
    return text;
  };
}

/**
 * The node modules with a RED._ that speaks the catalogs (translate). The helper gives every
 * module of one load the same RED, so this applies to all of them.
 */
export function withCatalogs(modules: unknown[]): NodeModule[] {
  return modules.map((mod) => (RED: any) => {
    RED._ = translate;
    return (mod as NodeModule)(RED);
  });
}
