import type { EventFrame } from "../ami";
import type { EventBacklog } from "./event-backlog";
import type { EventSink } from "./event-router";

/**
 * Where an "ami in" node's route brings the events its names select: the header conditions are
 * checked on the frame, then what passes goes into the node's bounded backlog, which hands it to
 * the flow (see EventBacklog). Without conditions, an event that a full backlog would drop is
 * dropped before it is prepared.
 */
export class EventIntake implements EventSink {
  constructor(
    readonly backlog: EventBacklog<EventFrame>,
    private readonly condition?: (frame: EventFrame) => boolean,
  ) {}

  take(frame: EventFrame): void {
    if (this.condition) {
      if (!this.condition(frame)) return;
    } else if (this.backlog.full) {
      this.backlog.drop(); // dropped undecoded
      return;
    }
    this.backlog.push(frame);
  }
}
