import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The benchmark's event stream: real events of the kinds that dominate a busy PBX (Newchannel,
 * VarSet, DialBegin, Newstate, Hangup, UserEvent), taken verbatim from the Asterisk 22 captures.
 */
export const MIX = ["Newchannel", "VarSet", "DialBegin", "Newstate", "Hangup", "UserEvent"];

const CAPTURES = path.join(__dirname, "..", "..", "test", "fixtures", "captures");

export function sampleEvents(): Buffer[] {
  const samples: Buffer[] = [];
  for (const file of fs.readdirSync(CAPTURES).filter((f) => f.endsWith(".raw")).sort()) {
    const text = fs.readFileSync(path.join(CAPTURES, file), "utf8");
    for (const block of text.slice(text.indexOf("\r\n") + 2).split("\r\n\r\n")) {
      const name = /^Event: (\S+)/.exec(block)?.[1];
      if (name && MIX.includes(name)) samples.push(Buffer.from(block + "\r\n\r\n"));
    }
  }
  return samples;
}

/** count events cycling through the samples, ending with a BenchDone marker event. */
export function buildStream(count: number): { stream: Buffer; averageBytes: number } {
  const samples = sampleEvents();
  const parts: Buffer[] = [];
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const s = samples[i % samples.length];
    parts.push(s);
    bytes += s.length;
  }
  parts.push(Buffer.from("Event: BenchDone\r\nPrivilege: user,all\r\n\r\n"));
  return { stream: Buffer.concat(parts), averageBytes: bytes / count };
}
