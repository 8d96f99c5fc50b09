import * as assert from "node:assert/strict";
import { Pbx, readExample, prepare, serverId, useExamplePbx, runOnSip, dialler, place } from "../../helpers/example-flows";
import { Msg, collect, helper, sleep, waitConnected, waitFor } from "../harness";

/**
 * Examples 05, 08 and 09, which tell a phone about its calls: the call pop-up over a websocket, the
 * caller-ID notification and the missed-call alert, on the lab PBX and on real SIP calls played back.
 */

describe("example flows", function () {
  this.timeout(30000);
  let pbx: Pbx;
  useExamplePbx((p) => (pbx = p));

  /** Example 05 for `extension` on real SIP calls: the pop-ups a browser got. */
  async function popupsFor(capture: string, extension = "6001"): Promise<Msg[]> {
    const WebSocket = require("ws");
    const received: Msg[] = [];
    let ws: { close(): void } | undefined;
    await runOnSip("05 - call pop-up over websocket.json", capture, [], {
      // What a user changes for another phone: the condition, and the extension the pop-up names.
      patch: (n) => {
        if (n.type === "asterisk-ami-in") for (const c of n.conditions as Msg[]) {
          if (c.field === "DestChannel") c.value = `^PJSIP/${extension}-`;
          if (c.field === "Exten") c.value = extension;
        }
        if (n.type === "change") for (const r of n.rules as Msg[]) r.to = String(r.to).replace('"extension": "6001"', `"extension": "${extension}"`);
      },
      ready: async () => {
        const socket = new WebSocket(helper.url().replace(/^http/, "ws") + "/ws/asterisk-callpop");
        ws = socket;
        socket.on("message", (data: Buffer) => received.push(JSON.parse(String(data))));
        await new Promise((resolve, reject) => {
          socket.once("open", resolve);
          socket.once("error", reject);
        });
      },
      done: () => ws?.close(),
    });
    return received;
  }

  it("05 call pop-up on real SIP calls: one pop-up, with the caller, when the phone rings; none for the calls it makes", async () => {
    // sip-internal-answered: Alice (6001) calls Bob (6002). Bob's phone pops up once (the example
    // used to pop twice: from Alice's own Newchannel for exten 6002, and from the DialBegin).
    const bob = await popupsFor("sip-internal-answered", "6002");
    assert.deepEqual(bob.map((p) => [p.event, p.callerNum, p.callerName, p.extension]), [["DialBegin", "6001", "Alice", "6002"]]);
    assert.match(bob[0].channel, /^PJSIP\/6002-/);
    assert.equal(bob[0].server, "PBX");
    assert.deepEqual(await popupsFor("sip-internal-answered"), [], "Alice made the call: no pop-up for 6001");
    // sip-ringgroup-inbound: the provider's caller rings 6001 and 6002.
    const inbound = await popupsFor("sip-ringgroup-inbound");
    assert.deepEqual(inbound.map((p) => [p.callerNum, p.callerName]), [["+4930123456", "Outside Caller"]]);
    assert.deepEqual(await popupsFor("sip-queue-answered"), [], "6001 called the queue");
  });

  it("08 caller-ID notification: one message when 6001 rings, none for 6002 in the same ring group", async () => {
    const nodes = readExample("08 - caller-ID notification for one extension.json");
    const { flow, creds, modules } = prepare(nodes, pbx);
    await helper.load(modules, flow, creds);
    const [notes, steps] = [collect("d08"), collect("v08")];
    await waitConnected(serverId(nodes));
    const c = await dialler(pbx);
    try {
      await place(c, "Local/4930123400@from-pstn");
      await waitFor(() => notes.length === 1, "the notification");
      await sleep(300);
    } finally {
      await c.close();
    }
    assert.equal(steps.length, 1, "the calls node let only 6001's ringing through");
    assert.deepEqual(notes[0].payload, { extension: "6001", number: "+4930555123", name: "Lena Hoffmann", callId: notes[0].payload.callId, direction: "inbound" });
    assert.equal(notes[0].topic, "Call for 6001 from Lena Hoffmann <+4930555123>");
  });

  /** Example 09 for `extension` on real SIP calls played back: the alerts it raised. */
  async function missedCallAlerts(capture: string, extension = "6001"): Promise<string[]> {
    const [alerts] = await runOnSip("09 - missed-call alert.json", capture, ["d09"], {
      // What a user changes for another phone: the extension watched, and the one the alert names.
      patch: (n) => {
        if (n.type === "asterisk-ami-calls") n.extensions = [extension];
        if (n.type === "change") for (const r of n.rules as Msg[]) r.to = String(r.to).replace("Missed call for 6001", `Missed call for ${extension}`);
      },
    });
    return alerts.map((a) => String(a.payload));
  }

  it("09 missed-call alert on real SIP calls: only calls that rang the extension, never the calls it made", async () => {
    // sip-internal-noanswer: Alice (6001) calls Bob (6002), nobody answers. Bob missed a call; Alice did not.
    assert.deepEqual(await missedCallAlerts("sip-internal-noanswer"), [], "6001 made the call");
    const bob = await missedCallAlerts("sip-internal-noanswer", "6002");
    assert.equal(bob.length, 1, bob.join("\n"));
    assert.match(bob[0], /^Missed call for 6002 from Alice <6001>: NO ANSWER, rang [\d.]+ s, at /);
    // sip-queue-answered: Alice calls queue 700, Bob and Carol ring, Carol answers: nobody missed it.
    for (const ext of ["6001", "6002", "6003"]) assert.deepEqual(await missedCallAlerts("sip-queue-answered", ext), [], ext);
    // sip-ringgroup-inbound: 6001 and 6002 ring, 6002 answers: answered by a colleague, not missed.
    assert.deepEqual(await missedCallAlerts("sip-ringgroup-inbound"), []);
  });

  it("09 missed-call alert: a caller who gives up while 6001 rings is an alert, an answered call is not", async () => {
    const nodes = readExample("09 - missed-call alert.json");
    const { flow, creds, modules } = prepare(nodes, pbx);
    await helper.load(modules, flow, creds);
    const alerts = collect("d09");
    // The switch passes its message on and the next node replaces the payload: read it as it arrives.
    const endedCalls: string[] = [];
    helper.getNode("s09").on("input", (m: Msg) => endedCalls.push(m.payload.disposition));
    await waitConnected(serverId(nodes));
    const c = await dialler(pbx);
    try {
      await place(c, "Local/4930123400@from-pstn", { callerId: '"Answered" <+4930100>' });
      await waitFor(() => endedCalls.length === 1, "the answered call to end");
      // 6001 rings 2-4 s; the caller gives up after 1 s.
      await place(c, "Local/4930123400@from-pstn", { timeoutMs: 1000 });
      await waitFor(() => endedCalls.length === 2, "the abandoned call to end");
      await sleep(100);
    } finally {
      await c.close();
    }
    assert.deepEqual(endedCalls, ["ANSWERED", "CANCELLED"]);
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0].topic, "missed call");
    assert.match(alerts[0].payload, /^Missed call for 6001 from Lena Hoffmann <\+4930555123>: CANCELLED, rang [\d.]+ s, at \d{4}-\d\d-\d\dT/);
  });
});
