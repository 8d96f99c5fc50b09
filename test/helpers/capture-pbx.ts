import { AmiMessage } from "../../src/ami/message";
import { parseFrame } from "../../src/ami/frame-decoder";
import { readJsonl } from "./captures";
import { FakeAmi, FakeSession, Fields } from "./fake-ami";

/**
 * A real Asterisk session played back to Node-RED nodes: the events of a capture (real SIP phones,
 * test/fixtures/captures/sip-*) sent as Asterisk sent them, byte for byte and in order, to every
 * logged-in client, and the actions clients send at connect (CoreShowChannels,
 * ExtensionStateList, DeviceStateList, ...) answered with the capture's own answer to the same
 * action, under the client's ActionID. What the recording session itself asked for (its answers)
 * is not played as events.
 */

interface Frame {
  /** ms since the capture began */
  t: number;
  /** the frame's bytes as Asterisk sent them, its blank line included */
  text: string;
  msg: AmiMessage;
}

export interface Capture {
  /** Events nobody asked for, in the order Asterisk sent them. */
  events: Frame[];
  /** For each action the recorder sent (lower-case name): the first answer, response and list items. */
  answers: Map<string, Frame[]>;
}

/** Splits a capture's incoming traffic into frames and sorts them into events and answers. */
export function loadCapture(name: string): Capture {
  const records = readJsonl(name);
  const actionOf = new Map<string, string>();
  for (const r of records) {
    if (r.dir !== "out" || r.s !== 1 || !r.data) continue;
    const action = /^Action: (.*)$/im.exec(r.data)?.[1]?.trim();
    const id = /^ActionID: (.*)$/im.exec(r.data)?.[1]?.trim();
    if (action && id) actionOf.set(id, action.toLowerCase());
  }
  const events: Frame[] = [];
  const answers = new Map<string, Frame[]>();
  const firstId = new Map<string, string>();
  let pending = "";
  let bannerSeen = false;
  for (const r of records) {
    // The recording session's own traffic (a capture may hold several sessions).
    if (r.dir !== "in" || r.s !== 1 || !r.data) continue;
    pending += r.data;
    if (!bannerSeen) {
      const eol = pending.indexOf("\r\n");
      if (eol < 0) continue;
      pending = pending.slice(eol + 2);
      bannerSeen = true;
    }
    let end: number;
    while ((end = pending.indexOf("\r\n\r\n")) >= 0) {
      const text = pending.slice(0, end + 4);
      pending = pending.slice(end + 4);
      const bytes = Buffer.from(text, "utf8");
      const frame: Frame = { t: r.t, text, msg: parseFrame(bytes, 0, bytes.length - 2) };
      const id = frame.msg.get("ActionID");
      const action = id === undefined ? undefined : actionOf.get(id);
      if (action === undefined) {
        if (frame.msg.get("Event") !== undefined) events.push(frame);
        continue;
      }
      // Only the first answer to each kind of action: later ones describe a later state.
      if (!firstId.has(action)) firstId.set(action, id as string);
      if (firstId.get(action) !== id) continue;
      const list = answers.get(action) ?? [];
      list.push(frame);
      answers.set(action, list);
    }
  }
  return { events, answers };
}

/** The frame with its ActionID replaced by (or given) the client's. */
function withActionId(text: string, id: string): string {
  const lines = text.slice(0, -4).split("\r\n").filter((l) => !/^ActionID:/i.test(l));
  lines.splice(1, 0, `ActionID: ${id}`);
  return lines.join("\r\n") + "\r\n\r\n";
}

export interface CapturePbx {
  readonly fake: FakeAmi;
  readonly port: number;
  /**
   * Sends the capture's events to every logged-in client in order; with `speed` (e.g. 20: twenty
   * times faster) keeps their relative timing, else one event per turn of the event loop. Resolves
   * with how many events reached a client: throws when none did (nobody logged in), so a test that
   * expects nothing to happen cannot pass because nothing was played.
   */
  play(name: string, options?: { speed?: number }): Promise<number>;
  close(): Promise<void>;
}

/** A fake Asterisk (admin / amp111, as the lab) that answers connect-time actions from `answersFrom`. */
export async function startCapturePbx(answersFrom: string): Promise<CapturePbx> {
  const capture = loadCapture(answersFrom);
  const fake = await FakeAmi.start();
  fake.onAction = (action: AmiMessage, session: FakeSession) => {
    const name = (action.get("Action") ?? "").toLowerCase();
    const id = action.get("ActionID") ?? "";
    const answer = capture.answers.get(name);
    if (answer) {
      for (const frame of answer) session.socket.write(withActionId(frame.text, id));
      return;
    }
    const fields: Fields = name === "ping" ? [["Response", "Success"], ["Ping", "Pong"], ["Timestamp", `${Date.now() / 1000}`]] : [["Response", "Success"], ["Message", "OK"]];
    session.respond(action, fields);
  };
  return {
    fake,
    port: fake.port,
    async play(name, options = {}) {
      const { events } = loadCapture(name);
      const start = Date.now();
      const t0 = events[0]?.t ?? 0;
      let delivered = 0;
      for (const frame of events) {
        if (options.speed) {
          const due = start + (frame.t - t0) / options.speed;
          const wait = due - Date.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        } else {
          await new Promise((r) => setImmediate(r));
        }
        let written = false;
        for (const s of fake.open) {
          if (!s.loggedIn) continue;
          s.socket.write(frame.text);
          written = true;
        }
        if (written) delivered++;
      }
      if (delivered === 0) throw new Error(`${name}: no client was logged in to receive the capture's ${events.length} events`);
      return delivered;
    },
    close: () => fake.close(),
  };
}
