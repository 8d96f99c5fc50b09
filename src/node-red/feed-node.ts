import type { AmiConnection, ConnectionUser } from "./connection";
import type { Node, NodeMessage } from "./red";
import type { StatusBoard } from "./status";

/**
 * What the nodes on a shared tracker ("ami calls", "ami presence", "ami queues") do alike once
 * joined to their feed: answer any input with a snapshot, taken once the feed has settled (right
 * after a (re)connect, when its seeding is done), and on close stop the status, leave the feed and
 * the connection, always calling done.
 */

interface Feed {
  settled(): Promise<void>;
  readonly connected: boolean;
  leave(id: string, removed: boolean): void;
}

export interface Snapshot {
  payload: unknown;
  /** msg.ami besides `server` and `connected`: `{ snapshot: "calls", count }`... */
  ami: Record<string, unknown>;
}

export function serveFeed(node: Node, feed: Feed, setup: { connection: AmiConnection; board: StatusBoard; user: ConnectionUser }, snapshot: () => Snapshot): void {
  node.on("input", async (msg: NodeMessage, send: (m: NodeMessage) => void, done: (err?: Error) => void) => {
    await feed.settled();
    const { payload, ami } = snapshot();
    msg.payload = payload;
    msg.ami = { server: setup.connection.label, ...ami, connected: feed.connected };
    send(msg);
    done();
  });

  node.on("close", (removed: boolean, done: () => void) => {
    setup.board.stop();
    feed.leave(node.id, removed);
    setup.connection.deregister(setup.user, removed).then(done, done);
  });
}
