import * as assert from "node:assert/strict";
import type { NodeStatus } from "../../src/node-red/red";
import { ActionStatusBoard, configErrorStatus, connectionStatus, EventStatusBoard, inFlightStatus, outcomeStatus, Translate } from "../../src/node-red/status";
import { strictTranslate, showRecorder } from "../helpers/status-board";

/** The status vocabulary (rings for the connection, dots for a working node) and the boards that draw it. */

const t: Translate = strictTranslate;

describe("status texts and colours", () => {
  it("a connection's states are rings, a logged-in one a green dot, each text from the catalog", () => {
    assert.deepEqual(connectionStatus({ state: "connecting" }, t), { fill: "yellow", shape: "ring", text: "connecting" });
    assert.deepEqual(connectionStatus({ state: "ready" }, t), { fill: "green", shape: "dot", text: "connected" });
    assert.deepEqual(connectionStatus({ state: "reconnecting", delay: 2500 }, t), { fill: "yellow", shape: "ring", text: "reconnecting in 3 s" });
    assert.deepEqual(connectionStatus({ state: "auth-failed", delay: 30000 }, t), { fill: "red", shape: "ring", text: "auth failed, retry in 30 s" });
    assert.deepEqual(connectionStatus({ state: "idle" }, t), { fill: "red", shape: "ring", text: "disconnected" });
    assert.deepEqual(connectionStatus({ state: "closed" }, t), { fill: "red", shape: "ring", text: "disconnected" });
  });

  it("a wait under a second (or unknown) is said as 1 s, never 0", () => {
    assert.equal(connectionStatus({ state: "reconnecting", delay: 200 }, t).text, "reconnecting in 1 s");
    assert.equal(connectionStatus({ state: "reconnecting" }, t).text, "reconnecting in 1 s");
  });

  it("actions: blue dot while in flight, green or red dot for the outcome; a node that cannot run: red ring", () => {
    assert.deepEqual(inFlightStatus(2, t), { fill: "blue", shape: "dot", text: "2 in flight" });
    assert.deepEqual(outcomeStatus(true, "Success", t), { fill: "green", shape: "dot", text: "Success" });
    assert.deepEqual(outcomeStatus(false, "Permission denied", t), { fill: "red", shape: "dot", text: "Permission denied" });
    assert.deepEqual(configErrorStatus("asterisk-ami-action.errors.no-server", t), { fill: "red", shape: "ring", text: "no AMI server configured" });
  });
});

describe("ActionStatusBoard", () => {
  const ring: NodeStatus = { fill: "yellow", shape: "ring", text: "connecting" };

  it("shows the connection while idle, the count while actions are in flight, then the last outcome", () => {
    const { shows, show } = showRecorder();
    const board = new ActionStatusBoard(show, t, 60_000);
    board.setConnection(ring);
    board.started();
    board.started();
    board.finished(true, "Success");
    board.finished(false, "Error");
    board.stop();
    assert.deepEqual(shows, [ring, inFlightStatus(1, t), inFlightStatus(2, t), inFlightStatus(1, t), outcomeStatus(false, "Error", t)]);
  });

  it("a message refused before anything was sent shows its outcome without counting an action off", () => {
    const { shows, show } = showRecorder();
    const board = new ActionStatusBoard(show, t, 60_000);
    board.started();
    board.finished(false, "bad payload", false);
    board.stop();
    assert.deepEqual(shows.at(-1), inFlightStatus(1, t), "the action sent is still in flight");
  });

  it("the outcome gives way to the connection once its time is up", async () => {
    const { shows, show, until } = showRecorder();
    const board = new ActionStatusBoard(show, t, 5);
    board.setConnection(ring);
    board.finished(true, "Success");
    await until((s) => s.length === 3);
    assert.deepEqual(shows, [ring, outcomeStatus(true, "Success", t), ring]);
    board.stop();
  });

  it("a stopped board never draws again, not even when the outcome's time is up", async () => {
    const { shows, show } = showRecorder();
    const board = new ActionStatusBoard(show, t, 1);
    board.finished(true, "Success");
    board.stop();
    board.setConnection(ring);
    board.started();
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(shows.length, 1);
  });
});

describe("EventStatusBoard", () => {
  const connected: NodeStatus = { fill: "green", shape: "dot", text: "connected" };

  it("shows the connection until events are dropped, then a yellow dot with the count", () => {
    const { shows, show } = showRecorder();
    const board = new EventStatusBoard(show, t, 60_000, 60_000);
    board.setConnection(connected, true);
    board.droppedEvents(3);
    board.stop();
    assert.deepEqual(shows, [connected, { fill: "yellow", shape: "dot", text: "connected, 3 dropped" }]);
  });

  it("draws at most once per throttle interval while events are dropped", () => {
    const { shows, show } = showRecorder();
    const board = new EventStatusBoard(show, t, 60_000, 60_000);
    board.setConnection(connected, true);
    for (let n = 1; n <= 1000; n++) board.droppedEvents(n);
    board.stop();
    assert.equal(shows.length, 2, "the connection, then the first drop; the other 999 wait for the interval");
  });

  it("after the interval shows the latest count, and once drops stop, the connection's own colours with the count", async () => {
    const { shows, show, until } = showRecorder();
    const board = new EventStatusBoard(show, t, 5, 30);
    board.setConnection(connected, true);
    for (let n = 1; n <= 50; n++) board.droppedEvents(n);
    await until((s) => s.at(-1)?.fill === "green");
    board.stop();
    assert.deepEqual(shows.slice(0, 2), [connected, { fill: "yellow", shape: "dot", text: "connected, 1 dropped" }]);
    assert.deepEqual(shows.slice(2, -1).map((s) => s.text), Array<string>(shows.length - 3).fill("connected, 50 dropped"));
    assert.deepEqual(shows.at(-1), { fill: "green", shape: "dot", text: "connected, 50 dropped" });
  });

  it("a stopped board never draws again, not even a drop's redraw", async () => {
    const { shows, show } = showRecorder();
    const board = new EventStatusBoard(show, t, 1, 5);
    board.droppedEvents(1);
    board.stop();
    board.setConnection(connected, true);
    board.droppedEvents(2);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(shows.length, 1);
  });

  it("keeps the count when the connection changes", () => {
    const { shows, show } = showRecorder();
    const board = new EventStatusBoard(show, t, 60_000, 60_000);
    board.droppedEvents(7);
    board.setConnection({ fill: "yellow", shape: "ring", text: "reconnecting in 2 s" });
    board.stop();
    assert.equal(shows.at(-1)?.text, "reconnecting in 2 s, 7 dropped");
  });
});
