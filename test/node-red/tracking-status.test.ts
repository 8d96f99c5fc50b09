import * as assert from "node:assert/strict";
import type { NodeStatus } from "../../src/node-red/red";
import { CountStatusBoard } from "../../src/node-red/tracking-status";
import { showRecorder, strictTranslate } from "../helpers/status-board";

/** The status line of ami calls, presence and queues: the count as a green dot while connected, the connection's ring otherwise. */
describe("CountStatusBoard", () => {
  const ready: NodeStatus = { fill: "green", shape: "dot", text: "connected" };
  const ring: NodeStatus = { fill: "yellow", shape: "ring", text: "reconnecting in 2 s" };
  const live = (count: number): NodeStatus => ({ fill: "green", shape: "dot", text: `live calls: ${count}` });

  it("while connected shows what the node watches through the catalog, otherwise the connection's ring", () => {
    const { shows, show } = showRecorder();
    const board = new CountStatusBoard(show, strictTranslate, "asterisk-ami-queues.status.summary", 60_000);
    board.setConnection(ring);
    board.setCount({ waiting: 2, available: 1, loggedIn: 3 });
    board.setConnection(ready, true);
    board.stop();
    assert.deepEqual(shows, [ring, { fill: "green", shape: "dot", text: "2 waiting, 1 of 3 available" }]);
  });

  it("redraws a changing count at most once per interval", () => {
    const { shows, show } = showRecorder();
    const board = new CountStatusBoard(show, strictTranslate, "asterisk-ami-calls.status.live", 60_000);
    board.setConnection(ready, true);
    for (let n = 1; n <= 100; n++) board.setCount({ count: n });
    board.stop();
    assert.deepEqual(shows, [live(0)], "the counts wait for the interval");
  });

  it("after the interval draws the latest count, not the ones in between", async () => {
    const { shows, show, until } = showRecorder();
    const board = new CountStatusBoard(show, strictTranslate, "asterisk-ami-calls.status.live", 50);
    board.setConnection(ready, true);
    for (let n = 1; n <= 100; n++) board.setCount({ count: n });
    await until((s) => s.at(-1)?.text === "live calls: 100");
    board.stop();
    assert.deepEqual(shows.at(0), live(0));
  });

  it("a connection change is drawn at once; the same status twice is drawn once", () => {
    const { shows, show } = showRecorder();
    const board = new CountStatusBoard(show, strictTranslate, "asterisk-ami-calls.status.live", 60_000);
    board.setConnection(ready, true);
    board.setConnection(ready, true);
    board.setConnection(ring);
    board.setConnection({ ...ring });
    board.stop();
    assert.deepEqual(shows, [live(0), ring]);
  });

  it("a stopped board draws nothing more, not even the redraw it had scheduled", async () => {
    const { shows, show } = showRecorder();
    const board = new CountStatusBoard(show, strictTranslate, "asterisk-ami-calls.status.live", 5);
    board.setConnection(ready, true);
    for (let n = 1; n <= 10; n++) board.setCount({ count: n });
    board.stop();
    const drawn = shows.length;
    board.setConnection(ring);
    board.setCount({ count: 11 });
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(shows.length, drawn);
  });
});
