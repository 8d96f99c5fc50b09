/**
 * Dial(Local/<exten>@<context>[&Local/...],<timeout>) (captures `originate-context-exten`,
 * `dial-outcomes`): the callees requested and called, rung until one answers, the others cancelled;
 * the ringing and requesting part is shared with Queue().
 */
import { Channel, Dialing, UNKNOWN, WakeReason } from "./channel";
import type { QueueMember } from "./queues";
import { CALLING_PRES } from "./call-events";
import type { AppResult } from "./dialplan-apps";
import type { CallEngine } from "./calls";

/** Dial() resets these before dialing (captures `originate-context-exten`, `dial-outcomes`). */
const DIAL_VARIABLES = [
  "DIALSTATUS", "DIALEDPEERNUMBER", "DIALEDPEERNAME", "ANSWEREDTIME", "ANSWEREDTIME_MS", "DIALEDTIME", "DIALEDTIME_MS",
  "RINGTIME", "RINGTIME_MS", "PROGRESSTIME", "PROGRESSTIME_MS",
];
/** `Local/<exten>@<context>`, the only technology Dial() and the queue members reach in the default lab. */
export const LOCAL_TARGET = /^Local\/([^@/]+)@([^/,]+)$/i;

/** One party a Dial() or Queue() rings: a Local channel to exten@context. */
export interface DialTarget {
  exten: string;
  context: string;
  /** DialString of DialBegin: `exten@context` for Dial(), the member interface for Queue(). */
  dialString: string;
  /** Queue(): the member rung (AgentCalled, AgentConnect ...). */
  member?: QueueMember;
}

export class DialApp {
  constructor(private readonly e: CallEngine) {}

  /**
   * Dial(Local/<exten>@<context>[&Local/...],<timeout>) (captures `originate-context-exten`,
   * `dial-outcomes`): every member is requested, then called (one DialBegin each from the same
   * calling channel); the first to answer is bridged with the caller, the others are cancelled.
   */
  async dial(dialer: Channel, data: string): Promise<AppResult> {
    const [targets, timeoutText] = data.split(",");
    for (const v of DIAL_VARIABLES) this.e.ev.varSet(dialer, v, "");
    const members: DialTarget[] = [];
    for (const t of (targets ?? "").split("&")) {
      const m = LOCAL_TARGET.exec(t.trim());
      if (m && this.e.host.dialplan[m[2]]) members.push({ exten: m[1], context: m[2], dialString: `${m[1]}@${m[2]}` });
    }
    if (members.length === 0) {
      this.e.ev.varSet(dialer, "DIALSTATUS", "CHANUNAVAIL");
      return "continue";
    }
    const dialing = this.startDialing(dialer, "Dial", members);
    const started = Date.now();
    const deadline = timeoutText ? started + this.e.host.scale(parseFloat(timeoutText) * 1000) : Infinity;
    const outcome = await this.ringCallees(dialer, dialing, deadline);
    dialer.dialing = undefined;
    const callee = dialing.winner;
    if (!callee) {
      const status = outcome === "hangup" ? "CANCEL" : outcome === "timeout" ? "NOANSWER" : dialing.attempts.every((c) => c.dialStatus === "BUSY") ? "BUSY" : "NOANSWER";
      this.e.ev.varSet(dialer, "DIALSTATUS", status);
      return outcome === "hangup" ? "hangup" : "continue";
    }

    const answeredAt = Date.now();
    await this.e.bridges.bridgeCall(dialer, callee, "AppDial");
    const talked = Date.now() - answeredAt;
    const dialed = Date.now() - started;
    this.e.ev.varSet(dialer, "ANSWEREDTIME", String(Math.floor(talked / 1000)));
    this.e.ev.varSet(dialer, "ANSWEREDTIME_MS", String(talked));
    this.e.ev.varSet(dialer, "DIALEDTIME", String(Math.floor(dialed / 1000)));
    this.e.ev.varSet(dialer, "DIALEDTIME_MS", String(dialed));
    this.e.ev.varSet(dialer, "DIALSTATUS", "ANSWER");
    // Dial() returns -1 when the bridge ends: the dialing channel hangs up, no further priorities.
    dialer.hangupCause ??= 16;
    return "hangup";
  }

  /** Requests every target (the Local pairs and their caller IDs), then calls each in turn. */
  startDialing(dialer: Channel, app: Dialing["app"], targets: DialTarget[], called?: (callee: Channel, t: DialTarget) => void): Dialing {
    const attempts = targets.map((t) => this.requestCallee(dialer, app, t));
    const dialing: Dialing = { app, attempts };
    dialer.dialing = dialing;
    attempts.forEach((callee, i) => {
      const two = callee.localPeer as Channel;
      // chan_local's call: ;2 takes the ;1's variables and the two caller IDs crossed over.
      if (app === "Dial") this.e.ev.varSet(two, "DIALEDPEERNUMBER", targets[i].dialString);
      two.connected = { ...callee.caller };
      if (callee.connected.num !== UNKNOWN) this.e.ev.setCaller(two, callee.connected);
      this.e.ev.emit("NewConnectedLine", "call", two);
      this.e.ev.localBridge(callee, two);
      called?.(callee, targets[i]);
      this.e.ev.dialEvent("DialBegin", dialer, callee, [["DialString", targets[i].dialString]]);
      void this.e.runDialplan(two);
      void this.runCallee(callee);
    });
    return dialing;
  }

  /** The ;1 half a Dial() or Queue() rings, with the caller ID each application gives it. */
  private requestCallee(dialer: Channel, app: Dialing["app"], t: DialTarget): Channel {
    const [callee] = this.e.createLocalPair(t.exten, t.context, dialer.linkedid);
    callee.role = "callee";
    callee.dialer = dialer;
    if (app === "Dial") this.e.ev.varSet(callee, "DIALEDPEERNUMBER", t.dialString);
    // The callee takes the dialing channel's context and extension (ast_channel_dialcontext/exten).
    callee.context = dialer.context;
    callee.exten = dialer.exten;
    if (app === "Dial") {
      // Dial() presents the dialing extension as caller and the dialer's caller as connected line,
      // setting both before announcing them (Exten/CallerIDNum 500 in the captures).
      const callerKnown = dialer.caller.num !== UNKNOWN;
      callee.caller = { num: dialer.exten, name: dialer.caller.name };
      if (callerKnown) callee.connected = { ...dialer.caller };
      this.e.ev.newexten(callee, "AppDial", "(Outgoing Line)");
      this.e.ev.emit("NewCallerid", "call", callee, [["CID-CallingPres", CALLING_PRES]]);
      if (callerKnown) this.e.ev.emit("NewConnectedLine", "call", callee);
    } else {
      // app_queue ring_entry: the member sees the caller's connected line (else the extension) as
      // caller, and the caller as connected line.
      this.e.ev.newexten(callee, "AppQueue", "(Outgoing Line)");
      this.e.ev.setCaller(callee, dialer.connected.num !== UNKNOWN ? dialer.connected : { num: dialer.exten, name: UNKNOWN });
      if (dialer.caller.num !== UNKNOWN) callee.connected = { ...dialer.caller };
    }
    return callee;
  }

  /**
   * Waits while the callees ring: until one answers (calleeAnswered did the rest), none is left,
   * the deadline passes or the caller hangs up. A callee that ended on its own (busy, gone) gets
   * its DialEnd when the caller notices; at the deadline the others get NOANSWER, on a hangup
   * CANCEL (DialEnds first, then the hangups, as app_dial and app_queue publish them).
   */
  async ringCallees(dialer: Channel, dialing: Dialing, deadline: number, rna?: (callee: Channel) => void): Promise<"answer" | "timeout" | "hangup" | "gone"> {
    for (;;) {
      this.reportEndedCallees(dialer, dialing, rna);
      if (dialing.winner) return "answer";
      if (dialing.attempts.every((c) => c.dialStatus)) return "gone";
      const woke: WakeReason = await dialer.sleep(deadline - Date.now());
      if (woke === "signal") continue;
      this.reportEndedCallees(dialer, dialing, rna);
      if (dialing.winner) return "answer";
      const status = woke === "hangup" ? "CANCEL" : "NOANSWER";
      const left = dialing.attempts.filter((c) => !c.dialStatus && !c.gone);
      if (status === "NOANSWER") left.forEach((c) => rna?.(c));
      for (const c of left) {
        c.dialStatus = status;
        c.dialReported = true;
        this.e.ev.dialEvent("DialEnd", dialer, c, [["DialStatus", status]]);
      }
      for (const c of left) this.e.finalize(c, c.requestCause ?? 0);
      return woke;
    }
  }

  /** DialEnd (BUSY, NOANSWER) for the callees that ended since last time, and their hangup. */
  private reportEndedCallees(dialer: Channel, dialing: Dialing, rna?: (callee: Channel) => void): void {
    for (const c of dialing.attempts) {
      if (!c.dialStatus || c.dialReported) continue;
      c.dialReported = true;
      if (c.gone) continue;
      this.e.ev.dialEvent("DialEnd", dialer, c, [["DialStatus", c.dialStatus]]);
      rna?.(c);
      this.e.finalize(c, c.requestCause ?? 0);
    }
  }

  /** The ;1 half of a dialed Local pair: waits in Dial, then in the bridge, until it must go. */
  private async runCallee(callee: Channel): Promise<void> {
    await callee.sleep(Infinity);
    if (callee.gone) return;
    const dialer = callee.dialer;
    if (!callee.answered && dialer && !callee.dialStatus) {
      // The far end went before answering: Dial() gives up on it.
      callee.dialStatus = "NOANSWER";
      dialer.signal();
      return;
    }
    this.e.finalize(callee, callee.hangupCause ?? callee.requestCause ?? 16);
  }
}
