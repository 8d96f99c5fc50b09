import { AmiMessage } from "../src/ami/message";
import { AmiFramer } from "../src/ami/framer";
import { parseFrame } from "../src/ami/frame-decoder";
import { QUEUE_EVENTS, QueueTracker } from "../src/ami/queues";

/**
 * Queue tracking cost (issue 17 item 5): memory per member and per waiting caller with 50 queues of
 * 50 members and 500 callers waiting, and CPU per event during a flood of queue calls (a realistic
 * mix: joins, agents rung, member states, answers, completions, abandons, pauses) through a tracker
 * holding all of that, against parsing the same events alone, in the same run. Also with what an
 * "ami queues" node adds: the queue's view after each change. Run with --expose-gc (npm run bench
 * does). BENCH_QUEUE_CALLS (else BENCH_FLOOD_CALLS, as CI sets it) sets the flood's size.
 */
const QUEUES = 50;
const MEMBERS = 50;
const CALLERS = 500;
const FLOOD_CALLS = Number(process.env.BENCH_QUEUE_CALLS ?? process.env.BENCH_FLOOD_CALLS ?? 20_000);

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

const queueName = (q: number) => `queue-${q}`;
const iface = (q: number, m: number) => `PJSIP/${1000 + q * MEMBERS + m}`;

function frame(fields: Array<[string, string | number]>): string {
  return fields.map(([k, v]) => `${k}: ${v}\r\n`).join("") + "\r\n";
}

/** A member's headers as app_queue's QueueMember* events carry them (queue-member-events capture). */
function member(event: string, q: number, m: number, status: number, extra: Array<[string, string | number]> = []): string {
  return frame([
    ["Event", event], ["Privilege", "agent,all"], ["Queue", queueName(q)], ["MemberName", `Agent ${q}-${m}`], ["Interface", iface(q, m)],
    ["StateInterface", iface(q, m)], ["Membership", "static"], ["Penalty", 0], ["CallsTaken", 3], ["LastCall", 1796549277], ["LastPause", 0],
    ["LoginTime", 1796540000], ["InCall", status === 2 ? 1 : 0], ["Status", status], ["Paused", 0], ["PausedReason", ""], ["Ringinuse", 0], ["Wrapuptime", 0],
    ...extra,
  ]);
}

/** A caller's channel headers, and an agent's as Dest* (AgentCalled, AgentConnect ...). */
function caller(event: string, q: number, id: string, extra: Array<[string, string | number]>): string {
  return frame([
    ["Event", event], ["Privilege", "agent,all"], ["Channel", `PJSIP/trunk-${id}`], ["ChannelState", 6], ["ChannelStateDesc", "Up"], ["CallerIDNum", `+4930${id}`],
    ["CallerIDName", `Customer ${id}`], ["ConnectedLineNum", "<unknown>"], ["ConnectedLineName", "<unknown>"], ["Language", "en"], ["AccountCode", ""],
    ["Context", "from-pstn"], ["Exten", "700"], ["Priority", 3], ["Uniqueid", `1796549447.${id}`], ["Linkedid", `1796549447.${id}`], ["Queue", queueName(q)],
    ...extra,
  ]);
}

function agent(event: string, q: number, m: number, id: string, extra: Array<[string, string | number]> = []): string {
  return caller(event, q, id, [
    ["DestChannel", `${iface(q, m)}-${id}`], ["DestChannelState", 6], ["DestChannelStateDesc", "Up"], ["DestUniqueid", `1796549447.${id}b`],
    ["DestLinkedid", `1796549447.${id}`], ["MemberName", `Agent ${q}-${m}`], ["Interface", iface(q, m)], ...extra,
  ]);
}

/** One call through a queue: answered (most) or abandoned (one in five); one in ten ends with a pause. */
function queueCall(i: number): string[] {
  const q = i % QUEUES;
  const m = (i * 7) % MEMBERS;
  const id = `c${i}`;
  const rung = [caller("QueueCallerJoin", q, id, [["Position", 11], ["Count", 11]]), agent("AgentCalled", q, m, id), member("QueueMemberStatus", q, m, 6)];
  if (i % 5 === 0) {
    return [...rung, agent("AgentRingNoAnswer", q, m, id, [["RingTime", 15]]), member("QueueMemberStatus", q, m, 1), caller("QueueCallerAbandon", q, id, [["Position", 11], ["OriginalPosition", 11], ["HoldTime", 40]]), caller("QueueCallerLeave", q, id, [["Count", 10], ["Position", 11]])];
  }
  const call = [
    ...rung,
    member("QueueMemberStatus", q, m, 2),
    caller("QueueCallerLeave", q, id, [["Count", 10], ["Position", 11]]),
    agent("AgentConnect", q, m, id, [["HoldTime", i % 60], ["RingTime", 3]]),
    agent("AgentComplete", q, m, id, [["HoldTime", i % 60], ["TalkTime", 120], ["Reason", "caller"]]),
    member("QueueMemberStatus", q, m, 1),
  ];
  if (i % 10 === 1) call.push(member("QueueMemberPause", q, m, 1, [["Paused", 1], ["PausedReason", "wrap-up"]]), member("QueueMemberPause", q, m, 1));
  return call;
}

function parseAll(text: string, each: (m: AmiMessage) => void): number {
  let n = 0;
  const framer = new AmiFramer({ onFrame: (b, s, e) => (n++, each(parseFrame(b, s, e))), onError: (e) => { throw e; } }, { banner: false });
  framer.push(Buffer.from(text));
  return n;
}

function parsed(frames: string[]): AmiMessage[] {
  const out: AmiMessage[] = [];
  parseAll(frames.join(""), (m) => out.push(m));
  return out;
}

// The QueueStatus a tracker is seeded with: 50 queues of 50 members; then 500 callers join.
const statusItems: string[] = [];
for (let q = 0; q < QUEUES; q++) {
  statusItems.push(frame([["Event", "QueueParams"], ["Queue", queueName(q)], ["Max", 0], ["Strategy", "rrmemory"], ["ServiceLevel", 30]]));
  for (let m = 0; m < MEMBERS; m++) statusItems.push(member("QueueMember", q, m, 1).replace("MemberName:", "Name:").replace("Interface:", "Location:"));
}
const seedItems = parsed(statusItems);
const joinFrames = Array.from({ length: CALLERS }, (_x, i) => caller("QueueCallerJoin", i % QUEUES, `w${i}`, [["Position", Math.floor(i / QUEUES) + 1], ["Count", 10]]));
const joins = parsed(joinFrames);

/** A tracker with 50 x 50 members and 500 callers waiting. */
function loaded(): QueueTracker {
  const t = new QueueTracker();
  t.seed(seedItems);
  for (const j of joins) t.handle(j);
  return t;
}

// Memory: the members, then the callers, over several trackers (one is too small to measure).
const TRACKERS = 10;
gc();
const h0 = process.memoryUsage().heapUsed;
// Each tracker reads events parsed for it alone, so the strings it keeps are counted as its own.
const trackers = Array.from({ length: TRACKERS }, () => {
  const t = new QueueTracker();
  t.seed(parsed(statusItems));
  return t;
});
gc();
const h1 = process.memoryUsage().heapUsed;
for (const t of trackers) for (const j of parsed(joinFrames)) t.handle(j);
gc();
const h2 = process.memoryUsage().heapUsed;
const waiting = trackers[0].snapshot().reduce((n, v) => n + v.waiting, 0);
if (waiting !== CALLERS || trackers[0].size !== QUEUES) throw new Error(`expected ${QUEUES} queues and ${CALLERS} callers, have ${trackers[0].size} and ${waiting}`);
console.log(
  `queue tracking: ${QUEUES} queues x ${MEMBERS} members hold ${((h1 - h0) / TRACKERS / 2 ** 20).toFixed(2)} MB (${Math.round((h1 - h0) / TRACKERS / (QUEUES * MEMBERS))} bytes per member, queues included); ${CALLERS} callers waiting ${Math.round((h2 - h1) / TRACKERS / CALLERS)} bytes per caller`,
);

// CPU: the same flood parsed only, and parsed + tracked by a loaded tracker (+ the node's view per change).
const flood: string[] = [];
for (let i = 0; i < FLOOD_CALLS; i++) flood.push(...queueCall(i));
const text = flood.join("");
const wanted = new Set<string>(QUEUE_EVENTS);
function run(mode: "parse" | "track" | "view"): { eps: number; answered: number } {
  const t = loaded();
  let answered = 0;
  const started = performance.now();
  const n = parseAll(text, (m) => {
    if (mode === "parse" || !wanted.has(m.event ?? "")) return;
    for (const c of t.handle(m)) {
      if (c.kind === "answered") answered++;
      if (mode === "view") t.view(c.queue);
    }
  });
  return { eps: n / ((performance.now() - started) / 1000), answered };
}
run("view"); // warm-up
const parseOnly = run("parse");
const tracked = run("track");
const viewed = run("view");
const expected = FLOOD_CALLS - Math.ceil(FLOOD_CALLS / 5);
for (const r of [tracked, viewed]) if (r.answered !== expected) throw new Error(`expected ${expected} answered calls, got ${r.answered}`);
const perEvent = (r: { eps: number }): string => `${(1e6 / r.eps - 1e6 / parseOnly.eps).toFixed(2)} µs per event`;
console.log(
  `queue tracking during a flood (${flood.length} events, ${FLOOD_CALLS} calls, ${(text.length / flood.length).toFixed(0)} bytes each on average) with ${QUEUES}x${MEMBERS} members and ${CALLERS} callers waiting: parse only ${Math.round(parseOnly.eps)} events/s, parse + track ${Math.round(tracked.eps)} events/s (${(tracked.eps / parseOnly.eps).toFixed(2)} x parse only, ${perEvent(tracked)}); with the queue's view after each change, as an ami queues node makes it, ${Math.round(viewed.eps)} events/s (${(viewed.eps / parseOnly.eps).toFixed(2)} x parse only, ${perEvent(viewed)})`,
);
