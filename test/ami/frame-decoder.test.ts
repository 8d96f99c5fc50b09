import { strict as assert } from "node:assert";
import { END_COMMAND_TEXT, frameHeaders, parseFrame } from "../../src/ami/frame-decoder";
import { captureNames, readRaw } from "../helpers/captures";
import { frameRanges, frames } from "../helpers/capture-frames";

function parse(text: string): string[] {
  const buf = Buffer.from(text);
  return [...parseFrame(buf, 0, buf.length).fields];
}

describe("frame decoder", () => {
  it("command-multiline: Output lines in order, one space after the colon taken as the separator and the rest of the value kept", () => {
    const dialplan = frames(readRaw("command-multiline")).find((m) => m.actionId === "cmd-dp");
    assert.ok(dialplan);
    const output = dialplan.getAll("Output");
    assert.equal(output[0], "[ Context 'test' created by 'pbx_config' ]");
    assert.equal(output[1], "  '100' =>          1. Answer()                                   [extensions.conf:9]", "leading spaces of the value kept");
    assert.equal(output[3], "                    3. UserEvent(TestEvent,Foo: bar,Num: 42)      [extensions.conf:11]", "a colon in the value stays in it");
    assert.equal(output.at(-2), "", "Output: with nothing after it is an empty line");
    assert.equal(output.at(-1), "-= 6 extensions (17 priorities) in 1 context. =-");
    assert.deepEqual(dialplan.fields.slice(0, 6), ["Response", "Success", "ActionID", "cmd-dp", "Message", "Command output follows"]);
  });

  it("odd spacing: no space after the colon, several spaces, an empty value, a bare \\n line end", () => {
    assert.deepEqual(parse("Event: X\r\nNoSpace:v\r\nSpaces:   v  \r\nEmpty:\r\nEmptyToo: \nLast: 1"), ["Event", "X", "NoSpace", "v", "Spaces", "  v  ", "Empty", "", "EmptyToo", "", "Last", "1"]);
  });

  it("repeated headers are all kept, in wire order; lines without a colon and blank lines are not headers", () => {
    assert.deepEqual(parse("Event: UserEvent\r\nFoo: 1\r\nnot a header\r\n\r\nFoo: 2\r\nBar: x\r\nFoo: 3"), ["Event", "UserEvent", "Foo", "1", "Foo", "2", "Bar", "x", "Foo", "3"]);
  });

  it("the legacy Response: Follows (Asterisk <= 13): the text after Privilege and ActionID is Output, until the end marker", () => {
    const text = `Response: Follows\r\nPrivilege: Command\r\nActionID: c1\nline one\nkey: value\n\n${END_COMMAND_TEXT}\nafter the marker\n`;
    assert.deepEqual(parse(text), ["Response", "Follows", "Privilege", "Command", "ActionID", "c1", "Output", "line one", "Output", "key: value", "Output", ""]);
    assert.deepEqual(parse(`Response: Follows\r\nlast line${END_COMMAND_TEXT}`), ["Response", "Follows", "Output", "last line"], "the marker sharing the last line");
    assert.deepEqual(parse("ActionID: 1\r\nResponse: Follows\r\nplain text"), ["ActionID", "1", "Response", "Follows"], "only a frame that starts with it is legacy");
  });

  it("decodes only [start, end) of a larger buffer, UTF-8 included", () => {
    const buf = Buffer.from("Junk: before\r\n\r\nEvent: Newchannel\r\nCallerIDName: Jürgen Müller\r\n\r\nJunk: after");
    const start = buf.indexOf("Event");
    const end = buf.indexOf("\r\n\r\n", start);
    assert.deepEqual([...parseFrame(buf, start, end).fields], ["Event", "Newchannel", "CallerIDName", "Jürgen Müller"]);
    assert.deepEqual(frameHeaders(buf, start, end), { Event: "Newchannel", CallerIDName: "Jürgen Müller" });
  });

  it("frameHeaders gives what parseFrame(...).toObject() gives, for every event frame of every capture", () => {
    let events = 0;
    for (const name of captureNames()) {
      const { body, ranges } = frameRanges(readRaw(name));
      for (const [start, end] of ranges) {
        const message = parseFrame(body, start, end);
        if (message.kind !== "event") continue;
        events++;
        assert.deepEqual(frameHeaders(body, start, end), message.toObject(), `${name} at ${start}`);
      }
    }
    assert.ok(events > 1000, `the captures' events (${events})`);
  });
});
