import * as fs from "node:fs";
import * as path from "node:path";
import { AmiFramer } from "../../src/ami/framer";
import { parseFrame } from "../../src/ami/frame-decoder";
import type { AmiMessage } from "../../src/ami/message";

/** The real-Asterisk transcripts copied into the repo (test/fixtures/captures). */
export const CAPTURES_DIR = path.join(__dirname, "..", "..", "..", "test", "fixtures", "captures");

export function captureNames(): string[] {
  return fs
    .readdirSync(CAPTURES_DIR)
    .filter((f) => f.endsWith(".raw"))
    .map((f) => f.slice(0, -4))
    .sort();
}

export function readRaw(name: string): Buffer {
  return fs.readFileSync(path.join(CAPTURES_DIR, `${name}.raw`));
}

export interface CaptureRecord {
  t: number;
  s: number;
  dir: "open" | "in" | "out" | "close";
  data?: string;
}

export function readJsonl(name: string): CaptureRecord[] {
  return fs
    .readFileSync(path.join(CAPTURES_DIR, `${name}.jsonl`), "utf8")
    .split("\n")
    .filter((l) => l.trim().length > 0)
    .map((l) => JSON.parse(l) as CaptureRecord);
}

/** The messages session 1 of a capture received, with the time (ms since the scenario began) each arrived at. */
export function timedMessages(name: string): Array<{ t: number; msg: AmiMessage }> {
  const out: Array<{ t: number; msg: AmiMessage }> = [];
  let t = 0;
  const framer = new AmiFramer({
    onFrame: (b, s, e) => out.push({ t, msg: parseFrame(b, s, e) }),
    onError: (e) => {
      throw e;
    },
  });
  for (const rec of readJsonl(name)) {
    if (rec.dir !== "in" || rec.s !== 1 || rec.data === undefined) continue;
    t = rec.t;
    framer.push(Buffer.from(rec.data, "utf8"));
  }
  return out;
}

/**
 * A deliberately naive reference reading of a clean capture (strict CRLF, as Asterisk sends):
 * banner line, then blocks split on a blank line, lines split at the first ": ". Used as the
 * oracle for the streaming parser on the captures, which are all strict CRLF.
 */
export function referenceParse(raw: Buffer): { banner: string; messages: string[][] } {
  const text = raw.toString("utf8");
  const nl = text.indexOf("\r\n");
  const banner = text.slice(0, nl);
  const messages: string[][] = [];
  for (const block of text.slice(nl + 2).split("\r\n\r\n")) {
    if (block.length === 0) continue;
    const fields: string[] = [];
    for (const line of block.split("\r\n")) {
      const c = line.indexOf(":");
      fields.push(line.slice(0, c), line.slice(c + 1).replace(/^ /, ""));
    }
    messages.push(fields);
  }
  return { banner, messages };
}
