import { strict as assert } from "node:assert";
import * as vm from "node:vm";
import { encodeAction } from "../../src/ami/encoder";
import { AmiError } from "../../src/ami/errors";
import { describeValue, isPlainObject } from "../../src/ami/values";

/**
 * Values from another JavaScript realm: what a Node-RED function node makes (its code runs in a vm
 * context, with that context's Object, Array and Date). They must be told apart exactly as values
 * of this realm are.
 */
const foreign = (code: string): unknown => vm.runInNewContext(code, { Buffer });

class Settings {
  channel = "Local/100@test";
}

describe("value kinds, in any realm", () => {
  it("plain objects: literals, JSON.parse, Object.create(null), clones, from this realm or a vm context", () => {
    for (const v of [{}, { a: 1 }, JSON.parse('{"a":1}'), Object.create(null), { ...{ a: 1 } }, structuredClone({ a: 1 })]) {
      assert.equal(isPlainObject(v), true, JSON.stringify(v));
    }
    for (const code of ["({ Channel: 'Local/100@test' })", "JSON.parse('{\"a\":1}')", "Object.create(null)", "Object.assign({}, { a: 1 })"]) {
      const v = foreign(code);
      assert.notEqual(Object.getPrototypeOf(v), Object.prototype, "really from another realm");
      assert.equal(isPlainObject(v), true, code);
      assert.equal(describeValue(v), "an object", code);
    }
    // A clone that keeps the foreign prototype (lodash's cloneDeep, which Node-RED's cloneMessage uses, does).
    const v = foreign("({ a: 1 })") as object;
    assert.equal(isPlainObject(Object.assign(Object.create(Object.getPrototypeOf(v)), v)), true);
  });

  it("everything else is not a plain object, and is named for what it is", () => {
    const cases: Array<[unknown, string]> = [
      [null, "null"],
      [undefined, "undefined"],
      ["text", "a string"],
      [42, "a number"],
      [true, "a boolean"],
      [[1], "an array"],
      [foreign("[1, 2]"), "an array"],
      [Buffer.from("x"), "a Buffer"],
      [foreign("Buffer.from('x')"), "a Buffer"],
      [new Date(0), "a Date"],
      [foreign("new Date(0)"), "a Date"],
      [new Map(), "a Map"],
      [foreign("new Map()"), "a Map"],
      [new Set(), "a Set"],
      [/x/, "a RegExp"],
      [new Error("x"), "an Error"],
      [foreign("new Error('x')"), "an Error"],
      [new Settings(), "an object of class Settings"],
      [foreign("new (class Thing { })()"), "an object of class Thing"],
      [() => 1, "a function"],
      [Symbol("s"), "a symbol"],
      [10n, "a bigint"],
      [new Uint8Array(2), "a Uint8Array"],
    ];
    for (const [v, name] of cases) {
      assert.equal(isPlainObject(v), false, name);
      assert.equal(describeValue(v), name);
    }
  });

  it("the encoder takes a Variable object from a vm context and refuses a Date, Map or Buffer there", () => {
    const fields = foreign("({ Channel: 'Local/100@test', Async: true, Timeout: 30000, Variable: { A: '1', B: 2 }, Codecs: ['ulaw', 'alaw'] })") as Record<string, never>;
    assert.equal(
      encodeAction("Originate", fields).toString(),
      "Action: Originate\r\nChannel: Local/100@test\r\nAsync: true\r\nTimeout: 30000\r\nVariable: A=1\r\nVariable: B=2\r\nCodecs: ulaw\r\nCodecs: alaw\r\n\r\n",
    );
    for (const [code, name] of [["new Date(0)", "a Date"], ["new Map([['A', '1']])", "a Map"], ["Buffer.from('A=1')", "a Buffer"], ["[['A', '1']]", "an array"]] as const) {
      const value = foreign(code);
      assert.throws(
        () => encodeAction("Originate", { Channel: "Local/1@t", Variable: value as never, Data: value as never }),
        (err: unknown) => err instanceof AmiError && err.code === "ERR_AMI_INVALID_ACTION" && err.message.includes(name),
        code,
      );
    }
  });
});
