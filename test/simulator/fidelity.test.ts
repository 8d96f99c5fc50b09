import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { connect as tlsConnect } from "node:tls";
import { join } from "node:path";
import { startPbx, SimulatedPbx, PbxOptions } from "../../simulator";
import { capturedLayouts } from "./captures";
import { comparable, diff, splitMessages } from "./normaliser";
import { closeDiff, replay } from "./replay";
import { AmiTap, header } from "./ami-tap";

/** Dialplan waits and client pauses both run at 1/20 of the capture's time. */
const SCALE = 0.05;

interface Scenario {
  name: string;
  /** Why this scenario needs a non-default PBX. */
  options?: PbxOptions;
  /** Extra real time after the capture's last line before comparing. */
  settleMs?: number;
  /**
   * Subjects whose events are compared by name and count only (and may be absent on one side), with
   * the reason: values Asterisk computes on another thread, or state the lab had and a fresh PBX has not.
   */
  tolerate?: Record<string, string>;
  /**
   * Why this scenario runs at the capture's own pace against the simulator's default settings
   * (authFailDelayMs included) instead of at SCALE.
   */
  realTime?: string;
  /**
   * A slower pace than SCALE, for scenarios whose dialplan timers race each other within a few
   * milliseconds at SCALE (a busy machine could swap them): [scale, why].
   */
  pace?: [number, string];
  /** Replayed over TLS (the PBX gets the test certificate). */
  tls?: boolean;
}

/** A PBX config file next to this test's source (build/test/simulator → test/simulator). */
const labConfig = (file: string): string => join(__dirname, "..", "..", "..", "test", "simulator", file);
/** The lab's dialplan when the early captures were made, before 610/620/700/800 and the hints. */
const EARLY_LAB = labConfig("early-lab.json");
/** LABGLOBAL=42, left in the lab by capture `getvar-setvar`. */
const LAB_GLOBALS = labConfig("lab-globals.json");
/** manager.conf `channelvars=LABVAR,LABVAR2`, set in the lab before capture `chanvariable`. */
const CHANNELVARS = labConfig("lab-channelvars.json");

const SCENARIOS: Scenario[] = [
  { name: "login-ok" },
  {
    name: "login-bad-secret",
    realTime: "the failed login's one second (authFailDelayMs's default) is compared with the capture's as it is, not scaled",
  },
  { name: "login-unknown-user" },
  { name: "challenge-auth" },
  { name: "challenge-auth-bad" },
  { name: "action-before-login" },
  { name: "logoff" },
  { name: "ping" },
  { name: "pipelined-actions" },
  { name: "corestatus-coresettings" },
  { name: "listcommands" },
  { name: "getconfig" },
  { name: "getvar-setvar" },
  { name: "unknown-action" },
  { name: "command-core-show-version" },
  { name: "command-multiline", options: { config: EARLY_LAB } },
  { name: "command-unknown" },
  { name: "permission-denied", options: { config: LAB_GLOBALS } },
  { name: "coreshowchannels-during-call" },
  { name: "status-during-call" },
  { name: "queue-status" },
  { name: "queue-member-events" },
  { name: "originate-async-success" },
  { name: "originate-async-failure" },
  { name: "originate-sync-success" },
  { name: "originate-sync-failure" },
  {
    name: "originate-context-exten",
    tolerate: {
      "Local/100@test":
        "device states are computed by Asterisk's devstate thread after the hangup burst: its second DeviceStateChange " +
        "says NOT_INUSE although the other Local/100 call is still up; the simulator reports INUSE then",
    },
  },
  { name: "dial-outcomes", pace: [0.2, "three Dial timeouts, ring and busy tones 50-150 ms apart at SCALE: once seen swapped under a loaded full run"] },
  { name: "presence" },
  { name: "async-agi" },
  { name: "userevent" },
  {
    name: "chanvariable",
    options: { config: CHANNELVARS },
    tolerate: {
      "Queue:supportq_avail":
        "recorded right after an Asterisk restart: app_queue announced its avail device once on first use; " +
        "the simulator only announces changes, like the lab did in every later capture",
    },
  },
  { name: "events-off" },
  { name: "filter-action" },
  { name: "filtered-user" },
  { name: "limited-user-events" },
  { name: "hangup-long-call" },
  { name: "two-sessions-events" },
  { name: "tls-login-ping", tls: true },
];

const TLS_DIR = join(__dirname, "..", "..", "..", "test", "fixtures", "tls");

describe("simulated PBX: fidelity to the captures of a real Asterisk 22.10.1", function () {
  this.timeout(30000);
  let pbx: SimulatedPbx | undefined;

  afterEach(async () => {
    await pbx?.close();
    pbx = undefined;
  });

  it("takes the storm of capture busy-burst (20 originates in one write) with the same events", async () => {
    // Twenty originate threads race on the real server: which call gets which Uniqueid and what a
    // CoreShowChannels mid-storm sees is timing. Compared: responses in order, and how many of each event.
    pbx = await startPbx({ timeScale: SCALE });
    const { streams, expected } = await replay("busy-burst", pbx.port, SCALE);
    const census = (stream: string): Record<string, number> => {
      const out: Record<string, number> = {};
      for (const m of splitMessages(stream).messages) {
        const ev = m.find(([k]) => k === "Event")?.[1];
        const key = ev ?? `Response: ${m.find(([k]) => k === "Response")?.[1]} ${m.find(([k]) => k === "Message")?.[1] ?? ""}`;
        out[key] = (out[key] ?? 0) + 1;
      }
      return out;
    };
    assert.deepEqual(census(streams.get("1") ?? ""), census(expected.get("1") ?? ""));
  });

  for (const sc of SCENARIOS) {
    it(`answers like the capture: ${sc.name}`, async () => {
      const scale = sc.realTime ? 1 : (sc.pace?.[0] ?? SCALE);
      pbx = await startPbx({
        ...(sc.realTime ? {} : { timeScale: scale, authFailDelayMs: 1000 * scale }),
        ...(sc.tls ? { tls: { key: readFileSync(join(TLS_DIR, "server.key")), cert: readFileSync(join(TLS_DIR, "server.crt")) } } : {}),
        ...sc.options,
      });
      const tlsPort = pbx.tlsPort;
      const open = sc.tls ? () => tlsConnect({ port: tlsPort ?? 0, host: "127.0.0.1", rejectUnauthorized: false }) : undefined;
      const result = await replay(sc.name, pbx.port, scale, sc.settleMs, open);
      const problems: string[] = [];
      for (const [session, want] of result.expected) {
        problems.push(...diff(comparable(want), comparable(result.streams.get(session) ?? ""), `session ${session}:`, sc.tolerate));
      }
      // Who closed the connection, after which message, and how long after the client's last action.
      problems.push(...closeDiff(result));
      assert.equal(problems.length, 0, `\n${problems.join("\n\n")}`);
    });
  }
});

/** ami-facts.json of the same Asterisk build (a copy ships with the package for the editor's catalog). */
const FACTS = join(__dirname, "..", "..", "..", "nodes", "catalog", "ami-facts.json");

/**
 * The app_queue events of a call centre's situations (simulator/call-centre.ts): each must carry
 * the header names of the captures in their order where a capture holds the event, and otherwise
 * exactly the field set ami-facts.json gives for it (Event and Privilege added). AgentDump is not in
 * the list: app_queue sends it when a member hangs up during the member announcement, which the lab
 * has none of.
 */
const QUEUE_EVENTS = [
  "QueueCallerJoin", "QueueCallerLeave", "QueueCallerAbandon", "QueueMemberAdded", "QueueMemberRemoved", "QueueMemberPause",
  "QueueMemberStatus", "AgentCalled", "AgentConnect", "AgentComplete", "AgentRingNoAnswer",
];

describe("simulated PBX: app_queue events in the layout of the captures, else of ami-facts", function () {
  this.timeout(30000);

  it("every queue event of a call centre's calls, logins, pauses and logouts", async () => {
    const pbx = await startPbx({ timeScale: 0.01, callCentre: { traffic: false } });
    const tap = await AmiTap.open(pbx.port);
    try {
      const cc = pbx.callCentre!;
      await tap.send({ Action: "QueueAdd", Queue: "sales", Interface: "Local/2009@agents", MemberName: "New Agent" });
      await tap.send({ Action: "QueuePause", Queue: "sales", Interface: "Local/2009@agents", Paused: "true", Reason: "lunch" });
      await tap.send({ Action: "QueueRemove", Queue: "sales", Interface: "Local/2009@agents" });
      const answered = await cc.join("sales", { callerIdNum: "+4930111", callerIdName: "Answered" });
      await cc.answer(answered.uniqueid, "Local/2002@agents"); // 2001 rings first and lets it ring
      await cc.hangUp(answered.uniqueid, "caller");
      const abandoned = await cc.join("support", { callerIdNum: "+4930222", callerIdName: "Abandoned" });
      await cc.abandon(abandoned.uniqueid);
      await tap.sync();

      const facts = JSON.parse(readFileSync(FACTS, "utf8")) as { events: Record<string, { fields: string[] }> };
      const captured = capturedLayouts();
      const problems: string[] = [];
      const seen = new Set<string>();
      for (const m of tap.events()) {
        const name = header(m, "Event") ?? "";
        if (!/^(Queue|Agent)/.test(name) || seen.has(name)) continue;
        seen.add(name);
        const layout = m.map(([k]) => k);
        const layouts = captured.get(name);
        if (layouts) {
          if (!layouts.some((l) => l.join() === layout.join())) problems.push(`${name}: ${layout.join(",")}\n  captured: ${layouts.map((l) => l.join(",")).join("\n  or ")}`);
          continue;
        }
        const want = facts.events[name]?.fields;
        if (!want) problems.push(`${name}: neither captured nor in ami-facts`);
        else if ([...layout].sort().join() !== ["Event", "Privilege", ...want].sort().join()) problems.push(`${name}: ${layout.join(",")}\n  ami-facts: ${want.join(",")}`);
      }
      assert.deepEqual(QUEUE_EVENTS.filter((n) => !seen.has(n)), [], "every queue event of these situations was sent");
      assert.equal(problems.length, 0, `\n${problems.join("\n")}`);
    } finally {
      tap.close();
      await pbx.close();
    }
  });
});
