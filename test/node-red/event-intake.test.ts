import * as assert from "node:assert/strict";
import { EventFrame } from "../../src/ami";
import type { EventBacklog } from "../../src/node-red/event-backlog";
import { EventIntake } from "../../src/node-red/event-intake";

const frame = (name: string, channel: string): EventFrame => {
  const bytes = Buffer.from(`Event: ${name}\r\nChannel: ${channel}\r\n`);
  return new EventFrame(name, bytes, 0, bytes.length);
};

/** A backlog that records what it was asked to do; `full` as the test sets it. */
function recordingBacklog(): { backlog: EventBacklog<EventFrame>; log: string[]; setFull(full: boolean): void } {
  const log: string[] = [];
  let full = false;
  const backlog = {
    get full() {
      return full;
    },
    push: (f: EventFrame) => log.push(`push ${f.name} ${f.message.get("Channel")}`),
    drop: () => log.push("drop"),
  } as unknown as EventBacklog<EventFrame>;
  return { backlog, log, setFull: (f) => (full = f) };
}

describe("EventIntake (what an ami in node's route delivers to)", () => {
  it("without header conditions, every event goes to the backlog, in order", () => {
    const { backlog, log } = recordingBacklog();
    const intake = new EventIntake(backlog);
    intake.take(frame("Newchannel", "PJSIP/6001-1"));
    intake.take(frame("Hangup", "PJSIP/6001-1"));
    assert.deepEqual(log, ["push Newchannel PJSIP/6001-1", "push Hangup PJSIP/6001-1"]);
    assert.equal(intake.backlog, backlog, "the backlog stays reachable (for its counters)");
  });

  it("with header conditions, only the events that pass reach the backlog", () => {
    const { backlog, log } = recordingBacklog();
    const intake = new EventIntake(backlog, (f) => f.message.get("Channel")?.startsWith("PJSIP/6002") ?? false);
    intake.take(frame("Newchannel", "PJSIP/6001-1"));
    intake.take(frame("Newchannel", "PJSIP/6002-2"));
    assert.deepEqual(log, ["push Newchannel PJSIP/6002-2"]);
  });

  it("a full backlog: without conditions the event is dropped before it is prepared; with conditions the backlog decides", () => {
    const plain = recordingBacklog();
    plain.setFull(true);
    new EventIntake(plain.backlog).take(frame("Newchannel", "PJSIP/6001-1"));
    assert.deepEqual(plain.log, ["drop"]);
    // A conditioned node checks its conditions first: an event it does not want is not a drop.
    const conditioned = recordingBacklog();
    conditioned.setFull(true);
    const intake = new EventIntake(conditioned.backlog, (f) => f.name === "Hangup");
    intake.take(frame("Newchannel", "PJSIP/6001-1"));
    intake.take(frame("Hangup", "PJSIP/6001-1"));
    assert.deepEqual(conditioned.log, ["push Hangup PJSIP/6001-1"]);
  });
});
