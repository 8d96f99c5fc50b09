import * as assert from "node:assert/strict";
import type { CallUpdate } from "../../src/ami";
import { AmiClient } from "../../src/ami/client";
import type { AmiMessage } from "../../src/ami/message";
import { CallFeed, FEED_GRACE_MS, QueueLimitError, makeFeed } from "../../src/node-red/tracking-feed";
import { FakeAmi, FakeSession, Fields, waitFor } from "../helpers/fake-ami";

/**
 * SharedFeed: one tracker per feed however many nodes use it, seeded once per (re)connect and
 * every user told; a user's failure kept from the others; the tracker kept for FEED_GRACE_MS for a
 * node that only restarts; a new client of the connection followed. A real AmiClient against the
 * fake AMI server, which answers the seeding list (CoreShowChannels) as the captures show.
 */

/** A call that starts and ends: the tracker tells one update, its end. */
const SHORT_CALL: Fields[] = [
  [["Event", "Newchannel"], ["Channel", "PJSIP/6001-00000001"], ["ChannelState", "4"], ["ChannelStateDesc", "Ring"], ["CallerIDNum", "6001"], ["Exten", "6002"], ["Context", "default"], ["Uniqueid", "1.1"], ["Linkedid", "1.1"]],
  [["Event", "Hangup"], ["Channel", "PJSIP/6001-00000001"], ["Uniqueid", "1.1"], ["Linkedid", "1.1"], ["Cause", "16"]],
];

/** A user that records what it is told. */
function recorder(id: string) {
  const user = {
    id,
    updates: [] as CallUpdate[],
    seedings: 0,
    warnings: [] as Error[],
    update: (u: CallUpdate) => user.updates.push(u),
    seeded: () => user.seedings++,
    warn: (err: Error) => user.warnings.push(err),
  };
  return user;
}

/** The fake PBX: an empty CoreShowChannels list, held back while `hold` is set, or refused while `refuse` is. */
class ListPbx {
  lists = 0;
  hold = false;
  refuse = false;
  private held: Array<() => void> = [];

  constructor(readonly srv: FakeAmi) {
    srv.onAction = (action, s) => this.answer(action, s);
  }

  release(): void {
    this.hold = false;
    for (const answer of this.held.splice(0)) answer();
  }

  private answer(action: AmiMessage, s: FakeSession): void {
    if (action.get("Action") !== "CoreShowChannels") return s.respond(action, [["Response", "Success"], ["Ping", "Pong"]]);
    this.lists++;
    if (this.refuse) return s.respond(action, [["Response", "Error"], ["Message", "Permission denied"]]);
    const id = action.get("ActionID") ?? "";
    const answer = () => {
      s.respond(action, [["Response", "Success"], ["EventList", "start"], ["Message", "Channels will follow"]]);
      s.send([["Event", "CoreShowChannelsComplete"], ["ActionID", id], ["EventList", "Complete"], ["ListItems", "0"]]);
    };
    if (this.hold) this.held.push(answer);
    else answer();
  }
}

const clients: AmiClient[] = [];
const servers: FakeAmi[] = [];

async function listPbx(): Promise<ListPbx> {
  const srv = await FakeAmi.start();
  servers.push(srv);
  return new ListPbx(srv);
}

function client(port: number): AmiClient {
  const c = new AmiClient({ host: "127.0.0.1", port, username: "admin", secret: "amp111", keepaliveInterval: 0, reconnectDelay: 20, reconnectMaxDelay: 50 });
  clients.push(c);
  return c;
}

/** A calls feed on whatever client `source.client` is, and how often it said it stopped. */
function feedOn(first: AmiClient | undefined) {
  const source = { client: first, stopped: 0 };
  const feed: CallFeed = makeFeed(
    "calls",
    () => source.client,
    () => source.stopped++,
  );
  return { feed, source };
}

describe("SharedFeed", () => {
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it("tracks once however many users join: one tracker, one subscription, one seeding per connect", async () => {
    const pbx = await listPbx();
    const c = client(pbx.srv.port);
    const { feed } = feedOn(c);
    const users = ["a", "b", "c"].map(recorder);
    feed.join(users[0]);
    const tracking = feed.current;
    assert.ok(tracking);
    for (const u of users.slice(1)) feed.join(u);
    assert.equal(feed.current, tracking);
    c.connect();
    await waitFor(() => users.every((u) => u.seedings === 1), 3000, "every user told of the seeding");
    assert.equal(pbx.lists, 1);
    assert.equal(c.subscriptionCount, 1);
    SHORT_CALL.forEach((e) => pbx.srv.broadcast(e));
    await waitFor(() => users.every((u) => u.updates.length === 1), 3000, "the update on every user");
    assert.ok(users.every((u) => u.updates[0].step === "ended" && u.updates[0].call.id === "1.1"));
  });

  it("tells every user seeded() after each (re)connect's seeding, not before it is done", async () => {
    const pbx = await listPbx();
    const c = client(pbx.srv.port);
    const { feed } = feedOn(c);
    const [a, b] = ["a", "b"].map(recorder);
    feed.join(a);
    feed.join(b);
    pbx.hold = true;
    c.connect();
    await waitFor(() => pbx.lists === 1, 3000, "the list asked for");
    await c.send("Ping");
    assert.deepEqual([a.seedings, b.seedings], [0, 0], "the list is not answered yet");
    pbx.release();
    await waitFor(() => a.seedings === 1 && b.seedings === 1, 3000, "seeded after connect");
    pbx.srv.dropAll();
    await waitFor(() => a.seedings === 2 && b.seedings === 2, 3000, "seeded after the reconnect");
    assert.equal(pbx.lists, 2);
  });

  it("a user whose update throws does not stop the others", async () => {
    const pbx = await listPbx();
    const c = client(pbx.srv.port);
    const { feed } = feedOn(c);
    let thrown = 0;
    feed.join({
      id: "broken",
      update: () => {
        thrown++;
        throw new Error("a node that fails on an update");
      },
      seeded: () => {
        throw new Error("and on a seeding");
      },
    });
    const b = recorder("b");
    feed.join(b);
    c.connect();
    await waitFor(() => b.seedings === 1, 3000, "b seeded");
    SHORT_CALL.forEach((e) => pbx.srv.broadcast(e));
    await waitFor(() => b.updates.length === 1, 3000, "b's update");
    assert.equal(thrown, 1);
  });

  it("a seeding that fails is told to one user only", async () => {
    const pbx = await listPbx();
    pbx.refuse = true;
    const c = client(pbx.srv.port);
    const { feed } = feedOn(c);
    const users = ["a", "b", "c"].map(recorder);
    for (const u of users) feed.join(u);
    c.connect();
    await waitFor(() => users.some((u) => u.warnings.length > 0), 3000, "the warning");
    await c.send("Ping");
    assert.deepEqual(
      users.map((u) => u.warnings.length),
      [1, 0, 0],
    );
    assert.match(users[0].warnings[0].message, /Permission denied/);
  });

  it("a user that only restarts (removed false) finds the same tracker when it comes back: no second seeding", async () => {
    const pbx = await listPbx();
    const c = client(pbx.srv.port);
    const { feed, source } = feedOn(c);
    const a = recorder("a");
    feed.join(a);
    c.connect();
    await waitFor(() => a.seedings === 1, 3000, "seeded");
    const tracking = feed.current;
    feed.leave("a", false);
    assert.equal(feed.current, tracking, "kept meanwhile");
    assert.equal(source.stopped, 0);
    const back = recorder("a");
    feed.join(back);
    assert.equal(feed.current, tracking);
    await c.send("Ping");
    assert.equal(pbx.lists, 1);
    assert.equal(c.subscriptionCount, 1);
  });

  it(`a user that only restarts and does not come back: the tracker stops after FEED_GRACE_MS (${FEED_GRACE_MS} ms)`, async function () {
    this.timeout(FEED_GRACE_MS + 30_000);
    const pbx = await listPbx();
    const c = client(pbx.srv.port);
    const { feed, source } = feedOn(c);
    feed.join(recorder("a"));
    c.connect();
    const left = Date.now();
    feed.leave("a", false);
    await waitFor(() => source.stopped === 1, FEED_GRACE_MS + 20_000, "the tracker stopped");
    assert.ok(Date.now() - left >= FEED_GRACE_MS - 50, "not before the grace period");
    assert.equal(feed.current, undefined);
    assert.equal(c.subscriptionCount, 0);
  });

  it("a user that is removed (removed true) stops the tracker at once", async () => {
    const pbx = await listPbx();
    const c = client(pbx.srv.port);
    const { feed, source } = feedOn(c);
    const [a, b] = ["a", "b"].map(recorder);
    feed.join(a);
    feed.join(b);
    c.connect();
    await waitFor(() => a.seedings === 1, 3000, "seeded");
    feed.leave("a", true);
    assert.ok(feed.current, "b still uses it");
    feed.leave("b", true);
    assert.equal(feed.current, undefined);
    assert.equal(source.stopped, 1);
    assert.equal(c.subscriptionCount, 0);
    assert.equal(feed.connected, false);
  });

  it("tracks the new client when the connection has replaced its client", async () => {
    const pbx = await listPbx();
    const first = client(pbx.srv.port);
    const { feed, source } = feedOn(first);
    feed.join(recorder("a"));
    first.connect();
    const before = feed.current;
    feed.leave("a", false);
    const second = client(pbx.srv.port);
    source.client = second;
    const a = recorder("a");
    feed.join(a);
    assert.notEqual(feed.current, before);
    assert.equal(first.subscriptionCount, 0, "the old client is no longer tracked");
    assert.equal(second.subscriptionCount, 1);
    second.connect();
    await waitFor(() => a.seedings === 1, 3000, "seeded on the new client");
    assert.equal(feed.connected, true);
  });

  it("settled() waits for the seeding while connected, and resolves at once when not", async () => {
    const pbx = await listPbx();
    const c = client(pbx.srv.port);
    const { feed, source } = feedOn(undefined);
    feed.join(recorder("nobody"));
    await feed.settled();
    assert.equal(feed.connected, false, "no client: nothing to wait for");

    source.client = c;
    feed.leave("nobody", true);
    const a = recorder("a");
    feed.join(a);
    await feed.settled();
    assert.equal(feed.connected, false, "a client not connected: nothing to wait for");

    pbx.hold = true;
    c.connect();
    await waitFor(() => pbx.lists === 1, 3000, "the list asked for");
    let settled = false;
    const waiting = feed.settled().then(() => (settled = true));
    await c.send("Ping");
    assert.equal(settled, false, "the seeding is not done");
    pbx.release();
    await waiting;
    assert.equal(feed.connected, true);
  });

  it("QueueLimitError says which bound was reached and its size", () => {
    const err = new QueueLimitError("queues", 500);
    assert.equal(err.name, "QueueLimitError");
    assert.equal(err.message, "queue tracking: at most 500 queues; more are not tracked");
    assert.equal(err.bound, "queues");
    assert.equal(err.max, 500);
    assert.ok(err instanceof Error);
  });
});
