import type { ActionFields, ActionResult, AgiResult, AmiMessage, HeaderObject } from "../ami";
import { describeValue, isPlainObject, textOf } from "../ami/values";
import { InputError } from "./input-error";

/**
 * What the "ami action" node sends and what it puts on the message, as pure functions: the
 * action name (from the node, or from msg.payload.Action only when the node says so), the fields
 * (node settings merged with msg.payload, case-insensitively, one side winning), and the output
 * shape for each kind of action. Nothing here knows about Node-RED.
 */

export type ActionSource = "node" | "msg";
/** Which side wins when a header is set both in the node and in msg.payload; "none" ignores msg.payload. */
export type MergeMode = "msg" | "node" | "none";

// The action node imports InputError from here, beside what throws it.
export { InputError };

/**
 * The header object msg.payload carries, or undefined when it carries none. A plain object from any
 * node (a function node's come from another JavaScript realm) is taken. Nothing, an empty string, a
 * number or a boolean only trigger the node: the inject node's default payload is a timestamp, and
 * none of them can name a header. Anything else could only be a mistake that would silently lose
 * the headers the user meant to send (JSON text not parsed yet, a Buffer, an array of actions, a
 * Date, a Map, null), so it is refused with what to do instead.
 */
export function payloadHeaders(payload: unknown): Record<string, unknown> | undefined {
  if (isPlainObject(payload)) return payload;
  if (payload === undefined || typeof payload === "number" || typeof payload === "boolean") return undefined;
  if (typeof payload === "string" && payload.trim() === "") return undefined;
  const kind = describeValue(payload);
  throw new InputError(payloadAdvice(kind), { kind });
}

/** What to do about a payload of this kind (as describeValue names it): the key of the text that says it. */
function payloadAdvice(kind: string): "payload-string" | "payload-bytes" | "payload-array" | "payload-other" {
  if (kind === "a string") return "payload-string";
  if (kind === "a Buffer" || kind === "a Uint8Array") return "payload-bytes";
  if (kind === "an array") return "payload-array";
  return "payload-other";
}

function findKey(obj: Record<string, unknown>, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) return k;
  return undefined;
}

export interface ActionRequest {
  action: string;
  fields: ActionFields;
}

/**
 * Decides the action and its fields. `nodeFields` are the node's settings already evaluated
 * (undefined values dropped by the caller). Header names are compared case-insensitively because
 * Asterisk reads them that way (and the encoder refuses two spellings of one name); the winner's
 * spelling is kept. `ActionID` is never taken from input: the client makes unique ones, which
 * matters because Asterisk broadcasts OriginateResponse to every session.
 */
export function buildRequest(opts: {
  source: ActionSource;
  nodeAction: string;
  nodeFields: Record<string, unknown>;
  payload: unknown;
  merge: MergeMode;
}): ActionRequest {
  // With merge "none" the payload's headers are ignored by design, whatever it is; it may still
  // name the action when the node takes the action from the message.
  let payloadObject: Record<string, unknown> | undefined;
  if (opts.merge !== "none") payloadObject = payloadHeaders(opts.payload);
  else if (opts.source === "msg" && isPlainObject(opts.payload)) payloadObject = opts.payload;
  const actionKey = payloadObject ? findKey(payloadObject, "Action") : undefined;
  const payloadAction = actionKey === undefined ? undefined : payloadObject?.[actionKey];

  let action: string;
  if (opts.source === "msg") {
    if (typeof payloadAction !== "string" || payloadAction.trim().length === 0) {
      if (!payloadObject) throw new InputError("action-no-payload", { kind: describeValue(opts.payload) });
      if (payloadAction === undefined) throw new InputError("action-missing", {});
      throw new InputError("action-not-text", { kind: describeValue(payloadAction) });
    }
    action = payloadAction.trim();
  } else {
    action = String(opts.nodeAction ?? "").trim();
    if (action.length === 0) throw new InputError("no-action", {});
    // A node set up for Originate must never be turned into another action by a message.
    if (opts.merge !== "none" && payloadAction !== undefined && textOf(payloadAction).trim().toLowerCase() !== action.toLowerCase()) {
      throw new InputError("action-differs", { given: String(JSON.stringify(payloadAction)), action: JSON.stringify(action) });
    }
  }

  // Action and ActionID are not fields: the first is decided above, the second made by the client.
  const withoutReserved = (obj: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(obj)) {
      const lower = k.toLowerCase();
      if (lower !== "action" && lower !== "actionid") out[k] = obj[k];
    }
    return out;
  };
  const payload = opts.merge !== "none" && payloadObject ? withoutReserved(payloadObject) : {};
  const nodeFields = withoutReserved(opts.nodeFields);
  const [winner, loser] = opts.merge === "node" ? [nodeFields, payload] : [payload, nodeFields];
  const fields: Record<string, unknown> = {};
  for (const k of Object.keys(loser)) if (findKey(winner, k) === undefined) fields[k] = loser[k];
  for (const k of Object.keys(winner)) fields[k] = winner[k];
  return { action, fields: fields as ActionFields };
}

/** msg.ami: the full detail of an action's answer, as plain objects. */
export interface AmiDetail {
  server: string;
  action: string;
  actionId?: string;
  response?: HeaderObject;
  events?: HeaderObject[];
  complete?: HeaderObject;
  output?: string[];
  originateResponse?: HeaderObject;
  /** A failed async Originate: the Hangup of the channel it created (its Cause says why). */
  originateHangup?: HeaderObject;
  agiExec?: HeaderObject;
  agiResult?: AgiResult;
  /** On failure: the error code (ERR_AMI_...). */
  error?: string;
}

export function detailOf(server: string, result: ActionResult): AmiDetail {
  const d: AmiDetail = { server, action: result.action, actionId: result.actionId, response: result.response.toObject() };
  if (result.events) d.events = result.events.map((e) => e.toObject());
  if (result.complete) d.complete = result.complete.toObject();
  if (result.output) d.output = [...result.output];
  if (result.originateResponse) d.originateResponse = result.originateResponse.toObject();
  if (result.originateHangup) d.originateHangup = result.originateHangup.toObject();
  if (result.agiExec) d.agiExec = result.agiExec.toObject();
  if (result.agiResult) d.agiResult = { ...result.agiResult };
  return d;
}

/**
 * msg.payload for each kind of answer: an async result when one was awaited, the item events for
 * a list, the text for Command, else the response headers.
 */
export function payloadOf(result: ActionResult): unknown {
  if (result.agiResult) {
    const { code, result: value, data, ok, failure } = result.agiResult;
    return failure === undefined ? { code, result: value, data, ok } : { code, result: value, data, ok, failure };
  }
  if (result.originateResponse) return result.originateResponse.toObject();
  if (result.events) return result.events.map((e) => e.toObject());
  if (result.output) return result.output.join("\n");
  return result.response.toObject();
}

/** A failure as the node sees it: an AmiError (maybe with a partial result), an InputError, or any Error. */
export type FailedAction = Error & { code?: string; actionId?: string; response?: AmiMessage; result?: ActionResult };

/** msg.ami for a failed action: what is known, including a partial result (Originate failure). */
export function errorDetail(server: string, action: string, err: FailedAction): AmiDetail {
  if (err.result) return { ...detailOf(server, err.result), error: err.code };
  const d: AmiDetail = { server, action };
  if (err.actionId !== undefined) d.actionId = err.actionId;
  if (err.response) d.response = err.response.toObject();
  if (err.code) d.error = err.code;
  return d;
}

/** A short word for the status line: Success, the Response value, or the error code. */
export function outcomeWord(result: ActionResult): string {
  const agi = result.agiResult;
  const agiWord = agi && (agi.ok ? String(agi.code) : `${agi.code} result=${agi.result ?? "?"}`);
  return result.originateResponse?.get("Response") ?? agiWord ?? result.response.get("Response") ?? "ok";
}
