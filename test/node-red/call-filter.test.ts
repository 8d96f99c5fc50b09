import * as assert from "node:assert/strict";
import { CallTracker, CallUpdate } from "../../src/ami/calls";
import { compileCallFilter } from "../../src/node-red/call-filter";
import { FilterError } from "../../src/node-red/wildcards";
import { loadCapture } from "../helpers/capture-pbx";
import { clickToCall } from "../helpers/click-to-call";

describe("ami calls extension filter: the part the extension plays, on real SIP calls", () => {
  const updatesOf = (capture: string): CallUpdate[] => {
    const tracker = new CallTracker({ now: () => 0 });
    return loadCapture(capture).events.flatMap((f) => tracker.handle(f.msg));
  };
  const accepted = (updates: CallUpdate[], extensions: string, extensionRole?: string): string[] => {
    const filter = compileCallFilter({ extensions, extensionRole });
    return updates.filter((u) => filter.accepts(u)).map((u) => u.step);
  };

  it("Alice (6001) calls Bob (6002), nobody answers: as called only Bob sees it, as caller only Alice", () => {
    const updates = updatesOf("sip-internal-noanswer");
    assert.deepEqual(accepted(updates, "6001"), ["ended"], "any party: the caller's ended (not the ringing of the phone she calls)");
    assert.deepEqual(accepted(updates, "6001", "any"), ["ended"]);
    assert.deepEqual(accepted(updates, "6001", "called"), [], "she made the call: never her missed call");
    assert.deepEqual(accepted(updates, "6001", "caller"), ["ringing", "ended"], "her call, and the other end ringing");
    assert.deepEqual(accepted(updates, "6002", "called"), ["ringing", "ended"]);
    assert.deepEqual(accepted(updates, "6002", "caller"), []);
  });

  it("a queue call: the members rung are called, the caller is not", () => {
    const updates = updatesOf("sip-queue-answered");
    const ended = (ext: string, role: string) => accepted(updates, ext, role).includes("ended");
    assert.deepEqual(["6001", "6002", "6003"].map((e) => ended(e, "called")), [false, true, true]);
    assert.deepEqual(["6001", "6002", "6003"].map((e) => ended(e, "caller")), [true, false, false]);
  });

  it("refuses an unknown role", () => {
    assert.throws(() => compileCallFilter({ extensions: "6001", extensionRole: "callee" }), FilterError);
  });
});

describe("ami calls extension filter on a click-to-call", () => {
  it("click-to-call (an Originate to PJSIP/6001): 6001 places the call to the number; it is not a call to 6001", () => {
    const out = clickToCall();
    const asCalled = compileCallFilter({ extensions: "6001", extensionRole: "called" });
    const asCaller = compileCallFilter({ extensions: "6001", extensionRole: "caller" });
    assert.deepEqual([out.some((u) => asCalled.accepts(u)), out.filter((u) => asCaller.accepts(u)).map((u) => u.step)], [false, ["ringing", "answered", "ended"]]);
  });
});
