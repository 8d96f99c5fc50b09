import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { startPbx } from "../../simulator";
import { QUEUE_CHANGE_KINDS } from "../../src/ami";
import { buildRequest } from "../../src/node-red/action-request";
import { compileCallFilter } from "../../src/node-red/call-filter";
import { CatalogError, fill } from "../../src/node-red/catalog-error";
import { CONNECTION_TEXTS } from "../../src/node-red/connection";
import { compileConditions, compileNameFilter } from "../../src/node-red/event-filter";
import { FILTER_TEXTS } from "../../src/node-red/filter-error";
import { INPUT_TEXTS } from "../../src/node-red/input-error";
import { compilePresenceFilter } from "../../src/node-red/presence-filter";
import { compileQueueFilter } from "../../src/node-red/queue-filter";
import { translate, translator } from "../helpers/catalog";
import { ADMIN, Msg, ROOT, TAB as tab, amiAction, amiCalls, amiNodes, calls, catchFor, collect, helper, server, sink, waitFor } from "./harness";

/**
 * Every text a node shows for an error comes from its message catalog: each error the filters
 * and the action node can raise is in the catalog of the node that raises it, word for word as
 * the English message; every catalog key the runtime code names exists; and in a flow, what the
 * log and Catch nodes get is the catalog's text, not the English built into the code.
 */

const LOCALES = path.join(ROOT, "nodes", "locales", "en-US");
const catalogOf = (type: string): any => JSON.parse(fs.readFileSync(path.join(LOCALES, `${type}.json`), "utf8"))[type];

/** The message of a regular expression V8 refuses (its wording depends on the Node.js version). */
function reasonOf(pattern: string, flags = ""): string {
  try {
    new RegExp(pattern, flags);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`${pattern} is a valid regex`);
}

// (i18next reads a value's own __name__ as a parameter: not something fill() copies, so not asked here.)
const STEP_PARAMS = { value: '"<r&ng>" $t(x) $&', allowed: "ringing" };
const STEPS = "ringing, answered, ended, hold, unhold, transfer";
/** What each node can raise, the key and today's English message word for word. */
const CASES: Array<[type: string, raise: () => unknown, key: string, message: string]> = [
  ["asterisk-ami-in", () => compileNameFilter({ mode: "regex", regex: "(" }), "bad-name-regex", `invalid event name regex "(": ${reasonOf("(")}`],
  ["asterisk-ami-in", () => compileConditions([{ field: "Channel", op: "regex", value: "[" }]), "bad-condition-regex", `invalid regex "[" for header Channel: ${reasonOf("[")}`],
  ["asterisk-ami-in", () => compileConditions([{ field: "Channel", op: "like" as any }]), "unknown-operator", 'unknown operator "like" for header Channel'],
  ["asterisk-ami-in", () => compileConditions([{ field: "Channel", op: undefined as any }]), "unknown-operator", "unknown operator undefined for header Channel"],
  ["asterisk-ami-calls", () => compileCallFilter({ directions: "sideways" }), "unknown-direction", 'unknown direction "sideways" (one of inbound, outbound, internal)'],
  ["asterisk-ami-calls", () => compileCallFilter({ steps: "rang" }), "unknown-step", `unknown step "rang" (one of ${STEPS})`],
  ["asterisk-ami-calls", () => compileCallFilter({ extensionRole: "callee" }), "unknown-extension-role", 'unknown extension role "callee" (one of any, called, caller)'],
  ["asterisk-ami-calls", () => compileCallFilter({ inboundContexts: "(" }), "bad-inbound-contexts", `invalid inbound contexts regex "(": ${reasonOf("(", "i")}`],
  ["asterisk-ami-calls", () => compileCallFilter({ trunkChannels: "[" }), "bad-trunk-channels", `invalid trunk channels regex "[": ${reasonOf("[", "i")}`],
  ["asterisk-ami-calls", () => compileCallFilter({ externalDigits: "x" }), "bad-digits", 'invalid number of digits "x"'],
  ["asterisk-ami-queues", () => compileQueueFilter({ changes: "hungup" }), "unknown-change", `unknown change "hungup" (one of ${QUEUE_CHANGE_KINDS.join(", ")})`],
  ["asterisk-ami-queues", () => compileQueueFilter({ serviceLevel: -1 }), "bad-service-level", "service level -1 is not a number of seconds"],
  ["asterisk-ami-presence", () => compilePresenceFilter({ states: ["asleep"] }), "unknown-state", 'unknown state "asleep" (one of idle, in use, busy, ringing, on hold, unavailable, unknown)'],
  ...actionCases(),
];

function actionCases(): typeof CASES {
  const HEADERS = 'this node takes an object of AMI headers, such as {"Channel": "PJSIP/6001"}';
  const request = (source: "node" | "msg", nodeAction: string, payload: unknown) => () => buildRequest({ source, nodeAction, nodeFields: {}, payload, merge: "msg" });
  const from = "this node takes the action from msg.payload.Action, which is";
  return [
    ["asterisk-ami-action", request("node", "Ping", "{}"), "payload-string", `msg.payload is a string: ${HEADERS}; if it holds JSON text, parse it with a json node first`],
    ["asterisk-ami-action", request("node", "Ping", Buffer.from("{}")), "payload-bytes", `msg.payload is a Buffer: ${HEADERS}; convert it to a string and parse it with a json node first`],
    ["asterisk-ami-action", request("node", "Ping", [{}]), "payload-array", `msg.payload is an array: ${HEADERS}; to send several actions, send one message per action (a split node does that)`],
    ["asterisk-ami-action", request("node", "Ping", null), "payload-other", `msg.payload is null: ${HEADERS}; to send only the node's own fields, set its msg.payload option to "ignored"`],
    ["asterisk-ami-action", request("msg", "", {}), "action-missing", `${from} missing`],
    ["asterisk-ami-action", request("msg", "", { Action: 5 }), "action-not-text", `${from} a number, not a string`],
    ["asterisk-ami-action", request("msg", "", 5), "action-no-payload", `${from} missing: msg.payload is a number`],
    ["asterisk-ami-action", request("node", " ", {}), "no-action", "no action is configured in the node"],
    ["asterisk-ami-action", request("node", "Ping", { action: "Command" }), "action-differs", `msg.payload.Action "Command" differs from this node's action "Ping"; set the node to take the action from the message to allow that`],
  ];
}

function raised(raise: () => unknown): CatalogError {
  try {
    raise();
  } catch (err) {
    assert.ok(err instanceof CatalogError, `${String(err)} has a catalog key`);
    return err;
  }
  assert.fail("nothing was raised");
}

describe("error texts from the message catalogs", () => {
  it("every error a node can raise is in that node's catalog, reading word for word as the English message", () => {
    const seen = new Set<string>();
    for (const [type, raise, key, message] of CASES) {
      const err = raised(raise);
      assert.equal(err.key, key, message);
      assert.equal(err.message, message);
      assert.equal(translator(type)(`${type}.errors.${key}`, err.params), err.message, `${type}.errors.${key}, filled`);
      seen.add(key);
    }
    const node = ["bad-field", "no-server"]; // raised by the action node itself: the flow below
    assert.deepEqual([...seen, ...node].sort(), [...Object.keys(FILTER_TEXTS), ...Object.keys(INPUT_TEXTS)].sort(), "a case for every key");
    for (const [key, text] of Object.entries(INPUT_TEXTS)) assert.equal(catalogOf("asterisk-ami-action").errors[key], text, key);
  });

  it("each catalog's error texts are the code's, key for key (no stale copy)", () => {
    for (const type of ["asterisk-ami-in", "asterisk-ami-calls", "asterisk-ami-queues", "asterisk-ami-presence", "asterisk-ami-action"]) {
      const errors = catalogOf(type).errors as Record<string, string>;
      const texts: Record<string, string> = type === "asterisk-ami-action" ? INPUT_TEXTS : FILTER_TEXTS;
      for (const [key, text] of Object.entries(errors)) if (key in texts) assert.equal(text, texts[key], `${type}.errors.${key}`);
    }
    // The server connection's log lines and its "not open" error.
    const server = catalogOf("asterisk-ami-server");
    for (const [key, text] of Object.entries(CONNECTION_TEXTS)) assert.equal(key.split(".").reduce((o: any, k) => o?.[k], server), text, `asterisk-ami-server.${key}`);
  });

  it("every catalog key the runtime code names exists in that node's catalog", () => {
    const files = [...fs.readdirSync(path.join(ROOT, "src")).map((f) => path.join("src", f)), ...fs.readdirSync(path.join(ROOT, "src", "node-red")).map((f) => path.join("src", "node-red", f))];
    let named = 0;
    for (const file of files.filter((f) => f.endsWith(".ts"))) {
      const code = fs.readFileSync(path.join(ROOT, file), "utf8");
      for (const [, type, key] of code.matchAll(/"(asterisk-ami-[a-z]+)\.((?:errors|status|label)\.[\w-]+)"/g)) {
        assert.equal(typeof key.split(".").reduce((o: any, k) => o?.[k], catalogOf(type)), "string", `${file}: ${type}.${key}`);
        named++;
      }
      // What setUpNode raises for the node: no-server, and bad-filter when it has a filter to compile.
      for (const [, type, none] of code.matchAll(/setUpNode\([^]*?type: "(asterisk-ami-[a-z]+)",\s*compile: \(\) => (undefined)?/g)) {
        for (const key of none ? ["no-server"] : ["no-server", "bad-filter"]) assert.equal(typeof catalogOf(type).errors[key], "string", `${file}: ${type}.errors.${key}`);
        named++;
      }
    }
    assert.ok(named > 20, `${named} keys found: the scan still reads the code`);
  });
});

describe("Node-RED's own i18n and the error texts", () => {
  it("fills a catalog text as fill() does (values taken as they are) and answers a key it lacks with the key, so catalogText falls back to English", () => {
    // In a child process: i18n.init is process-wide, and the test helper keeps its own RED._.
    const script = `
      const i18n = require("@node-red/util").i18n;
      (async () => {
        await i18n.init({});
        await i18n.registerMessageCatalog("pkg/asterisk-ami-calls", ${JSON.stringify(LOCALES.replace(/en-US$/, ""))}, "asterisk-ami-calls.json");
        const t = (key, params) => i18n._("pkg/asterisk-ami-calls:" + key, params);
        process.stdout.write(JSON.stringify([t("asterisk-ami-calls.errors.unknown-step", ${JSON.stringify(STEP_PARAMS)}), t("asterisk-ami-calls.errors.no-such-key", {})]));
      })();`;
    const [text, missing] = JSON.parse(execFileSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8" })) as string[];
    assert.equal(text, fill(FILTER_TEXTS["unknown-step"], STEP_PARAMS));
    assert.equal(text, 'unknown step "<r&ng>" $t(x) $& (one of ringing)', "no HTML escaping, no nesting");
    assert.equal(missing, "asterisk-ami-calls.errors.no-such-key");
  });
});

describe("a node's error text in a flow comes from its catalog", function () {
  this.timeout(20000);
  /** RED._ over the package's catalogs, every error text marked: what a translated catalog would show. */
  const marked = (key: string, params?: Record<string, unknown>): string => (key.includes(".errors.") ? `[fr] ${translate(key, params)}` : translate(key, params));
  const nodes = amiNodes.map((mod: any) => (RED: any) => {
    RED._ = marked;
    return mod(RED);
  });
  let pbx: Awaited<ReturnType<typeof startPbx>>;
  beforeEach(async () => (pbx = await startPbx({ port: 0, timeScale: 0.05 })));
  afterEach(async () => {
    await helper.unload();
    await pbx.close();
  });

  it("ami action: a refused payload and a field it cannot evaluate reach Catch in the catalog's words, code kept", async () => {
    const field = { name: "Channel", value: "$$$(", type: "jsonata" };
    const flow = [tab, server("s1", pbx.port), amiAction("a1", "s1", { action: "Ping" }), amiAction("a2", "s1", { action: "Ping", fields: [field] }), catchFor("c", ["a1", "a2"], "caught"), sink("caught")];
    await helper.load(nodes, flow, { s1: ADMIN });
    const caught = collect("caught");
    helper.getNode("a1").receive({ payload: "{}" });
    helper.getNode("a2").receive({ payload: {} });
    await waitFor(() => caught.length === 2, "both failures in Catch");
    const byNode = (id: string): Msg => caught.find((m) => m.error.source.id === id)!.error;
    assert.match(byNode("a1").message, /^InputError: \[fr\] msg\.payload is a string: this node takes an object of AMI headers/);
    assert.match(byNode("a2").message, /^InputError: \[fr\] field Channel: cannot evaluate jsonata "\$\$\$\(": ./);
    assert.deepEqual([byNode("a1").code, byNode("a2").code], ["ERR_AMI_INVALID_INPUT", "ERR_AMI_INVALID_INPUT"]);
  });

  it("ami calls: a filter it cannot use is logged in the catalog's words", async () => {
    await helper.load(nodes, [tab, server("s1", pbx.port), amiCalls("bad", "s1", { steps: ["rang"] })], { s1: ADMIN });
    assert.equal(String(calls("error", "bad")[0]?.[0]), `[fr] unknown step "rang" (one of ${STEPS})`);
  });
});
