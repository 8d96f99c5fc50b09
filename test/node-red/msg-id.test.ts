import * as assert from "node:assert/strict";
import { MsgIds, newMsgId } from "../../src/node-red/msg-id";

describe("message ids (msg._msgid of ami in messages)", () => {
  it("are 16 hex digits, as Node-RED's, and never repeat", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100_000; i++) {
      const id = newMsgId();
      assert.match(id, /^[0-9a-f]{16}$/);
      seen.add(id);
    }
    assert.equal(seen.size, 100_000);
  });

  it("count up behind a random prefix, and take a new prefix when the counter wraps", () => {
    const ids = new MsgIds(2 ** 32 - 2);
    const [a, b, c, d] = [ids.next(), ids.next(), ids.next(), ids.next()];
    assert.equal(a.slice(8), "fffffffe");
    assert.equal(b, a.slice(0, 8) + "ffffffff");
    assert.equal(c.slice(8), "00000000");
    assert.notEqual(c.slice(0, 8), a.slice(0, 8), "a new prefix (equal by chance once in 2^32)");
    assert.equal(d, c.slice(0, 8) + "00000001");
  });

  it("differ between two sources (random prefixes)", () => {
    assert.notEqual(new MsgIds().next().slice(0, 8), new MsgIds().next().slice(0, 8));
  });
});
