/**
 * The call of an Originate: a Local pair to exten@context whose ;1 half, once answered, runs the
 * application or the dialplan given (captures `originate-*`, `chanvariable`).
 */
import { Channel } from "./channel";
import type { CallEngine, OriginateOutcome, OriginateRequest } from "./calls";

export class Origination {
  constructor(private readonly e: CallEngine) {}

  /**
   * Places the call of an Originate and resolves once it is answered or has failed. Only Local
   * channels exist in the lab; any other technology fails as `Bogus/foo` does.
   */
  async originate(req: OriginateRequest): Promise<OriginateOutcome> {
    const m = /^Local\/([^@/]+)@([^/]+?)(\/n)?$/i.exec(req.channel);
    if (!m || this.e.stopped) return { ok: false };
    const [, exten, context] = m;
    this.e.processedCalls++;
    const [one, two] = this.e.createLocalPair(exten, context, undefined, [req.channelId, req.otherChannelId]);
    one.role = "outgoing";
    this.e.ev.newexten(one, "AppDial2", "(Outgoing Line)");
    if (req.app !== undefined) {
      // CoreShowChannels/Status list the originate's application on ;1 from the start.
      one.app = req.app;
      one.appData = req.data ?? "";
    }
    if (!this.e.host.dialplan[context]) {
      // chan_local finds no such context: both halves just go (capture `originate-sync-failure`).
      this.e.hangupNow(two, 0);
      this.e.hangupNow(one, 0);
      return { ok: false };
    }
    // Originate sets the variables on ;1 in reverse order, then copies them to ;2 in order.
    for (const [k, v] of [...req.variables].reverse()) this.e.ev.varSet(one, k, v);
    if (req.callerId) {
      this.e.ev.setCaller(one, req.callerId);
      this.e.ev.setConnected(one, req.callerId);
    }
    // chan_local copies them to ;2 at once; every VarSet snapshot predates the copy (capture `chanvariable`).
    for (const [k, v] of req.variables) this.e.ev.emit("VarSet", "dialplan", two, [["Variable", k], ["Value", v]]);
    for (const [k, v] of req.variables) two.vars.set(k, v);
    if (req.callerId) {
      two.connected = { ...req.callerId };
      this.e.ev.setCaller(two, req.callerId);
      this.e.ev.setConnected(two, req.callerId);
    }
    this.e.ev.localBridge(one, two);
    this.e.ev.dialEvent("DialBegin", undefined, one, [["DialString", `${exten}@${context}`]]);
    void this.e.runDialplan(two);
    return this.runOutgoing(one, req);
  }

  /** The ;1 half of an originate: waits for the answer, then runs the application or dialplan. */
  private async runOutgoing(one: Channel, req: OriginateRequest): Promise<OriginateOutcome> {
    // The ;2 half may have answered already, before this routine got to wait.
    const woke = one.answered ? "signal" : await one.sleep(this.e.host.scale(req.timeoutMs));
    if (one.gone) return { ok: false };
    if (!one.answered) {
      this.e.ev.dialEvent("DialEnd", undefined, one, [["DialStatus", "NOANSWER"]]);
      this.e.finalize(one, one.hangupCause ?? one.requestCause ?? (woke === "timeout" ? 0 : 16));
      return { ok: false };
    }
    const outcome: OriginateOutcome = { ok: true, channel: one };
    void (async () => {
      if (req.app !== undefined) {
        one.app = req.app;
        one.appData = req.data ?? "";
        const r = await this.e.apps.execApp(one, req.app, req.data ?? "");
        if (one.gone) return;
        const cause = r === "hangup" || one.hangupRequested ? one.hangupCause ?? one.requestCause ?? 16 : 0;
        this.e.finalize(one, cause);
      } else {
        one.role = "dialplan";
        one.context = req.context ?? one.context;
        one.exten = req.exten ?? one.exten;
        one.priority = req.priority ?? 1;
        await this.e.runDialplan(one);
      }
    })();
    return outcome;
  }
}
