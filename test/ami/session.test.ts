import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import * as tls from "node:tls";
import { inspect } from "node:util";
import { AmiError } from "../../src/ami/errors";
import { AmiMessage } from "../../src/ami/message";
import { SECRET, TLS_DIR, cleanUp, fake, makeClient, ready, rejection, servers } from "../helpers/client-harness";
import { BANNER, waitFor, wire } from "../helpers/fake-ami";

/** The session (src/ami/session.ts): connect, login, keepalive, reconnect, close, TLS; through the client, against the fake AMI server. */
describe("AMI session", () => {
  afterEach(cleanUp);

  describe("login", () => {
    it("logs in with a plain secret, sets the event mask, and becomes ready", async () => {
      const srv = await fake();
      const { client, states } = makeClient(srv.port, { events: "call,agent" });
      await ready(client);
      const login = srv.actions[0];
      assert.equal(login.get("Action"), "Login");
      assert.equal(login.get("Username"), "admin");
      assert.equal(login.get("Secret"), SECRET);
      assert.equal(login.get("Events"), "call,agent");
      assert.match(login.get("ActionID") ?? "", /^[0-9a-f]{12}-\d+$/);
      assert.deepEqual(states.map((s) => s.state), ["connecting", "ready"]);
      assert.equal(client.amiVersion, "11.0.0");
      assert.equal(client.asteriskMajor, 22);
    });

    it("logs in with an MD5 challenge; the secret never crosses the wire", async () => {
      const srv = await fake();
      const { client } = makeClient(srv.port, { authType: "md5" });
      await ready(client);
      const [challenge, login] = srv.actions;
      assert.equal(challenge.get("Action"), "Challenge");
      assert.equal(challenge.get("AuthType"), "MD5");
      assert.equal(login.get("AuthType"), "MD5");
      assert.equal(login.get("Key"), createHash("md5").update("163447182" + SECRET).digest("hex"));
      assert.equal(login.get("Secret"), undefined);
      const bytes = Buffer.concat(srv.sessions[0].rawIn).toString();
      assert.ok(!bytes.includes(SECRET), "the secret was sent");
    });

    it("emits fullybooted when Asterisk says so", async () => {
      const srv = await fake();
      const { client } = makeClient(srv.port);
      const booted = new Promise<AmiMessage>((resolve) => client.once("fullybooted", resolve));
      client.connect();
      assert.equal((await booted).get("Status"), "Fully Booted");
    });

    it("a refused login says auth failed, retries no faster than authRetryDelay, and never logs the secret", async () => {
      const srv = await fake({ secret: "the-real-one", authFailCloseMs: 1000 });
      const { client, logs, states } = makeClient(srv.port, { secret: "wrong-secret-123", authRetryDelay: 300 });
      client.connect();
      await waitFor(() => srv.loginAttempts.length >= 3, 3000, "three login attempts");
      const failed = states.filter((s) => s.state === "auth-failed");
      assert.ok(failed.length >= 2);
      assert.equal((failed[0].error as AmiError).code, "ERR_AMI_AUTH");
      assert.match(failed[0].error?.message ?? "", /authentication failed for user "admin"/);
      assert.equal(failed[0].delay, 300);
      const gaps = srv.loginAttempts.slice(1).map((a, i) => a.at - srv.loginAttempts[i].at);
      for (const gap of gaps) assert.ok(gap >= 290, `attempts ${gap} ms apart`);
      // The client drops the socket itself at once rather than waiting for the server's close.
      assert.ok(gaps[0] < 1000, `retry waited for the server to close (${gaps[0]} ms)`);
      const everything = [...logs, ...states.map((s) => `${s.error?.message} ${inspect(s.error)}`)].join("\n");
      assert.ok(!everything.includes("wrong-secret-123"), "the secret leaked into a log or an error");
    });
  });

  describe("reads", () => {
    it("emits 'read' with the size of each read from the socket, after its events were dispatched", async () => {
      const srv = await fake();
      const { client } = makeClient(srv.port, { events: "on" });
      await ready(client);
      const order: string[] = [];
      let bytes = 0;
      client.on("read", (n: number) => {
        bytes += n;
        order.push("read");
      });
      client.subscribe("UserEvent", () => order.push("event"));
      srv.broadcast([["Event", "UserEvent"], ["UserEvent", "One"]]);
      await waitFor(() => order.includes("event") && order.lastIndexOf("read") > order.indexOf("event"));
      assert.equal(order[order.indexOf("event") + 1], "read", "the read that carried the event is told after it");
      // (What else the fake PBX wrote since login may share the reads.)
      assert.ok(bytes >= Buffer.byteLength("Event: UserEvent\r\nUserEvent: One\r\n\r\n"), `${bytes} bytes`);
    });
  });

  describe("connection faults", () => {
    it("a half-open peer is detected by the keepalive and the client reconnects", async () => {
      const srv = await fake();
      const { client, states, logs } = makeClient(srv.port, { keepaliveInterval: 100, keepaliveTimeout: 150 });
      await ready(client);
      srv.silent = true; // reads nothing, answers nothing, keeps the socket
      await waitFor(() => states.some((s) => s.state === "reconnecting"), 2000, "reconnecting");
      const lost = states.find((s) => s.state === "reconnecting");
      assert.match(lost?.error?.message ?? "", /keepalive: no answer to Ping within 150 ms/);
      assert.ok(logs.some((l) => l.startsWith("warn: keepalive")));
      srv.silent = false;
      await waitFor(() => client.state === "ready" && srv.sessions.length >= 2, 3000, "ready again");
    });

    it("the keepalive pauses while a synchronous Originate holds the session", async () => {
      const srv = await fake();
      srv.onAction = (action, s) => {
        if (action.get("Action") === "Originate") setTimeout(() => s.respond(action, [["Response", "Success"], ["Message", "Originate successfully queued"]]), 500);
        else s.respond(action, [["Response", "Success"], ["Ping", "Pong"]]);
      };
      const { client, states } = makeClient(srv.port, { keepaliveInterval: 50, keepaliveTimeout: 100 });
      await ready(client);
      srv.silent = false;
      const r = await client.send("Originate", { Channel: "Local/100@test", Application: "Wait", Data: "1" });
      assert.equal(r.response.get("Response"), "Success");
      assert.ok(!states.some((s) => s.state === "reconnecting"));
    });

    it("a frame over the size limit is a protocol error: the client drops the session and reconnects", async () => {
      const srv = await fake();
      srv.onAction = (action, s) => {
        if (action.get("Action") === "Status") s.socket.write(`Event: Garbage\r\nData: ${"x".repeat(10_000)}`);
        else s.respond(action, [["Response", "Success"], ["Ping", "Pong"]]);
      };
      const { client, states } = makeClient(srv.port, { maxFrameBytes: 4096 });
      await ready(client);
      const err = await rejection(client.send("Status"));
      assert.equal(err.code, "ERR_AMI_DISCONNECTED");
      assert.match(err.message, /frame exceeds 4096 bytes/);
      assert.ok(states.some((s) => s.state === "reconnecting" && /protocol error/.test(s.error?.message ?? "")));
      await waitFor(() => client.state === "ready", 3000, "ready again");
    });

    it("Event: Shutdown is a clean end: logged as information, then the client reconnects", async () => {
      const srv = await fake();
      const { client, logs, states } = makeClient(srv.port);
      await ready(client);
      srv.broadcast([["Event", "Shutdown"], ["Privilege", "system,all"], ["Shutdown", "Cleanly"], ["Restart", "True"]]);
      setTimeout(() => srv.dropAll(), 20);
      await waitFor(() => states.some((s) => s.state === "reconnecting"));
      assert.ok(logs.some((l) => /^info: Asterisk shut down; reconnecting/.test(l)), logs.join("\n"));
      assert.ok(!logs.some((l) => l.startsWith("warn:")));
      assert.match(states.find((s) => s.state === "reconnecting")?.error?.message ?? "", /Asterisk shut down \(Cleanly, restart: True\)/);
      await waitFor(() => client.state === "ready", 3000);
    });

    it("bad connection settings never throw out of connect(): they are reported and retried", async () => {
      assert.throws(() => makeClient(70000), /port must be an integer from 1 to 65535/);
      const { client, states } = makeClient(5039, { tls: { cert: "not a certificate", key: "not a key" } });
      assert.doesNotThrow(() => client.connect());
      await waitFor(() => states.some((s) => s.state === "reconnecting"));
      assert.match(states.find((s) => s.state === "reconnecting")?.error?.message ?? "", /cannot connect: /);
    });

    it("reconnect delays back off exponentially with jitter up to the cap", async () => {
      const blocker = net.createServer();
      await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
      const port = (blocker.address() as net.AddressInfo).port;
      await new Promise<void>((r) => blocker.close(() => r())); // nothing listens there now
      const { client, states } = makeClient(port, { reconnectDelay: 10, reconnectMaxDelay: 80 });
      client.connect();
      await waitFor(() => states.filter((s) => s.state === "reconnecting").length >= 7, 5000, "7 attempts");
      const delays = states.filter((s) => s.state === "reconnecting").map((s) => s.delay ?? -1);
      const bases = [10, 20, 40, 80, 80, 80, 80];
      delays.slice(0, 7).forEach((d, i) => assert.ok(d >= bases[i] / 2 && d <= bases[i], `attempt ${i + 1}: ${d} ms not in [${bases[i] / 2}, ${bases[i]}]`));
      assert.match(states.find((s) => s.state === "reconnecting")?.error?.message ?? "", /ECONNREFUSED/);
    });

    it("the backoff resets after a stable session", async () => {
      const srv = await fake();
      const { client, states } = makeClient(srv.port, { reconnectDelay: 10, reconnectMaxDelay: 1000, stableSessionMs: 50 });
      await ready(client);
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 80));
        srv.dropAll();
        await waitFor(() => client.state !== "ready");
        await waitFor(() => client.state === "ready", 3000);
      }
      const attempts = states.filter((s) => s.state === "reconnecting").map((s) => s.attempt);
      assert.deepEqual(attempts, [1, 1, 1]);
    });

    it("re-applies the event mask and the filters after every reconnect", async () => {
      const srv = await fake();
      srv.onAction = (action, s) => s.respond(action, [["Response", "Success"], ["Message", "Filter added"]]);
      const { client } = makeClient(srv.port, { events: "call", filters: ["Event: Newchannel", "!Channel: Local/*"] });
      await ready(client);
      srv.dropAll();
      await waitFor(() => srv.sessions.length === 2 && client.state === "ready", 3000);
      for (const s of srv.sessions) {
        assert.deepEqual(s.actions.map((a) => [a.get("Action"), a.get("Events") ?? a.get("Filter")]), [
          ["Login", "call"],
          ["Filter", "Event: Newchannel"],
          ["Filter", "!Channel: Local/*"],
        ]);
        assert.ok(s.actions.slice(1).every((a) => a.get("Operation") === "Add"));
      }
    });

    it("close() logs off, rejects what is left, and refuses new actions", async () => {
      const srv = await fake();
      srv.onAction = () => undefined;
      const { client, states } = makeClient(srv.port);
      await ready(client);
      const stuck = client.send("Status");
      const started = Date.now();
      await client.close();
      assert.ok(Date.now() - started < 1000);
      assert.equal((await rejection(stuck)).code, "ERR_AMI_CLOSED");
      assert.equal(srv.actions.at(-1)?.get("Action"), "Logoff");
      assert.equal(states.at(-1)?.state, "closed");
      assert.equal((await rejection(client.send("Ping"))).code, "ERR_AMI_CLOSED");
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(srv.sessions.length, 1, "no reconnect after close");
    });

    it("close() finishes promptly when the peer never answers the Logoff", async () => {
      const srv = await fake();
      const { client } = makeClient(srv.port, { closeTimeout: 200 });
      await ready(client);
      srv.silent = true;
      const started = Date.now();
      await client.close();
      // closeTimeout 200 ms; without it, close would wait the default 2 s for Goodbye.
      assert.ok(Date.now() - started < 1200, `close took ${Date.now() - started} ms`);
    });

    it("close() while the PBX is unreachable finishes at once", async () => {
      const { client } = makeClient(1, { connectTimeout: 5000 });
      client.connect();
      const started = Date.now();
      await client.close();
      // Not held by the 5 s connect timeout.
      assert.ok(Date.now() - started < 1000, `close took ${Date.now() - started} ms`);
      assert.equal(client.state, "closed");
    });
  });

  describe("TLS", () => {
    async function tlsFake(): Promise<{ port: number; close(): Promise<void> }> {
      const server = tls.createServer(
        { key: fs.readFileSync(path.join(TLS_DIR, "server.key")), cert: fs.readFileSync(path.join(TLS_DIR, "server.crt")) },
        (sock) => {
          sock.on("error", () => undefined);
          sock.write(BANNER);
          sock.on("data", (d: Buffer) => {
            const id = /ActionID: (.*)\r\n/.exec(d.toString())?.[1] ?? "";
            sock.write(wire([["Response", "Success"], ["ActionID", id], ["Message", "Authentication accepted"]]));
          });
        },
      );
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const handle = {
        port: (server.address() as net.AddressInfo).port,
        close: () => new Promise<void>((r) => server.close(() => r())),
      };
      servers.push(handle);
      return handle;
    }

    it("logs in over TLS when the certificate verifies against the given CA and name", async () => {
      const srv = await tlsFake();
      const { client } = makeClient(srv.port, { tls: { ca: fs.readFileSync(path.join(TLS_DIR, "ca.crt")), servername: "pbx.test" } });
      await ready(client);
    });

    it("refuses a certificate from another CA, or for another name, with a clear error", async () => {
      const srv = await tlsFake();
      const wrongCa = makeClient(srv.port, { tls: { ca: fs.readFileSync(path.join(TLS_DIR, "other-ca.crt")), servername: "pbx.test" } });
      wrongCa.client.connect();
      await waitFor(() => wrongCa.states.some((s) => s.state === "reconnecting"));
      assert.match(wrongCa.states.find((s) => s.state === "reconnecting")?.error?.message ?? "", /self[- ]signed|unable to verify|unable to get local issuer/i);
      const wrongName = makeClient(srv.port, { tls: { ca: fs.readFileSync(path.join(TLS_DIR, "ca.crt")), servername: "other.example" } });
      wrongName.client.connect();
      await waitFor(() => wrongName.states.some((s) => s.state === "reconnecting"));
      assert.match(wrongName.states.find((s) => s.state === "reconnecting")?.error?.message ?? "", /altnames|does not match|Hostname/i);
    });
  });
});
