import { strict as assert } from "node:assert";
import { transferOf } from "../../src/ami/call-transfer";
import { AmiMessage } from "../../src/ami/message";
import { edited, firstMessage } from "../helpers/capture-frames";

describe("call transfers read from events", () => {
  it("sip-blind-transfer: the extension dialled is the target", () => {
    const blind = firstMessage("sip-blind-transfer", (m) => m.event === "BlindTransfer");
    assert.deepEqual(transferOf(blind, 7, "1796549421.53"), { kind: "blind", at: 7, target: "6003", result: "Success" });
  });

  it("sip-attended-transfer (DTMF *2, no target channel): the party consulted, from the transferer's connected line; the same call is no other call", () => {
    const attended = firstMessage("sip-attended-transfer", (m) => m.event === "AttendedTransfer");
    assert.deepEqual(transferOf(attended, 9, "1796549432.56"), { kind: "attended", at: 9, result: "Success", target: "6003" });
  });

  it("attended with a target channel and a consultation call of its own: the target's caller ID, the other call's Linkedid", () => {
    const attended = firstMessage("sip-attended-transfer", (m) => m.event === "AttendedTransfer");
    const other = edited(attended, { SecondTransfererLinkedid: "1796549440.60" });
    // A transfer target channel (Asterisk's own atxfer) adds its caller ID.
    const withTarget = new AmiMessage([...other.fields, "TransferTargetCallerIDNum", "6004"]);
    assert.deepEqual(transferOf(withTarget, 9, "1796549432.56"), { kind: "attended", at: 9, result: "Success", target: "6004", targetCall: "1796549440.60" });
    const unknown = edited(attended, { SecondTransfererConnectedLineNum: "<unknown>" });
    assert.equal("target" in transferOf(unknown, 9, "1796549432.56"), false, "nobody known: no target made up");
  });
});

