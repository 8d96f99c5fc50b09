/**
 * What kind of value a caller handed over, told the same way whichever JavaScript realm made it.
 *
 * Node-RED runs a function node's code in a `vm` context: the objects, arrays and dates it makes
 * have that context's `Object.prototype`, `Array.prototype` and `Date`, not ours. So nothing here
 * compares a prototype with this realm's or uses `instanceof`: a value's kind comes from its
 * built-in tag (`Object.prototype.toString`, which reads the internal slots every realm shares) and
 * from the shape of its prototype chain.
 */

/**
 * True for an object made by an object literal, `JSON.parse`, `Object.create(null)` or a clone of
 * one, in any realm: its tag is `[object Object]` and its prototype is null or a prototype whose own
 * prototype is null (some realm's `Object.prototype`). Arrays, Buffers, dates, maps and instances of
 * classes are not plain objects.
 */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== "object") return false;
  if (Object.prototype.toString.call(v) !== "[object Object]") return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/**
 * A short description of a value's kind for error messages: "a string", "a number", "null",
 * "an array", "a Buffer", "a Date", "a Map", "an object of class Foo", "an object". Never the value
 * itself: it may hold a secret.
 */
export function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  if (Array.isArray(v)) return "an array";
  const type = typeof v;
  if (type !== "object") return `a${/^[aeiou]/.test(type) ? "n" : ""} ${type}`;
  if (isPlainObject(v)) return "an object";
  // A Buffer from any realm: Node's Buffer is a Uint8Array subclass; ask Node, which checks the slot.
  if (Buffer.isBuffer(v)) return "a Buffer";
  const tag = Object.prototype.toString.call(v).slice(8, -1);
  if (tag !== "Object") return `a${/^[AEIO]/.test(tag) ? "n" : ""} ${tag}`;
  const name = constructorName(v);
  return name ? `an object of class ${name}` : "an object";
}

function constructorName(v: object): string | undefined {
  try {
    const proto: unknown = Object.getPrototypeOf(v);
    const ctor = proto && (proto as { constructor?: unknown }).constructor;
    const name = typeof ctor === "function" ? (ctor as { name?: unknown }).name : undefined;
    return typeof name === "string" && name.length > 0 ? name : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A value a caller handed over, as the text `String()` makes of it: a string as it is, a number or
 * a boolean written out, an array's items joined by commas, an object by its own `toString` (a
 * plain object's "[object Object]"). Used where a message's header is read before the encoder
 * checks it: the encoder refuses what is not a string, number or boolean (or a list of them), so
 * an object's text never reaches Asterisk.
 */
export function textOf(value: unknown): string {
  return String(value);
}
