/**
 * The captures of a real Asterisk 22 (test/fixtures/captures): a capture's lines (.jsonl), the
 * header layouts of its broadcast events and who closed each session (.txt).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const CAPTURES = join(__dirname, "..", "..", "..", "test", "fixtures", "captures");

export interface Line {
  t: number;
  s: number | string;
  dir: "open" | "in" | "out" | "close";
  data?: string;
}

export function loadCapture(name: string): Line[] {
  return readFileSync(join(CAPTURES, `${name}.jsonl`), "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Line);
}

/**
 * The header names, in order, of every broadcast event in the captures (`*.txt`; list items, which
 * carry an ActionID, left out): for each event name, each distinct layout seen.
 */
export function capturedLayouts(): Map<string, string[][]> {
  const out = new Map<string, string[][]>();
  for (const file of readdirSync(CAPTURES).filter((f) => f.endsWith(".txt")).sort()) {
    for (const block of readFileSync(join(CAPTURES, file), "utf8").split(/\n\s*\n/)) {
      const names = block.split("\n").filter((l) => l !== "" && !l.startsWith(">>>") && !l.startsWith("###")).map((l) => l.slice(0, l.indexOf(":")));
      if (names[0] !== "Event" || names.includes("ActionID")) continue;
      const event = /^Event: (\S+)/m.exec(block)?.[1] ?? "";
      const layouts = out.get(event) ?? [];
      if (!layouts.some((l) => l.join() === names.join())) layouts.push(names);
      out.set(event, layouts);
    }
  }
  return out;
}

/**
 * Who closed each session of a capture. The .jsonl records when (`dir: "close"`); the .txt timeline
 * says by whom (`### NAME: connection closed (by server)`). The .txt names its sessions (`session1`,
 * `A`, `admin`, `tls`) in the order they connected, the .jsonl numbers them in the order they opened.
 */
export function closedBy(name: string): Map<string, "server" | "client"> {
  const notes = readFileSync(join(CAPTURES, `${name}.txt`), "utf8").split("\n");
  const names: string[] = [];
  const by = new Map<string, "server" | "client">();
  for (const l of notes) {
    const connected = /^### (\S+): connected to /.exec(l);
    if (connected) names.push(connected[1]);
    const closed = /^### (\S+): connection closed \(by (server|client)\)/.exec(l);
    if (closed) by.set(closed[1], closed[2] as "server" | "client");
  }
  const opened = loadCapture(name).filter((l) => l.dir === "open").map((l) => String(l.s));
  if (opened.length !== names.length) throw new Error(`${name}: ${opened.length} sessions in .jsonl, ${names.length} in .txt`);
  return new Map(opened.map((s, i): [string, "server" | "client"] => {
    const who = by.get(names[i]);
    if (!who) throw new Error(`${name}: the .txt does not say who closed ${names[i]}`);
    return [s, who];
  }));
}
