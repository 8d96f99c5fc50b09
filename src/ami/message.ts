/**
 * One AMI message (a response or an event) as an ordered list of header name/value pairs.
 *
 * AMI repeats keys (`Output` for Command, `Variable`, `ChanVariable`, custom UserEvent headers), so
 * a plain object would lose values; this model keeps every pair in wire order. Values are kept as
 * the server sent them: no numeric coercion (`004930...` is a phone number, `1795663249.98` a
 * Uniqueid) and no unescaping.
 */
export type HeaderObject = Record<string, string | string[]>;

export class AmiMessage {
  /** Flat [name0, value0, name1, value1, ...] in wire order. */
  readonly fields: readonly string[];

  constructor(fields: readonly string[]) {
    this.fields = fields;
  }

  /** Builds a message from pairs, for tests and the simulated PBX. */
  static from(pairs: ReadonlyArray<readonly [string, string]>): AmiMessage {
    const fields: string[] = [];
    for (const [k, v] of pairs) fields.push(k, v);
    return new AmiMessage(fields);
  }

  /** Number of headers. */
  get size(): number {
    return this.fields.length >> 1;
  }

  /** "event" when an Event header is present (even with Response, as OriginateResponse has). */
  get kind(): "event" | "response" | "other" {
    if (this.get("Event") !== undefined) return "event";
    if (this.get("Response") !== undefined) return "response";
    return "other";
  }

  get event(): string | undefined {
    return this.get("Event");
  }

  get response(): string | undefined {
    return this.kind === "response" ? this.get("Response") : undefined;
  }

  get actionId(): string | undefined {
    return this.get("ActionID");
  }

  /**
   * The first value of a header. Exact name first; then case-insensitively, as Asterisk itself
   * looks headers up (AsyncAGIExec answers `CommandID` with `CommandId`).
   */
  get(name: string): string | undefined {
    const f = this.fields;
    for (let i = 0; i < f.length; i += 2) if (f[i] === name) return f[i + 1];
    const lower = name.toLowerCase();
    for (let i = 0; i < f.length; i += 2) if (f[i].toLowerCase() === lower) return f[i + 1];
    return undefined;
  }

  /** Every value of a header, in wire order (case-insensitive name). */
  getAll(name: string): string[] {
    const f = this.fields;
    const lower = name.toLowerCase();
    const out: string[] = [];
    for (let i = 0; i < f.length; i += 2) if (f[i].toLowerCase() === lower) out.push(f[i + 1]);
    return out;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** [name, value] pairs in wire order. */
  pairs(): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (let i = 0; i < this.fields.length; i += 2) out.push([this.fields[i], this.fields[i + 1]]);
    return out;
  }

  /**
   * A plain object with header names exactly as sent; a repeated header becomes an array of its
   * values in order. A new object on every call, so each consumer may change its own copy.
   */
  toObject(): HeaderObject {
    const obj: HeaderObject = {};
    const f = this.fields;
    for (let i = 0; i < f.length; i += 2) addHeader(obj, f[i], f[i + 1]);
    return obj;
  }

  /** The message in AMI wire form (CRLF lines, blank line at the end). */
  toString(): string {
    let s = "";
    for (let i = 0; i < this.fields.length; i += 2) s += `${this.fields[i]}: ${this.fields[i + 1]}\r\n`;
    return s + "\r\n";
  }
}

/**
 * Adds one header to a plain object of headers (see AmiMessage.toObject): a repeated name turns
 * its value into an array of the values in order.
 */
export function addHeader(obj: HeaderObject, k: string, v: string): void {
  const prev = Object.prototype.hasOwnProperty.call(obj, k) ? obj[k] : undefined;
  let next: string | string[];
  if (prev === undefined) next = v;
  else if (typeof prev === "string") next = [prev, v];
  else {
    prev.push(v);
    return;
  }
  // defineProperty so a header named __proto__ is stored as data, never as a prototype.
  if (k === "__proto__") Object.defineProperty(obj, k, { value: next, enumerable: true, writable: true, configurable: true });
  else obj[k] = next;
}
