import { randomUUID } from "node:crypto";
import { Bridge, bridgeHeaders, CAUSE_TEXT, Channel, channelHeaders, Dialing, Pairs, Party, UNKNOWN, WakeReason } from "./channel";
import { channelEvent, PbxEvent } from "./events";
import { Dialplan, findExtension } from "./dialplan";
import { DeviceStates } from "./devices";
import { Queue, QueueMember, Queues } from "./queues";
import { evaluateExpression, isTrue, splitAppCall } from "./expressions";

export interface CallHost {
  readonly dialplan: Dialplan;
  readonly devices: DeviceStates;
  readonly queues: Queues;
  readonly globals: Map<string, string>;
  /** manager.conf `channelvars`. */
  readonly channelVars: readonly string[];
  /** Dialplan time (ms) to real time, per `timeScale`. */
  scale(ms: number): number;
  broadcast(ev: PbxEvent): void;
}

export interface OriginateRequest {
  channel: string;
  app?: string;
  data?: string;
  context?: string;
  exten?: string;
  priority?: number;
  callerId?: Party;
  variables: Array<[string, string]>;
  timeoutMs: number;
  channelId?: string;
  otherChannelId?: string;
}

export interface OriginateOutcome {
  ok: boolean;
  /** The ;1 channel when answered. */
  channel?: Channel;
}

type AppResult = "continue" | "hangup";

const CALLING_PRES = "0 (Presentation Allowed, Not Screened)";
/** Answer() lets 500 ms pass before the next priority (Newexten timing in every capture). */
const ANSWER_DELAY_MS = 500;
/** Async AGI picks queued commands up about every 100 ms (capture `async-agi`). */
const AGI_POLL_MS = 100;
/**
 * The sounds this lab PBX has (Asterisk's core sounds, in part): STREAM FILE of any other name is
 * answered as Asterisk 22 answers a file it cannot open, `200 result=-1 endpos=0`.
 */
const LAB_SOUNDS = new Set(["hello-world", "beep", "demo-congrats", "goodbye", "vm-goodbye", "tt-monkeys", "queue-thankyou", "agent-pass"]);
/** Dial() resets these before dialing (captures `originate-context-exten`, `dial-outcomes`). */
const DIAL_VARIABLES = [
  "DIALSTATUS", "DIALEDPEERNUMBER", "DIALEDPEERNAME", "ANSWEREDTIME", "ANSWEREDTIME_MS", "DIALEDTIME", "DIALEDTIME_MS",
  "RINGTIME", "RINGTIME_MS", "PROGRESSTIME", "PROGRESSTIME_MS",
];
/** Cause of the Dial() members that lost to the one that answered (app_dial hanguptree). */
const ANSWERED_ELSEWHERE = 26;
/** queues.conf `timeout=5` of the lab's queues: how long app_queue rings members per attempt. */
const QUEUE_MEMBER_TIMEOUT_MS = 5000;
/** app_queue's default `retry`: the pause between two attempts to ring the members. */
const QUEUE_RETRY_MS = 5000;
/** app_queue's RECHECK: a caller not yet at its turn looks again every second. */
const QUEUE_RECHECK_MS = 1000;
const LOCAL_TARGET = /^Local\/([^@/]+)@([^/,]+)$/i;

/** One party a Dial() or Queue() rings: a Local channel to exten@context. */
interface DialTarget {
  exten: string;
  context: string;
  /** DialString of DialBegin: `exten@context` for Dial(), the member interface for Queue(). */
  dialString: string;
  /** Queue(): the member rung (AgentCalled, AgentConnect ...). */
  member?: QueueMember;
}

/**
 * Channels, Local channel pairs, the dialplan applications the lab uses, bridges and hangups.
 *
 * Every channel runs as an async routine whose waits end early on a hangup request; the events
 * come from a handful of helpers so that each keeps the header order of the captures. Where
 * Asterisk's threads make the order between two channels vary from run to run (compare
 * `originate-sync-success` with `originate-async-success`), one of the captured orders is used.
 */
export class CallEngine {
  /** Live channels, oldest first. */
  readonly channels = new Map<string, Channel>();
  processedCalls = 0;
  private uniqueSeq = 0;
  private channelSeq = 0;
  private readonly epoch = Math.floor(Date.now() / 1000);
  /** Set by stop(): no call starts any more, and every channel hangs up without waiting. */
  private stopped = false;

  constructor(private readonly host: CallHost) {}

  /** Ends every channel at once and refuses new ones (the PBX closes). */
  stop(): void {
    this.stopped = true;
    for (const ch of [...this.channels.values()]) ch.interrupt();
  }

  // ---- lookup -------------------------------------------------------------------------------

  /** By name or by Uniqueid (ChannelId), as ast_channel_get_by_name does. */
  find(nameOrId: string): Channel | undefined {
    const byName = this.channels.get(nameOrId);
    if (byName) return byName;
    for (const ch of this.channels.values()) if (ch.uniqueid === nameOrId || ch.name.toLowerCase() === nameOrId.toLowerCase()) return ch;
    return undefined;
  }

  get activeCalls(): number {
    return [...this.channels.values()].filter((c) => c.role === "dialplan").length;
  }

  // ---- events -------------------------------------------------------------------------------

  private emit(name: string, cls: string, ch: Channel, extra: Pairs = []): void {
    this.host.broadcast(channelEvent(name, cls, ch, extra));
  }

  private emitPairs(name: string, cls: string, body: Pairs): void {
    this.host.broadcast(PbxEvent.of(name, cls, body));
  }

  varSet(ch: Channel, name: string, value: string): void {
    if (value === "" && !name.startsWith("LOCAL(")) ch.vars.delete(name);
    else ch.vars.set(name, value);
    this.emit("VarSet", "dialplan", ch, [["Variable", name], ["Value", value]]);
  }

  private newexten(ch: Channel, app: string, data: string): void {
    ch.app = app;
    ch.appData = data;
    this.emit("Newexten", "dialplan", ch, [["Extension", ch.exten], ["Application", app], ["AppData", data]]);
  }

  private setState(ch: Channel, state: number): void {
    ch.state = state;
    this.emit("Newstate", "call", ch);
    this.host.devices.channelStateChanged(ch);
  }

  private setCaller(ch: Channel, caller: Party): void {
    ch.caller = { ...caller };
    this.emit("NewCallerid", "call", ch, [["CID-CallingPres", CALLING_PRES]]);
  }

  private setConnected(ch: Channel, connected: Party): void {
    ch.connected = { ...connected };
    this.emit("NewConnectedLine", "call", ch);
  }

  // ---- channels -----------------------------------------------------------------------------

  /** The next Uniqueid (also for the SIP lab's channels, simulator/sip.ts). */
  newUniqueid(): string {
    return `${this.epoch}.${this.uniqueSeq++}`;
  }

  /** The next channel sequence number, shared by every technology (`-0000002f`). */
  newChannelSeq(): string {
    return (this.channelSeq++).toString(16).padStart(8, "0");
  }

  /** A Local channel pair `Local/<exten>@<context>-<seq>;1/;2` (Newchannel for both halves). */
  private createLocalPair(exten: string, context: string, linkedid?: string, ids: [string?, string?] = []): [Channel, Channel] {
    const seq = this.newChannelSeq();
    const base = `Local/${exten}@${context}-${seq}`;
    const id1 = ids[0] || this.newUniqueid();
    const id2 = ids[1] || this.newUniqueid();
    const one = new Channel(`${base};1`, id1, linkedid ?? id1, context, exten);
    const two = new Channel(`${base};2`, id2, linkedid ?? id1, context, exten);
    two.state = 4; // the ;2 half starts ringing into the dialplan
    one.localPeer = two;
    two.localPeer = one;
    for (const ch of [one, two]) {
      // Created by a routine that resumed after stop(): it must not wait for anything.
      if (this.stopped) ch.hangupRequested = true;
      ch.chanVars = this.host.channelVars;
      this.channels.set(ch.name, ch);
      this.emit("Newchannel", "call", ch);
    }
    return [one, two];
  }

  /** LocalBridge: both halves with LocalOne/LocalTwo prefixes (captures `originate-*`). */
  private localBridge(one: Channel, two: Channel): void {
    this.emitPairs("LocalBridge", "call", [
      ...channelHeaders(one, "LocalOne"), ...channelHeaders(two, "LocalTwo"),
      ["Context", two.context], ["Exten", two.exten], ["LocalOptimization", "Yes"],
    ]);
  }

  /** Dial events: with a calling channel (Dial()) or without one (Originate). */
  private dialEvent(name: string, caller: Channel | undefined, dest: Channel, extra: Pairs): void {
    this.emitPairs(name, "call", [...(caller ? channelHeaders(caller) : []), ...channelHeaders(dest, "Dest"), ...extra]);
  }

  // ---- originate ----------------------------------------------------------------------------

  /**
   * Places the call of an Originate and resolves once it is answered or has failed. Only Local
   * channels exist in the lab; any other technology fails as `Bogus/foo` does.
   */
  async originate(req: OriginateRequest): Promise<OriginateOutcome> {
    const m = /^Local\/([^@/]+)@([^/]+?)(\/n)?$/i.exec(req.channel);
    if (!m || this.stopped) return { ok: false };
    const [, exten, context] = m;
    this.processedCalls++;
    const [one, two] = this.createLocalPair(exten, context, undefined, [req.channelId, req.otherChannelId]);
    one.role = "outgoing";
    this.newexten(one, "AppDial2", "(Outgoing Line)");
    if (req.app !== undefined) {
      // CoreShowChannels/Status list the originate's application on ;1 from the start.
      one.app = req.app;
      one.appData = req.data ?? "";
    }
    if (!this.host.dialplan[context]) {
      // chan_local finds no such context: both halves just go (capture `originate-sync-failure`).
      this.hangupNow(two, 0);
      this.hangupNow(one, 0);
      return { ok: false };
    }
    // Originate sets the variables on ;1 in reverse order, then copies them to ;2 in order.
    for (const [k, v] of [...req.variables].reverse()) this.varSet(one, k, v);
    if (req.callerId) {
      this.setCaller(one, req.callerId);
      this.setConnected(one, req.callerId);
    }
    // chan_local copies them to ;2 at once; every VarSet snapshot predates the copy (capture `chanvariable`).
    for (const [k, v] of req.variables) this.emit("VarSet", "dialplan", two, [["Variable", k], ["Value", v]]);
    for (const [k, v] of req.variables) two.vars.set(k, v);
    if (req.callerId) {
      two.connected = { ...req.callerId };
      this.setCaller(two, req.callerId);
      this.setConnected(two, req.callerId);
    }
    this.localBridge(one, two);
    this.dialEvent("DialBegin", undefined, one, [["DialString", `${exten}@${context}`]]);
    void this.runDialplan(two);
    return this.runOutgoing(one, req);
  }

  /** The ;1 half of an originate: waits for the answer, then runs the application or dialplan. */
  private async runOutgoing(one: Channel, req: OriginateRequest): Promise<OriginateOutcome> {
    // The ;2 half may have answered already, before this routine got to wait.
    const woke = one.answered ? "signal" : await one.sleep(this.host.scale(req.timeoutMs));
    if (one.gone) return { ok: false };
    if (!one.answered) {
      this.dialEvent("DialEnd", undefined, one, [["DialStatus", "NOANSWER"]]);
      this.finalize(one, one.hangupCause ?? one.requestCause ?? (woke === "timeout" ? 0 : 16));
      return { ok: false };
    }
    const outcome: OriginateOutcome = { ok: true, channel: one };
    void (async () => {
      if (req.app !== undefined) {
        one.app = req.app;
        one.appData = req.data ?? "";
        const r = await this.execApp(one, req.app, req.data ?? "");
        if (one.gone) return;
        const cause = r === "hangup" || one.hangupRequested ? one.hangupCause ?? one.requestCause ?? 16 : 0;
        this.finalize(one, cause);
      } else {
        one.role = "dialplan";
        one.context = req.context ?? one.context;
        one.exten = req.exten ?? one.exten;
        one.priority = req.priority ?? 1;
        await this.runDialplan(one);
      }
    })();
    return outcome;
  }

  // ---- answer / ringing ---------------------------------------------------------------------

  /** Answers a channel; a Local channel's other half follows, and whoever waits is told. */
  answer(ch: Channel): void {
    if (ch.state === 6 || ch.gone) return;
    this.setState(ch, 6);
    const peer = ch.localPeer && !ch.localPeer.gone ? ch.localPeer : undefined;
    if (peer && peer.state !== 6) this.setState(peer, 6);
    for (const c of [ch, peer]) {
      if (!c || c.answered) continue;
      if (c.role === "outgoing") {
        c.answered = true;
        this.dialEvent("DialEnd", undefined, c, [["DialStatus", "ANSWER"]]);
        c.signal();
      } else if (c.role === "callee" && c.dialer) {
        c.answered = true;
        this.calleeAnswered(c.dialer, c);
      }
    }
  }

  /** Ringing() on a ;2 half: the ;1 half rings, and so does whoever dials it. */
  private indicateRinging(ch: Channel): void {
    const peer = ch.localPeer;
    if (!peer || peer.gone || peer.state >= 5) return;
    this.setState(peer, 5);
    if (peer.role === "outgoing") this.dialEvent("DialState", undefined, peer, [["DialStatus", "RINGING"]]);
    else if (peer.role === "callee" && peer.dialer?.dialing?.app === "Dial" && peer.dialer.dialing.attempts.includes(peer)) {
      // app_queue neither publishes DialState nor rings its caller (without option r it plays music).
      const dialer = peer.dialer;
      this.varSet(dialer, "RINGTIME", "0");
      this.varSet(dialer, "RINGTIME_MS", "0");
      this.dialEvent("DialState", dialer, peer, [["DialStatus", "RINGING"]]);
      this.indicateRinging(dialer);
    }
  }

  /**
   * The first callee to answer wins: DialEnd ANSWER for it, DialEnd CANCEL for every other one
   * still ringing, then those are hung up (Dial(): cause 26, answered elsewhere; Queue() without
   * option C: no cause). Dial() answers its caller now; Queue() does when it bridges.
   */
  private calleeAnswered(dialer: Channel, callee: Channel): void {
    const dialing = dialer.dialing;
    if (!dialing || dialing.winner || !dialing.attempts.includes(callee)) return;
    dialing.winner = callee;
    if (dialing.app === "Dial") {
      const target = callee.vars.get("DIALEDPEERNUMBER") ?? "";
      this.varSet(dialer, "DIALSTATUS", "ANSWER");
      this.varSet(dialer, "DIALEDPEERNAME", callee.name);
      this.varSet(dialer, "DIALEDPEERNUMBER", target);
    }
    // Answered, the callee leaves its dialing extension (`DestExten: ` in capture `dial-outcomes`).
    callee.exten = "";
    callee.dialStatus = "ANSWER";
    callee.dialReported = true;
    this.dialEvent("DialEnd", dialer, callee, [["DialStatus", "ANSWER"]]);
    const losers = dialing.attempts.filter((c) => !c.dialStatus && !c.gone);
    for (const c of losers) {
      c.dialStatus = "CANCEL";
      c.dialReported = true;
      this.dialEvent("DialEnd", dialer, c, [["DialStatus", "CANCEL"]]);
    }
    for (const c of losers) this.finalize(c, dialing.app === "Dial" ? ANSWERED_ELSEWHERE : 0);
    if (dialing.app === "Dial") this.answer(dialer);
    dialer.signal();
  }

  // ---- dialplan -----------------------------------------------------------------------------

  /** Runs priorities from the channel's context/exten/priority until a hangup. */
  private async runDialplan(ch: Channel): Promise<void> {
    ch.role = "dialplan";
    while (!ch.hangupRequested && !ch.gone) {
      const step = findExtension(this.host.dialplan, ch.context, ch.exten)?.steps?.[ch.priority - 1];
      if (!step) break;
      const data = this.substitute(ch, step.data ?? "");
      this.newexten(ch, step.app, data);
      const r = await this.execApp(ch, step.app, data);
      if (r === "hangup" || ch.gone) break;
      ch.priority++;
    }
    if (!ch.gone) this.terminate(ch);
  }

  /** The end of a channel running dialplan: soft hangup, hangup handlers, then Hangup. */
  private terminate(ch: Channel): void {
    if (!ch.softHangupSent) {
      ch.softHangupSent = true;
      this.emit("SoftHangupRequest", "call", ch, [["Cause", "16"]]);
    }
    this.runHangupHandlers(ch);
    this.finalize(ch, ch.hangupCause ?? ch.requestCause ?? 16);
  }

  /** `${VAR}`, `${FUNC(args)}` and then `$[expression]`, as pbx_substitute_variables does. */
  private substitute(ch: Channel, data: string, locals?: Map<string, string>): string {
    const vars = data.replace(/\$\{([^}]+)\}/g, (_, name: string) => locals?.get(name) ?? this.readVariable(ch, name) ?? this.host.globals.get(name) ?? "");
    return vars.replace(/\$\[([^[\]]*)\]/g, (_, expr: string) => evaluateExpression(expr));
  }

  private async execApp(ch: Channel, app: string, data: string): Promise<AppResult> {
    const wait = async (ms: number): Promise<AppResult> => ((await ch.sleep(this.host.scale(ms))) === "hangup" ? "hangup" : "continue");
    switch (app.toLowerCase()) {
      case "answer":
        this.answer(ch);
        return wait(ANSWER_DELAY_MS);
      case "wait":
        return wait(parseFloat(data || "0") * 1000);
      case "userevent":
        this.userEvent(ch, data);
        return "continue";
      case "hangup": {
        const cause = parseInt(data, 10) || 16;
        ch.hangupCause = cause;
        ch.softHangupSent = true;
        this.emit("SoftHangupRequest", "call", ch, [["Cause", String(cause)]]);
        return "hangup";
      }
      case "set":
        this.setApp(ch, data);
        return "continue";
      case "noop":
        return "continue";
      case "ringing":
        this.indicateRinging(ch);
        return "continue";
      case "busy": {
        this.setState(ch, 7);
        ch.hangupCause = 17;
        const callee = ch.localPeer;
        if (callee?.role === "callee" && callee.dialer && !callee.dialStatus) {
          callee.dialStatus = "BUSY";
          callee.dialer.signal();
        }
        await wait(parseFloat(data || "0") * 1000 || Infinity);
        return "hangup";
      }
      case "dial":
        return this.dial(ch, data);
      case "execif": {
        // ExecIf(<expr>?<app>(<args>)[:<app>(<args>)]); the expression was evaluated by substitute().
        const q = data.indexOf("?");
        if (q < 0) return "continue";
        const [onTrue, onFalse] = splitAppCall(data.slice(q + 1));
        const call = isTrue(data.slice(0, q)) ? onTrue : onFalse;
        return call ? this.execApp(ch, call.app, call.data) : "continue";
      }
      case "queue":
        return this.queueApp(ch, data);
      case "agi":
        return this.asyncAgi(ch);
      default:
        return "continue";
    }
  }

  /** UserEvent(Name,Key: value,...) → Event: UserEvent with the channel snapshot. */
  private userEvent(ch: Channel, data: string): void {
    const [name, ...rest] = data.split(",");
    const extra: Pairs = [["UserEvent", name]];
    for (const h of rest) {
      const i = h.indexOf(":");
      if (i > 0) extra.push([h.slice(0, i).trim(), h.slice(i + 1).trim()]);
    }
    this.emit("UserEvent", "user", ch, extra);
  }

  private setApp(ch: Channel, data: string): void {
    const i = data.indexOf("=");
    if (i < 0) return;
    const name = data.slice(0, i);
    const value = data.slice(i + 1);
    const device = /^DEVICE_STATE\((.*)\)$/i.exec(name);
    if (name.toUpperCase() === "CHANNEL(HANGUP_HANDLER_PUSH)") {
      ch.hangupHandlers.push(value);
      this.emit("HangupHandlerPush", "dialplan", ch, [["Handler", value]]);
    } else if (device) {
      // func_devstate writes Custom: devices only; a function write sets no variable (no VarSet).
      if (/^Custom:./i.test(device[1])) this.host.devices.set(device[1], value.toUpperCase());
    } else this.varSet(ch, name, value);
  }

  /**
   * Hangup handlers (capture `hangup-long-call`): a Gosub into e.g. `hdlr,s,1(from300)` with its
   * LOCAL(ARGn) variables, run to its Return.
   */
  private runHangupHandlers(ch: Channel): void {
    // The Gosub returns: Hangup shows the place the channel was at (capture `hangup-long-call`).
    const [context, exten, priority] = [ch.context, ch.exten, ch.priority];
    let handler: string | undefined;
    while ((handler = ch.hangupHandlers.pop()) !== undefined) {
      this.emit("HangupHandlerRun", "dialplan", ch, [["Handler", handler]]);
      const m = /^([^,]+),([^,]+),(\d+)(?:\((.*)\))?$/.exec(handler);
      if (!m) continue;
      const args = m[4] !== undefined ? m[4].split(",") : [];
      const locals = new Map<string, string>();
      args.forEach((a, i) => {
        locals.set(`ARG${i + 1}`, a);
        this.varSet(ch, `LOCAL(ARG${i + 1})`, a);
      });
      this.varSet(ch, "LOCAL(ARGC)", String(args.length));
      ch.context = m[1];
      ch.exten = m[2];
      ch.priority = parseInt(m[3], 10);
      for (;;) {
        const step = findExtension(this.host.dialplan, ch.context, ch.exten)?.steps?.[ch.priority - 1];
        if (!step) break;
        const data = this.substitute(ch, step.data ?? "", locals);
        this.newexten(ch, step.app, data);
        if (step.app.toLowerCase() === "return") {
          this.varSet(ch, "ARGC", "");
          for (let i = args.length; i >= 1; i--) this.varSet(ch, `ARG${i}`, "");
          this.varSet(ch, "GOSUB_RETVAL", "");
          break;
        }
        if (step.app.toLowerCase() === "userevent") this.userEvent(ch, data);
        else if (step.app.toLowerCase() === "set") this.setApp(ch, data);
        ch.priority++;
      }
      [ch.context, ch.exten, ch.priority] = [context, exten, priority];
    }
  }

  // ---- Dial() and bridges -------------------------------------------------------------------

  /**
   * Dial(Local/<exten>@<context>[&Local/...],<timeout>) (captures `originate-context-exten`,
   * `dial-outcomes`): every member is requested, then called (one DialBegin each from the same
   * calling channel); the first to answer is bridged with the caller, the others are cancelled.
   */
  private async dial(dialer: Channel, data: string): Promise<AppResult> {
    const [targets, timeoutText] = data.split(",");
    for (const v of DIAL_VARIABLES) this.varSet(dialer, v, "");
    const members: DialTarget[] = [];
    for (const t of (targets ?? "").split("&")) {
      const m = LOCAL_TARGET.exec(t.trim());
      if (m && this.host.dialplan[m[2]]) members.push({ exten: m[1], context: m[2], dialString: `${m[1]}@${m[2]}` });
    }
    if (members.length === 0) {
      this.varSet(dialer, "DIALSTATUS", "CHANUNAVAIL");
      return "continue";
    }
    const dialing = this.startDialing(dialer, "Dial", members);
    const started = Date.now();
    const deadline = timeoutText ? started + this.host.scale(parseFloat(timeoutText) * 1000) : Infinity;
    const outcome = await this.ringCallees(dialer, dialing, deadline);
    dialer.dialing = undefined;
    const callee = dialing.winner;
    if (!callee) {
      const status = outcome === "hangup" ? "CANCEL" : outcome === "timeout" ? "NOANSWER" : dialing.attempts.every((c) => c.dialStatus === "BUSY") ? "BUSY" : "NOANSWER";
      this.varSet(dialer, "DIALSTATUS", status);
      return outcome === "hangup" ? "hangup" : "continue";
    }

    const answeredAt = Date.now();
    await this.bridgeCall(dialer, callee, "AppDial");
    const talked = Date.now() - answeredAt;
    const dialed = Date.now() - started;
    this.varSet(dialer, "ANSWEREDTIME", String(Math.floor(talked / 1000)));
    this.varSet(dialer, "ANSWEREDTIME_MS", String(talked));
    this.varSet(dialer, "DIALEDTIME", String(Math.floor(dialed / 1000)));
    this.varSet(dialer, "DIALEDTIME_MS", String(dialed));
    this.varSet(dialer, "DIALSTATUS", "ANSWER");
    // Dial() returns -1 when the bridge ends: the dialing channel hangs up, no further priorities.
    dialer.hangupCause ??= 16;
    return "hangup";
  }

  /** Requests every target (the Local pairs and their caller IDs), then calls each in turn. */
  private startDialing(dialer: Channel, app: Dialing["app"], targets: DialTarget[], called?: (callee: Channel, t: DialTarget) => void): Dialing {
    const attempts = targets.map((t) => this.requestCallee(dialer, app, t));
    const dialing: Dialing = { app, attempts };
    dialer.dialing = dialing;
    attempts.forEach((callee, i) => {
      const two = callee.localPeer as Channel;
      // chan_local's call: ;2 takes the ;1's variables and the two caller IDs crossed over.
      if (app === "Dial") this.varSet(two, "DIALEDPEERNUMBER", targets[i].dialString);
      two.connected = { ...callee.caller };
      if (callee.connected.num !== UNKNOWN) this.setCaller(two, callee.connected);
      this.emit("NewConnectedLine", "call", two);
      this.localBridge(callee, two);
      called?.(callee, targets[i]);
      this.dialEvent("DialBegin", dialer, callee, [["DialString", targets[i].dialString]]);
      void this.runDialplan(two);
      void this.runCallee(callee);
    });
    return dialing;
  }

  /** The ;1 half a Dial() or Queue() rings, with the caller ID each application gives it. */
  private requestCallee(dialer: Channel, app: Dialing["app"], t: DialTarget): Channel {
    const [callee] = this.createLocalPair(t.exten, t.context, dialer.linkedid);
    callee.role = "callee";
    callee.dialer = dialer;
    if (app === "Dial") this.varSet(callee, "DIALEDPEERNUMBER", t.dialString);
    // The callee takes the dialing channel's context and extension (ast_channel_dialcontext/exten).
    callee.context = dialer.context;
    callee.exten = dialer.exten;
    if (app === "Dial") {
      // Dial() presents the dialing extension as caller and the dialer's caller as connected line,
      // setting both before announcing them (Exten/CallerIDNum 500 in the captures).
      const callerKnown = dialer.caller.num !== UNKNOWN;
      callee.caller = { num: dialer.exten, name: dialer.caller.name };
      if (callerKnown) callee.connected = { ...dialer.caller };
      this.newexten(callee, "AppDial", "(Outgoing Line)");
      this.emit("NewCallerid", "call", callee, [["CID-CallingPres", CALLING_PRES]]);
      if (callerKnown) this.emit("NewConnectedLine", "call", callee);
    } else {
      // app_queue ring_entry: the member sees the caller's connected line (else the extension) as
      // caller, and the caller as connected line.
      this.newexten(callee, "AppQueue", "(Outgoing Line)");
      this.setCaller(callee, dialer.connected.num !== UNKNOWN ? dialer.connected : { num: dialer.exten, name: UNKNOWN });
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
  private async ringCallees(dialer: Channel, dialing: Dialing, deadline: number, rna?: (callee: Channel) => void): Promise<"answer" | "timeout" | "hangup" | "gone"> {
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
        this.dialEvent("DialEnd", dialer, c, [["DialStatus", status]]);
      }
      for (const c of left) this.finalize(c, c.requestCause ?? 0);
      return woke;
    }
  }

  /** DialEnd (BUSY, NOANSWER) for the callees that ended since last time, and their hangup. */
  private reportEndedCallees(dialer: Channel, dialing: Dialing, rna?: (callee: Channel) => void): void {
    for (const c of dialing.attempts) {
      if (!c.dialStatus || c.dialReported) continue;
      c.dialReported = true;
      if (c.gone) continue;
      this.dialEvent("DialEnd", dialer, c, [["DialStatus", c.dialStatus]]);
      rna?.(c);
      this.finalize(c, c.requestCause ?? 0);
    }
  }

  /** The answered callee and its caller in a basic bridge, until one of them leaves. */
  private async bridgeCall(dialer: Channel, callee: Channel, app: string): Promise<void> {
    const bridge = new Bridge(randomUUID());
    this.emitPairs("BridgeCreate", "call", bridgeHeaders(bridge));
    this.newexten(callee, app, "(Outgoing Line)");
    this.enterBridge(bridge, callee);
    this.enterBridge(bridge, dialer);
    this.varSet(callee, "BRIDGEPEER", dialer.name);
    this.varSet(dialer, "BRIDGEPEER", callee.name);
    await dialer.sleep(Infinity);
    if (dialer.bridge) this.leaveBridge(dialer);
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
    this.finalize(callee, callee.hangupCause ?? callee.requestCause ?? 16);
  }

  private enterBridge(bridge: Bridge, ch: Channel): void {
    bridge.members.push(ch);
    ch.bridge = bridge;
    this.emitPairs("BridgeEnter", "call", [...bridgeHeaders(bridge), ...channelHeaders(ch)]);
  }

  /** A member leaves because it hangs up; the other member is kicked once its Hangup went out. */
  private leaveBridge(ch: Channel): void {
    const bridge = ch.bridge;
    if (!bridge) return;
    const other = bridge.members.find((c) => c !== ch);
    this.varSet(ch, "BRIDGEPEER", "");
    if (other) this.varSet(other, "BRIDGEPEER", "");
    bridge.members.splice(bridge.members.indexOf(ch), 1);
    ch.bridge = undefined;
    ch.leftBridge = bridge;
    this.emitPairs("BridgeLeave", "call", [...bridgeHeaders(bridge), ...channelHeaders(ch)]);
  }

  private dissolve(bridge: Bridge): void {
    for (const other of [...bridge.members]) {
      bridge.members.splice(bridge.members.indexOf(other), 1);
      other.bridge = undefined;
      this.emitPairs("BridgeLeave", "call", [...bridgeHeaders(bridge), ...channelHeaders(other)]);
      other.bridgeEnded = true;
    }
    this.emitPairs("BridgeDestroy", "call", bridgeHeaders(bridge));
  }

  // ---- Queue() ------------------------------------------------------------------------------

  /**
   * Queue(name,options,,,timeout): the caller waits (QueueCallerJoin); when it is its turn, every
   * member that is not paused rings (ringall: AgentCalled and DialBegin each) for the queue's
   * member timeout, then again after `retry`. The first to answer gets the call: DialEnd ANSWER,
   * QueueCallerLeave, AgentConnect, the bridge, AgentComplete when one side hangs up. Option r
   * rings the caller while it waits.
   */
  private async queueApp(ch: Channel, data: string): Promise<AppResult> {
    const args = data.split(",");
    const q = this.host.queues.join(args[0], ch);
    if (!q || q === "full") {
      this.varSet(ch, "QUEUESTATUS", q ? "FULL" : "UNKNOWN");
      return "continue";
    }
    if ((args[1] ?? "").includes("r")) this.indicateRinging(ch);
    const joinedAt = Date.now();
    const expire = args[4] ? joinedAt + this.host.scale(parseFloat(args[4]) * 1000) : Infinity;
    for (;;) {
      const members = this.host.queues.ringable(q, ch);
      let pause = QUEUE_RECHECK_MS;
      if (members.length > 0) {
        const r = await this.ringMembers(ch, q, members, expire, joinedAt);
        if (r === "answer") return "hangup";
        if (r === "hangup") break;
        pause = QUEUE_RETRY_MS;
      }
      if (ch.hangupRequested) break;
      if (Date.now() >= expire) {
        this.host.queues.leave(q, ch, false);
        this.varSet(ch, "QUEUESTATUS", "TIMEOUT");
        return "continue";
      }
      const woke = await ch.sleep(Math.min(expire - Date.now(), this.host.scale(pause)));
      if (woke === "hangup") break;
    }
    this.host.queues.leave(q, ch, true);
    return "hangup";
  }

  /** One attempt to reach the members; on an answer, the whole connected call (app_queue's events: queues.ts). */
  private async ringMembers(ch: Channel, q: Queue, members: QueueMember[], expire: number, joinedAt: number): Promise<"answer" | "hangup" | "again"> {
    const targets: DialTarget[] = [];
    for (const member of members) {
      const m = LOCAL_TARGET.exec(member.iface);
      if (m && this.host.dialplan[m[2]]) targets.push({ exten: m[1], context: m[2], dialString: member.iface, member });
    }
    if (targets.length === 0) return "again";
    const queues = this.host.queues;
    const memberOf = new Map<Channel, QueueMember>();
    const started = Date.now();
    const dialing = this.startDialing(ch, "Queue", targets, (callee, t) => {
      memberOf.set(callee, t.member as QueueMember);
      queues.called(q, t.member as QueueMember, ch, callee);
    });
    const rna = (callee: Channel): void => queues.ringEnded(q, memberOf.get(callee) as QueueMember, ch, callee, Date.now() - started);
    const deadline = Math.min(expire, started + this.host.scale(QUEUE_MEMBER_TIMEOUT_MS));
    const outcome = await this.ringCallees(ch, dialing, deadline, rna);
    ch.dialing = undefined;
    const callee = dialing.winner;
    for (const [c, m] of memberOf) if (c !== callee) queues.ringEnded(q, m, ch, c);
    if (!callee) return outcome === "hangup" ? "hangup" : "again";

    const member = memberOf.get(callee) as QueueMember;
    const connectedAt = Date.now();
    const hold = queues.seconds(connectedAt - joinedAt);
    queues.leave(q, ch, false);
    queues.connected(q, member, ch, callee, hold, queues.seconds(connectedAt - started));
    this.answer(ch);
    await this.bridgeCall(ch, callee, "AppQueue");
    // app_queue learns who hung up first from the HangupRequest: the member (agent) or the caller.
    queues.completed(q, member, ch, callee, hold, queues.seconds(Date.now() - connectedAt), ch.bridgeEnded ? "agent" : "caller");
    ch.hangupCause ??= 16;
    return "answer";
  }

  // ---- Async AGI ----------------------------------------------------------------------------

  /** AGI(agi:async): AsyncAGIStart, then commands from Action: AGI until HANGUP or a hangup. */
  private async asyncAgi(ch: Channel): Promise<AppResult> {
    ch.agiQueue = [];
    this.emit("AsyncAGIStart", "agi", ch, [["Env", encodeURIComponent(this.agiEnv(ch))]]);
    for (;;) {
      const next = ch.agiQueue.shift();
      if (!next) {
        if ((await ch.sleep(Infinity)) === "hangup") break;
        continue;
      }
      if ((await ch.sleep(this.host.scale(AGI_POLL_MS))) === "hangup") break;
      const done = await this.agiCommand(ch, next.command, next.commandId);
      if (done) {
        ch.agiQueue = undefined;
        this.emit("AsyncAGIEnd", "agi", ch);
        this.varSet(ch, "AGISTATUS", "HANGUP");
        ch.hangupCause = 0;
        return "hangup";
      }
    }
    ch.agiQueue = undefined;
    this.emit("AsyncAGIEnd", "agi", ch);
    return "hangup";
  }

  /** Queues an AGI command; an error text when the channel cannot take it. */
  queueAgi(nameOrId: string, command: string, commandId: string | undefined): string | undefined {
    const ch = this.find(nameOrId);
    if (!ch) return `Channel ${nameOrId} does not exist.`;
    if (!ch.agiQueue) return `Channel ${nameOrId} is not in Async AGI.`;
    ch.agiQueue.push({ command, commandId });
    ch.signal();
    return undefined;
  }

  private agiEnv(ch: Channel): string {
    const cid = (v: string): string => (v === UNKNOWN ? "unknown" : v);
    const env: Array<[string, string]> = [
      ["agi_request", "async"], ["agi_channel", ch.name], ["agi_language", ch.language], ["agi_type", ch.type],
      ["agi_uniqueid", ch.uniqueid], ["agi_version", "22.10.1"], ["agi_callerid", cid(ch.caller.num)],
      ["agi_calleridname", cid(ch.caller.name)], ["agi_callingpres", "67"], ["agi_callingani2", "0"],
      ["agi_callington", "0"], ["agi_callingtns", "0"], ["agi_dnid", "unknown"], ["agi_rdnis", "unknown"],
      ["agi_context", ch.context], ["agi_extension", ch.exten], ["agi_priority", String(ch.priority)],
      ["agi_enhanced", "0.0"], ["agi_accountcode", ch.accountCode], ["agi_threadid", "140292598605504"],
    ];
    return env.map(([k, v]) => `${k}: ${v}\n`).join("") + "\n";
  }

  /**
   * Runs one AGI command with AGIExecStart/AGIExecEnd around it and the AsyncAGIExec result
   * (capture `async-agi`). Returns true when the command ended the AGI (HANGUP).
   */
  private async agiCommand(ch: Channel, command: string, commandId: string | undefined): Promise<boolean> {
    const execId = String(Math.floor(Math.random() * 2 ** 31));
    this.emit("AGIExecStart", "agi", ch, [["CommandId", execId], ["Command", command]]);
    const words = command.trim().split(/\s+/);
    const verb = words.slice(0, 2).join(" ").toUpperCase();
    let result = "200 result=0";
    let code = 200;
    let hangup = false;
    const pause = (ms: number): Promise<unknown> => ch.sleep(this.host.scale(ms));
    switch (words[0].toUpperCase()) {
      case "ANSWER":
        this.answer(ch);
        await pause(ANSWER_DELAY_MS);
        break;
      case "HANGUP":
        this.emit("SoftHangupRequest", "call", ch, [["Cause", "32"]]);
        result = "200 result=1";
        hangup = true;
        break;
      case "NOOP":
        break;
      case "EXEC": {
        const app = words[1] ?? "";
        const appData = words.slice(2).join(" ").replace(/^"|"$/g, "");
        await this.execApp(ch, app, appData);
        break;
      }
      case "STREAM":
        if (!LAB_SOUNDS.has((words[2] ?? "").replace(/^"|"$/g, ""))) {
          result = "200 result=-1 endpos=0";
          break;
        }
        await pause(1000);
        result = "200 result=0 endpos=8000";
        break;
      case "WAIT":
        await pause(Math.max(0, parseInt(words[3] ?? "0", 10)));
        break;
      case "GET":
        if (verb === "GET VARIABLE") {
          const value = this.readVariable(ch, words.slice(2).join(" "));
          result = value === undefined ? "200 result=0" : `200 result=1 (${value})`;
        } else if (verb === "GET DATA") {
          await pause(Math.max(0, parseInt(words[3] ?? "2000", 10)));
          result = "200 result= (timeout)";
        } else code = 510;
        break;
      case "SET":
        if (verb === "SET VARIABLE") {
          this.varSet(ch, words[2] ?? "", words.slice(3).join(" ").replace(/^"|"$/g, ""));
          result = "200 result=1";
        } else code = 510;
        break;
      default:
        code = 510;
    }
    if (code === 510) result = "510 Invalid or unknown command";
    this.emit("AGIExecEnd", "agi", ch, [
      ["CommandId", execId], ["Command", command], ["ResultCode", String(code)],
      ["Result", code === 200 ? "Success" : "Invalid or unknown command"],
    ]);
    const exec: Pairs = [["Result", encodeURIComponent(result + "\n")]];
    if (commandId !== undefined) exec.push(["CommandId", commandId]);
    this.emit("AsyncAGIExec", "agi", ch, exec);
    return hangup;
  }

  // ---- variables ----------------------------------------------------------------------------

  /** A channel variable or one of the functions the captures read. */
  readVariable(ch: Channel | undefined, name: string): string | undefined {
    const fn = /^([A-Z_]+)\((.*)\)$/i.exec(name);
    if (fn) {
      const [, f, arg] = fn;
      switch (f.toUpperCase()) {
        case "CHANNEL":
          if (!ch) return undefined;
          if (arg === "name") return ch.name;
          if (arg === "state") return ch.state === 6 ? "Up" : ch.state === 5 ? "Ringing" : ch.state === 4 ? "Ring" : "Down";
          if (arg === "uniqueid") return ch.uniqueid;
          if (arg === "linkedid") return ch.linkedid;
          if (arg === "language") return ch.language;
          return "";
        case "CALLERID": {
          if (!ch) return undefined;
          const v = arg.startsWith("name") ? ch.caller.name : ch.caller.num;
          return v === UNKNOWN ? "" : v;
        }
        case "RAND": {
          const [lo, hi] = arg.split(",").map((x) => parseInt(x, 10));
          const min = Number.isFinite(lo) ? lo : 0;
          const max = Number.isFinite(hi) ? hi : 2147483647;
          return String(min + Math.floor(Math.random() * (max - min + 1)));
        }
        case "DEVICE_STATE":
          return this.host.devices.state(arg);
        case "EXTENSION_STATE": {
          const [exten, context = "default"] = arg.split("@");
          const hint = this.host.dialplan[context]?.find((e) => e.exten === exten && e.hint)?.hint;
          return hint ? this.host.devices.extensionState(hint)[2] : "UNKNOWN";
        }
        case "GLOBAL":
          return this.host.globals.get(arg);
        default:
          return "";
      }
    }
    if (ch) {
      // pbx_retrieve_variable: the channel's built-ins come before its variables.
      const builtin: Record<string, () => string> = {
        EXTEN: () => ch.exten, CONTEXT: () => ch.context, PRIORITY: () => String(ch.priority),
        UNIQUEID: () => ch.uniqueid, CHANNEL: () => ch.name,
      };
      return builtin[name]?.() ?? ch.vars.get(name);
    }
    return this.host.globals.get(name);
  }

  // ---- hangup -------------------------------------------------------------------------------

  /** The Hangup action (and AMI-driven hangups): a soft hangup with that cause. */
  requestHangup(ch: Channel, cause: number): void {
    if (ch.gone || ch.hangupRequested) return;
    ch.hangupCause = cause;
    ch.softHangupSent = true;
    this.emit("SoftHangupRequest", "call", ch, [["Cause", String(cause)]]);
    ch.interrupt();
  }

  /**
   * The last steps of a channel: it leaves its bridge, its Local peer is asked to hang up
   * (HangupRequest), Hangup goes out, then the rest of the bridge and the peer follow.
   */
  private finalize(ch: Channel, cause: number): void {
    if (ch.gone) return;
    if (ch.bridge) this.leaveBridge(ch);
    const peer = ch.localPeer && !ch.localPeer.gone ? ch.localPeer : undefined;
    if (peer && !peer.hangupRequested) {
      const dialStatus = ch.vars.get("DIALSTATUS");
      if (dialStatus) this.varSet(peer, "CHANLOCALSTATUS", dialStatus);
      peer.requestCause = cause;
      this.emit("HangupRequest", "call", peer, [["Cause", String(cause)]]);
    }
    this.hangupNow(ch, cause);
    const bridge = ch.leftBridge;
    if (bridge && bridge.members.length > 0) {
      const others = [...bridge.members];
      this.dissolve(bridge);
      for (const o of others) o.interrupt();
    }
    peer?.interrupt();
  }

  /** Hangup event, gone from the channel list, device state updated. */
  private hangupNow(ch: Channel, cause: number): void {
    ch.gone = true;
    ch.hangupRequested = true;
    this.channels.delete(ch.name);
    this.emit("Hangup", "call", ch, [["Cause", String(cause)], ["Cause-txt", CAUSE_TEXT[cause] ?? "Unknown"]]);
    this.host.devices.channelGone(ch);
    ch.interrupt();
  }
}
