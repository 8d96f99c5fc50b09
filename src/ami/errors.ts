import type { ActionResult } from "./client";
import type { AmiMessage } from "./message";

/**
 * Every failure the core reports is an AmiError with a stable `code`, so callers (the Node-RED
 * nodes, user flows behind a Catch node) can branch on it without parsing prose.
 * Messages never contain a secret, an MD5 key or a `Secret:` header.
 */
export type AmiErrorCode =
  | "ERR_AMI_INVALID_ACTION" // refused by the encoder before anything was written
  | "ERR_AMI_RESPONSE" // the server answered Response: Error
  | "ERR_AMI_PERMISSION_DENIED" // the server answered Permission denied
  | "ERR_AMI_TIMEOUT" // no (complete) answer within the action's timeout
  | "ERR_AMI_DISCONNECTED" // the connection ended while the action was in flight
  | "ERR_AMI_CLOSED" // the client was closed by its owner
  | "ERR_AMI_QUEUE_FULL" // too many actions waiting for the connection to be ready
  | "ERR_AMI_DUPLICATE_ACTIONID" // a caller-supplied ActionID is already in flight
  | "ERR_AMI_LIST_LIMIT" // a list response exceeded its item or byte cap
  | "ERR_AMI_ORIGINATE_FAILED" // OriginateResponse said Failure
  | "ERR_AMI_AGI_FAILED" // an AGI command answered with a 5xx code
  | "ERR_AMI_AGI_CHANNEL_GONE" // the Async AGI channel ended before the command ran
  | "ERR_AMI_AUTH" // login refused
  | "ERR_AMI_CONNECT" // the connection could not be made, or its socket failed (the system error is the cause)
  | "ERR_AMI_PROTOCOL" // the peer broke the framing rules (frame too large, ...)
  | "ERR_AMI_INVALID_OPTIONS" // an AmiClient created with options it cannot use (no host, a bad port...)
  | "ERR_AMI_FRAME_RELEASED" // an EventFrame read after its listener returned (its bytes may be reused)
  | "ERR_AMI_NOT_CONFIGURED"; // (Node-RED) the server node has no usable configuration

export class AmiError extends Error {
  readonly code: AmiErrorCode;
  /** The action this error concerns, when there is one. */
  action?: string;
  actionId?: string;
  /** The server's response, when there was one (Response: Error, Originate queued then failed...). */
  response?: AmiMessage;
  /** What is known of the action's result when it failed after its response (Originate, AGI). */
  result?: ActionResult;

  constructor(code: AmiErrorCode, message: string) {
    super(message);
    this.name = "AmiError";
    this.code = code;
  }
}

export function amiError(
  code: AmiErrorCode,
  message: string,
  detail?: { action?: string; actionId?: string; response?: AmiMessage; result?: ActionResult },
): AmiError {
  const err = new AmiError(code, message);
  if (detail?.action !== undefined) err.action = detail.action;
  if (detail?.actionId !== undefined) err.actionId = detail.actionId;
  if (detail?.response !== undefined) err.response = detail.response;
  if (detail?.result !== undefined) err.result = detail.result;
  return err;
}
