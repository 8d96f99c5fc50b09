import * as assert from "node:assert/strict";
import type { AmiServerNode } from "../../src/node-red/connection";
import { FilterError } from "../../src/node-red/filter-error";
import { setUpNode } from "../../src/node-red/node-setup";
import type { NodeAPI, NodeStatus } from "../../src/node-red/red";
import { StatusBoard, Translate } from "../../src/node-red/status";
import { translate } from "../helpers/catalog";
import { fakeNode, idleConnection } from "../helpers/fake-node";
import { statusOf } from "../helpers/seam";

/**
 * setUpNode: what every node on a server does when it starts. A node that cannot run says why in
 * its status (a red ring from its catalog) and log, and ends every input with that error; one that
 * can is registered with the connection and its board told the connection's status.
 */

/** RED._ over the package's catalogs, marked so a text that did not come through it shows. */
const marked: Translate = (key, params) => `«${translate(key, params)}»`;

/** A fake RED: its message catalog, and the nodes getNode finds by id. */
function fakeRed(nodes: Record<string, unknown> = {}): NodeAPI {
  return { _: marked, nodes: { getNode: (id: string) => nodes[id] ?? null } } as unknown as NodeAPI;
}

/** A board that records every connection status it is told. */
class RecordingBoard extends StatusBoard {
  readonly told: Array<{ status: NodeStatus; connected: boolean }> = [];

  override setConnection(status: NodeStatus, connected = false): void {
    this.told.push({ status, connected });
    super.setConnection(status, connected);
  }

  protected render(): void {
    if (!this.stopped) this.show(this.connection);
  }
}

const TYPE = "asterisk-ami-in";
const opts = (compile: () => unknown = () => "the filter", errorOf?: (m: string) => Error) => ({
  type: TYPE,
  compile,
  board: (show: (s: NodeStatus) => void, t: Translate) => new RecordingBoard(show, t),
  errorOf,
});

describe("setUpNode", () => {
  const noServer = marked(`${TYPE}.errors.no-server`);

  for (const [what, red, def] of [
    ["no server chosen", fakeRed(), {}],
    ["a server id no node has", fakeRed(), { server: "gone" }],
    ["a server node without a connection", fakeRed({ srv: { id: "srv" } }), { server: "srv" }],
  ] as const) {
    it(`${what}: a red ring and a log line from the catalog, and every input ends with that error`, async () => {
      const node = fakeNode();
      assert.equal(setUpNode(red, node, def, opts()), undefined);
      assert.deepEqual(node.statuses, [{ fill: "red", shape: "ring", text: noServer }]);
      assert.deepEqual(node.errors, [noServer]);
      for (const msg of [{ payload: 1 }, { payload: 2 }]) {
        const { sent, err } = await node.input(msg);
        assert.deepEqual(sent, []);
        assert.ok(err instanceof Error);
        assert.equal(err.message, noServer);
      }
    });
  }

  it("ends each input with the error errorOf makes of the catalog text, when given", async () => {
    class NodeInputError extends Error {}
    const node = fakeNode();
    setUpNode(fakeRed(), node, {}, opts(undefined, (m) => new NodeInputError(`made of ${m}`)));
    const { err } = await node.input({});
    assert.ok(err instanceof NodeInputError);
    assert.equal(err.message, `made of ${noServer}`);
  });

  it("a filter it cannot use: the bad-filter status, the filter error's catalog text in the log, inputs end with the error", async () => {
    const node = fakeNode();
    const connection = idleConnection(marked);
    const bad = new FilterError("bad-name-regex", { pattern: '"("', reason: "Unterminated group" });
    const setup = setUpNode(fakeRed({ srv: { connection } }), node, { server: "srv" }, opts(() => {
      throw bad;
    }));
    assert.equal(setup, undefined);
    const badFilter = marked(`${TYPE}.errors.bad-filter`);
    assert.deepEqual(node.statuses, [{ fill: "red", shape: "ring", text: badFilter }]);
    assert.deepEqual(node.errors, [marked(`${TYPE}.errors.bad-name-regex`, bad.params)]);
    assert.match(String(node.errors[0]), /^«invalid event name regex "\(": Unterminated group»$/);
    assert.equal((await node.input({})).err?.message, badFilter);
    assert.deepEqual(connection.registered, [], "a node that cannot run does not use the connection");
  });

  it("any other exception from compile is not swallowed", () => {
    const node = fakeNode();
    const connection = idleConnection(marked);
    const bug = new TypeError("a bug in the filter compiler");
    assert.throws(
      () =>
        setUpNode(fakeRed({ srv: { connection } }), node, { server: "srv" }, opts(() => {
          throw bug;
        })),
      (err) => err === bug,
    );
    assert.deepEqual(node.errors, []);
    assert.deepEqual(connection.registered, []);
  });

  it("success: the node registered with the connection, its board told the connection's status, what it compiled returned", () => {
    const node = fakeNode("in-1");
    const connection = idleConnection(marked);
    const server = { id: "srv", connection } as unknown as AmiServerNode;
    const setup = setUpNode(fakeRed({ srv: server }), node, { server: "srv" }, opts(() => ({ compiled: true })));
    assert.ok(setup);
    assert.equal(setup.connection, connection);
    assert.deepEqual(setup.watch, { compiled: true });
    assert.deepEqual(connection.registered, ["in-1"]);
    assert.equal(setup.user.id, "in-1");
    const board = setup.board;
    assert.deepEqual(board.told, [{ status: statusOf(connection), connected: false }]);
    assert.deepEqual(node.statuses, [statusOf(connection)], "the board drew it on the node");
    assert.deepEqual(node.errors, []);
  });

  it("the registered user's status goes to the node, its connection status through the board", () => {
    const node = fakeNode();
    const connection = idleConnection(marked);
    const setup = setUpNode(fakeRed({ srv: { connection } }), node, { server: "srv" }, opts());
    assert.ok(setup);
    const yellow: NodeStatus = { fill: "yellow", shape: "ring", text: "x" };
    setup.user.status(yellow);
    setup.user.connectionStatus?.(yellow);
    assert.deepEqual(node.statuses.slice(1), [yellow, yellow]);
    assert.deepEqual(setup.board.told.at(-1), { status: yellow, connected: false });
  });
});
