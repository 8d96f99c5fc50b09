import { decodeAgiEnv } from "./ami";
import type { EventFrame } from "./ami";
import { FieldCondition, NameMode, compileFrameConditions, compileNameFilter } from "./node-red/event-filter";
import { setUpNode } from "./node-red/node-setup";
import { backlogSettings, describeBacklog } from "./node-red/backlog-settings";
import { DROP_REPORT_MS, DropReport } from "./node-red/drop-report";
import { EventBacklog } from "./node-red/event-backlog";
import { EventIntake } from "./node-red/event-intake";
import { FrameQueue } from "./node-red/frame-queue";
import type { Node, NodeAPI, NodeDef, NodeMessage } from "./node-red/red";
import { newMsgId } from "./node-red/msg-id";
import { EventStatusBoard } from "./node-red/status";

/**
 * "ami in": emits the events of one PBX that pass its filters (event names, then header
 * conditions, all ANDed). msg.topic = event name, msg.payload = headers exactly as sent.
 * Events reach the flow through a bounded backlog (see EventBacklog): a flow slower than the PBX
 * never stops the socket from being read; what it cannot take is dropped, counted, shown in the
 * status, logged, and flagged on the next message (msg.ami.dropped).
 */

type InDef = NodeDef & {
  server?: string;
  nameMode?: NameMode;
  names?: string[] | string;
  regex?: string;
  conditions?: FieldCondition[];
  /** Backlog in MB (blank: 64). */
  backlogSize?: string | number;
  /** Backlog in events, optional (earlier versions' only bound). */
  backlog?: string | number;
};

export = function (RED: NodeAPI): void {
  function AsteriskAmiIn(this: Node, def: InDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const setup = setUpNode(RED, node, def, {
      type: "asterisk-ami-in",
      compile: () => ({
        matcher: compileNameFilter({ mode: def.nameMode, names: def.names, regex: def.regex }),
        condition: compileFrameConditions(def.conditions),
      }),
      board: (show, translate) => new EventStatusBoard(show, translate),
    });
    if (!setup) return;
    const { connection, board, user } = setup;
    const bound = backlogSettings(def);
    const boundText = describeBacklog(bound);

    // Dropped events: said at once, then summed up at most every DROP_REPORT_MS, and at close.
    const drops = new DropReport((text) => node.warn(text), {
      started: () => RED._("asterisk-ami-in.errors.dropping", { bound: boundText }),
      summary: (count, total, final) =>
        RED._(`asterisk-ami-in.errors.${count === 1 ? "dropped-one" : "dropped"}${final ? "-final" : ""}`, { count, seconds: DROP_REPORT_MS / 1000, bound: boundText, total }),
    });
    const backlog = new EventBacklog<EventFrame>(
      (frame, gap) => node.send(eventMessage(frame, gap, connection.label)),
      // A waiting event is kept as its bytes (outside the heap), decoded when it is delivered.
      { limit: bound.events, queue: new FrameQueue(bound.bytes), onError: (err) => node.error(RED._("asterisk-ami-in.errors.hand-over", { error: String((err as Error)?.message ?? err) })) },
      (total) => {
        board.droppedEvents(total);
        drops.dropped(total);
      },
    );
    connection.subscribe(node.id, setup.watch.matcher, new EventIntake(backlog, setup.watch.condition));
    node.on("close", (removed: boolean, done: () => void) => {
      drops.close();
      board.stop();
      backlog.close();
      connection.deregister(user, removed).then(done, done);
    });
  }

  RED.nodes.registerType("asterisk-ami-in", AsteriskAmiIn);
};

/** The message of one event: decoded straight into the payload, so each message owns its object (a flow may change it). */
function eventMessage(frame: EventFrame, gap: number, server: string): NodeMessage {
  const payload = frame.toObject();
  const ami: Record<string, unknown> = { server, event: frame.name };
  if (gap > 0) ami.dropped = gap;
  // The channel's AGI environment, URL-encoded in Env: decoded for the IVR that starts here.
  if (frame.name === "AsyncAGIStart") {
    const env = frame.message.get("Env");
    if (env !== undefined) ami.agiEnv = decodeAgiEnv(env);
  }
  return { _msgid: newMsgId(), topic: frame.name, payload, ami };
}
