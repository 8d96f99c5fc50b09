import type { AmiConnection, AmiServerNode, ConnectionUser } from "./connection";
import type { Node, NodeAPI, NodeMessage, NodeStatus } from "./red";
import { StatusBoard, Translate, configErrorStatus } from "./status";
import { catalogText } from "./catalog-error";
import { FilterError } from "./filter-error";

/**
 * What every node that uses a server does when it starts: find the server's connection, compile
 * its filter, make its status board, and register as a user of the connection (which then keeps
 * the board told of the connection's state). A node that cannot run (no server, a filter it cannot
 * use) says why in its status and log, and ends every message with that error so Catch nodes see
 * it; then this returns undefined.
 */
export interface NodeSetup<F, B extends StatusBoard> {
  connection: AmiConnection;
  watch: F;
  board: B;
  user: ConnectionUser;
}

export function setUpNode<F, B extends StatusBoard>(
  RED: NodeAPI,
  node: Node,
  def: { server?: string },
  opts: {
    /** The node type: its catalog has `errors.no-server` and `errors.bad-filter`. */
    type: string;
    compile: () => F;
    board: (show: (s: NodeStatus) => void, t: Translate) => B;
    /** The error a message gets when the node cannot run (a plain Error by default). */
    errorOf?: (message: string) => Error;
  },
): NodeSetup<F, B> | undefined {
  const t: Translate = (key, params) => RED._(key, params);
  const fail = (key: string, detail?: string): undefined => {
    node.status(configErrorStatus(key, t));
    node.error(detail ?? t(key));
    node.on("input", (_msg: NodeMessage, _send: unknown, done: (err?: Error) => void) => done(opts.errorOf ? opts.errorOf(t(key)) : new Error(t(key))));
    return undefined;
  };
  const server = def.server ? (RED.nodes.getNode(def.server) as AmiServerNode | null) : null;
  if (!server?.connection) return fail(`${opts.type}.errors.no-server`);
  let watch: F;
  try {
    watch = opts.compile();
  } catch (err) {
    if (!(err instanceof FilterError)) throw err;
    return fail(`${opts.type}.errors.bad-filter`, catalogText(err, opts.type, t));
  }
  const connection = server.connection;
  const board = opts.board((s) => node.status(s), t);
  const user: ConnectionUser = {
    id: node.id,
    status: (s: NodeStatus) => node.status(s),
    connectionStatus: (s: NodeStatus) => board.setConnection(s, connection.state === "ready"),
  };
  connection.register(user);
  return { connection, watch, board, user };
}
