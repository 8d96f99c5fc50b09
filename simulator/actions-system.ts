/**
 * System actions: CoreStatus, CoreSettings, Command, GetConfig, GetConfigJSON, ListCategories, UserEvent.
 */
import { Pairs } from "./channel";
import { PbxEvent } from "./events";
import { ASTERISK_VERSION, runCommand } from "./commands";
import { error, Handler, reply, success } from "./action-replies";

export const SYSTEM_ACTIONS: Record<string, Handler> = {
  corestatus(pbx, s, a) {
    const [startDate, startTime] = pbx.dateTime(pbx.startedAt);
    const [reloadDate, reloadTime] = pbx.dateTime(pbx.reloadedAt);
    reply(s, a, "Success", [
      ["CoreStartupDate", startDate], ["CoreStartupTime", startTime], ["CoreReloadDate", reloadDate], ["CoreReloadTime", reloadTime],
      ["CoreCurrentCalls", String(pbx.calls.activeCalls)], ["CoreProcessedCalls", String(pbx.calls.processedCalls)],
    ]);
  },

  coresettings(_pbx, s, a) {
    reply(s, a, "Success", [
      ["AMIversion", "11.0.0"], ["AsteriskVersion", ASTERISK_VERSION], ["SystemName", ""], ["CoreMaxCalls", "500"],
      ["CoreMaxLoadAvg", "0.000000"], ["CoreRunUser", ""], ["CoreRunGroup", ""], ["CoreMaxFilehandles", "0"],
      ["CoreRealTimeEnabled", "No"], ["CoreCDRenabled", "Yes"], ["CoreHTTPenabled", "No"], ["SoundsSearchCustomDir", "No"],
    ]);
  },

  command(pbx, s, a) {
    const r = runCommand(pbx, a.get("Command"));
    if ("message" in r) return error(s, a, r.message);
    reply(s, a, r.status, [["Message", "Command output follows"], ...r.output.map((l) => ["Output", l] as [string, string])]);
  },

  getconfig(pbx, s, a) {
    const file = a.get("Filename") ?? "";
    const config = pbx.configFile(file);
    if (!config) return error(s, a, "Config file not found");
    const only = a.get("Category");
    const out: Pairs = [];
    let ci = 0;
    for (const [cat, lines] of config) {
      if (only !== undefined && cat !== only) continue;
      const c = String(ci).padStart(6, "0");
      out.push([`Category-${c}`, cat]);
      lines.forEach((l, li) => out.push([`Line-${c}-${String(li).padStart(6, "0")}`, l]));
      ci++;
    }
    reply(s, a, "Success", out);
  },

  getconfigjson(pbx, s, a) {
    const config = pbx.configFile(a.get("Filename") ?? "");
    if (!config) return error(s, a, "Config file not found");
    const obj: Record<string, Record<string, string>> = {};
    for (const [cat, lines] of config) {
      obj[cat] = {};
      for (const l of lines) {
        const i = l.indexOf("=");
        obj[cat][l.slice(0, i)] = l.slice(i + 1);
      }
    }
    reply(s, a, "Success", [["JSON", JSON.stringify(obj)]]);
  },

  listcategories(pbx, s, a) {
    const config = pbx.configFile(a.get("Filename") ?? "");
    if (!config) return error(s, a, "Config file not found");
    reply(s, a, "Success", [...config.keys()].map((c, i) => [`Category-${String(i).padStart(6, "0")}`, c] as [string, string]));
  },

  userevent(pbx, s, a) {
    // Every header but Action is passed on, in order, ActionID last (capture `userevent`).
    const body: Pairs = [];
    let id: string | undefined;
    for (const [k, v] of a.pairs()) {
      if (k.toLowerCase() === "action") continue;
      if (k.toLowerCase() === "actionid") id = v;
      else body.push([k, v]);
    }
    if (id !== undefined) body.push(["ActionID", id]);
    success(s, a, "Event Sent");
    pbx.broadcast(PbxEvent.of("UserEvent", "user", body));
  },
};
