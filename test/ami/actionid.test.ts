import { strict as assert } from "node:assert";
import { ActionIdSource } from "../../src/ami/actionid";

describe("ActionIDs", () => {
  it("a prefix of 48 random bits per connection, then a counter from 1", () => {
    const ids = new ActionIdSource();
    const [a, b, c] = [ids.next(), ids.next(), ids.next()];
    assert.match(a, /^[0-9a-f]{12}-1$/);
    assert.equal(b, `${a.slice(0, 12)}-2`);
    assert.equal(c, `${a.slice(0, 12)}-3`);
  });

  it("two sources (two processes on one Asterisk) never hand out the same ActionID", () => {
    const prefixes = new Set<string>();
    for (let i = 0; i < 1000; i++) prefixes.add(new ActionIdSource().next());
    assert.equal(prefixes.size, 1000);
  });

  it("a new connection gets a new prefix and counts from 1 again, so late answers of the old session match nothing", () => {
    const ids = new ActionIdSource();
    const before = new Set([ids.next(), ids.next()]);
    ids.renew();
    const after = ids.next();
    assert.match(after, /^[0-9a-f]{12}-1$/);
    assert.equal(before.has(after), false);
    assert.notEqual(after.slice(0, 12), [...before][0].slice(0, 12));
  });
});
