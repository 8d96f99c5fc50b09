import { AgiResult, parseAgiResult } from "./agi";
import { ActionPlan } from "./action-plan";
import { AmiError, AmiErrorCode, amiError } from "./errors";
import { AmiMessage } from "./message";

/**
 * One action in flight: it owns its promise, its timer and the rules that say when it is complete
 * and what it resolves with (as cfware/ami's `Request` does). A plain response completes it; a
 * list is collected until its Complete event; Command output is read from the response; an async
 * Originate waits for its OriginateResponse (a Hangup of its channel kept to say why it failed); an
 * Async AGI command waits for its AsyncAGIExec (or the AsyncAGIEnd of its channel). It resolves or
 * rejects exactly once, and tells its owner (the table of actions in flight) when it did.
 */

export interface ActionResult {
  action: string;
  actionId: string;
  /** The response message (for a list, the `EventList: start` response). */
  response: AmiMessage;
  /** List actions: the item events, in order, without the Complete event. */
  events?: AmiMessage[];
  /** List actions: the `EventList: Complete` event. */
  complete?: AmiMessage;
  /** Command: the output lines (both the 14+ `Output:` form and the legacy `Follows` form). */
  output?: string[];
  /**
   * Async Originate with waitForResult that failed: the Hangup of the channel it created, when one
   * was seen before the OriginateResponse (its Cause tells why: 17 busy, 21 rejected, 19 no answer...).
   */
  originateHangup?: AmiMessage;
  /** Async Originate with waitForResult: the OriginateResponse event. */
  originateResponse?: AmiMessage;
  /** AGI with waitForResult: the AsyncAGIExec event and its decoded result. */
  agiExec?: AmiMessage;
  agiResult?: AgiResult;
}

/** queued: waits for the session; sent: waits for its response; list: collects items; result: waits for an async result. */
export type Phase = "queued" | "sent" | "list" | "result";

/** How an action ended, for its owner: answered (or failed by an answer or the connection), given up on by its timer, or a list cut at its bound. */
export type Outcome = "answered" | "timeout" | "overflow";

/** What a pending action needs from the table that holds it. */
export interface PendingOwner {
  /** Bounds of one list response (items, bytes). */
  readonly maxListItems: number;
  readonly maxListBytes: number;
  /** Its response opened a list: its items carry its ActionID from now on. */
  listStarted(p: PendingAction): void;
  /** It resolved or rejected (called once, before its caller hears of it). */
  settled(p: PendingAction, outcome: Outcome): void;
}

export class PendingAction {
  readonly action: string;
  readonly id: string;
  readonly plan: ActionPlan;
  private readonly owner: PendingOwner;
  private readonly resolve: (r: ActionResult) => void;
  private readonly reject: (e: Error) => void;
  private current: Phase = "queued";
  private done = false;
  private timer?: NodeJS.Timeout;
  private answer?: AmiMessage;
  private readonly items: AmiMessage[] = [];
  private itemBytes = 0;
  /** The awaited result, when it came before the response that accepted the action. */
  private early?: AmiMessage;
  /** Async Originate: the Hangup of the channel it created, when seen before the result. */
  private hangup?: AmiMessage;

  constructor(
    action: string,
    id: string,
    plan: ActionPlan,
    owner: PendingOwner,
    resolve: (r: ActionResult) => void,
    reject: (e: Error) => void,
  ) {
    this.action = action;
    this.id = id;
    this.plan = plan;
    this.owner = owner;
    this.resolve = resolve;
    this.reject = reject;
  }

  get phase(): Phase {
    return this.current;
  }

  get settled(): boolean {
    return this.done;
  }

  /** The response, once it came. */
  get response(): AmiMessage | undefined {
    return this.answer;
  }

  /** A synchronous Originate written and not answered yet: the session is held by it. */
  get holdsSession(): boolean {
    return this.plan.blocking && this.current === "sent";
  }

  /** It was written to the socket: from now on an answer is due. */
  markSent(): void {
    this.current = "sent";
  }

  /** (Re)starts its timer: when it runs out, the action fails with ERR_AMI_TIMEOUT. */
  arm(ms: number): void {
    if (this.done) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.expire(ms), ms);
  }

  /** Its response. Returns false when none was expected now (not sent yet, or already answered). */
  onResponse(msg: AmiMessage): boolean {
    if (this.done || this.current !== "sent") return false;
    this.answer = msg;
    if (msg.get("Response") === "Error") {
      this.settle(responseError(this, msg));
    } else if (isListStart(msg)) {
      this.current = "list";
      this.owner.listStarted(this);
      this.arm(this.plan.timeout);
    } else if (this.plan.wait !== undefined) {
      this.current = "result";
      if (this.early) this.finish(this.early);
      else this.arm(this.plan.resultTimeout);
    } else {
      this.settle(undefined, this.resultOf(msg));
    }
    return true;
  }

  /** An event carrying its ActionID. Returns true when the event was its own (a list item): no subscriber gets it. */
  onEvent(msg: AmiMessage, name: string, size: number): boolean {
    if (this.current === "list") {
      this.onListEvent(msg, size);
      return true;
    }
    if (this.plan.wait === "originate" && name === "OriginateResponse") this.onResult(msg);
    return false;
  }

  /** Its AsyncAGIExec (found by CommandID), or the OriginateResponse, maybe before the response. */
  onResult(msg: AmiMessage): void {
    if (!this.answer) {
      this.early = msg; // arrived before the "queued" response: keep it for then
      return;
    }
    this.finish(msg);
  }

  /** Whether `channel` is one Asterisk created for this async Originate (it awaits its result). */
  createdChannel(channel: string): boolean {
    return this.plan.wait === "originate" && this.plan.originateChannel !== undefined && isChannelOf(channel, this.plan.originateChannel);
  }

  /**
   * A Hangup of a channel it created: the first one seen is the channel that failed (a later hangup
   * on the same phone, call waiting, is another call's), except that a Local channel's ;1 half, the
   * one Originate created, wins over its ;2 half (which runs the dialplan and may hang up first).
   */
  onHangup(msg: AmiMessage, channel: string): void {
    const kept = this.hangup?.get("Channel");
    if (kept === undefined || (kept.endsWith(";2") && channel === kept.slice(0, -1) + "1")) this.hangup = msg;
  }

  /** AsyncAGIEnd of its channel: the command will never run. Only once the command was accepted. */
  onAgiEnd(channel: string | undefined): void {
    if (this.plan.channel !== channel || this.current !== "result") return;
    this.settle(this.error("ERR_AMI_AGI_CHANNEL_GONE", `AGI: channel ${channel} left Async AGI before the command ran`));
  }

  /**
   * The connection ended (`closing`: by close()): an action not written yet was never sent; one
   * written may have run, so it is not re-sent and says so.
   */
  abort(closing: boolean, cause?: Error): void {
    const code = closing ? "ERR_AMI_CLOSED" : "ERR_AMI_DISCONNECTED";
    if (this.current === "queued") {
      this.settle(this.error(code, `${this.action}: the AMI client was closed before the action was sent`));
      return;
    }
    const awaited = this.current === "sent" ? "response" : this.current === "list" ? "list completed" : "result arrived";
    const why = cause && !closing ? ` (${cause.message})` : "";
    this.settle(this.error(code, `${this.action}: the AMI connection ended before the ${awaited}; the action was sent and may have taken effect, so it is not re-sent${why}`));
  }

  private onListEvent(msg: AmiMessage, size: number): void {
    if (isListComplete(msg)) {
      this.settle(undefined, { ...this.resultOf(this.answer as AmiMessage), events: this.items, complete: msg });
      return;
    }
    this.items.push(msg);
    this.itemBytes += size;
    const { maxListItems, maxListBytes } = this.owner;
    if (this.items.length > maxListItems || this.itemBytes > maxListBytes) {
      const limit = this.items.length > maxListItems ? `${maxListItems} items` : `${maxListBytes} bytes`;
      this.settle(this.error("ERR_AMI_LIST_LIMIT", `${this.action}: the list exceeds ${limit}`), undefined, "overflow");
      return;
    }
    this.arm(this.plan.timeout); // lists time out when they stop arriving, not by total length
  }

  private finish(msg: AmiMessage): void {
    if (this.plan.wait === "originate") this.finishOriginate(msg);
    else this.finishAgi(msg);
  }

  private finishOriginate(msg: AmiMessage): void {
    const result: ActionResult = { ...this.resultOf(this.answer as AmiMessage), originateResponse: msg };
    if (msg.get("Response") === "Success") {
      this.settle(undefined, result);
      return;
    }
    const hangup = this.hangup;
    if (hangup) result.originateHangup = hangup;
    const why = hangup
      ? `${hangup.get("Channel")} hung up before answering, cause ${hangup.get("Cause") ?? "?"} (${hangup.get("Cause-txt") ?? "no text"})`
      : originateReason(msg.get("Reason"));
    const text = `Originate failed: ${why} (Reason ${msg.get("Reason") ?? "?"}, Channel ${msg.get("Channel") ?? "?"})`;
    this.settle(this.error("ERR_AMI_ORIGINATE_FAILED", text, result));
  }

  private finishAgi(msg: AmiMessage): void {
    const agiResult = parseAgiResult(msg.get("Result") ?? "", this.plan.agiCommand);
    const result: ActionResult = { ...this.resultOf(this.answer as AmiMessage), agiExec: msg, agiResult };
    if (agiResult.code >= 500 || Number.isNaN(agiResult.code)) {
      this.settle(this.error("ERR_AMI_AGI_FAILED", `AGI command failed: ${agiResult.raw}`, result));
      return;
    }
    this.settle(undefined, result);
  }

  private expire(ms: number): void {
    if (this.done) return;
    this.settle(this.error("ERR_AMI_TIMEOUT", `${this.action} timed out: ${this.timeoutReason(ms)}`), undefined, "timeout");
  }

  private timeoutReason(ms: number): string {
    switch (this.current) {
      case "queued":
        return `not sent: the AMI connection was not ready within ${ms} ms`;
      case "list":
        return `the list stopped arriving (${this.items.length} items, none for ${ms} ms)`;
      case "result":
        return this.plan.wait === "agi" ? `no AsyncAGIExec for the command within ${ms} ms` : `no OriginateResponse within ${ms} ms`;
      default:
        return `no response within ${ms} ms${this.plan.blocking ? " (it was still ringing or queued at Asterisk: the call may yet go ahead)" : ""}`;
    }
  }

  private settle(err: Error | undefined, result?: ActionResult, outcome: Outcome = "answered"): void {
    if (this.done) return;
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
    this.owner.settled(this, outcome);
    if (err) this.reject(err);
    else this.resolve(result as ActionResult);
  }

  private resultOf(response: AmiMessage): ActionResult {
    const r: ActionResult = { action: this.action, actionId: this.id, response };
    if (this.action.toLowerCase() === "command") r.output = commandOutput(response);
    return r;
  }

  private error(code: AmiErrorCode, message: string, result?: ActionResult): AmiError {
    return amiError(code, message, { action: this.action, actionId: this.id, response: this.answer, result });
  }
}

export function isListStart(msg: AmiMessage): boolean {
  return (msg.get("EventList") ?? "").toLowerCase() === "start";
}

export function isListComplete(msg: AmiMessage): boolean {
  return (msg.get("EventList") ?? "").toLowerCase() === "complete";
}

/** Command output lines; Asterisk 22 sends a single empty Output header for no output. */
export function commandOutput(response: AmiMessage): string[] {
  const lines = response.getAll("Output");
  return lines.length === 1 && lines[0] === "" ? [] : lines;
}

function responseError(p: PendingAction, msg: AmiMessage): AmiError {
  const text = msg.get("Message") ?? "error";
  const denied = text === "Permission denied";
  let detail = text;
  if (p.action.toLowerCase() === "command") {
    const out = commandOutput(msg);
    if (out.length > 0) detail = `${text}: ${out.join(" / ")}`;
  }
  return amiError(denied ? "ERR_AMI_PERMISSION_DENIED" : "ERR_AMI_RESPONSE", `${p.action} failed: ${detail}`, {
    action: p.action,
    actionId: p.id,
    response: msg,
  });
}

/** Whether `channel` is one Asterisk created for the dial string `dial`: `PJSIP/6001` → `PJSIP/6001-0000002a`, `Local/100@test` → `Local/100@test-0000002b;1`. */
function isChannelOf(channel: string, dial: string): boolean {
  return channel.length > dial.length && channel.startsWith(dial) && /^-[0-9a-f]{8}(;[12])?$/.test(channel.slice(dial.length));
}

/** Asterisk's originate failure reasons (the AST_CONTROL_* value reported in Reason). */
function originateReason(reason: string | undefined): string {
  switch (reason) {
    case "0":
      // Asterisk's Reason 0 means only "failed before being answered": a phone that rejected or
      // was busy gives it as well as a channel that could not be created.
      return "the call failed before it was answered (rejected, busy or unreachable, or no such channel or extension)";
    case "1":
      return "hung up";
    case "3":
      return "no answer";
    case "4":
      return "answered";
    case "5":
      return "busy";
    case "8":
      return "congestion";
    default:
      return "the call was not answered";
  }
}
