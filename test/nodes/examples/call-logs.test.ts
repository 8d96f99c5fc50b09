import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { AmiClient } from "../../../src/ami";
import { Pbx, readExample, prepare, serverId, useExamplePbx, runOnSip, dialler, place } from "../../helpers/example-flows";
import { Msg, collect, helper, sleep, waitConnected, waitFor } from "../harness";

/**
 * Examples 04 and 10, the call logs to CSV (a line per hung-up channel, a line per call with its
 * times), on calls placed on the lab PBX and on real SIP calls played back.
 */

describe("example flows", function () {
  this.timeout(30000);
  let pbx: Pbx;
  useExamplePbx((p) => (pbx = p));

  /**
   * A CSV example's header row: written when the file is new, before any line, and not again when
   * the flow starts over on the file it wrote (a restart or a redeploy).
   */
  async function checkHeaderOnce(nodes: Msg[], file: string, header: string): Promise<string[]> {
    const rows = fs.readFileSync(file, "utf8").trim().split("\n");
    assert.equal(rows[0], header, "the first row names the columns");
    assert.equal(rows.filter((r) => r === header).length, 1);
    await helper.unload();
    const { flow, creds, modules } = prepare(nodes, pbx, (n) => {
      if (n.type === "file" || n.type === "file in") n.filename = file;
    });
    await helper.load(modules, flow, creds);
    await sleep(500); // past the start inject (0.1 s) and the read of the existing file
    const again = fs.readFileSync(file, "utf8").trim().split("\n");
    assert.deepEqual(again, rows, "started again on its own file: no second header");
    return rows.slice(1);
  }

  it("04 call log: a real call's Hangup events become CSV lines in the file, after a header row", async () => {
    const nodes = readExample("04 - call log to CSV.json");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ami-calllog-"));
    const file = path.join(dir, "call-log.csv");
    const { flow, creds, modules } = prepare(nodes, pbx, (n) => {
      if (n.type === "file" || n.type === "file in") n.filename = file;
    });
    await helper.load(modules, flow, creds);
    const lines = collect("d04");
    await waitConnected(serverId(nodes));
    await sleep(300); // the header check runs 0.1 s after the start (the example's comment says so)
    const caller = new AmiClient({ host: "127.0.0.1", port: pbx.port, username: "admin", secret: "amp111", keepaliveInterval: 0 });
    caller.connect();
    try {
      await caller.send("Originate", { Channel: "Local/100@test", Application: "Wait", Data: "1", Async: "true" }, { waitForResult: true });
      await waitFor(() => lines.length >= 2, "two Hangup lines (both Local legs)", 15000);
    } finally {
      await caller.close();
    }
    await sleep(100);
    const rows = await checkHeaderOnce(nodes, file, "Linkedid,Uniqueid,Channel,CallerIDNum,CallerIDName,ConnectedLineNum,Exten,Cause,Cause-txt");
    assert.ok(rows.length >= 2, rows.join("\n"));
    for (const row of rows) {
      const cols = row.split(",");
      assert.equal(cols.length, 9, row);
      assert.match(cols[2], /^Local\/100@test-/, row);
      assert.match(cols[0], /^\d+\.\d+$/, "Linkedid first");
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("04 and 10 call logs and 08 caller-ID notification on real SIP calls: a line per channel, a line per call, the notification for the phone rung", async () => {
    const [inbound] = await runOnSip("08 - caller-ID notification for one extension.json", "sip-ringgroup-inbound", ["d08"]);
    assert.deepEqual(
      inbound.map((m) => m.payload),
      [{ extension: "6001", number: "+4930123456", name: "Outside Caller", callId: inbound[0]?.payload.callId, direction: "inbound" }],
      "the trunk's caller, after its caller-ID change, ringing 6001 in the ring group",
    );
    for (const capture of ["sip-internal-answered", "sip-queue-answered", "sip-blind-transfer"]) {
      const [notes] = await runOnSip("08 - caller-ID notification for one extension.json", capture, ["d08"]);
      assert.deepEqual(notes, [], `${capture}: 6001 makes the call, its phone does not ring`);
    }
    // 04: one CSV line per hung-up channel, after its header: the two phones of a SIP call.
    const dir04 = fs.mkdtempSync(path.join(os.tmpdir(), "ami-sip-hangups-"));
    try {
      const file = path.join(dir04, "call-log.csv");
      await runOnSip("04 - call log to CSV.json", "sip-internal-answered", [], {
        patch: (n) => {
          if (n.type === "file" || n.type === "file in") n.filename = file;
        },
        ready: () => sleep(300),
      });
      const [header, ...rows] = fs.readFileSync(file, "utf8").trim().split("\n");
      assert.equal(header, "Linkedid,Uniqueid,Channel,CallerIDNum,CallerIDName,ConnectedLineNum,Exten,Cause,Cause-txt");
      assert.deepEqual(rows.map((r) => r.split(",").map((c, i) => (i === 2 ? c.replace(/-[0-9a-f]{8}$/, "") : c)).slice(2, 9).join(",")).sort(), [
        "PJSIP/6001,6001,Alice,6002,6002,16,Normal Clearing",
        "PJSIP/6002,6002,Bob,6001,,16,Normal Clearing",
      ]);
      assert.equal(new Set(rows.map((r) => r.split(",")[0])).size, 1, "both legs carry the call's Linkedid");
    } finally {
      fs.rmSync(dir04, { recursive: true, force: true });
    }

    const expected: Record<string, string[]> = {
      // direction, callerNumber, callerName, callee, answeredBy, disposition
      "sip-internal-answered": ["internal", "6001", "Alice", "6002", "6002", "ANSWERED"],
      "sip-internal-noanswer": ["internal", "6001", "Alice", "6002", "", "NO ANSWER"],
      // A ring group: the callee is the number called (the DID the trunk delivered), the members are dials.
      "sip-ringgroup-inbound": ["inbound", "+4930123456", "Outside Caller", "4930555100", "6002", "ANSWERED"],
      // A queue: the callee is the queue's number (not "Carol was called"), Carol answered.
      "sip-queue-answered": ["internal", "6001", "Alice", "700", "6003", "ANSWERED"],
      "sip-hold-resume": ["internal", "6001", "Alice", "6002", "6002", "ANSWERED"],
      "sip-blind-transfer": ["internal", "6001", "Alice", "6002", "6002", "ANSWERED"],
      "sip-dtmf": ["internal", "6001", "Alice", "6002", "6002", "ANSWERED"],
    };
    for (const [capture, want] of Object.entries(expected)) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ami-sip-log-"));
      const file = path.join(dir, "calls.csv");
      try {
        await runOnSip("10 - call log with durations.json", capture, ["d10"], {
          patch: (n) => {
            if (n.type === "file" || n.type === "file in") n.filename = file;
          },
          ready: () => sleep(300), // the header check, 0.1 s after the start
        });
        const [header, ...rows] = fs.readFileSync(file, "utf8").trim().split("\n");
        assert.match(header, /^start,callId,/);
        assert.equal(rows.length, 1, `${capture}: one line per call\n${rows.join("\n")}`);
        const cols = rows[0].split(",");
        assert.deepEqual([cols[2], cols[3], cols[4], cols[5], cols[6], cols[7]], want, `${capture}: ${rows[0]}`);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  it("10 call log with durations: one CSV line per ended call, with disposition and times, after a header row", async () => {
    const nodes = readExample("10 - call log with durations.json");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ami-calls-log-"));
    const file = path.join(dir, "calls.csv");
    const { flow, creds, modules } = prepare(nodes, pbx, (n) => {
      if (n.type === "file" || n.type === "file in") n.filename = file;
    });
    await helper.load(modules, flow, creds);
    const lines = collect("d10");
    await waitConnected(serverId(nodes));
    await sleep(300); // the header check runs 0.1 s after the start
    const c = await dialler(pbx);
    try {
      await place(c, "Local/4930123400@from-pstn");
      await place(c, "Local/4930123402@from-pstn", { callerId: '"Nobody Home" <+4930999>' });
      await waitFor(() => lines.length === 2, "two CSV lines", 8000);
      await sleep(100);
    } finally {
      await c.close();
    }
    const rows = (await checkHeaderOnce(nodes, file, "start,callId,direction,callerNumber,callerName,callee,answeredBy,disposition,ringTime,talkTime,totalTime")).map((r) => r.split(","));
    fs.rmSync(dir, { recursive: true, force: true });
    assert.equal(rows.length, 2, "one line per call, not per channel");
    const byCaller = Object.fromEntries(rows.map((r) => [r[3], r]));
    const [start, callId, direction, , name, callee, answeredBy, disposition, ring, talk, total] = byCaller["+4930555123"];
    assert.match(start, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
    assert.match(callId, /^\d+\.\d+$/);
    // The lab's from-pstn rings 6001 and 6002 (a ring group): the callee is the number called.
    assert.deepEqual([direction, name, callee, answeredBy, disposition], ["inbound", "Lena Hoffmann", "4930123400", "6001", "ANSWERED"]);
    assert.ok(Number(talk) > 0 && Number(ring) >= 0 && Number(total) >= Number(talk), `${ring} ${talk} ${total}`);
    const missed = byCaller["+4930999"];
    assert.deepEqual([missed[5], missed[6], missed[7], missed[9]], ["6004", "", "NO ANSWER", "0"]);
  });
});
