import { FieldCondition, FilterError, NameMode, compileConditions, compileNameFilter } from "./node-red/event-filter";
import type { AmiServerNode } from "./node-red/connection";
import type { Node, NodeAPI, NodeDef } from "./node-red/red";
import { configErrorStatus } from "./node-red/status";

/**
 * "ami in": emits the events of one PBX that pass its filters (event names, then header
 * conditions, all ANDed). msg.topic = event name, msg.payload = headers exactly as sent.
 */

type InDef = NodeDef & {
  server?: string;
  nameMode?: NameMode;
  names?: string[] | string;
  regex?: string;
  conditions?: FieldCondition[];
};

export = function (RED: NodeAPI): void {
  function AsteriskAmiIn(this: Node, def: InDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const t = (key: string) => RED._(key);
    const server = def.server ? (RED.nodes.getNode(def.server) as AmiServerNode | null) : null;
    if (!server?.connection) {
      node.status(configErrorStatus("asterisk-ami-in.errors.no-server", t));
      node.error(RED._("asterisk-ami-in.errors.no-server"));
      return;
    }
    let matcher;
    let condition;
    try {
      matcher = compileNameFilter({ mode: def.nameMode, names: def.names, regex: def.regex });
      condition = compileConditions(def.conditions);
    } catch (err) {
      if (!(err instanceof FilterError)) throw err;
      node.status(configErrorStatus("asterisk-ami-in.errors.bad-filter", t));
      node.error(err.message);
      return;
    }
    const connection = server.connection;
    connection.register(node);
    connection.subscribe(node.id, matcher, (event) => {
      if (condition && !condition(event)) return;
      node.send({ topic: event.event, payload: event.toObject(), ami: { server: connection.label, event: event.event } });
    });
    node.on("close", (removed: boolean, done: () => void) => {
      connection.deregister(node, removed).then(done, done);
    });
  }

  RED.nodes.registerType("asterisk-ami-in", AsteriskAmiIn);
};
