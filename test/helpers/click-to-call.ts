import { AmiMessage } from "../../src/ami/message";
import { CallTracker } from "../../src/ami/calls";
import type { CallUpdate } from "../../src/ami/call-types";

/**
 * A click-to-call (an Originate to PJSIP/6001 dialling 004930123456 through a trunk) through a
 * CallTracker: the layout of dial-outcomes' Originate (a DialBegin with no calling Channel for the
 * first leg), with a PJSIP phone as the Originate's Channel and the CallerID the click-to-call
 * example sets. The call tracker's test and the call filter's read the same steps.
 */
export function clickToCall(): CallUpdate[] {
  const tracker = new CallTracker({ now: () => 0 });
  const out: CallUpdate[] = [];
  const f = (m: Record<string, string>) => out.push(...tracker.handle(AmiMessage.from(Object.entries(m))));
  const agent = { Channel: "PJSIP/6001-00000005", Uniqueid: "7.1", Linkedid: "7.1" };
  const trunk = { DestChannel: "PJSIP/provider-00000006", DestUniqueid: "7.2", DestLinkedid: "7.1" };
  f({ Event: "Newchannel", ...agent, ChannelStateDesc: "Down", CallerIDNum: "100", CallerIDName: "Click to call", Context: "phones", Exten: "" });
  f({ Event: "DialBegin", DestChannel: agent.Channel, DestUniqueid: "7.1", DestLinkedid: "7.1", DestCallerIDNum: "100", DestCallerIDName: "Click to call", DialString: "6001" });
  f({ Event: "Newstate", ...agent, ChannelStateDesc: "Ringing", CallerIDNum: "100", CallerIDName: "Click to call" });
  f({ Event: "DialEnd", DestChannel: agent.Channel, DestUniqueid: "7.1", DestLinkedid: "7.1", DialStatus: "ANSWER" });
  f({ Event: "Newstate", ...agent, ChannelStateDesc: "Up", CallerIDNum: "100", CallerIDName: "Click to call" });
  f({ Event: "Newchannel", Channel: trunk.DestChannel, Uniqueid: "7.2", Linkedid: "7.1", ChannelStateDesc: "Down" });
  f({ Event: "DialBegin", ...agent, CallerIDNum: "100", ...trunk, DialString: "004930123456@provider" });
  f({ Event: "DialEnd", ...agent, ...trunk, DialStatus: "ANSWER" });
  f({ Event: "Hangup", Channel: trunk.DestChannel, Uniqueid: "7.2", Linkedid: "7.1", Cause: "16" });
  f({ Event: "Hangup", ...agent, Cause: "16" });
  return out;
}
