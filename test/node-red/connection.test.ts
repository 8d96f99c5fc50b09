import * as assert from "node:assert/strict";
import { inspect } from "node:util";
import type { AmiClientOptions, EventFrame } from "../../src/ami";
import { AmiError } from "../../src/ami/errors";
import { AmiConnection, ConnectionOptions, ConnectionUser } from "../../src/node-red/connection";
import type { NodeStatus } from "../../src/node-red/red";
import type { Translate } from "../../src/node-red/status";
import { translate } from "../helpers/catalog";
import { FakeAmi, waitFor } from "../helpers/fake-ami";

/**
 * AmiConnection, the server node's share with its users: one client however many users, opened
 * by the first and closed by the last (or after idleTimeout when the last only restarts), its
 * status pushed to every user, event routes per owner, the shared feeds, a close that a dead peer
 * cannot hold up, and a log that says each failure once and never the secret. The peer is the fake
 * AMI server (test/helpers/fake-ami.ts), which answers as the Asterisk 22 captures show.
 */

const SECRET = "amp111";
const SECRET_ELSEWHERE = "a-secret-no-log-may-show";

/** The statuses a user was shown, in order. */
interface RecordingUser extends ConnectionUser {
  shown: NodeStatus[];
}

function recordingUser(id: string): RecordingUser {
  const shown: NodeStatus[] = [];
  return { id, shown, status: (s) => shown.push(s) };
}

const lastText = (u: RecordingUser) => u.shown.at(-1)?.text;

/** RED._ over the package's catalogs, marked so a text that did not come through it shows. */
const marked: Translate = (key, params) => `«${translate(key, params)}»`;

const made: AmiConnection[] = [];
const servers: FakeAmi[] = [];

async function pbx(options: ConstructorParameters<typeof FakeAmi>[0] = {}): Promise<FakeAmi> {
  const srv = await FakeAmi.start(options);
  servers.push(srv);
  return srv;
}

/** A connection to port with short delays, and its log lines ("warn: ..."). */
function connection(port: number, opts: Partial<ConnectionOptions> = {}, client: Partial<AmiClientOptions> = {}) {
  const logs: string[] = [];
  const record = (level: string) => (m: string) => logs.push(`${level}: ${m}`);
  const conn = new AmiConnection({
    label: "pbx",
    client: { host: "127.0.0.1", port, username: "admin", secret: SECRET, keepaliveInterval: 0, reconnectDelay: 20, reconnectMaxDelay: 50, authRetryDelay: 50, ...client },
    t: translate,
    logger: { debug: record("debug"), info: record("info"), warn: record("warn"), error: record("error") },
    closeTimeout: 2000,
    idleTimeout: 60_000,
    ...opts,
  });
  made.push(conn);
  return { conn, logs };
}

async function connected(...users: RecordingUser[]): Promise<void> {
  await waitFor(() => users.every((u) => lastText(u) === "connected"), 3000, "every user shown connected");
}

/** The fake PBX and a connection to it with a user of each id registered, every one shown connected. */
async function connectedUsers(ids: string[], opts: Partial<ConnectionOptions> = {}, client: Partial<AmiClientOptions> = {}) {
  const srv = await pbx();
  const { conn } = connection(srv.port, opts, client);
  const users = ids.map(recordingUser);
  for (const u of users) conn.register(u);
  await connected(...users);
  return { srv, conn, users };
}

const logoffs = (srv: FakeAmi) => srv.actions.filter((a) => a.get("Action") === "Logoff").length;

async function rejection(p: Promise<unknown>): Promise<AmiError> {
  const err = await p.then(
    () => assert.fail("expected a rejection"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof AmiError);
  return err;
}

describe("AmiConnection", () => {
  afterEach(async () => {
    await Promise.all(made.splice(0).map((c) => c.close()));
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  describe("one client for all its users", () => {
    it("makes the client on the first register and keeps one AMI session however many users register", async () => {
      const srv = await pbx();
      const { conn } = connection(srv.port);
      assert.equal(conn.state, "idle");
      const users = ["a", "b", "c"].map(recordingUser);
      conn.register(users[0]);
      assert.notEqual(conn.state, "idle", "the first register starts connecting");
      for (const u of users.slice(1)) conn.register(u);
      await connected(...users);
      assert.equal(srv.sessions.length, 1);
    });

    it("closes the client when the last user is removed, not before", async () => {
      const { srv, conn, users: [a, b] } = await connectedUsers(["a", "b"]);
      await conn.deregister(a, true);
      assert.equal(logoffs(srv), 0);
      assert.equal(conn.state, "ready");
      await conn.deregister(b, true);
      assert.equal(logoffs(srv), 1);
      assert.equal(conn.state, "idle");
      await waitFor(() => srv.open.length === 0, 3000, "the session closed");
    });

    it("keeps the client for idleTimeout when the last user only restarts, and reuses it when the user comes back", async () => {
      const { srv, conn, users: [a] } = await connectedUsers(["a"], { idleTimeout: 60_000 });
      await conn.deregister(a, false);
      assert.equal(conn.state, "ready");
      const back = recordingUser("a");
      conn.register(back);
      assert.deepEqual(back.shown.map((s) => s.text), ["connected"]);
      assert.equal(srv.sessions.length, 1, "the same session");
      assert.equal(logoffs(srv), 0);
    });

    it("closes the client once idleTimeout has passed without the user coming back", async () => {
      const { srv, conn, users: [a] } = await connectedUsers(["a"], { idleTimeout: 30 });
      await conn.deregister(a, false);
      await waitFor(() => logoffs(srv) === 1, 3000, "Logoff after idleTimeout");
      assert.equal(conn.state, "idle");
    });
  });

  describe("status", () => {
    it("pushes the connection's state to every user and replays it at once to a late one", async () => {
      const { srv, conn, users: [a, b] } = await connectedUsers(["a", "b"]);
      assert.deepEqual(a.shown.at(0), { fill: "red", shape: "ring", text: "disconnected" });
      assert.deepEqual(a.shown.at(-1), { fill: "green", shape: "dot", text: "connected" });
      const late = recordingUser("late");
      conn.register(late);
      assert.deepEqual(late.shown, [{ fill: "green", shape: "dot", text: "connected" }], "shown at register, synchronously");
      srv.dropAll();
      await waitFor(() => [a, b, late].every((u) => u.shown.some((s) => s.text?.startsWith("reconnecting"))), 3000, "reconnecting on every user");
      await connected(a, b, late);
    });

    it("gives connectionStatus instead of status to a user that has it", async () => {
      const srv = await pbx();
      const { conn } = connection(srv.port);
      const mixed: NodeStatus[] = [];
      const plain: NodeStatus[] = [];
      conn.register({ id: "action", status: (s) => plain.push(s), connectionStatus: (s) => mixed.push(s) });
      await waitFor(() => mixed.at(-1)?.text === "connected", 3000, "connected");
      assert.deepEqual(plain, []);
    });

    it("a user whose status() throws does not stop the others from being told", async () => {
      const srv = await pbx();
      const { conn } = connection(srv.port);
      let thrown = 0;
      const broken: ConnectionUser = {
        id: "broken",
        status: () => {
          thrown++;
          throw new Error("a node that cannot show a status");
        },
      };
      conn.register(broken);
      const [a, b] = ["a", "b"].map(recordingUser);
      conn.register(a);
      conn.register(b);
      await connected(a, b);
      assert.ok(thrown >= 2, "the broken user was asked each time too");
    });

    it("says why it has no client in every user's status when the config is incomplete", () => {
      const conn = new AmiConnection({ label: "pbx", problem: "asterisk-ami-server.errors.no-host", t: marked, logger: {}, closeTimeout: 100, idleTimeout: 100 });
      const a = recordingUser("a");
      conn.register(a);
      assert.deepEqual(a.shown, [{ fill: "red", shape: "ring", text: "«no host configured»" }]);
      assert.equal(conn.state, "idle");
    });
  });

  describe("send", () => {
    it("without a usable config rejects ERR_AMI_NOT_CONFIGURED with the problem's catalog text", async () => {
      const conn = new AmiConnection({ label: "pbx", problem: "asterisk-ami-server.errors.no-host", t: marked, logger: {}, closeTimeout: 100, idleTimeout: 100 });
      const err = await rejection(conn.send("Ping", {}, {}));
      assert.equal(err.code, "ERR_AMI_NOT_CONFIGURED");
      assert.equal(err.message, "Ping: «no host configured»");
    });

    it("with no client rejects ERR_AMI_CLOSED, its text from the server node's catalog", async () => {
      const { conn } = connection(1, { t: marked });
      const err = await rejection(conn.send("Ping", {}, {}));
      assert.equal(err.code, "ERR_AMI_CLOSED");
      assert.equal(err.message, "«Ping: the AMI connection is not open»");
    });

    it("with no client and a catalog that lacks the key, says it in English", async () => {
      const { conn } = connection(1, { t: (key) => key });
      const err = await rejection(conn.send("CoreStatus", {}, {}));
      assert.equal(err.code, "ERR_AMI_CLOSED");
      assert.equal(err.message, "CoreStatus: the AMI connection is not open");
    });

    it("with a client sends through it", async () => {
      const { conn } = await connectedUsers(["a"]);
      const result = await conn.send("Ping", {}, {});
      assert.equal(result.response.get("Ping"), "Pong");
    });
  });

  describe("event routes", () => {
    /** A sink that records the names of the events it takes. */
    const sink = () => {
      const names: string[] = [];
      return { names, take: (e: EventFrame) => names.push(e.name) };
    };

    it("routes events by name to each owner's sinks; deregister removes every route of that owner", async () => {
      const { srv, conn, users: [a] } = await connectedUsers(["a", "b"]);
      const [userEvents, others, markers] = [sink(), sink(), sink()];
      conn.subscribe("a", (name) => name === "UserEvent", userEvents);
      conn.subscribe("a", (name) => name === "Other", others);
      conn.subscribe("b", (name) => name === "Marker", markers);
      const burst = () => ["UserEvent", "Other", "Unwanted", "Marker"].forEach((name) => srv.broadcast([["Event", name]]));
      burst();
      await waitFor(() => markers.names.length === 1, 3000, "the marker");
      assert.deepEqual([userEvents.names, others.names], [["UserEvent"], ["Other"]]);
      await conn.deregister(a, true);
      burst();
      await waitFor(() => markers.names.length === 2, 3000, "the second marker");
      assert.deepEqual([userEvents.names, others.names], [["UserEvent"], ["Other"]], "a's routes are gone");
    });
  });

  describe("feeds", () => {
    it("makes each kind of feed once and shares it; none runs before the first use or after its last user left", async () => {
      const { conn } = await connectedUsers(["a"]);
      assert.equal(conn.runningFeed("calls"), undefined);
      const calls = conn.feed("calls");
      assert.equal(conn.feed("calls"), calls);
      assert.equal(conn.runningFeed("calls"), calls);
      assert.notEqual(conn.feed("presence"), calls);
      calls.join({ id: "a", update: () => undefined });
      calls.join({ id: "b", update: () => undefined });
      assert.ok(calls.current, "it tracks the connection's client");
      calls.leave("a", true);
      assert.equal(conn.runningFeed("calls"), calls, "b still uses it");
      calls.leave("b", true);
      assert.equal(conn.runningFeed("calls"), undefined);
      assert.notEqual(conn.feed("calls"), calls, "a fresh one next time");
    });
  });

  describe("close", () => {
    it("never takes longer than closeTimeout, even when the peer never answers Logoff", async () => {
      const { srv, conn, users: [a] } = await connectedUsers(["a"], { closeTimeout: 100 }, { closeTimeout: 60_000 });
      srv.silent = true;
      const started = Date.now();
      await conn.close();
      const took = Date.now() - started;
      // Generous for a noisy machine: without the forcing timer it waits the client's 60 s.
      assert.ok(took < 10_000, `close took ${took} ms`);
      assert.equal(lastText(a), "disconnected");
    });

    it("a closed connection takes no new users and opens no new client", async () => {
      const srv = await pbx();
      const { conn } = connection(srv.port);
      await conn.close();
      const a = recordingUser("a");
      conn.register(a);
      assert.deepEqual(a.shown, [], "not even told a status");
      assert.equal(conn.state, "idle");
      assert.equal(srv.sessions.length, 0);
    });
  });

  describe("log", () => {
    const retrying = (logs: string[]) => logs.filter((l) => l.includes("retrying in"));

    it("warns once per distinct failure while retrying (the same again goes to debug), says when connected again, never the secret", async () => {
      // A port nothing listens on yet: connection refused, again and again.
      const probe = await FakeAmi.start();
      const port = probe.port;
      await probe.close();
      const { conn, logs } = connection(port, {}, { secret: SECRET_ELSEWHERE });
      const a = recordingUser("a");
      conn.register(a);
      await waitFor(() => retrying(logs).length >= 3, 5000, "three refused attempts");
      const refused = retrying(logs);
      assert.equal(refused.filter((l) => l.startsWith("warn: ")).length, 1, refused.join("\n"));
      assert.ok(refused.slice(1).every((l) => l.startsWith("debug: ")), refused.join("\n"));
      assert.match(refused[0], /^warn: AMI pbx: .*ECONNREFUSED.*; retrying in \d+ s \(attempt 1\)$/);

      // Now the PBX is there but refuses the login: a new failure, warned once more.
      const refusing = new FakeAmi({ secret: "not-the-one-configured" });
      servers.push(refusing);
      await new Promise<void>((resolve) => refusing.server.listen(port, "127.0.0.1", resolve));
      await waitFor(() => refusing.loginAttempts.length >= 3, 5000, "three refused logins");
      await waitFor(() => retrying(logs).length >= refused.length + 3, 5000, "their log lines");
      const warns = retrying(logs).filter((l) => l.startsWith("warn: "));
      assert.equal(warns.length, 2, retrying(logs).join("\n"));
      assert.doesNotMatch(warns[1], /ECONNREFUSED/);

      // And then it lets us in.
      await refusing.close();
      const welcoming = await new Promise<FakeAmi>((resolve) => {
        const srv = new FakeAmi({ secret: SECRET_ELSEWHERE });
        srv.server.listen(port, "127.0.0.1", () => resolve(srv));
      });
      servers.push(welcoming);
      await connected(a);
      assert.ok(logs.includes(`info: AMI pbx: connected again to 127.0.0.1:${port}`), logs.join("\n"));
      assert.equal(logs.filter((l) => l.includes("connected again")).length, 1);
      assert.ok(logs.every((l) => !l.includes(SECRET_ELSEWHERE)), "no log line shows the secret");
      assert.doesNotMatch(inspect(conn, { depth: 10, showHidden: true }), new RegExp(SECRET_ELSEWHERE));
    });
  });
});
