import { strict as assert } from "node:assert";
import { AmiMessage } from "../../src/ami/message";
import { readRaw } from "../helpers/captures";
import { frames } from "../helpers/capture-frames";

describe("AMI message model", () => {
  it("toObject keeps header names as sent and turns repeated headers into arrays in order", () => {
    const m = AmiMessage.from([
      ["Event", "UserEvent"],
      ["Foo", "bar"],
      ["Num", "42"],
      ["Foo", "baz"],
      ["Foo", "qux"],
    ]);
    assert.deepEqual(m.toObject(), { Event: "UserEvent", Foo: ["bar", "baz", "qux"], Num: "42" });
    assert.equal(m.get("Foo"), "bar");
    assert.deepEqual(m.getAll("foo"), ["bar", "baz", "qux"]);
    assert.equal(m.kind, "event");
  });

  it("an event that carries Response (OriginateResponse) is an event", () => {
    const m = AmiMessage.from([["Event", "OriginateResponse"], ["Response", "Failure"]]);
    assert.equal(m.kind, "event");
    assert.equal(m.response, undefined);
  });

  it("looks headers up exactly first, then case-insensitively (AsyncAGIExec answers CommandID as CommandId)", () => {
    const m = AmiMessage.from([["CommandId", "cmd-1"]]);
    assert.equal(m.get("CommandID"), "cmd-1");
  });

  it("a header named __proto__ is data, never a prototype", () => {
    const o = AmiMessage.from([["__proto__", "x"], ["__proto__", "y"], ["A", "1"]]).toObject();
    assert.deepEqual(Object.getOwnPropertyDescriptor(o, "__proto__")?.value, ["x", "y"]);
    assert.equal(Object.getPrototypeOf(o), Object.prototype);
  });

  it("keeps ChanVariable lines of the chanvariable capture in order", () => {
    const events = frames(readRaw("chanvariable")).filter((m) => m.getAll("ChanVariable").length > 1);
    assert.ok(events.length > 0, "the capture has events with several ChanVariable headers");
    const obj = events[0].toObject();
    assert.ok(Array.isArray(obj.ChanVariable));
    assert.deepEqual(obj.ChanVariable, events[0].getAll("ChanVariable"));
  });

  it("round-trips to wire form", () => {
    const m = AmiMessage.from([["Response", "Success"], ["ActionID", "1"]]);
    assert.equal(m.toString(), "Response: Success\r\nActionID: 1\r\n\r\n");
  });
});
