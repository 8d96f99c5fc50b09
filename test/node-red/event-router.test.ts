import * as assert from "node:assert/strict";
import { EventFrame } from "../../src/ami";
import { EventRouter } from "../../src/node-red/event-router";

/** A route's sink that records what it takes. */
const sink = (take: (e: EventFrame) => void) => ({ take });

const frame = (name: string) => {
  const bytes = Buffer.from(`Event: ${name}\r\nPrivilege: call,all\r\n`);
  return new EventFrame(name, bytes, 0, bytes.length);
};

describe("event router", () => {
  it("routes by name, caches per name, and removes everything an owner added", () => {
    const router = new EventRouter();
    let changes = 0;
    router.onChange = () => changes++;
    const got: string[] = [];
    let calls = 0;
    router.add("a", (n) => (calls++, n.startsWith("Queue")), sink((e) => got.push(`a:${e.name}`)));
    router.add("a", "*", sink((e) => got.push(`a*:${e.message.event}`)));
    router.add("b", (n) => n === "Hangup", sink((e) => got.push(`b:${e.name}`)));
    assert.equal(changes, 3);
    router.dispatch(frame("QueueParams"));
    router.dispatch(frame("QueueParams"));
    router.dispatch(frame("Hangup"));
    assert.deepEqual(got, ["a:QueueParams", "a*:QueueParams", "a:QueueParams", "a*:QueueParams", "a*:Hangup", "b:Hangup"]);
    assert.equal(calls, 2, "the predicate runs once per distinct name");
    assert.equal(router.removeOwner("a"), 2);
    assert.equal(router.wants("QueueParams"), false);
    assert.equal(router.wants("Hangup"), true);
  });
});
