/**
 * The SIP lab's phone API (startPbx({ sip: true })) on what no capture shows: a 486 reject, a
 * caller giving up, an unknown number; and the default lab stays without phones.
 */
import { strict as assert } from "node:assert";
import { connect, Socket } from "node:net";
import { startPbx, SimulatedPbx } from "../../simulator";
import { splitMessages } from "./normaliser";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function login(pbx: SimulatedPbx): Promise<{ socket: Socket; events: () => Array<Record<string, string>> }> {
  const socket = connect(pbx.port, "127.0.0.1");
  let stream = "";
  socket.setEncoding("utf8");
  socket.on("data", (d: string) => (stream += d));
  socket.write("Action: Login\r\nUsername: admin\r\nSecret: amp111\r\n\r\n");
  while (pbx.loggedIn < 1) await sleep(2);
  await sleep(20);
  const events = (): Array<Record<string, string>> =>
    splitMessages(stream).messages.map((m) => Object.fromEntries(m)).filter((m) => m.Event && m.Event !== "FullyBooted");
  return { socket, events };
}

describe("simulated PBX: the SIP lab's phone API", function () {
  this.timeout(10000);
  let pbx: SimulatedPbx | undefined;
  let socket: Socket | undefined;
  afterEach(async () => {
    socket?.destroy();
    await pbx?.close();
    pbx = undefined;
  });

  it("has no phones in the default lab", async () => {
    pbx = await startPbx();
    assert.equal(pbx.phones, undefined);
  });

  it("reject (486): DialEnd BUSY, the rung leg hangs up with cause 17 User busy, the caller's Dial returns BUSY", async () => {
    pbx = await startPbx({ sip: true, timeScale: 0.05 });
    const s = await login(pbx);
    socket = s.socket;
    const phones = pbx.phones;
    assert.ok(phones);
    phones.dial("6001", "6003");
    assert.equal(phones.status("6003")?.state, "ringing");
    phones.reject("6003");
    await sleep(30);
    const ev = s.events();
    const dialEnd = ev.find((e) => e.Event === "DialEnd");
    assert.equal(dialEnd?.DialStatus, "BUSY");
    assert.equal(dialEnd?.DestChannel.startsWith("PJSIP/6003-"), true);
    const hangups = ev.filter((e) => e.Event === "Hangup").map((e) => [e.Channel.split("-")[0], e.Cause, e["Cause-txt"]]);
    assert.deepEqual(hangups, [["PJSIP/6003", "17", "User busy"], ["PJSIP/6001", "16", "Normal Clearing"]]);
    assert.ok(ev.some((e) => e.Event === "VarSet" && e.Variable === "DIALSTATUS" && e.Value === "BUSY"));
    assert.equal(phones.status("6001"), undefined);
  });

  it("the caller hangs up while the ring group rings: DialEnd CANCEL for each phone", async () => {
    pbx = await startPbx({ sip: true, timeScale: 0.05 });
    const s = await login(pbx);
    socket = s.socket;
    const phones = pbx.phones;
    assert.ok(phones);
    phones.dial("provider", "4930555100");
    phones.hangUp("provider");
    await sleep(30);
    const ev = s.events();
    assert.deepEqual(ev.filter((e) => e.Event === "DialEnd").map((e) => [e.DestChannel.split("-")[0], e.DialStatus]),
      [["PJSIP/6001", "CANCEL"], ["PJSIP/6002", "CANCEL"]]);
    assert.equal(ev.filter((e) => e.Event === "Hangup").length, 3);
    assert.equal(pbx.phones?.status("6001"), undefined);
  });

  it("queue 700: a caller hanging up while waiting abandons (QueueCallerAbandon), nobody answering times out (QueueCallerLeave)", async () => {
    pbx = await startPbx({ sip: true, timeScale: 0.005 });
    const s = await login(pbx);
    socket = s.socket;
    const phones = pbx.phones;
    assert.ok(phones);
    phones.dial("6001", "700");
    assert.equal(phones.status("6002")?.state, "ringing");
    assert.equal(phones.status("6003")?.state, "ringing");
    phones.hangUp("6001");
    await sleep(20);
    let ev = s.events();
    assert.deepEqual(ev.filter((e) => e.Event.startsWith("Queue") && e.Event !== "QueueMemberStatus").map((e) => e.Event), ["QueueCallerJoin", "QueueCallerAbandon"]);
    assert.deepEqual(ev.filter((e) => e.Event === "DialEnd").map((e) => e.DialStatus), ["CANCEL", "CANCEL"]);
    assert.equal(phones.status("6002"), undefined);
    phones.dial("6001", "700");
    await sleep(250); // Queue()'s 20 s at 1/200
    ev = s.events().slice(ev.length);
    assert.deepEqual(ev.filter((e) => e.Event.startsWith("Queue") && e.Event !== "QueueMemberStatus").map((e) => e.Event), ["QueueCallerJoin", "QueueCallerLeave"]);
    assert.deepEqual(ev.filter((e) => e.Event === "DialEnd").map((e) => e.DialStatus), ["NOANSWER", "NOANSWER"]);
    assert.equal(ev.filter((e) => e.Event === "Hangup").length, 3);
    assert.equal(phones.status("6001"), undefined);
  });

  it("attended transfer (*2): the called party's feature digits are not passed on; the uncaptured paths are refused", async () => {
    pbx = await startPbx({ sip: true, timeScale: 0.05 });
    const s = await login(pbx);
    socket = s.socket;
    const phones = pbx.phones;
    assert.ok(phones);
    phones.dial("6001", "6002");
    phones.answer("6002");
    phones.sendDtmf("6002", "*26003");
    await sleep(20);
    const ev = s.events();
    assert.equal(ev.filter((e) => e.Event === "DTMFEnd" && e.Direction === "Sent" && e.Channel.startsWith("PJSIP/6001")).length, 0);
    assert.ok(ev.some((e) => e.Event === "Hold" && e.Channel.startsWith("PJSIP/6002")));
    assert.ok(ev.some((e) => e.Event === "LocalBridge" && e.LocalOneChannel.startsWith("Local/6003@phones-")));
    assert.equal(phones.status("6003")?.state, "ringing");
    assert.throws(() => phones.hangUp("6002"), /only the captured path/);
    assert.throws(() => phones.reject("6003"), /only the captured path/);
    phones.answer("6003");
    phones.hangUp("6002");
    await sleep(20);
    assert.ok(s.events().some((e) => e.Event === "AttendedTransfer" && e.DestType === "Bridge"));
    assert.equal(phones.status("6002"), undefined);
    assert.equal(phones.status("6001")?.state, "up");
    phones.hangUp("6001");
    await sleep(20);
    assert.equal(phones.status("6003"), undefined);
    assert.equal(s.events().filter((e) => e.Event === "Hangup").length, 5);
  });

  it("an unknown number from a phone ends at once (cause 1), and an unknown phone is an error", async () => {
    pbx = await startPbx({ sip: true, timeScale: 0.05 });
    const s = await login(pbx);
    socket = s.socket;
    pbx.phones?.dial("6001", "999");
    await sleep(30);
    const hangup = s.events().find((e) => e.Event === "Hangup");
    assert.equal(hangup?.Cause, "1");
    assert.throws(() => pbx?.phones?.dial("6009", "6001"), /no PJSIP endpoint 6009/);
    assert.throws(() => pbx?.phones?.blindTransfer("6002", "6003"), /phone 6002 has no call/);
  });
});
