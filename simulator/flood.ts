import { AmiSession, WRITE_TIMEOUT_MS } from "./session";

/**
 * Realistic event text for flood(): the Newchannel, VarSet, DialBegin (of a Dial(), both channels),
 * Newexten, Newstate, Hangup and UserEvent bodies of the captures, about 450 bytes on average,
 * with a running channel number.
 */
function channelBlock(n: number, half: 1 | 2, state: number, prefix = ""): string {
  const seq = n.toString(16).padStart(8, "0");
  const desc = state === 6 ? "Up" : state === 4 ? "Ring" : "Down";
  return (
    `${prefix}Channel: Local/100@test-${seq};${half}\r\n${prefix}ChannelState: ${state}\r\n${prefix}ChannelStateDesc: ${desc}\r\n` +
    `${prefix}CallerIDNum: 5551234\r\n${prefix}CallerIDName: Lab Caller\r\n${prefix}ConnectedLineNum: 5551234\r\n${prefix}ConnectedLineName: Lab Caller\r\n` +
    `${prefix}Language: en\r\n${prefix}AccountCode: \r\n${prefix}Context: test\r\n${prefix}Exten: 100\r\n${prefix}Priority: 1\r\n` +
    `${prefix}Uniqueid: ${FLOOD_UNIQUEID}${n * 2 + half - 1}\r\n${prefix}Linkedid: ${FLOOD_UNIQUEID}${n * 2}\r\n`
  );
}

/** The kinds of the flood's events in the order it writes them (TEMPLATES): event i is kind i % 7 of call floor(i / 7). */
export const FLOOD_KINDS = ["Newchannel", "VarSet", "DialBegin", "Newexten", "Newstate", "UserEvent", "Hangup"];
/** How every flood event's Uniqueid starts: call c's two channels end in 2c and 2c + 1. */
export const FLOOD_UNIQUEID = "1795663230.";

/** Which event of a flood (its index i) has this name and Uniqueid; -1 for one the flood never wrote. */
export function floodIndex(name: unknown, uniqueid: unknown): number {
  const kind = FLOOD_KINDS.indexOf(String(name));
  if (kind < 0 || typeof uniqueid !== "string" || !uniqueid.startsWith(FLOOD_UNIQUEID)) return -1;
  return FLOOD_KINDS.length * Math.floor(Number(uniqueid.slice(FLOOD_UNIQUEID.length)) / 2) + kind;
}

const TEMPLATES: Array<(n: number) => string> = [
  (n) => `Event: Newchannel\r\nPrivilege: call,all\r\n${channelBlock(n, 1, 0)}\r\n`,
  (n) => `Event: VarSet\r\nPrivilege: dialplan,all\r\n${channelBlock(n, 1, 0)}Variable: VAR1\r\nValue: one\r\n\r\n`,
  (n) => `Event: DialBegin\r\nPrivilege: call,all\r\n${channelBlock(n, 2, 4)}${channelBlock(n + 1, 1, 0, "Dest")}DialString: 100@test\r\n\r\n`,
  (n) => `Event: Newexten\r\nPrivilege: dialplan,all\r\n${channelBlock(n, 2, 6)}Extension: 100\r\nApplication: UserEvent\r\nAppData: TestEvent,Foo: bar,Num: 42\r\n\r\n`,
  (n) => `Event: Newstate\r\nPrivilege: call,all\r\n${channelBlock(n, 2, 6)}\r\n`,
  (n) => `Event: UserEvent\r\nPrivilege: user,all\r\n${channelBlock(n, 2, 6)}UserEvent: TestEvent\r\nFoo: bar\r\nNum: 42\r\n\r\n`,
  (n) => `Event: Hangup\r\nPrivilege: call,all\r\n${channelBlock(n, 1, 6)}Cause: 16\r\nCause-txt: Normal Clearing\r\n\r\n`,
];

/**
 * Writes `count` events to each session as fast as its socket drains, or, with `perSecond`, at that
 * rate: every 10 ms the events due by then, each its own write (as Asterisk writes them). Meanwhile
 * a write blocked for more than writeTimeoutMs (Asterisk's writetimeout, 100 ms by default) drops
 * the client.
 */
export async function floodEvents(sessions: AmiSession[], count: number, writeTimeoutMs = WRITE_TIMEOUT_MS, perSecond?: number): Promise<void> {
  await Promise.all(
    sessions.map(async (s) => {
      s.strictWrites = writeTimeoutMs;
      try {
        if (perSecond && perSecond > 0) await paced(s, count, perSecond);
        else {
          for (let i = 0; i < count && !s.closed; i++) {
            if (!s.writeRaw(event(i))) await s.drained();
          }
        }
      } finally {
        s.strictWrites = false;
      }
    }),
  );
}

const event = (i: number): string => TEMPLATES[i % TEMPLATES.length](Math.floor(i / TEMPLATES.length));

async function paced(s: AmiSession, count: number, perSecond: number): Promise<void> {
  const start = performance.now();
  let i = 0;
  while (i < count && !s.closed) {
    const due = Math.min(count, Math.floor(((performance.now() - start) / 1000) * perSecond) + 1);
    for (; i < due && !s.closed; i++) s.writeRaw(event(i));
    await new Promise((r) => setTimeout(r, 10));
  }
}
