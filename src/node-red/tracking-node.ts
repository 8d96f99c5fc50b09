import type { AmiConnection, AmiServerNode, ConnectionUser } from "./connection";
import { FilterError } from "./event-filter";
import type { Node, NodeAPI, NodeMessage, NodeStatus } from "./red";
import { configErrorStatus } from "./status";
import { CountStatusBoard } from "./tracking-status";

/**
 * What "ami calls" and "ami presence" share when they start: the server's connection, their
 * compiled filter, a count status board, and their registration as a user of the connection. A
 * node that cannot run says why in its status and log, and ends every message with that error so
 * Catch nodes see it; then this returns undefined.
 */
export interface TrackingNodeSetup<F> {
  connection: AmiConnection;
  watch: F;
  board: CountStatusBoard;
  user: ConnectionUser;
}

export function setUpTrackingNode<F>(
  RED: NodeAPI,
  node: Node,
  def: { server?: string },
  opts: { type: string; compile: () => F; statusKey: string },
): TrackingNodeSetup<F> | undefined {
  const t = (key: string, params?: Record<string, unknown>) => RED._(key, params);
  const fail = (key: string, detail?: string): undefined => {
    node.status(configErrorStatus(key, t));
    node.error(detail ?? t(key));
    node.on("input", (_msg: NodeMessage, _send: unknown, done: (err?: Error) => void) => done(new Error(t(key))));
    return undefined;
  };
  const server = def.server ? (RED.nodes.getNode(def.server) as AmiServerNode | null) : null;
  if (!server?.connection) return fail(`${opts.type}.errors.no-server`);
  let watch: F;
  try {
    watch = opts.compile();
  } catch (err) {
    if (!(err instanceof FilterError)) throw err;
    return fail(`${opts.type}.errors.bad-filter`, err.message);
  }
  const connection = server.connection;
  const board = new CountStatusBoard((s) => node.status(s), t, opts.statusKey);
  const user: ConnectionUser = {
    id: node.id,
    status: (s: NodeStatus) => node.status(s),
    connectionStatus: (s: NodeStatus) => board.setConnection(s, connection.state === "ready"),
  };
  connection.register(user);
  return { connection, watch, board, user };
}
