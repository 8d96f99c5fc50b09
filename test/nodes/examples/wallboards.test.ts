import * as assert from "node:assert/strict";
import * as http from "node:http";
import * as net from "node:net";
import { Pbx, readExample, prepare, serverId, useExamplePbx } from "../../helpers/example-flows";
import { Msg, collect, helper, waitConnected, waitFor } from "../harness";

/**
 * Examples 13 and 14, the queue wallboards, on the simulated PBX's call centre (no random traffic):
 * what reaches the Dashboard 2.0 widgets, and the core-nodes page and its websocket.
 */

describe("example flows", function () {
  this.timeout(30000);
  let pbx: Pbx;
  const lab = useExamplePbx((p) => (pbx = p));

  interface Board {
    tiles: Msg[];
    agents: Msg[];
    calls: Msg[];
  }

  /**
   * What a wallboard shows as the call centre moves: the board from the snapshot at start, a caller
   * who joins sales and abandons, a support caller answered by an agent, an agent who pauses.
   * `board` reads what last reached the widgets (13) or the page (14).
   */
  async function wallboardScenario(board: () => Board | undefined): Promise<void> {
    const centre = pbx.callCentre!;
    // (through JSON: the function node builds the board in its own realm)
    const read = (): Board | undefined => {
      const b = board();
      return b && JSON.parse(JSON.stringify(b));
    };
    const tile = (queue: string) => read()?.tiles.find((t) => t.queue === queue);
    const agent = (queue: string, name: string) => read()?.agents.find((a) => a.queue === queue && a.agent === name);
    const call = (from: string) => read()?.calls.find((c) => c.from === from);
    await waitFor(() => tile("sales") !== undefined && agent("support", "Nina Hahn") !== undefined, "the board from the snapshot at start", 8000);
    assert.deepEqual(read()!.tiles.map((t) => t.queue), ["sales", "support", "supportq", "testq"], "a tile per queue, by name");
    const fresh = { waiting: 0, longestWaitSince: null, answered: 0, abandoned: 0, serviceLevelPct: null, complete: true };
    assert.deepEqual({ ...tile("sales"), queue: undefined }, { queue: undefined, ...fresh, serviceLevel: 20, available: 4, loggedIn: 4 });
    assert.deepEqual({ ...tile("support"), queue: undefined }, { queue: undefined, ...fresh, serviceLevel: 30, available: 6, loggedIn: 6 });
    assert.deepEqual(read()!.agents.filter((a) => a.queue === "sales").map((a) => [a.agent, a.state, a.colour]), [
      ["Julia Roth", "available", "#16a34a"],
      ["Lisa Bauer", "available", "#16a34a"],
      ["Max Vogel", "available", "#16a34a"],
      ["Tom Meyer", "available", "#16a34a"],
    ]);
    assert.deepEqual(read()!.calls, []);

    const t0 = Date.now();
    const lena = await centre.join("sales", { callerIdNum: "+4930555123", callerIdName: "Lena Hoffmann" });
    await waitFor(() => tile("sales")?.waiting === 1 && call("Lena Hoffmann +4930555123") !== undefined, "sales: 1 waiting, Lena in the live calls");
    const since = tile("sales")!.longestWaitSince;
    assert.ok(since >= t0 - 1000 && since <= Date.now(), `the longest wait counts from the join (${since - t0} ms)`);
    assert.deepEqual({ ...call("Lena Hoffmann +4930555123"), since: 0 }, { from: "Lena Hoffmann +4930555123", to: "sales", status: "waiting in sales", agent: "", since: 0 });

    await centre.abandon(lena.uniqueid);
    await waitFor(() => tile("sales")?.abandoned === 1 && call("Lena Hoffmann +4930555123") === undefined, "sales: 1 abandoned, Lena gone from the live calls");
    assert.deepEqual([tile("sales")!.waiting, tile("sales")!.longestWaitSince, tile("sales")!.serviceLevelPct], [0, null, 0]);

    // A caller in a queue nobody answers (testq has no members): no call step at all, still a live call.
    const noah = await centre.join("testq", { callerIdNum: "+4930555129", callerIdName: "Noah Braun" });
    await waitFor(() => call("Noah Braun +4930555129")?.status === "waiting in testq", "Noah waiting in testq in the live calls");
    await centre.abandon(noah.uniqueid);
    await waitFor(() => call("Noah Braun +4930555129") === undefined && tile("testq")?.abandoned === 1, "Noah gone");

    const jonas = await centre.join("support", { callerIdNum: "+4930555124", callerIdName: "Jonas Wagner" });
    await centre.answer(jonas.uniqueid, "Local/2101@agents");
    await waitFor(() => tile("support")?.answered === 1 && call("Jonas Wagner +4930555124")?.status === "talking", "support: 1 answered, Jonas talking");
    assert.deepEqual([tile("support")!.waiting, tile("support")!.serviceLevelPct], [0, 100], "answered at once: within the service level");
    assert.equal(agent("support", "Nina Hahn")!.state, "in a call");
    assert.equal(call("Jonas Wagner +4930555124")!.agent, "Nina Hahn", "who answered, by the member's name (the channel is Local/2101@agents-…)");

    centre.pause("sales", "Local/2001@agents", "lunch");
    await waitFor(() => agent("sales", "Lisa Bauer")?.state === "paused", "Lisa Bauer paused");
    assert.deepEqual([agent("sales", "Lisa Bauer")!.reason, agent("sales", "Lisa Bauer")!.colour], ["lunch", "#dc2626"]);
    await waitFor(() => tile("sales")?.available === 3, "sales: one agent fewer available");
  }

  /**
   * GET from the flows' HTTP routes (http in): the test helper keeps them in an express app of their
   * own (its RED.httpNode) that no server listens on; one is started for the request.
   */
  async function httpNodeGet(urlPath: string): Promise<{ status: number; type: string; body: string }> {
    const app = helper._registryUtil.createNodeApi({}).httpNode;
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as net.AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}${urlPath}`);
      return { status: res.status, type: res.headers.get("content-type") ?? "", body: await res.text() };
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }

  async function callCentrePbx(): Promise<void> {
    await lab.restartPbx({ callCentre: { traffic: false } });
  }

  it("13 queue wallboard on Dashboard 2.0: the tile, agents' table and live calls widgets get the call centre's numbers as it moves", async () => {
    await callCentrePbx();
    const nodes = readExample("13 - queue wallboard (Dashboard 2.0).json");
    const { flow, creds, modules } = prepare(nodes, pbx);
    await helper.load(modules, flow, creds);
    const [tiles, agents, calls] = [collect("t13"), collect("a13"), collect("l13")];
    await waitConnected(serverId(nodes));
    await wallboardScenario(() => tiles.length && agents.length ? { tiles: tiles[tiles.length - 1].payload.tiles, agents: agents[agents.length - 1].payload, calls: calls[calls.length - 1]?.payload ?? [] } : undefined);
    assert.ok(tiles.every((m) => typeof m.payload.at === "number"), "the tiles carry the host's time (the page counts waits on its clock)");
  });

  it("14 queue wallboard with core nodes: the page is served self-contained, and what it receives over the websocket follows the call centre", async () => {
    await callCentrePbx();
    const nodes = readExample("14 - queue wallboard (core nodes).json");
    const { flow, creds, modules } = prepare(nodes, pbx);
    await helper.load(modules, flow, creds);
    const page = await httpNodeGet("/queue-wallboard");
    assert.equal(page.status, 200);
    assert.match(page.type, /^text\/html/);
    assert.match(page.body, /<title>Queue wallboard<\/title>/);
    // No CDN: nothing loaded from another host (many PBX networks have no internet).
    assert.doesNotMatch(page.body, /(src|href)\s*=\s*["']?(https?:)?\/\/|@import|url\(/i);
    const WebSocket = require("ws");
    const socket = new WebSocket(helper.url().replace(/^http/, "ws") + "/ws/queue-wallboard");
    const received: Board[] = [];
    socket.on("message", (data: Buffer) => received.push(JSON.parse(String(data))));
    try {
      await new Promise((resolve, reject) => {
        socket.once("open", resolve);
        socket.once("error", reject);
      });
      await waitConnected(serverId(nodes));
      socket.send("hello"); // as the page does on each (re)connect
      await waitFor(() => received.length > 0, "the board in answer to hello");
      await wallboardScenario(() => received[received.length - 1]);
    } finally {
      socket.close();
    }
  });
});
