import { strict as assert } from "node:assert";
import { CallBook } from "../../src/ami/call-book";
import { AmiMessage } from "../../src/ami/message";

const ev = (fields: Record<string, string>): AmiMessage => AmiMessage.from(Object.entries(fields));

describe("the live calls and their legs", () => {
  it("a new channel opens its Linkedid's call; later events find it by Linkedid, by a prefixed one, or by a leg's Uniqueid", () => {
    const book = new CallBook();
    const call = book.callFor(ev({ Event: "Newchannel", Channel: "PJSIP/6001-1", Uniqueid: "1.1", Linkedid: "1.1" }), 10);
    assert.deepEqual([call.id, call.startedAt, book.size], ["1.1", 10, 1]);
    book.leg(call, ev({ Channel: "PJSIP/6002-2", Uniqueid: "1.2", Linkedid: "1.1" }), 11);
    assert.equal(book.callOf(ev({ Event: "DialBegin", DestUniqueid: "1.2", DestLinkedid: "1.1" }), 12, "Dest"), call);
    assert.equal(book.callOf(ev({ Event: "Hangup", Uniqueid: "1.2" }), 13), call, "no Linkedid: the leg's call");
    assert.equal(book.callOf(ev({ Event: "Hangup", Uniqueid: "9.9", Linkedid: "9.9" }), 14), undefined);
    assert.equal(call.lastEventAt, 13);
  });

  it("a leg takes the channel's fields as they change; a caller ID Asterisk does not know keeps the one known", () => {
    const book = new CallBook();
    const call = book.open("1.1", 0);
    book.leg(call, ev({ Channel: "PJSIP/6001-1", Uniqueid: "1.1", ChannelStateDesc: "Ring", CallerIDNum: "6001", CallerIDName: "Alice", Context: "phones", Exten: "6002" }), 1);
    const { leg } = book.leg(call, ev({ Uniqueid: "1.1", ChannelStateDesc: "Up", CallerIDNum: "<unknown>", CallerIDName: "", Context: "", Exten: "" }), 2);
    assert.deepEqual(leg, { channel: "PJSIP/6001-1", uniqueid: "1.1", state: "Up", onHold: false, callerNumber: "6001", callerName: "Alice", context: "phones", exten: "6002" });
    assert.equal(call.legs.length, 1);
  });

  it("calls are kept least recently active first: an event moves its call to the end", () => {
    const book = new CallBook();
    for (const id of ["a", "b", "c"]) book.callFor(ev({ Uniqueid: id, Linkedid: id }), 0);
    book.callOf(ev({ Linkedid: "a" }), 5);
    assert.deepEqual([...book.values()].map((c) => c.id), ["b", "c", "a"]);
  });

  it("a leg met under another Linkedid moves to this call; the call it leaves is forgotten when empty, handed back when all its legs hung up", () => {
    const book = new CallBook();
    const consult = book.open("B.1", 0);
    book.leg(consult, ev({ Channel: "PJSIP/6003-3", Uniqueid: "B.2" }), 0);
    const alone = book.open("C.1", 0);
    book.leg(alone, ev({ Channel: "PJSIP/6004-4", Uniqueid: "C.1" }), 0);
    const call = book.open("A.1", 0);
    const hung = book.leg(consult, ev({ Channel: "PJSIP/6001-1", Uniqueid: "B.1" }), 0).leg;
    hung.endedAt = 1;
    const moved = book.leg(call, ev({ Uniqueid: "B.2", ChannelStateDesc: "Up" }), 2);
    assert.deepEqual([moved.leg.channel, moved.leftEnded], ["PJSIP/6003-3", consult], "its call's only other leg has hung up: for the tracker to end");
    assert.deepEqual(consult.legs.map((l) => l.uniqueid), ["B.1"]);
    const last = book.leg(call, ev({ Uniqueid: "C.1" }), 3);
    assert.equal(last.leftEnded, undefined);
    assert.equal(book.get("C.1"), undefined, "left with no leg: gone without a step");
    assert.equal(book.callOf(ev({ Uniqueid: "C.1" }), 4), call, "the leg names its new call");
    assert.equal(book.callOf(ev({ Uniqueid: "C.1", Linkedid: "C.1" }), 5), call, "an event still under the Linkedid it left: found by its leg");
  });

  it("forgetting a call drops it, its originator and the legs that still name it", () => {
    const book = new CallBook();
    const call = book.open("1.1", 0);
    book.leg(call, ev({ Uniqueid: "1.1" }), 0);
    book.setOriginator("1.1", "6001");
    assert.equal(book.originator("1.1"), "6001");
    book.forget(call);
    assert.deepEqual([book.size, book.originator("1.1"), book.callOf(ev({ Uniqueid: "1.1" }), 1)], [0, undefined, undefined]);
  });
});
