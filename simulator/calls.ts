import { CAUSE_TEXT, Channel, Party } from "./channel";
import { PbxEvent } from "./events";
import { Dialplan, findExtension } from "./dialplan";
import { DeviceStates } from "./devices";
import { Queues } from "./queues";
import { CallEvents } from "./call-events";
import { ChannelVariables } from "./channel-variables";
import { DialplanApps } from "./dialplan-apps";
import { DialApp } from "./dial-app";
import { QueueApp } from "./queue-app";
import { CallBridges } from "./call-bridges";
import { AsyncAgi } from "./async-agi";
import { Origination } from "./originate";

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

/** Cause of the Dial() members that lost to the one that answered (app_dial hanguptree). */
const ANSWERED_ELSEWHERE = 26;

/**
 * Channels, Local channel pairs, answering and ringing, the dialplan runner and hangups; the
 * applications, Dial(), Queue(), Async AGI, bridges, Originate and variables are its parts (one
 * file each), which reach the channels and each other through the engine.
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
  stopped = false;
  readonly ev: CallEvents;
  readonly vars: ChannelVariables;
  readonly apps = new DialplanApps(this);
  readonly dialApp = new DialApp(this);
  readonly queueApp = new QueueApp(this);
  readonly bridges = new CallBridges(this);
  readonly agi = new AsyncAgi(this);
  readonly origination = new Origination(this);

  constructor(readonly host: CallHost) {
    this.ev = new CallEvents(host);
    this.vars = new ChannelVariables(host);
  }

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

  /** VarSet on a channel (the Setvar action). */
  varSet(ch: Channel, name: string, value: string): void {
    this.ev.varSet(ch, name, value);
  }

  /** A channel variable or one of the functions the captures read (Getvar, Status). */
  readVariable(ch: Channel | undefined, name: string): string | undefined {
    return this.vars.readVariable(ch, name);
  }

  /** Queues an AGI command (Action: AGI); an error text when the channel cannot take it. */
  queueAgi(nameOrId: string, command: string, commandId: string | undefined): string | undefined {
    return this.agi.queueAgi(nameOrId, command, commandId);
  }

  /** Places the call of an Originate and resolves once it is answered or has failed. */
  originate(req: OriginateRequest): Promise<OriginateOutcome> {
    return this.origination.originate(req);
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
  createLocalPair(exten: string, context: string, linkedid?: string, ids: [string?, string?] = []): [Channel, Channel] {
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
      this.ev.emit("Newchannel", "call", ch);
    }
    return [one, two];
  }

  // ---- answer / ringing ---------------------------------------------------------------------

  /** Answers a channel; a Local channel's other half follows, and whoever waits is told. */
  answer(ch: Channel): void {
    if (ch.state === 6 || ch.gone) return;
    this.ev.setState(ch, 6);
    const peer = ch.localPeer && !ch.localPeer.gone ? ch.localPeer : undefined;
    if (peer && peer.state !== 6) this.ev.setState(peer, 6);
    for (const c of [ch, peer]) {
      if (!c || c.answered) continue;
      if (c.role === "outgoing") {
        c.answered = true;
        this.ev.dialEvent("DialEnd", undefined, c, [["DialStatus", "ANSWER"]]);
        c.signal();
      } else if (c.role === "callee" && c.dialer) {
        c.answered = true;
        this.calleeAnswered(c.dialer, c);
      }
    }
  }

  /** Ringing() on a ;2 half: the ;1 half rings, and so does whoever dials it. */
  indicateRinging(ch: Channel): void {
    const peer = ch.localPeer;
    if (!peer || peer.gone || peer.state >= 5) return;
    this.ev.setState(peer, 5);
    if (peer.role === "outgoing") this.ev.dialEvent("DialState", undefined, peer, [["DialStatus", "RINGING"]]);
    else if (peer.role === "callee" && peer.dialer?.dialing?.app === "Dial" && peer.dialer.dialing.attempts.includes(peer)) {
      // app_queue neither publishes DialState nor rings its caller (without option r it plays music).
      const dialer = peer.dialer;
      this.ev.varSet(dialer, "RINGTIME", "0");
      this.ev.varSet(dialer, "RINGTIME_MS", "0");
      this.ev.dialEvent("DialState", dialer, peer, [["DialStatus", "RINGING"]]);
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
      this.ev.varSet(dialer, "DIALSTATUS", "ANSWER");
      this.ev.varSet(dialer, "DIALEDPEERNAME", callee.name);
      this.ev.varSet(dialer, "DIALEDPEERNUMBER", target);
    }
    // Answered, the callee leaves its dialing extension (`DestExten: ` in capture `dial-outcomes`).
    callee.exten = "";
    callee.dialStatus = "ANSWER";
    callee.dialReported = true;
    this.ev.dialEvent("DialEnd", dialer, callee, [["DialStatus", "ANSWER"]]);
    const losers = dialing.attempts.filter((c) => !c.dialStatus && !c.gone);
    for (const c of losers) {
      c.dialStatus = "CANCEL";
      c.dialReported = true;
      this.ev.dialEvent("DialEnd", dialer, c, [["DialStatus", "CANCEL"]]);
    }
    for (const c of losers) this.finalize(c, dialing.app === "Dial" ? ANSWERED_ELSEWHERE : 0);
    if (dialing.app === "Dial") this.answer(dialer);
    dialer.signal();
  }

  // ---- dialplan -----------------------------------------------------------------------------

  /** Runs priorities from the channel's context/exten/priority until a hangup. */
  async runDialplan(ch: Channel): Promise<void> {
    ch.role = "dialplan";
    while (!ch.hangupRequested && !ch.gone) {
      const step = findExtension(this.host.dialplan, ch.context, ch.exten)?.steps?.[ch.priority - 1];
      if (!step) break;
      const data = this.vars.substitute(ch, step.data ?? "");
      this.ev.newexten(ch, step.app, data);
      const r = await this.apps.execApp(ch, step.app, data);
      if (r === "hangup" || ch.gone) break;
      ch.priority++;
    }
    if (!ch.gone) this.terminate(ch);
  }

  /** The end of a channel running dialplan: soft hangup, hangup handlers, then Hangup. */
  private terminate(ch: Channel): void {
    if (!ch.softHangupSent) {
      ch.softHangupSent = true;
      this.ev.emit("SoftHangupRequest", "call", ch, [["Cause", "16"]]);
    }
    this.apps.runHangupHandlers(ch);
    this.finalize(ch, ch.hangupCause ?? ch.requestCause ?? 16);
  }

  // ---- hangup -------------------------------------------------------------------------------

  /** The Hangup action (and AMI-driven hangups): a soft hangup with that cause. */
  requestHangup(ch: Channel, cause: number): void {
    if (ch.gone || ch.hangupRequested) return;
    ch.hangupCause = cause;
    ch.softHangupSent = true;
    this.ev.emit("SoftHangupRequest", "call", ch, [["Cause", String(cause)]]);
    ch.interrupt();
  }

  /**
   * The last steps of a channel: it leaves its bridge, its Local peer is asked to hang up
   * (HangupRequest), Hangup goes out, then the rest of the bridge and the peer follow.
   */
  finalize(ch: Channel, cause: number): void {
    if (ch.gone) return;
    if (ch.bridge) this.bridges.leaveBridge(ch);
    const peer = ch.localPeer && !ch.localPeer.gone ? ch.localPeer : undefined;
    if (peer && !peer.hangupRequested) {
      const dialStatus = ch.vars.get("DIALSTATUS");
      if (dialStatus) this.ev.varSet(peer, "CHANLOCALSTATUS", dialStatus);
      peer.requestCause = cause;
      this.ev.emit("HangupRequest", "call", peer, [["Cause", String(cause)]]);
    }
    this.hangupNow(ch, cause);
    const bridge = ch.leftBridge;
    if (bridge && bridge.members.length > 0) {
      const others = [...bridge.members];
      this.bridges.dissolve(bridge);
      for (const o of others) o.interrupt();
    }
    peer?.interrupt();
  }

  /** Hangup event, gone from the channel list, device state updated. */
  hangupNow(ch: Channel, cause: number): void {
    ch.gone = true;
    ch.hangupRequested = true;
    this.channels.delete(ch.name);
    this.ev.emit("Hangup", "call", ch, [["Cause", String(cause)], ["Cause-txt", CAUSE_TEXT[cause] ?? "Unknown"]]);
    this.host.devices.channelGone(ch);
    ch.interrupt();
  }
}
