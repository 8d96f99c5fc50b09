/**
 * Background traffic in the SIP lab (simulator/sip-traffic.ts): the phone API driven in an
 * office's mix, time-scaled, never a phone that is in a call, repeatable with a seed.
 */
import { strict as assert } from "node:assert";
import { connect, Socket } from "node:net";
import { startPbx, SimulatedPbx, SipPhones } from "../../simulator";
import { SipTraffic, SipPlan } from "../../simulator/sip-traffic";
import { seededRandom } from "../../simulator/traffic";
import { splitMessages } from "./normaliser";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Phones that are all idle, so each plan depends on the random draws alone. */
const idlePhones = { status: () => undefined } as unknown as SipPhones;

function plans(seed: number, n: number): SipPlan[] {
  const traffic = new SipTraffic(idlePhones, (ms) => ms, 60, seededRandom(seed));
  return Array.from({ length: n }, () => traffic.nextPlan() as SipPlan);
}

/** The phone API, checking before every call that no phone it rings or drives is in another call. */
function checked(phones: SipPhones, violations: string[]): SipPhones {
  const idle = (p: string, why: string): void => {
    if (phones.status(p) !== undefined) violations.push(`${why}: ${p} is in a call (${JSON.stringify(phones.status(p))})`);
  };
  return {
    dial(from, number) {
      idle(from, `dial ${from} -> ${number}`);
      const rung = from === "provider" ? ["6001", "6002"] : number === "700" ? ["6002", "6003"] : [number];
      for (const p of rung) idle(p, `dial ${from} -> ${number}`);
      phones.dial(from, number);
    },
    answer: (p) => phones.answer(p),
    reject: (p) => phones.reject(p),
    hangUp: (p) => phones.hangUp(p),
    hold: (p) => phones.hold(p),
    resume: (p) => phones.resume(p),
    sendDtmf(p, digits) {
      const target = /^\*2(\d{4})$/.exec(digits)?.[1];
      if (target) idle(target, `attended transfer ${p} -> ${target}`);
      phones.sendDtmf(p, digits);
    },
    blindTransfer(p, to) {
      idle(to, `blind transfer ${p} -> ${to}`);
      phones.blindTransfer(p, to);
    },
    status: (p) => phones.status(p),
  };
}

describe("simulated PBX: SIP background traffic", function () {
  this.timeout(60000);
  let pbx: SimulatedPbx | undefined;
  let socket: Socket | undefined;
  let traffic: SipTraffic | undefined;
  afterEach(async () => {
    traffic?.stop();
    socket?.destroy();
    await pbx?.close();
    pbx = undefined;
    traffic = undefined;
  });

  it("the same seed gives the same calls, another seed other calls; a deck of 20 carries the whole mix", () => {
    const a = plans(42, 40);
    assert.deepEqual(plans(42, 40), a);
    assert.notDeepEqual(plans(43, 40), a);
    const kinds = plans(1, 20).map((p) => p.kind);
    const count = (k: string): number => kinds.filter((x) => x === k).length;
    assert.equal(kinds.filter((k) => k.startsWith("inbound")).length, 11);
    assert.equal(count("queue"), 3);
    assert.equal(count("inbound-transfer") + count("attended-transfer"), 3);
    assert.equal(count("inbound-hold") + count("internal-hold"), 3);
    assert.equal(count("inbound-dtmf") + count("internal-dtmf"), 2);
    for (const p of plans(5, 60)) {
      if (p.kind.startsWith("inbound")) assert.equal(p.from, "provider");
      else assert.notEqual(p.from, p.to, JSON.stringify(p));
    }
  });

  it("time-scaled, it places trunk, phone-to-phone and queue calls with hold, DTMF and transfers, never driving a busy phone", async () => {
    const timeScale = 0.01;
    pbx = await startPbx({ sip: true, timeScale });
    socket = connect(pbx.port, "127.0.0.1");
    let stream = "";
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => (stream += d));
    socket.write("Action: Login\r\nUsername: admin\r\nSecret: amp111\r\n\r\n");
    while (pbx.loggedIn < 1) await sleep(2);
    const violations: string[] = [];
    assert.ok(pbx.phones);
    // 300 calls a minute of real time at timeScale 0.01: at most 45 s, 75 simulated minutes.
    traffic = new SipTraffic(checked(pbx.phones, violations), (ms) => ms * timeScale, 300, seededRandom(16));
    traffic.start();
    const s = traffic.stats;
    const until = Date.now() + 45_000;
    while (Date.now() < until && !(s.inbound > 2 && s.internal > 2 && s.queueAnswered > 0 && s.holds > 0 && s.dtmf > 0 && s.blindTransfers > 0 && s.attendedTransfers > 0 && s.answered > 5)) {
      await sleep(100);
    }
    traffic.stop();
    await sleep(50);
    const stats = JSON.stringify(s);
    assert.deepEqual(traffic.errors, [], stats);
    assert.deepEqual(violations, [], stats);
    assert.ok(s.inbound > 2 && s.internal > 2 && s.queueAnswered > 0 && s.answered > 5, stats);
    assert.ok(s.holds > 0 && s.dtmf > 0 && s.blindTransfers > 0 && s.attendedTransfers > 0, stats);

    const events = splitMessages(stream).messages.map((m) => Object.fromEntries(m) as Record<string, string>);
    const has = (what: string, test: (e: Record<string, string>) => boolean): void =>
      assert.ok(events.some(test), `no ${what} among ${events.length} events (${stats})`);
    has("call from the trunk", (e) => e.Event === "Newchannel" && e.Channel.startsWith("PJSIP/provider-"));
    has("call between phones", (e) => e.Event === "DialBegin" && /^PJSIP\/600\d-/.test(e.Channel) && /^PJSIP\/600\d-/.test(e.DestChannel));
    has("queue call", (e) => e.Event === "AgentConnect" && e.Queue === "sipq");
    has("Hold", (e) => e.Event === "Hold" && /^PJSIP\/600\d-/.test(e.Channel));
    has("Unhold", (e) => e.Event === "Unhold");
    has("DTMF", (e) => e.Event === "DTMFEnd" && e.Direction === "Received");
    has("BlindTransfer", (e) => e.Event === "BlindTransfer" && e.Result === "Success");
    has("AttendedTransfer", (e) => e.Event === "AttendedTransfer");
    has("answered call", (e) => e.Event === "DialEnd" && e.DialStatus === "ANSWER");
    has("call ended", (e) => e.Event === "Hangup" && e.Cause === "16");
  });

  it("startPbx({ sip: true, traffic }) drives the SIP phones (not Local channels), and close() stops it", async () => {
    pbx = await startPbx({ sip: true, timeScale: 0.02, traffic: { callsPerMinute: 600, seed: 3 } });
    socket = connect(pbx.port, "127.0.0.1");
    let stream = "";
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => (stream += d));
    socket.write("Action: Login\r\nUsername: admin\r\nSecret: amp111\r\n\r\n");
    const until = Date.now() + 10_000;
    const channels = (): string[] => splitMessages(stream).messages.map((m) => Object.fromEntries(m) as Record<string, string>).filter((e) => e.Event === "Newchannel").map((e) => e.Channel);
    while (channels().length < 6 && Date.now() < until) await sleep(50);
    assert.ok(channels().length >= 6, channels().join(" "));
    assert.ok(channels().every((c) => c.startsWith("PJSIP/") || c.startsWith("Local/600")), channels().join(" "));
    await pbx.close();
    pbx = undefined;
  });
});
