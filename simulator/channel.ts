/**
 * A simulated channel and the header blocks Asterisk prints for it.
 *
 * Every channel event of AMI 11 carries the same 13-header snapshot (Channel ... Linkedid); events
 * about two channels repeat it with a prefix (`DestChannel`, `LocalOneChannel`, ...). Building all
 * events from `channelHeaders(ch, prefix)` keeps header names and order identical to the captures.
 */
export type Pairs = Array<[string, string]>;

export interface Party {
  num: string;
  name: string;
}

export const UNKNOWN = "<unknown>";

/** ast_state2str for the states the simulator uses. */
export const STATE_DESC: Record<number, string> = { 0: "Down", 4: "Ring", 5: "Ringing", 6: "Up", 7: "Busy" };

export type ChannelRole =
  /** ;1 of an originated Local pair: waits for the answer, then runs the originate's application. */
  | "outgoing"
  /** Runs dialplan (;2 halves, and ;1 halves sent to Context/Exten by Originate). */
  | "dialplan"
  /** ;1 of a Local pair created by Dial(): answered into a bridge with the dialing channel. */
  | "callee";

export class Channel {
  state = 0;
  context: string;
  exten: string;
  priority = 1;
  caller: Party = { num: UNKNOWN, name: UNKNOWN };
  connected: Party = { num: UNKNOWN, name: UNKNOWN };
  language = "en";
  accountCode = "";
  readonly vars = new Map<string, string>();
  /** Application currently running and its data (CoreShowChannels / Status). */
  app = "";
  appData = "";
  readonly createdAt = Date.now();
  /** The other half of a Local channel pair. */
  localPeer?: Channel;
  bridge?: Bridge;
  role: ChannelRole = "dialplan";
  /** Gosub targets pushed with CHANNEL(hangup_handler_push). */
  readonly hangupHandlers: string[] = [];
  /** The cause Hangup will carry; set by Hangup(), Busy(), the Hangup action. */
  hangupCause?: number;
  /** The cause a hangup of the Local peer passed on (HangupRequest). */
  requestCause?: number;
  /** Set once a hangup was requested: running applications stop at their next wait. */
  hangupRequested = false;
  /** A SoftHangupRequest already went out for this hangup (Hangup(), the Hangup action). */
  softHangupSent = false;
  /** True once the Hangup event went out. */
  gone = false;
  /** ;1 of an originate / Dial: the far end answered. */
  answered = false;
  /** For a callee: the channel running Dial() towards it. */
  dialer?: Channel;
  /** For a callee: how its dial ended (ANSWER, BUSY, NOANSWER, CANCEL), once it did. */
  dialStatus?: string;
  /** For a callee: its DialEnd went out. */
  dialReported = false;
  /** For a channel running Dial() or Queue(): the callees it rings. */
  dialing?: Dialing;
  /** The bridge this channel left while hanging up; its other member is kicked after Hangup. */
  leftBridge?: Bridge;
  /** Set when the other member of its bridge hung up. */
  bridgeEnded = false;
  /** Variables manager.conf `channelvars` adds to every snapshot (capture `chanvariable`). */
  chanVars: readonly string[] = [];
  /** Async AGI commands waiting for the channel (Action: AGI). */
  agiQueue?: Array<{ command: string; commandId?: string }>;
  private wakers = new Set<(reason: WakeReason) => void>();

  constructor(
    readonly name: string,
    readonly uniqueid: string,
    readonly linkedid: string,
    context: string,
    exten: string,
  ) {
    this.context = context;
    this.exten = exten;
  }

  /** `Local/100@test` for `Local/100@test-0000002b;1`: the device the channel belongs to. */
  get device(): string {
    const m = /^(.*)-[0-9a-f]{8}(;\d)?$/.exec(this.name);
    return m ? m[1] : this.name;
  }

  get type(): string {
    return this.name.split("/")[0];
  }

  /**
   * Waits ms (already scaled; Infinity for no limit) until signal() or a hangup request, whichever
   * comes first. A channel with a hangup pending does not wait at all.
   */
  sleep(ms: number): Promise<WakeReason> {
    if (this.hangupRequested) return Promise.resolve("hangup");
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const wake = (reason: WakeReason): void => {
        if (timer) clearTimeout(timer);
        this.wakers.delete(wake);
        resolve(reason);
      };
      if (Number.isFinite(ms)) timer = setTimeout(() => wake("timeout"), Math.max(0, ms));
      this.wakers.add(wake);
    });
  }

  /** Wakes whatever the channel waits for (an answer, a queued AGI command). */
  signal(): void {
    for (const wake of [...this.wakers]) wake("signal");
  }

  /** A hangup was requested: every wait ends now and later ones return at once. */
  interrupt(): void {
    this.hangupRequested = true;
    for (const wake of [...this.wakers]) wake("hangup");
  }
}

export type WakeReason = "timeout" | "signal" | "hangup";

/** The parties a Dial() (`&` members) or a Queue() (its members) rings at once. */
export interface Dialing {
  app: "Dial" | "Queue";
  attempts: Channel[];
  /** The callee that answered first; the others were cancelled. */
  winner?: Channel;
}

/**
 * The channel snapshot (13 headers, then one ChanVariable per manager.conf `channelvars` entry),
 * optionally prefixed (`Dest`, `LocalOne`, `LocalTwo`).
 */
export function channelHeaders(ch: Channel, prefix = ""): Pairs {
  return [
    [`${prefix}Channel`, ch.name],
    [`${prefix}ChannelState`, String(ch.state)],
    [`${prefix}ChannelStateDesc`, STATE_DESC[ch.state] ?? "Unknown"],
    [`${prefix}CallerIDNum`, ch.caller.num],
    [`${prefix}CallerIDName`, ch.caller.name],
    [`${prefix}ConnectedLineNum`, ch.connected.num],
    [`${prefix}ConnectedLineName`, ch.connected.name],
    [`${prefix}Language`, ch.language],
    [`${prefix}AccountCode`, ch.accountCode],
    [`${prefix}Context`, ch.context],
    [`${prefix}Exten`, ch.exten],
    [`${prefix}Priority`, String(ch.priority)],
    [`${prefix}Uniqueid`, ch.uniqueid],
    [`${prefix}Linkedid`, ch.linkedid],
    ...ch.chanVars.map((v): [string, string] => [`${prefix}ChanVariable`, `${v}=${ch.vars.get(v) ?? ""}`]),
  ];
}

export class Bridge {
  readonly members: Channel[] = [];
  /** simple_bridge; native_rtp once two SIP channels without DTMF features go peer to peer (SIP lab). */
  technology = "simple_bridge";
  constructor(readonly uniqueid: string) {}
}

/** The bridge snapshot that opens every Bridge* event (capture `originate-context-exten`). */
export function bridgeHeaders(bridge: Bridge): Pairs {
  return [
    ["BridgeUniqueid", bridge.uniqueid],
    ["BridgeType", "basic"],
    ["BridgeTechnology", bridge.technology],
    ["BridgeCreator", UNKNOWN],
    ["BridgeName", UNKNOWN],
    ["BridgeNumChannels", String(bridge.members.length)],
    ["BridgeVideoSourceMode", "none"],
  ];
}

/** Hangup cause texts Asterisk prints in `Cause-txt` (ast_cause2str). */
export const CAUSE_TEXT: Record<number, string> = {
  0: "Unknown",
  1: "Unallocated (unassigned) number",
  16: "Normal Clearing",
  17: "User busy",
  18: "No user responding",
  19: "User alerting, no answer",
  21: "Call Rejected",
  26: "Answered elsewhere",
  34: "Circuit/channel congestion",
};
