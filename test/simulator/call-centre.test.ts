import { strict as assert } from "node:assert";
import { startPbx, SimulatedPbx, CallCentreApi } from "../../simulator";
import { arrivalPlan } from "../../simulator/call-centre-traffic";
import { seededRandom } from "../../simulator/traffic";
import { AmiTap, header, Message } from "./ami-tap";

/**
 * The call centre (startPbx({ callCentre })): its test API makes the situations of a call centre
 * happen, and an AMI client sees app_queue's events for them in order with consistent values.
 * Dialplan seconds run at 1/50: a member rings 100 ms (timeout 5 s), the retry is 100 ms.
 */
const SCALE = 0.02;
const SALES = ["Local/2001@agents", "Local/2002@agents", "Local/2003@agents", "Local/2004@agents"];

const names = (ms: Message[]): string[] => ms.map((m) => header(m, "Event") ?? "");
/** The queue events about one caller, in the order the client received them. */
const about = (tap: AmiTap, uniqueid: string): Message[] => tap.events().filter((m) => /^(Queue|Agent)/.test(header(m, "Event") ?? "") && header(m, "Uniqueid") === uniqueid);

describe("simulated PBX: the call centre", function () {
  this.timeout(30000);
  let pbx: SimulatedPbx | undefined;
  let tap: AmiTap | undefined;
  let cc: CallCentreApi;

  async function start(callCentre: Parameters<typeof startPbx>[0] = {}): Promise<void> {
    pbx = await startPbx({ timeScale: SCALE, callCentre: { traffic: false }, ...callCentre });
    tap = await AmiTap.open(pbx.port);
    cc = pbx.callCentre as CallCentreApi;
  }

  afterEach(async () => {
    tap?.close();
    await pbx?.close();
    pbx = tap = undefined;
  });

  it("a call answered after two members let it ring: AgentCalled, AgentRingNoAnswer, ..., QueueCallerLeave, AgentConnect, AgentComplete; CallsTaken and Completed go up", async () => {
    await start();
    const c = await cc.join("sales", { callerIdNum: "+4930111222", callerIdName: "Lena Hoffmann" });
    assert.equal(c.position, 1);
    // rrmemory: 2001 rings first, then 2002, then 2003 (who answers).
    const connect = await cc.answer(c.uniqueid, SALES[2]);
    assert.equal(connect.Interface, SALES[2]);
    await cc.hangUp(c.uniqueid, "agent");
    await tap!.sync();
    const seen = about(tap!, c.uniqueid);
    assert.deepEqual(names(seen), [
      "QueueCallerJoin", "AgentCalled", "AgentRingNoAnswer", "AgentCalled", "AgentRingNoAnswer", "AgentCalled",
      "QueueCallerLeave", "AgentConnect", "AgentComplete",
    ]);
    assert.deepEqual(seen.filter((m) => header(m, "Event") === "AgentCalled").map((m) => header(m, "Interface")), SALES.slice(0, 3));
    const [join, , rna] = seen;
    assert.equal(header(join, "CallerIDName"), "Lena Hoffmann");
    assert.deepEqual([header(join, "Position"), header(join, "Count")], ["1", "1"]);
    assert.ok(Number(header(rna, "RingTime")) > 0, "RingTime of the unanswered ring");
    const leave = seen[6];
    assert.deepEqual([header(leave, "Position"), header(leave, "Count")], ["1", "0"]);
    const complete = seen[8];
    assert.equal(header(complete, "Reason"), "agent");
    assert.equal(header(complete, "HoldTime"), header(seen[7], "HoldTime"), "AgentComplete repeats AgentConnect's HoldTime");
    assert.ok(Number(header(complete, "HoldTime")) >= 10, `two 5 s rings and a retry before the answer: HoldTime ${header(complete, "HoldTime")}`);
    // The member's status after the call: idle, CallsTaken 1, LastCall set, InCall 0; in QueueStatus too.
    const status = await tap!.event("QueueMemberStatus", { Interface: SALES[2], CallsTaken: "1" });
    assert.deepEqual([header(status, "Status"), header(status, "InCall")], ["1", "0"]);
    assert.ok(Number(header(status, "LastCall")) > 0);
    await tap!.send({ Action: "QueueStatus", Queue: "sales" });
    const params = await tap!.until((m) => header(m, "Event") === "QueueParams" && header(m, "Queue") === "sales");
    assert.deepEqual([header(params, "Completed"), header(params, "Abandoned"), header(params, "Calls")], ["1", "0", "0"]);
    const item = await tap!.until((m) => header(m, "Event") === "QueueMember" && header(m, "Location") === SALES[2]);
    assert.equal(header(item, "CallsTaken"), "1");
  });

  it("callers queue up by position; one abandons from position 2 and the one behind moves up; the caller who hangs up ends as 'caller'", async () => {
    await start();
    // No member free, so the callers stay (every sales agent paused: a break).
    for (const iface of SALES) cc.pause("sales", iface, "break");
    const callers = [];
    for (const n of ["1", "2", "3"]) callers.push(await cc.join("sales", { callerIdNum: `+49301000${n}`, callerIdName: `Caller ${n}` }));
    assert.deepEqual(callers.map((c) => c.position), [1, 2, 3]);
    await tap!.sync();
    const joins = tap!.events("QueueCallerJoin");
    assert.deepEqual(joins.map((m) => [header(m, "Position"), header(m, "Count")]), [["1", "1"], ["2", "2"], ["3", "3"]]);
    const abandon = await cc.abandon(callers[1].uniqueid);
    assert.deepEqual([abandon.Position, abandon.OriginalPosition], ["2", "2"]);
    const leave = await tap!.event("QueueCallerLeave", { Uniqueid: callers[1].uniqueid });
    assert.deepEqual([header(leave, "Position"), header(leave, "Count")], ["2", "2"]);
    await tap!.sync();
    assert.deepEqual(names(about(tap!, callers[1].uniqueid)), ["QueueCallerJoin", "QueueCallerAbandon", "QueueCallerLeave"]);
    await tap!.send({ Action: "QueueStatus", Queue: "sales" });
    await tap!.until((m) => header(m, "Event") === "QueueStatusComplete");
    const entries = tap!.messages.filter((m) => header(m, "Event") === "QueueEntry");
    assert.deepEqual(entries.map((m) => [header(m, "Uniqueid"), header(m, "Position")]), [[callers[0].uniqueid, "1"], [callers[2].uniqueid, "2"]]);
    // An agent back from the break answers the first; the caller hangs up.
    cc.unpause("sales", SALES[3]);
    await cc.answer(callers[0].uniqueid, SALES[3]);
    await cc.hangUp(callers[0].uniqueid, "caller");
    const complete = await tap!.event("AgentComplete", { Uniqueid: callers[0].uniqueid });
    assert.equal(header(complete, "Reason"), "caller");
  });

  it("a caller nobody answers leaves when the queue's max wait is over: QueueCallerLeave without QueueCallerAbandon", async () => {
    await start({ timeScale: 0.005 });
    const c = await cc.join("support", { callerIdNum: "+4930999", callerIdName: "Patient" });
    const leave = await tap!.event("QueueCallerLeave", { Uniqueid: c.uniqueid }, 10000);
    await tap!.sync();
    assert.equal(header(leave, "Count"), "0");
    const seen = names(about(tap!, c.uniqueid));
    assert.ok(!seen.includes("QueueCallerAbandon"), seen.join(" "));
    // ringall: the six support agents ring together, and none answers.
    const firstRound = tap!.events("AgentCalled").filter((m) => header(m, "Uniqueid") === c.uniqueid).slice(0, 6);
    assert.equal(new Set(firstRound.map((m) => header(m, "Interface"))).size, 6);
    assert.ok(seen.includes("AgentRingNoAnswer"));
  });

  it("agents log in and out and pause with a reason over AMI, answered as Asterisk answers; a paused agent is not rung", async () => {
    await start();
    for (const iface of SALES) cc.logout("sales", iface);
    const added = await tap!.send({ Action: "QueueAdd", Queue: "sales", Interface: "Local/2009@agents", MemberName: "New Agent", Paused: "true", Reason: "training" });
    assert.deepEqual([header(added, "Response"), header(added, "Message")], ["Success", "Added interface to queue"]);
    const ev = await tap!.event("QueueMemberAdded", { Interface: "Local/2009@agents" });
    assert.deepEqual([header(ev, "Membership"), header(ev, "Paused"), header(ev, "PausedReason"), header(ev, "MemberName")], ["dynamic", "1", "training", "New Agent"]);
    const again = await tap!.send({ Action: "QueueAdd", Queue: "sales", Interface: "Local/2009@agents" });
    assert.deepEqual([header(again, "Response"), header(again, "Message")], ["Error", "Unable to add interface: Already there"]);

    const c = await cc.join("sales", { callerIdNum: "+4930777", callerIdName: "Waiting" });
    await new Promise((r) => setTimeout(r, 300)); // 15 dialplan seconds: several rechecks
    await tap!.sync();
    assert.equal(tap!.events("AgentCalled").length, 0, "the only member is paused: nobody rings");
    const unpaused = await tap!.send({ Action: "QueuePause", Queue: "sales", Interface: "Local/2009@agents", Paused: "false" });
    assert.equal(header(unpaused, "Message"), "Interface unpaused successfully");
    await tap!.event("AgentCalled", { Uniqueid: c.uniqueid, Interface: "Local/2009@agents" });
    await cc.abandon(c.uniqueid);

    const paused = await tap!.send({ Action: "QueuePause", Queue: "sales", Interface: "Local/2009@agents", Paused: "true", Reason: "lunch" });
    assert.equal(header(paused, "Message"), "Interface paused successfully");
    const pause = await tap!.event("QueueMemberPause", { Interface: "Local/2009@agents", Paused: "1" });
    assert.equal(header(pause, "PausedReason"), "lunch");
    const removed = await tap!.send({ Action: "QueueRemove", Queue: "sales", Interface: "Local/2009@agents" });
    assert.equal(header(removed, "Message"), "Removed interface from queue");
    await tap!.event("QueueMemberRemoved", { Interface: "Local/2009@agents" });
    const gone = await tap!.send({ Action: "QueueRemove", Queue: "sales", Interface: "Local/2009@agents" });
    assert.equal(header(gone, "Message"), "Unable to remove interface: Not there");
    assert.throws(() => cc.logout("sales", "Local/2009@agents"), /Not there/);
    assert.throws(() => cc.login("nosuch", "Local/1@agents"), /No such queue/);
    await assert.rejects(cc.join("nosuch"), /no such queue/);
  });

  it("closing the PBX rejects what a test still waits for, with a clear message", async () => {
    await start();
    const waiting = cc.waitFor("QueueCallerJoin", { Queue: "nowhere" });
    await pbx!.close();
    await assert.rejects(waiting, /the simulated PBX closed/);
  });

  it("seeded traffic: the same seed gives the same arrivals, with a peak every minute or so", () => {
    const take = (seed: number, n: number) => {
      const plan = arrivalPlan(seededRandom(seed));
      return Array.from({ length: n }, () => plan.next().value);
    };
    const a = take(42, 80);
    assert.deepEqual(take(42, 80), a);
    assert.notDeepEqual(take(43, 80), a);
    assert.ok(a.every((x, i) => i === 0 || x.atMs >= a[i - 1].atMs), "in time order");
    // Peaks: within the first five minutes, at least four bursts of four or more callers.
    const bursts = new Set(a.filter((x) => x.burst && x.atMs < 300000).map((x) => Math.round(x.atMs / 30000)));
    assert.ok(bursts.size >= 4, `burst windows: ${[...bursts].join(",")}`);
    assert.ok(a.some((x) => x.queue === "sales") && a.some((x) => x.queue === "support"));
  });

  it("with traffic the numbers move within seconds (callers join, are answered, complete; agents pause), and the same seed brings the same callers", async () => {
    const joined = async (): Promise<string[]> => {
      await start({ timeScale: 0.01, callCentre: { seed: 5 } });
      await tap!.until(() => tap!.events("AgentComplete").length >= 3 && tap!.events("QueueMemberPause").length >= 1, 15000, "completed calls and a pause");
      const calls = tap!.events("QueueCallerJoin").slice(0, 8).map((m) => `${header(m, "Queue")} ${header(m, "CallerIDNum")} ${header(m, "CallerIDName")}`);
      assert.ok(tap!.events("AgentConnect").length >= 3);
      tap!.close();
      await pbx!.close();
      pbx = tap = undefined;
      return calls;
    };
    const first = await joined();
    assert.equal(first.length, 8);
    assert.deepEqual(await joined(), first);
  });
});
