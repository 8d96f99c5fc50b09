/**
 * Presence actions: ExtensionStateList, DeviceStateList, ExtensionState (the SIP lab's hints and devices among the default lab's).
 */
import { Pairs } from "./channel";
import { allHints, findHint } from "./dialplan";
import { Handler, reply, sendList } from "./action-replies";

export const PRESENCE_ACTIONS: Record<string, Handler> = {
  extensionstatelist(pbx, s, a) {
    // Asterisk walks its hint container backwards from how the lab defined them (capture `presence`).
    let hints: Array<[string, string, string, number, string]> = allHints(pbx.dialplan).map(([exten, context, hint]) => {
      const [status, text] = pbx.devices.extensionState(hint);
      return [exten, context, hint, status, text];
    });
    // The SIP lab's hints sort in by extension, each before the default lab's of the same number
    // (capture sip-presence: 6003@phones, 6002@test, 6002@phones, 6001@test, 6001@phones).
    if (pbx.sip) hints = [...pbx.sip.hints(), ...hints].sort((x, y) => x[0].localeCompare(y[0], "en", { numeric: true }));
    const items = hints.reverse().map(([exten, context, hint, status, text]): Pairs =>
      [["Event", "ExtensionStatus"], ["Exten", exten], ["Context", context], ["Hint", hint], ["Status", String(status)], ["StatusText", text]]);
    sendList(s, a, "Extension Statuses will follow", "ExtensionStateListComplete", items);
  },

  devicestatelist(pbx, s, a) {
    const devices = pbx.sip ? pbx.sip.deviceList(pbx.devices.list()) : pbx.devices.list();
    const items = devices.map(([device, state]): Pairs => [["Event", "DeviceStateChange"], ["Device", device], ["State", state]]);
    sendList(s, a, "Device State Changes will follow", "DeviceStateListComplete", items);
  },

  extensionstate(pbx, s, a) {
    const exten = a.get("Exten") ?? "";
    const context = a.get("Context") ?? "default";
    const sip = pbx.sip?.hint(context, exten);
    const hint = sip?.[0] ?? findHint(pbx.dialplan, context, exten) ?? "";
    const [status, text] = sip ? [sip[1], sip[2]] : hint ? pbx.devices.extensionState(hint) : [-1, "Unknown"];
    reply(s, a, "Success", [["Message", "Extension Status"], ["Exten", exten], ["Context", context], ["Hint", hint], ["Status", String(status)], ["StatusText", String(text)]]);
  },
};
