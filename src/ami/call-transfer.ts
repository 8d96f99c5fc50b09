import type { AmiMessage } from "./message";
import type { Transfer } from "./call-types";
import { known } from "./call-numbers";

/**
 * A BlindTransfer or AttendedTransfer event as a Transfer of the call `callId` (the transferer's):
 * blind, the extension dialled; attended, who it went to and from which call.
 */
export function transferOf(event: AmiMessage, at: number, callId: string): Transfer {
  if (event.event === "BlindTransfer") return { kind: "blind", at, target: event.get("Extension"), result: event.get("Result") };
  return attendedTransfer(event, at, callId);
}

/** An AttendedTransfer as a Transfer of the call `callId`: who it went to, and from which call. */
function attendedTransfer(event: AmiMessage, at: number, callId: string): Transfer {
  const transfer: Transfer = { kind: "attended", at, result: event.get("Result") };
  const target = known(event.get("TransferTargetCallerIDNum")) ?? known(event.get("SecondTransfererConnectedLineNum"));
  if (target !== undefined) transfer.target = target;
  const other = event.get("SecondTransfererLinkedid") ?? event.get("TransferTargetLinkedid");
  if (other !== undefined && other !== callId) transfer.targetCall = other;
  return transfer;
}
