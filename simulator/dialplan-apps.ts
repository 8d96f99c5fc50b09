/**
 * The dialplan applications the lab uses (Answer, Wait, UserEvent, Hangup, Set, NoOp, Ringing,
 * Busy, ExecIf; Dial, Queue and AGI have files of their own) and the hangup handlers' Gosub.
 */
import { Channel, Pairs } from "./channel";
import { findExtension } from "./dialplan";
import { isTrue, splitAppCall } from "./expressions";
import type { CallEngine } from "./calls";

export type AppResult = "continue" | "hangup";

/** Answer() lets 500 ms pass before the next priority (Newexten timing in every capture). */
export const ANSWER_DELAY_MS = 500;

export class DialplanApps {
  constructor(private readonly e: CallEngine) {}

  /** Runs one application; "hangup" when the channel must stop running dialplan. */
  async execApp(ch: Channel, app: string, data: string): Promise<AppResult> {
    const wait = async (ms: number): Promise<AppResult> => ((await ch.sleep(this.e.host.scale(ms))) === "hangup" ? "hangup" : "continue");
    switch (app.toLowerCase()) {
      case "answer":
        this.e.answer(ch);
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
        this.e.ev.emit("SoftHangupRequest", "call", ch, [["Cause", String(cause)]]);
        return "hangup";
      }
      case "set":
        this.setApp(ch, data);
        return "continue";
      case "noop":
        return "continue";
      case "ringing":
        this.e.indicateRinging(ch);
        return "continue";
      case "busy": {
        this.e.ev.setState(ch, 7);
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
        return this.e.dialApp.dial(ch, data);
      case "execif": {
        // ExecIf(<expr>?<app>(<args>)[:<app>(<args>)]); the expression was evaluated by substitute().
        const q = data.indexOf("?");
        if (q < 0) return "continue";
        const [onTrue, onFalse] = splitAppCall(data.slice(q + 1));
        const call = isTrue(data.slice(0, q)) ? onTrue : onFalse;
        return call ? this.execApp(ch, call.app, call.data) : "continue";
      }
      case "queue":
        return this.e.queueApp.queueApp(ch, data);
      case "agi":
        return this.e.agi.asyncAgi(ch);
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
    this.e.ev.emit("UserEvent", "user", ch, extra);
  }

  /** Set(NAME=value): a variable, a hangup handler pushed, or a Custom: device state. */
  private setApp(ch: Channel, data: string): void {
    const i = data.indexOf("=");
    if (i < 0) return;
    const name = data.slice(0, i);
    const value = data.slice(i + 1);
    const device = /^DEVICE_STATE\((.*)\)$/i.exec(name);
    if (name.toUpperCase() === "CHANNEL(HANGUP_HANDLER_PUSH)") {
      ch.hangupHandlers.push(value);
      this.e.ev.emit("HangupHandlerPush", "dialplan", ch, [["Handler", value]]);
    } else if (device) {
      // func_devstate writes Custom: devices only; a function write sets no variable (no VarSet).
      if (/^Custom:./i.test(device[1])) this.e.host.devices.set(device[1], value.toUpperCase());
    } else this.e.ev.varSet(ch, name, value);
  }

  /**
   * Hangup handlers (capture `hangup-long-call`): a Gosub into e.g. `hdlr,s,1(from300)` with its
   * LOCAL(ARGn) variables, run to its Return.
   */
  runHangupHandlers(ch: Channel): void {
    // The Gosub returns: Hangup shows the place the channel was at (capture `hangup-long-call`).
    const [context, exten, priority] = [ch.context, ch.exten, ch.priority];
    let handler: string | undefined;
    while ((handler = ch.hangupHandlers.pop()) !== undefined) {
      this.e.ev.emit("HangupHandlerRun", "dialplan", ch, [["Handler", handler]]);
      const m = /^([^,]+),([^,]+),(\d+)(?:\((.*)\))?$/.exec(handler);
      if (!m) continue;
      const args = m[4] !== undefined ? m[4].split(",") : [];
      const locals = new Map<string, string>();
      args.forEach((a, i) => {
        locals.set(`ARG${i + 1}`, a);
        this.e.ev.varSet(ch, `LOCAL(ARG${i + 1})`, a);
      });
      this.e.ev.varSet(ch, "LOCAL(ARGC)", String(args.length));
      ch.context = m[1];
      ch.exten = m[2];
      ch.priority = parseInt(m[3], 10);
      for (;;) {
        const step = findExtension(this.e.host.dialplan, ch.context, ch.exten)?.steps?.[ch.priority - 1];
        if (!step) break;
        const data = this.e.vars.substitute(ch, step.data ?? "", locals);
        this.e.ev.newexten(ch, step.app, data);
        if (step.app.toLowerCase() === "return") {
          this.e.ev.varSet(ch, "ARGC", "");
          for (let i = args.length; i >= 1; i--) this.e.ev.varSet(ch, `ARG${i}`, "");
          this.e.ev.varSet(ch, "GOSUB_RETVAL", "");
          break;
        }
        if (step.app.toLowerCase() === "userevent") this.userEvent(ch, data);
        else if (step.app.toLowerCase() === "set") this.setApp(ch, data);
        ch.priority++;
      }
      [ch.context, ch.exten, ch.priority] = [context, exten, priority];
    }
  }
}
