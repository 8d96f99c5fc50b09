import * as assert from "node:assert/strict";
import { CatalogError, catalogText, fill } from "../../src/node-red/catalog-error";
import { FilterError } from "../../src/node-red/filter-error";
import { InputError } from "../../src/node-red/input-error";

/**
 * Errors that carry a message-catalog key (src/node-red/catalog-error.ts): the English message
 * filled from the same text as the catalog's, and the text a node shows through RED._. Which
 * catalog has which key: test/nodes/error-catalog.test.ts.
 */

describe("errors with a message-catalog key", () => {
  it("fills __name__ parameters as Node-RED's i18next does, once, leaving a name not given as it is", () => {
    assert.equal(fill("invalid regex __pattern__ for header __field__: __reason__", { pattern: '"["', field: "Channel", reason: "x" }), 'invalid regex "[" for header Channel: x');
    assert.equal(fill("a __b__ c", { b: "__b__ and $1 $&" }), "a __b__ and $1 $& c", "a value is never read as a parameter or a replacement pattern");
    assert.equal(fill("a __b__ __c__", { b: "1" }), "a 1 __c__");
    assert.equal(fill("no parameters", {}), "no parameters");
  });

  it("keeps the key, the parameters and the English text of today's message", () => {
    const err = new FilterError("bad-digits", { value: '"x"' });
    assert.ok(err instanceof CatalogError && err instanceof Error);
    assert.deepEqual([err.name, err.key, err.params, err.message], ["FilterError", "bad-digits", { value: '"x"' }, 'invalid number of digits "x"']);
    const input = new InputError("action-not-text", { kind: "a number" });
    assert.deepEqual([input.name, input.code, input.message], ["InputError", "ERR_AMI_INVALID_INPUT", "this node takes the action from msg.payload.Action, which is a number, not a string"]);
    // Typed per key (checked by the compiler, never run):
    const typed = (): unknown[] => [
      // @ts-expect-error the text of bad-name-regex takes a reason too
      new FilterError("bad-name-regex", { pattern: "x" }),
      // @ts-expect-error no such key
      new FilterError("bad-thing", {}),
    ];
    assert.equal(typeof typed, "function");
  });

  it("shows the catalog's text under <type>.errors.<key>, with the parameters; the English message when the catalog has no such key", () => {
    const asked: Array<[string, unknown]> = [];
    const t = (key: string, params?: Record<string, unknown>): string => {
      asked.push([key, params]);
      return key === "asterisk-ami-calls.errors.unknown-step" ? `étape inconnue ${String(params?.value)}` : key;
    };
    const err = new FilterError("unknown-step", { value: '"rang"', allowed: "ringing, answered" });
    assert.equal(catalogText(err, "asterisk-ami-calls", t), 'étape inconnue "rang"');
    assert.deepEqual(asked, [["asterisk-ami-calls.errors.unknown-step", { value: '"rang"', allowed: "ringing, answered" }]]);
    assert.equal(catalogText(err, "asterisk-ami-in", t), 'unknown step "rang" (one of ringing, answered)', "a key the catalog lacks: RED._ gives the key back");
    assert.equal(catalogText(new Error("plain"), "asterisk-ami-calls", t), "plain", "an error without a key: its own message");
    assert.equal(asked.length, 2, "RED._ is not asked about an error without a key");
  });

  it("an input error shown by a node keeps its key, parameters and code, with the catalog's text", () => {
    const err = new InputError("no-action", {});
    const shown = err.shownBy("asterisk-ami-action", (key) => (key === "asterisk-ami-action.errors.no-action" ? "keine Aktion" : key));
    assert.ok(shown instanceof InputError);
    assert.deepEqual([shown.message, shown.key, shown.params, shown.code], ["keine Aktion", "no-action", {}, "ERR_AMI_INVALID_INPUT"]);
    assert.equal(err.message, "no action is configured in the node", "the error thrown is left as it was");
    assert.equal(err.shownBy("asterisk-ami-action", (key) => key).message, err.message, "no catalog text: the English one");
  });
});
