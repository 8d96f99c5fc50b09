import { CALL_EVENTS, CallTracker } from "../src/ami/calls";
import { AmiMessage } from "../src/ami/message";
import { AmiFramer } from "../src/ami/framer";
import { parseFrame } from "../src/ami/frame-decoder";

/**
 * Call tracking cost: memory per live call with 10,000 concurrent calls, and CPU per event during
 * a flood of complete call lifecycles, on an empty tracker and on one holding the 10,000 live
 * calls — against parsing the same events alone, in the same run. Run with --expose-gc (npm run
 * bench does).
 */
const CONCURRENT = Number(process.env.BENCH_CALLS ?? 10_000);
const FLOOD_CALLS = Number(process.env.BENCH_FLOOD_CALLS ?? 20_000);

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** The events of one inbound call: trunk leg, one phone dialled, answered, both hung up. */
function callEvents(i: number, answered: boolean): string[] {
  const lid = `1795660000.${i * 2}`;
  const callee = `1795660000.${i * 2 + 1}`;
  const base = (ev: string, chan: string, uid: string, state: string, extra = "") =>
    `Event: ${ev}\r\nPrivilege: call,all\r\nChannel: ${chan}\r\nChannelState: 6\r\nChannelStateDesc: ${state}\r\nCallerIDNum: 030${1000000 + i}\r\nCallerIDName: Customer ${i}\r\nConnectedLineNum: <unknown>\r\nConnectedLineName: <unknown>\r\nLanguage: en\r\nAccountCode: \r\nContext: from-pstn\r\nExten: 6001\r\nPriority: 1\r\nUniqueid: ${uid}\r\nLinkedid: ${lid}\r\n${extra}\r\n`;
  const dest = `DestChannel: PJSIP/6001-${i}\r\nDestChannelState: 5\r\nDestChannelStateDesc: Ringing\r\nDestUniqueid: ${callee}\r\nDestLinkedid: ${lid}\r\n`;
  const trunk = `PJSIP/trunk-${i}`;
  const start = [
    base("Newchannel", trunk, lid, "Ring"),
    base("Newchannel", `PJSIP/6001-${i}`, callee, "Down"),
    base("DialBegin", trunk, lid, "Ring", `${dest}DialString: 6001\r\n`),
  ];
  if (!answered) return start;
  return [
    ...start,
    base("Newstate", `PJSIP/6001-${i}`, callee, "Up"),
    base("DialEnd", trunk, lid, "Ring", `${dest}DialStatus: ANSWER\r\n`),
    base("Newstate", trunk, lid, "Up"),
  ];
}

function endEvents(i: number): string[] {
  const lid = `1795660000.${i * 2}`;
  const hang = (chan: string, uid: string) => `Event: Hangup\r\nPrivilege: call,all\r\nChannel: ${chan}\r\nChannelStateDesc: Up\r\nUniqueid: ${uid}\r\nLinkedid: ${lid}\r\nCause: 16\r\nCause-txt: Normal Clearing\r\n\r\n`;
  return [hang(`PJSIP/6001-${i}`, `1795660000.${i * 2 + 1}`), hang(`PJSIP/trunk-${i}`, lid)];
}

function parseAll(text: string, each: (m: AmiMessage) => void): number {
  let n = 0;
  const framer = new AmiFramer({ onFrame: (b, s, e) => (n++, each(parseFrame(b, s, e))), onError: (e) => { throw e; } }, { banner: false });
  framer.push(Buffer.from(text));
  return n;
}

// Memory at CONCURRENT live calls.
const messages: AmiMessage[] = [];
for (let i = 0; i < CONCURRENT; i++) parseAll(callEvents(i, true).join(""), (m) => messages.push(m));
gc();
const before = process.memoryUsage().heapUsed;
const tracker = new CallTracker();
for (const m of messages) tracker.handle(m);
gc();
const after = process.memoryUsage().heapUsed;
if (tracker.size !== CONCURRENT) throw new Error(`expected ${CONCURRENT} live calls, have ${tracker.size}`);
console.log(`call tracking: ${CONCURRENT} concurrent calls hold ${((after - before) / 2 ** 20).toFixed(1)} MB, ${Math.round((after - before) / CONCURRENT)} bytes per call (2 legs, 1 dial each)`);

// CPU during a flood of whole call lifecycles: parse only vs parse + track, same events.
const flood: string[] = [];
for (let i = 0; i < FLOOD_CALLS; i++) flood.push(...callEvents(CONCURRENT + i, i % 3 !== 0), ...endEvents(CONCURRENT + i));
const text = flood.join("");
const wanted = new Set<string>(CALL_EVENTS);
/** Events/s through the parser alone, or parser + tracker (empty, or already holding the concurrent calls). */
function run(track: boolean, live = false): { eps: number; ended: number } {
  const t = new CallTracker();
  if (live) for (const m of messages) t.handle(m);
  let ended = 0;
  const started = performance.now();
  const n = parseAll(text, (m) => {
    if (track && wanted.has(m.event ?? "")) for (const u of t.handle(m)) if (u.step === "ended") ended++;
  });
  return { eps: n / ((performance.now() - started) / 1000), ended };
}
run(true); // warm-up
const parseOnly = run(false);
const tracked = run(true);
const trackedLive = run(true, true);
for (const r of [tracked, trackedLive]) if (r.ended !== FLOOD_CALLS) throw new Error(`expected ${FLOOD_CALLS} ended calls, got ${r.ended}`);
const perEvent = (r: { eps: number }): string => `${(1e6 / r.eps - 1e6 / parseOnly.eps).toFixed(2)} µs per event for tracking`;
console.log(
  `call tracking during a flood (${flood.length} events, ${FLOOD_CALLS} calls): parse only ${Math.round(parseOnly.eps)} events/s, parse + track ${Math.round(tracked.eps)} events/s (${(tracked.eps / parseOnly.eps).toFixed(2)} x parse only, ${perEvent(tracked)}); with ${CONCURRENT} calls live meanwhile ${Math.round(trackedLive.eps)} events/s (${(trackedLive.eps / parseOnly.eps).toFixed(2)} x parse only, ${perEvent(trackedLive)})`,
);
