/**
 * The SIP lab's configuration (`startPbx({ sip: true })`): PJSIP endpoints 6001 "Alice", 6002 "Bob", 6003 "Carol"
 * and a `provider` trunk, with the dialplan of the real SIP captures (test/fixtures/captures/sip-*):
 *
 *   [phones]    hints 6001-6003 -> PJSIP/600x
 *               _600X => NoOp(SIP lab: ${CALLERID(num)} calls ${EXTEN}), Dial(PJSIP/${EXTEN},15,t), Hangup
 *               700   => NoOp(SIP lab: queue sipq), Queue(sipq,,,,20)
 *               800   => NoOp(SIP lab: ring group 800), Dial(PJSIP/6001&PJSIP/6002,15,t), Hangup
 *   [from-pstn] _X.   => NoOp(SIP lab: inbound DID ${EXTEN}), Set(CALLERID(all)="Outside Caller" <+4930123456>),
 *                        Dial(PJSIP/6001&PJSIP/6002,15,t), Hangup
 *   queue sipq (ringall, PJSIP/6002 "Bob", PJSIP/6003 "Carol"): calls to 700, its members' QueueMemberStatus
 *
 * The phones are driven through SipPhones (dial, answer, reject, hangUp, hold, resume, sendDtmf
 * with the `*2` attended-transfer feature, blindTransfer); each action produces what the real Asterisk published for the same SIP message
 * in the captures (names, header layout, fixed texts, causes, order per channel). The channels live
 * in the call engine's channel list, so CoreShowChannels and Status see them.
 */
import { Party } from "./channel";

export interface Endpoint {
  id: string;
  caller: Party;
  /** The context its calls start in. */
  context: string;
  /** baresip's UDP port in the lab (RemoteAddress). */
  port: number;
}

export const SIP_ENDPOINTS: readonly Endpoint[] = [
  { id: "6001", caller: { num: "6001", name: "Alice" }, context: "phones", port: 5071 },
  { id: "6002", caller: { num: "6002", name: "Bob" }, context: "phones", port: 5072 },
  { id: "6003", caller: { num: "6003", name: "Carol" }, context: "phones", port: 5073 },
  { id: "provider", caller: { num: "provider", name: "Provider" }, context: "from-pstn", port: 5077 },
];

/** Hints of the SIP lab (context `phones`, as in the captures). */
export const SIP_HINTS: ReadonlyArray<[string, string, string]> = [
  ["6001", "phones", "PJSIP/6001"],
  ["6002", "phones", "PJSIP/6002"],
  ["6003", "phones", "PJSIP/6003"],
];

/** Queue sipq's members (app_queue publishes QueueMemberStatus on each change of their devices). */
export const SIPQ_MEMBERS: Record<string, string> = { "PJSIP/6002": "Bob", "PJSIP/6003": "Carol" };

export const RING_GROUP = ["6001", "6002"];
/** `700 => Queue(sipq,,,,20)`: ringall, members in the order the capture rang them; member timeout 10 s. */
export const QUEUE_EXTEN = "700";
export const QUEUE = "sipq";
export const QUEUE_MEMBERS = ["6003", "6002"];
export const QUEUE_TIMEOUT_S = 20;
export const DIAL_TIMEOUT_S = 15;
export const OUTSIDE_CALLER: Party = { num: "+4930123456", name: "Outside Caller" };
/** How long baresip plays an RFC 4733 digit (capture sip-dtmf: DurationMs 180). */
export const DTMF_MS = 180;
export const CALLING_PRES = "0 (Presentation Allowed, Not Screened)";
/** features.conf atxfer, as the lab's (`*2`); a Dial with `t` gives it to the called party. */
export const ATXFER = "*2";
export const ATXFER_ONLY = "attended transfer: only the captured path is simulated (the consulted phone answers, then the transferer hangs up)";

/** ast_devstate values of app_queue's Status. */
export const DEVSTATE_NUM: Record<string, number> = { UNKNOWN: 0, NOT_INUSE: 1, INUSE: 2, BUSY: 3, INVALID: 4, UNAVAILABLE: 5, RINGING: 6, RINGINUSE: 7, ONHOLD: 8 };
/** ExtensionStatus for a device state. */
export const EXT_STATUS: Record<string, [number, string]> = {
  NOT_INUSE: [0, "Idle"], INUSE: [1, "InUse"], RINGING: [8, "Ringing"], ONHOLD: [16, "Hold"], BUSY: [2, "Busy"],
};

/** The variables Dial() clears when it starts (app_dial, every SIP capture). */
export const DIAL_RESET = ["DIALSTATUS", "DIALEDPEERNUMBER", "DIALEDPEERNAME", "ANSWEREDTIME", "ANSWEREDTIME_MS", "DIALEDTIME",
  "DIALEDTIME_MS", "RINGTIME", "RINGTIME_MS", "PROGRESSTIME", "PROGRESSTIME_MS"];
