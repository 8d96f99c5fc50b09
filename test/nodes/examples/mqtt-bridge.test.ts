import * as assert from "node:assert/strict";
import * as net from "node:net";
import * as mqtt from "mqtt";
import { Pbx, readExample, prepare, serverId, useExamplePbx, dialler, place } from "../../helpers/example-flows";
import { Msg, collect, helper, sleep, waitConnected, waitFor } from "../harness";

/**
 * Example 12, the AMI to MQTT bridge, end to end through a real MQTT broker (aedes) and subscribers.
 */

// aedes is an ES module; Node.js 20.19+ and 22.12+ require() it.
const { Aedes } = require("aedes");

/** An MQTT broker (aedes) on a free port of 127.0.0.1 that records what its clients publish. */
async function startBroker(): Promise<{ port: number; received: Received[]; close(): Promise<void> }> {
  const broker = await Aedes.createBroker();
  const received: Received[] = [];
  broker.on("publish", (packet: any, client: unknown) => {
    if (client) received.push({ topic: packet.topic, payload: String(packet.payload), qos: packet.qos, retain: packet.retain });
  });
  const server = net.createServer(broker.handle);
  const sockets = new Set<net.Socket>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    received,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
  };
}

interface Received {
  topic: string;
  payload: string;
  qos: number;
  retain: boolean;
}
interface Subscriber {
  got: Received[];
  end(): Promise<void>;
}

/** An MQTT client subscribed to topic filters, collecting what it receives (retained messages included). */
async function subscribe(port: number, filters: string[]): Promise<Subscriber> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, connectTimeout: 3000 }, false);
  const got: Received[] = [];
  client.on("message", (topic, payload, packet) => got.push({ topic, payload: payload.toString(), qos: packet.qos, retain: packet.retain }));
  await client.subscribeAsync(filters, { qos: 0 });
  return { got, end: () => client.endAsync() };
}

/** Waits until a count has stopped changing for quietMs (the simulated call's last events trail its end). */
async function settled(count: () => number, what: string, quietMs = 300, ms = 5000): Promise<void> {
  const start = Date.now();
  let [n, since] = [count(), Date.now()];
  while (Date.now() - since < quietMs) {
    if (Date.now() - start > ms) throw new Error(`${what} still growing after ${ms} ms`);
    await sleep(20);
    if (count() !== n) [n, since] = [count(), Date.now()];
  }
}

function json(m: Received | undefined): Msg {
  assert.ok(m, "the message was received");
  return JSON.parse(m.payload);
}

describe("example flows", function () {
  this.timeout(30000);
  let pbx: Pbx;
  useExamplePbx((p) => (pbx = p));

  it("12 AMI to MQTT bridge, end to end through a real MQTT broker: subscribers get the raw events, call steps and presence, a later one the retained presence", async () => {
    const nodes = readExample("12 - AMI to MQTT bridge.json");
    const broker = await startBroker();
    const clients: Subscriber[] = [];
    try {
      // The example's broker node says localhost:1883; the copy under test points at the test's broker.
      const { flow, creds, modules } = prepare(nodes, pbx, (n) => {
        if (n.type === "mqtt-broker") Object.assign(n, { broker: "127.0.0.1", port: String(broker.port) });
      });
      // Two live subscribers, one for the events and call steps, one for the retained presence: aedes
      // stores a retained message before it forwards it, so a later plain message can overtake it, and
      // its per-client dedupe then drops the retained one for a client that gets both
      // (moscajs/aedes#955, #994). With one subscriber on pbx/# the presence changes went missing.
      const events = await subscribe(broker.port, ["pbx/PBX/+", "pbx/PBX/calls/+"]);
      clients.push(events);
      const presence = await subscribe(broker.port, ["pbx/PBX/presence/#"]);
      clients.push(presence);
      await helper.load(modules, flow, creds);
      const published = collect("m12"); // what the mqtt out node is given
      await waitConnected(serverId(nodes));
      // mqtt out drops (does not queue) what it is given before its broker node is connected.
      const b12 = helper.getNode("b12");
      await waitFor(() => b12.connected === true, `the example's mqtt-broker node (${b12.broker}:${b12.port}) to connect to the test broker at 127.0.0.1:${broker.port}`);
      // The start (session events, the presence snapshot) may come before that: count from a quiet point.
      await settled(() => published.length + broker.received.length, "the flow's output at start");
      const [p0, b0] = [published.length, broker.received.length];
      // The lab's hints are in context "test": pbx/<server>/presence/<context>/<exten>.
      const states = (x: string) => presence.got.filter((m) => m.topic === `pbx/PBX/presence/test/${x}`).map((m) => json(m).state);
      const c = await dialler(pbx);
      try {
        await place(c, "Local/4930123400@from-pstn");
        await waitFor(() => events.got.some((m) => m.topic === "pbx/PBX/calls/ended"), "pbx/PBX/calls/ended at the subscriber", 8000);
        await waitFor(() => states("6001").includes("in use") && states("6001").at(-1) === "idle", "6001 idle again after the call at the presence subscriber", 8000);
      } finally {
        await c.close();
      }

      // The call's last events trail its end, and each hop (flow, broker, subscribers) lags the one
      // before: wait until they agree, then read them all at one instant (no await below until the
      // late subscriber). If they never agree, the assertions say how they differ.
      const isPresence = (m: Msg | Received) => String(m.topic).includes("/presence/");
      const ofKind = (presenceOnly: boolean, msgs: Array<Msg | Received>) => msgs.filter((m) => isPresence(m) === presenceOnly).map((m) => m.topic).join(" ");
      const agree = () =>
        [true, false].every((k) => ofKind(k, broker.received.slice(b0)) === ofKind(k, published.slice(p0))) && events.got.length + presence.got.length === broker.received.length;
      await settled(() => published.length, "the flow's output after the call");
      await waitFor(agree, "the broker and the subscribers to have what the flow published").catch(() => undefined);

      // What the flow hands to mqtt out: the topics and the retain flag the change nodes set.
      const topics = published.map((m) => m.topic);
      for (const t of ["pbx/PBX/Newchannel", "pbx/PBX/DialBegin", "pbx/PBX/Hangup", "pbx/PBX/calls/answered", "pbx/PBX/presence/test/6002"]) assert.ok(topics.includes(t), `${t} in ${[...new Set(topics)].join(" ")}`);
      // The events people build on, not the PBX's chatter (VarSet was half of a real SIP call's messages).
      const chatter = topics.filter((t) => /^pbx\/PBX\/(VarSet|Newexten|RTCPSent|RTCPReceived|DeviceStateChange|ExtensionStatus)$/.test(t));
      assert.deepEqual(chatter, [], "no chatter bridged by default");
      assert.deepEqual(topics.filter((t) => t.startsWith("pbx/PBX/calls/")), ["pbx/PBX/calls/ringing", "pbx/PBX/calls/ringing", "pbx/PBX/calls/answered", "pbx/PBX/calls/ended"]);
      assert.ok(published.filter(isPresence).every((m) => m.retain === true), "presence is handed over retained");
      assert.ok(published.filter((m) => !isPresence(m)).every((m) => m.retain === false), "events and calls are handed over not retained");

      // What reached the broker from Node-RED: every message of the call, QoS 0 (the mqtt out
      // node's), retained exactly when the flow said so; in order within each kind (aedes reports a
      // retained message once stored, after plain ones that came in behind it).
      for (const k of [true, false]) {
        assert.equal(ofKind(k, broker.received.slice(b0)), ofKind(k, published.slice(p0)), `the broker got the ${k ? "presence" : "events and calls"} mqtt out was given during the call, in order`);
      }
      for (const p of broker.received) {
        assert.equal(p.qos, 0, `${p.topic} QoS`);
        assert.equal(p.retain, isPresence(p), `${p.topic} retain flag`);
      }

      // The live subscribers: each message once, in order, byte for byte what the broker got.
      assert.deepEqual(events.got, broker.received.filter((m) => !isPresence(m)).map((m) => ({ ...m, retain: false })), "the events subscriber got every event and call step");
      assert.deepEqual(presence.got, broker.received.filter(isPresence).map((m) => ({ ...m, retain: false })), "the presence subscriber got every presence change");
      const raw = json(events.got.find((m) => m.topic === "pbx/PBX/Newchannel"));
      assert.equal(raw.Event, "Newchannel", "an event's payload: its headers as JSON");
      assert.match(raw.Channel, /^Local\/4930123400@from-pstn/);
      const ended = json(events.got.find((m) => m.topic === "pbx/PBX/calls/ended"));
      assert.deepEqual([ended.state, ended.direction, ended.disposition], ["ended", "inbound", "ANSWERED"], "a call step's payload: the call as JSON");
      assert.deepEqual(states("6001").slice(-3), ["ringing", "in use", "idle"]);

      // A subscriber that connects after it all: the broker hands it the retained presence (the
      // last state of each extension, retain flag set), and nothing of the events or calls.
      const late = await subscribe(broker.port, ["pbx/#"]);
      clients.push(late);
      await waitFor(() => ["6001", "6002"].every((x) => late.got.some((m) => m.topic === `pbx/PBX/presence/test/${x}`)), "the retained presence of 6001 and 6002 at a subscriber that connected afterwards");
      await sleep(200);
      assert.deepEqual(late.got.map((m) => m.topic).sort(), ["pbx/PBX/presence/test/6001", "pbx/PBX/presence/test/6002"], "only presence is retained, one message per extension@context");
      for (const m of late.got) {
        assert.equal(m.retain, true, `${m.topic} arrives flagged retained`);
        const p = json(m);
        assert.deepEqual([p.kind, p.context, p.exten, p.state], ["extension", ...m.topic.split("/").slice(-2), "idle"], `${m.topic} carries the extension's current state`);
      }
    } finally {
      for (const s of clients) await s.end();
      await helper.unload(); // Node-RED's MQTT client goes before the broker does
      await broker.close();
    }
  });
});
