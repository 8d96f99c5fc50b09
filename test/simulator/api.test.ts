import { strict as assert } from "node:assert";
import { connect as tlsConnect } from "node:tls";
import { connect, Socket } from "node:net";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { AmiFramer } from "../../src/ami/framer";
import { parseFrame } from "../../src/ami/frame-decoder";
import { AmiMessage } from "../../src/ami/message";
import { startPbx, SimulatedPbx } from "../../simulator";
import { comparable, diff } from "./normaliser";
import { replay } from "./replay";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A bare AMI client: every message received, in order. */
class Client {
  readonly messages: AmiMessage[] = [];
  banner?: string;
  closed = false;
  bytes = 0;
  private readonly framer = new AmiFramer({
    onBanner: (b) => (this.banner = b),
    onFrame: (buf, s, e) => this.messages.push(parseFrame(buf, s, e)),
    onError: () => undefined,
  });

  constructor(readonly socket: Socket) {
    socket.on("data", (d: Buffer) => {
      this.bytes += d.length;
      this.framer.push(d);
    });
    socket.on("close", () => (this.closed = true));
    socket.on("error", () => undefined);
  }

  static async open(pbx: SimulatedPbx): Promise<Client> {
    const c = new Client(connect(pbx.port, pbx.host));
    await until(() => c.banner !== undefined);
    return c;
  }

  send(fields: Record<string, string>): void {
    this.socket.write(Object.entries(fields).map(([k, v]) => `${k}: ${v}\r\n`).join("") + "\r\n");
  }

  async request(fields: Record<string, string>): Promise<AmiMessage> {
    this.send(fields);
    const id = fields.ActionID;
    await until(() => this.messages.some((m) => m.kind === "response" && m.actionId === id));
    return this.messages.find((m) => m.kind === "response" && m.actionId === id) as AmiMessage;
  }

  async login(user = "admin", secret = "amp111", extra: Record<string, string> = {}): Promise<void> {
    const r = await this.request({ Action: "Login", Username: user, Secret: secret, ActionID: `login-${user}`, ...extra });
    assert.equal(r.get("Message"), "Authentication accepted");
  }

  events(name: string): AmiMessage[] {
    return this.messages.filter((m) => m.event === name);
  }
}

async function until(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await sleep(2);
  }
}

describe("simulated PBX: API and fault controls", function () {
  this.timeout(20000);
  let pbx: SimulatedPbx;
  const clients: Client[] = [];
  const open = async (): Promise<Client> => {
    const c = await Client.open(pbx);
    clients.push(c);
    return c;
  };

  beforeEach(async () => {
    pbx = await startPbx({ timeScale: 0.02, authFailDelayMs: 20 });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.socket.destroy();
    await pbx.close();
  });

  it("counts sessions, logged-in sessions and every action received", async () => {
    const a = await open();
    await open();
    await until(() => pbx.sessions === 2);
    assert.equal(pbx.loggedIn, 0);
    await a.login();
    assert.equal(pbx.loggedIn, 1);
    await a.request({ Action: "Ping", ActionID: "p1" });
    assert.deepEqual(pbx.actions.map((x) => x.action.get("Action")), ["Login", "Ping"]);
    assert.equal(pbx.actions[1].session, pbx.actions[0].session);
  });

  it("emitEvent respects read classes, the events mask and filters", async () => {
    const admin = await open();
    const limited = await open();
    const quiet = await open();
    await admin.login();
    await limited.login("limited", "limited1");
    await quiet.login("admin", "amp111", { Events: "off" });
    pbx.emitEvent({ Event: "Reload", Privilege: "system,all", Module: "manager" });
    pbx.emitEvent([["Event", "Newchannel"], ["Privilege", "call,all"], ["Channel", "PJSIP/6001-00000001"]]);
    pbx.emitEvent({ Event: "UserEvent", UserEvent: "Custom", Foo: ["a", "b"] });
    await until(() => admin.events("UserEvent").length === 1);
    await sleep(20);
    assert.equal(admin.events("Reload").length, 1);
    assert.deepEqual(admin.events("UserEvent")[0].getAll("Foo"), ["a", "b"]);
    assert.equal(limited.events("Reload").length, 0);
    assert.equal(limited.events("Newchannel").length, 1);
    assert.equal(limited.events("UserEvent").length, 0);
    assert.equal(quiet.messages.filter((m) => m.kind === "event").length, 0);
  });

  it("refuses logins when told to, answering late and closing like a bad password", async () => {
    pbx.setRefuseLogins(true);
    const c = await open();
    c.send({ Action: "Login", Username: "admin", Secret: "amp111", ActionID: "l" });
    await until(() => c.closed);
    assert.equal(c.messages[0].get("Message"), "Authentication failed");
    pbx.setRefuseLogins(false);
    await (await open()).login();
  });

  it("delays responses, keeping their order", async () => {
    const c = await open();
    await c.login();
    pbx.setResponseDelay(80);
    const t0 = Date.now();
    c.send({ Action: "Ping", ActionID: "a" });
    c.send({ Action: "CoreStatus", ActionID: "b" });
    await until(() => c.messages.filter((m) => m.kind === "response").length === 3);
    assert.ok(Date.now() - t0 >= 80);
    assert.deepEqual(c.messages.filter((m) => m.kind === "response").map((m) => m.actionId), ["login-admin", "a", "b"]);
  });

  it("half-open: keeps the socket but answers nothing until switched back", async () => {
    const c = await open();
    await c.login();
    pbx.setHalfOpen(true);
    c.send({ Action: "Ping", ActionID: "lost" });
    await sleep(100);
    assert.equal(c.messages.some((m) => m.actionId === "lost"), false);
    assert.equal(c.closed, false);
    assert.equal(pbx.sessions, 1);
    pbx.setHalfOpen(false);
    await c.request({ Action: "Ping", ActionID: "back" });
  });

  it("dropAll destroys every client socket", async () => {
    const a = await open();
    const b = await open();
    pbx.dropAll();
    await until(() => a.closed && b.closed);
    await until(() => pbx.sessions === 0);
  });

  it("restart sends Shutdown, closes everyone and listens again on the same port", async () => {
    const c = await open();
    await c.login();
    const port = pbx.port;
    await pbx.restart();
    await until(() => c.closed);
    const shutdown = c.events("Shutdown")[0];
    assert.equal(shutdown?.get("Shutdown"), "Cleanly");
    assert.equal(shutdown?.get("Restart"), "True");
    assert.equal(pbx.port, port);
    await (await open()).login();
  });

  it("flood writes realistic events (about 450 bytes each) as fast as the client reads", async () => {
    const c = await open();
    await c.login();
    const before = c.bytes;
    const t0 = Date.now();
    await pbx.flood({ events: 6000, mix: "captures" });
    await until(() => c.messages.length >= 6000 + 3, 10000);
    const avg = (c.bytes - before) / 6000;
    assert.ok(avg > 400 && avg < 500, `average ${avg} bytes`);
    assert.ok(Date.now() - t0 < 5000);
    assert.deepEqual([...new Set(c.messages.slice(3).map((m) => m.event))].sort(), ["DialBegin", "Hangup", "Newchannel", "Newexten", "Newstate", "UserEvent", "VarSet"]);
  });

  it("flood drops a client that stops reading, as Asterisk's writetimeout does", async () => {
    const c = await open();
    await c.login();
    c.socket.pause();
    await pbx.flood({ events: 200000 });
    await until(() => pbx.sessions === 0, 5000);
  });

  it("a synchronous Originate blocks the session until the answer; Hangup by regex lists the channels", async () => {
    const c = await open();
    await c.login("admin", "amp111", { Events: "off" });
    const r = await c.request({ Action: "Originate", Channel: "Local/300@test", Application: "Wait", Data: "20", ActionID: "o" });
    assert.equal(r.get("Message"), "Originate successfully queued");
    const h = await c.request({ Action: "Hangup", Channel: "/^Local\\/300@test-.*;2$/", ActionID: "h" });
    assert.equal(h.get("EventList"), "start");
    await until(() => c.events("ChannelsHungupListComplete").length === 1);
    assert.equal(c.events("ChannelsHungupListComplete")[0].get("ListItems"), "1");
    await until(() => c.messages.length > 0 && true);
    const list = await c.request({ Action: "CoreShowChannels", ActionID: "csc" });
    assert.equal(list.get("EventList"), "start");
  });

  it("Async AGI: the commands the lab uses answer with URL-encoded results and the caller's CommandId", async () => {
    const c = await open();
    await c.login();
    await c.request({ Action: "Originate", Channel: "Local/200@test", Application: "Wait", Data: "30", Async: "true", ActionID: "o" });
    await until(() => c.events("AsyncAGIStart").length === 1);
    const channel = c.events("AsyncAGIStart")[0].get("Channel") as string;
    const commands: Array<[string, string]> = [
      ["NOOP", "200 result=0\n"],
      ["SET VARIABLE FOO bar", "200 result=1\n"],
      ["GET VARIABLE FOO", "200 result=1 (bar)\n"],
      ["GET VARIABLE NOPE", "200 result=0\n"],
      ["STREAM FILE hello-world \"\"", "200 result=0 endpos=8000\n"],
      ["GET DATA beep 100 4", "200 result= (timeout)\n"],
      ["WAIT FOR DIGIT 100", "200 result=0\n"],
      ["EXEC Wait 1", "200 result=0\n"],
      ["BOGUS", "510 Invalid or unknown command\n"],
    ];
    for (const [i, [command]] of commands.entries()) {
      const r = await c.request({ Action: "AGI", Channel: channel, Command: command, CommandID: `c${i}`, ActionID: `a${i}` });
      assert.equal(r.get("Message"), "Added AGI command to queue");
    }
    await until(() => c.events("AsyncAGIExec").length === commands.length, 5000);
    for (const [i, [, result]] of commands.entries()) {
      const exec = c.events("AsyncAGIExec").find((m) => m.get("CommandId") === `c${i}`);
      assert.equal(decodeURIComponent(exec?.get("Result") ?? ""), result, commands[i][0]);
    }
    const gone = await c.request({ Action: "AGI", Channel: "Local/200@test-deadbeef;2", Command: "NOOP", ActionID: "x" });
    assert.equal(gone.get("Message"), "Channel Local/200@test-deadbeef;2 does not exist.");
  });

  it("a call to 400 waits in testq: QueueCallerJoin, a QueueEntry in QueueStatus, QueueCallerAbandon on hangup", async () => {
    const c = await open();
    await c.login();
    await c.request({ Action: "Originate", Channel: "Local/400@test", Application: "Wait", Data: "30", Async: "true", ChannelId: "q1", OtherChannelId: "q2", ActionID: "o" });
    await until(() => c.events("QueueCallerJoin").length === 1);
    await c.request({ Action: "QueueStatus", Queue: "testq", ActionID: "qs" });
    await until(() => c.events("QueueStatusComplete").length === 1);
    assert.equal(c.events("QueueEntry")[0].get("Uniqueid"), "q2");
    await c.request({ Action: "Hangup", Channel: "q1", ActionID: "h" });
    await until(() => c.events("QueueCallerAbandon").length === 1 && c.events("Hangup").length === 2);
  });

  it("unknown, unsimulated and forbidden actions get distinct errors", async () => {
    const c = await open();
    await c.login("limited", "limited1");
    assert.equal((await c.request({ Action: "Bogus", ActionID: "1" })).get("Message"), "Invalid/unknown command: Bogus. Use Action: ListCommands to show available commands.");
    assert.equal((await c.request({ Action: "Command", Command: "core show version", ActionID: "2" })).get("Message"), "Permission denied");
    assert.equal((await c.request({ Action: "Redirect", Channel: "x", ActionID: "3" })).get("Message"), "Action Redirect is not simulated");
  });

  it("speaks TLS on its own port (capture tls-login-ping)", async () => {
    await pbx.close();
    const tlsDir = join(__dirname, "..", "..", "..", "test", "fixtures", "tls");
    pbx = await startPbx({ tls: { key: readFileSync(join(tlsDir, "server.key")), cert: readFileSync(join(tlsDir, "server.crt")) } });
    assert.ok(pbx.tlsPort && pbx.tlsPort !== pbx.port);
    const socket = tlsConnect({ port: pbx.tlsPort, host: pbx.host, rejectUnauthorized: false });
    const { streams, expected } = await replay("tls-login-ping", 0, 0.05, 50, () => socket);
    for (const [s, want] of expected) assert.deepEqual(diff(comparable(want), comparable(streams.get(s) ?? ""), `session ${s}`), []);
  });
});
