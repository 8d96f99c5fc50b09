import { ActionFields, encodeAction } from "./encoder";
import { amiError } from "./errors";
import { textOf } from "./values";

/**
 * What an action asks of the client, read from its name, fields and the caller's options before
 * anything is registered or written: its bytes (encoding validates every header), its timeouts,
 * the asynchronous result it awaits (an async Originate's OriginateResponse, an AGI command's
 * AsyncAGIExec) and whether it holds the session (a synchronous Originate).
 */

export interface SendOptions {
  /** Timeout for this action, ms (default: the client's actionTimeout). */
  timeout?: number;
  /** Use this ActionID instead of a generated one (refused while another action uses it). */
  actionId?: string;
  /**
   * Async Originate: resolve on its OriginateResponse. AGI: resolve on the AsyncAGIExec of its
   * CommandID. Ignored for other actions.
   */
  waitForResult?: boolean;
  /** How long to wait for that asynchronous result once the action was accepted, ms. */
  resultTimeout?: number;
}

/** What an action asks of the client (see the file header). */
export interface ActionPlan {
  /** The action as written on the wire (encoding validated every header). */
  bytes: Buffer;
  timeout: number;
  /** Its ring time (a synchronous Originate's Timeout), added to `timeout` once it is written. */
  ringWait: number;
  /** How long an awaited asynchronous result may take once the action was accepted. */
  resultTimeout: number;
  /** Asynchronous result awaited after a Success response. */
  wait?: "originate" | "agi";
  /** AGI: the CommandID its AsyncAGIExec will carry. */
  commandId?: string;
  /** AGI: the channel running Async AGI (its AsyncAGIEnd ends the wait). */
  channel?: string;
  /** AGI: the command sent, by which its result is judged (AgiResult.ok). */
  agiCommand?: string;
  /** Async Originate: the Channel asked for (`PJSIP/6001`); its channels are named `PJSIP/6001-...`. */
  originateChannel?: string;
  /** A synchronous Originate holds the whole AMI session until the call is answered. */
  blocking: boolean;
}

const ASTERISK_TRUE = new Set(["yes", "true", "y", "t", "1", "on"]);

/**
 * Reads what the action asks for. `commandIdTaken` says whether an AGI CommandID is already
 * awaited (refused: its result would go to the wrong caller). Throws an AmiError for an action that
 * cannot be sent; nothing is registered or written then.
 */
export function planAction(
  action: string,
  fields: ActionFields,
  options: SendOptions,
  id: string,
  defaultTimeout: number,
  commandIdTaken: (commandId: string) => boolean,
): ActionPlan {
  const lower = action.toLowerCase();
  const originate = lower === "originate";
  const async = originate && ASTERISK_TRUE.has(textOf(fieldValue(fields, "Async") ?? "").toLowerCase());
  const wait = options.waitForResult && originate && async ? "originate" : options.waitForResult && lower === "agi" ? "agi" : undefined;
  const agi = wait === "agi" ? agiPlan(action, fields, id, commandIdTaken) : undefined;
  // Encoding validates everything before anything is registered or written.
  const bytes = encodeAction(action, agi?.sendFields ?? fields, id);
  // A synchronous Originate answers only once the call is answered or its Timeout (30 s by
  // default) runs out, and holds the session meanwhile: its timeout counts from the end of that
  // ring time, whoever set it. Shorter, it would report a timeout while the phone still rings.
  const originateWait = originate ? ringTimeout(fields) : 0;
  const timeout = options.timeout ?? defaultTimeout;
  return {
    bytes,
    timeout,
    ringWait: originate && !async ? originateWait : 0,
    resultTimeout: options.resultTimeout ?? (wait === "originate" ? originateWait + timeout : timeout),
    wait,
    commandId: agi?.commandId,
    channel: agi?.channel,
    agiCommand: agi?.command,
    originateChannel: wait === "originate" ? fieldText(fields, "Channel") || undefined : undefined,
    blocking: originate && !async,
  };
}

/** An AGI action awaiting its result: its CommandID (ours when the caller gave none), channel and command. */
function agiPlan(action: string, fields: ActionFields, id: string, taken: (commandId: string) => boolean) {
  const given = fieldValue(fields, "CommandID");
  const commandId = given === undefined || given === null ? `${id}-agi` : textOf(given);
  if (taken(commandId)) {
    throw amiError("ERR_AMI_DUPLICATE_ACTIONID", `AGI: CommandID ${JSON.stringify(commandId)} is already awaited`, { action, actionId: id });
  }
  const sendFields = given === undefined || given === null ? { ...fields, CommandID: commandId } : fields;
  return { commandId, sendFields, channel: fieldText(fields, "Channel"), command: fieldText(fields, "Command") };
}

/**
 * A field's value as Asterisk reads it (any case of its name): an array is sent as repeated
 * headers (see the encoder) and Asterisk takes the first of them, so the first element.
 */
function fieldValue(fields: ActionFields, name: string): unknown {
  const lower = name.toLowerCase();
  for (const key of Object.keys(fields)) {
    if (key.toLowerCase() !== lower) continue;
    const value: unknown = fields[key];
    return Array.isArray(value) ? (value as unknown[])[0] : value;
  }
  return undefined;
}

/** A field's value as text (any case of its name), or undefined when it is not set (or null). */
function fieldText(fields: ActionFields, name: string): string | undefined {
  const value = fieldValue(fields, name);
  return value === undefined || value === null ? undefined : textOf(value);
}

/** The Originate's ring time (its Timeout header, ms; Asterisk's default is 30000). */
function ringTimeout(fields: ActionFields): number {
  const t = Number(fieldValue(fields, "Timeout"));
  return Number.isFinite(t) && t > 0 ? t : 30_000;
}
