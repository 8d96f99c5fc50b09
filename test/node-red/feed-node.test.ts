import * as assert from "node:assert/strict";
import type { ConnectionUser } from "../../src/node-red/connection";
import { Snapshot, serveFeed } from "../../src/node-red/feed-node";
import { StatusBoard } from "../../src/node-red/status";
import { translate } from "../helpers/catalog";
import { fakeNode, idleConnection } from "../helpers/fake-node";

/**
 * serveFeed: what ami calls, presence and queues do alike on input (a snapshot once the feed has
 * settled, on the same msg) and on close (stop the board, leave the feed and the connection, always
 * call done).
 */

/** A feed whose settling the test releases, and the leaves it was told of. */
function fakeFeed() {
  let release = (): void => undefined;
  const feed = {
    connected: true,
    settles: 0,
    leaves: [] as Array<[string, boolean]>,
    settled(): Promise<void> {
      feed.settles++;
      return new Promise<void>((resolve) => (release = resolve));
    },
    leave(id: string, removed: boolean): void {
      feed.leaves.push([id, removed]);
    },
    release: () => release(),
  };
  return feed;
}

/** A board that counts its stops. */
class StopCountingBoard extends StatusBoard {
  stops = 0;

  override stop(): void {
    this.stops++;
    super.stop();
  }

  protected render(): void {}
}

/** A few turns of the event loop: what was going to happen without the test's help has happened. */
async function turns(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

function served(connection = idleConnection(translate)) {
  const node = fakeNode("calls-1");
  const feed = fakeFeed();
  const board = new StopCountingBoard(() => undefined, translate);
  const user: ConnectionUser = { id: node.id, status: () => undefined };
  connection.register(user);
  let snapshots = 0;
  const snapshot = (): Snapshot => {
    snapshots++;
    return { payload: ["a", "b"], ami: { snapshot: "calls", count: 2 } };
  };
  serveFeed(node, feed, { connection, board, user }, snapshot);
  return { node, feed, board, connection, snapshots: () => snapshots };
}

describe("serveFeed", () => {
  it("answers an input with the snapshot only once the feed has settled", async () => {
    const { node, feed, snapshots } = served();
    let answered = false;
    const outcome = node.input({}).then((o) => {
      answered = true;
      return o;
    });
    await turns();
    assert.equal(feed.settles, 1);
    assert.equal(answered, false, "no answer while the feed is settling");
    assert.equal(snapshots(), 0, "the snapshot is taken after the settling, not before");
    feed.release();
    const { sent, err } = await outcome;
    assert.equal(err, undefined);
    assert.equal(sent.length, 1);
    assert.equal(snapshots(), 1);
  });

  it("sends the same msg on, other properties untouched, with payload and msg.ami set", async () => {
    const { node, feed } = served();
    const nested = { keep: true };
    const msg = { _msgid: "m1", topic: "refresh", payload: "old", nested, other: 7 };
    const outcome = node.input(msg);
    await turns(1);
    feed.release();
    const { sent } = await outcome;
    assert.equal(sent[0], msg, "the same object");
    assert.deepEqual(msg, {
      _msgid: "m1",
      topic: "refresh",
      payload: ["a", "b"],
      nested: { keep: true },
      other: 7,
      ami: { server: "pbx", snapshot: "calls", count: 2, connected: true },
    });
    assert.equal(msg.nested, nested);
  });

  it("msg.ami.connected says whether the feed is connected when the snapshot is taken", async () => {
    const { node, feed } = served();
    const outcome = node.input({});
    await turns(1);
    feed.connected = false;
    feed.release();
    const { sent } = await outcome;
    assert.deepEqual((sent[0] as { ami: unknown }).ami, { server: "pbx", snapshot: "calls", count: 2, connected: false });
  });

  for (const removed of [true, false]) {
    it(`close (removed ${removed}): stops the board, leaves the feed as removed ${removed}, deregisters, calls done`, async () => {
      const { node, feed, board, connection } = served();
      await node.close(removed);
      assert.equal(board.stops, 1);
      assert.deepEqual(feed.leaves, [["calls-1", removed]]);
      assert.deepEqual(connection.deregistered, [["calls-1", removed]]);
    });
  }

  it("close calls done also when deregistering fails", async () => {
    const connection = idleConnection(translate);
    const deregistered: boolean[] = [];
    connection.deregister = (_user: ConnectionUser, removed: boolean) => {
      deregistered.push(removed);
      return Promise.reject(new Error("deregister failed"));
    };
    const { node, feed, board } = served(connection);
    await node.close(true);
    assert.deepEqual(deregistered, [true]);
    assert.equal(board.stops, 1);
    assert.deepEqual(feed.leaves, [["calls-1", true]]);
  });
});
