/**
 * Channel actions: CoreShowChannels, Status, Getvar, Setvar, Hangup, Originate, AGI.
 */
import { Channel, channelHeaders, Pairs, UNKNOWN } from "./channel";
import { PbxEvent } from "./events";
import { error, Handler, isTrue, reply, sendList, success } from "./action-replies";

export const CHANNEL_ACTIONS: Record<string, Handler> = {
  coreshowchannels(pbx, s, a) {
    const items = [...pbx.calls.channels.values()].reverse().map((ch): Pairs => [
      ["Event", "CoreShowChannel"], ...channelHeaders(ch), ["Application", ch.app], ["ApplicationData", ch.appData],
      ["Duration", duration(Date.now() - ch.createdAt)], ["BridgeId", ch.bridge?.uniqueid ?? ""],
    ]);
    sendList(s, a, "Channels will follow", "CoreShowChannelsComplete", items);
  },

  status(pbx, s, a) {
    const wanted = a.get("Channel");
    let channels = [...pbx.calls.channels.values()].reverse();
    if (wanted) {
      const ch = pbx.calls.find(wanted);
      if (!ch) return error(s, a, "No such channel");
      channels = [ch];
    }
    const names = (a.get("Variables") ?? "").split(",").map((v) => v.trim()).filter(Boolean);
    const all = isTrue(a.get("AllVariables"));
    const items = channels.map((ch): Pairs => {
      const vars: Pairs = all
        ? [...ch.vars.entries()].map(([k, v]) => ["Variable", `${k}=${v}`] as [string, string])
        : names.map((n) => ["Variable", `${n}=${pbx.calls.readVariable(ch, n) ?? ""}`] as [string, string]);
      return [
        ["Event", "Status"], ["Privilege", "Call"], ...channelHeaders(ch), ["Type", ch.type], ["DNID", ""],
        ["EffectiveConnectedLineNum", ch.connected.num], ["EffectiveConnectedLineName", ch.connected.name], ["TimeToHangup", "0"],
        ["BridgeID", ch.bridge?.uniqueid ?? ""], ["Application", ch.app], ["Data", ch.appData], ["Nativeformats", "(slin)"],
        ["Readformat", "slin"], ["Readtrans", ""], ["Writeformat", "slin"], ["Writetrans", ""], ["Callgroup", "0"],
        ["Pickupgroup", "0"], ["Seconds", String(Math.floor((Date.now() - ch.createdAt) / 1000))], ...vars,
      ];
    });
    sendList(s, a, "Channel status will follow", "StatusComplete", items, { idFirst: false, extra: [["Items", String(items.length)]] });
  },

  getvar(pbx, s, a) {
    const chName = a.get("Channel");
    const variable = a.get("Variable");
    let ch: Channel | undefined;
    if (chName) {
      ch = pbx.calls.find(chName);
      if (!ch) return error(s, a, "No such channel");
    }
    if (!variable) return error(s, a, "No variable specified");
    reply(s, a, "Success", [["Variable", variable], ["Value", pbx.calls.readVariable(ch, variable) ?? ""]]);
  },

  setvar(pbx, s, a) {
    const chName = a.get("Channel");
    const variable = a.get("Variable");
    const value = a.get("Value") ?? "";
    let ch: Channel | undefined;
    if (chName) {
      ch = pbx.calls.find(chName);
      if (!ch) return error(s, a, "No such channel");
    }
    if (!variable) return error(s, a, "No variable specified");
    success(s, a, "Variable Set");
    const dev = /^DEVICE_STATE\((.+)\)$/i.exec(variable);
    if (dev) pbx.devices.set(dev[1], value.toUpperCase());
    else if (ch) pbx.calls.varSet(ch, variable, value);
    else pbx.globals.set(variable, value);
  },

  hangup(pbx, s, a) {
    const target = a.get("Channel");
    if (!target) return error(s, a, "No channel specified");
    const cause = parseInt(a.get("Cause") ?? "", 10) || 16;
    const regex = /^\/(.*)\/$/.exec(target);
    if (regex) {
      let re: RegExp;
      try {
        re = new RegExp(regex[1]);
      } catch {
        return error(s, a, "Invalid regex");
      }
      const matched = [...pbx.calls.channels.values()].filter((c) => re.test(c.name));
      const items = matched.map((c): Pairs => [["Event", "ChannelHungup"], ["Channel", c.name], ["Uniqueid", c.uniqueid]]);
      sendList(s, a, "Channels hung up will follow", "ChannelsHungupListComplete", items);
      for (const c of matched) pbx.calls.requestHangup(c, cause);
      return;
    }
    const ch = pbx.calls.find(target);
    if (!ch) return error(s, a, "No such channel");
    success(s, a, "Channel Hungup");
    pbx.calls.requestHangup(ch, cause);
  },

  async originate(pbx, s, a) {
    const channel = a.get("Channel");
    if (!channel) return error(s, a, "Channel not specified");
    if (!channel.includes("/")) return error(s, a, "Invalid channel");
    const app = a.get("Application");
    // Applications that reach a shell need the system class too (AST-2019-007).
    if (app && /^(system|trysystem|exec|execif|eval)$/i.test(app) && !s.write.has("system")) {
      return error(s, a, "Originate with certain 'Application' arguments requires the additional System privilege");
    }
    const cid = parseCallerId(a.get("CallerID"));
    const request = {
      channel,
      app,
      data: app !== undefined ? a.get("Data") ?? "" : undefined,
      context: app === undefined ? a.get("Context") : undefined,
      exten: app === undefined ? a.get("Exten") : undefined,
      priority: app === undefined ? parseInt(a.get("Priority") ?? "1", 10) || 1 : undefined,
      callerId: cid,
      variables: a.getAll("Variable").flatMap((v) => v.split(",")).map((v): [string, string] => {
        const i = v.indexOf("=");
        return i < 0 ? [v, ""] : [v.slice(0, i), v.slice(i + 1)];
      }),
      timeoutMs: parseInt(a.get("Timeout") ?? "", 10) || 30000,
      channelId: a.get("ChannelId"),
      otherChannelId: a.get("OtherChannelId"),
    };
    if (!isTrue(a.get("Async"))) {
      // A synchronous Originate holds the session until the call is answered or fails.
      const outcome = await pbx.calls.originate(request);
      return outcome.ok ? success(s, a, "Originate successfully queued") : error(s, a, "Originate failed");
    }
    success(s, a, "Originate successfully queued");
    const actionId = a.get("ActionID");
    void pbx.calls.originate(request).then((outcome) => {
      // OriginateResponse goes to every session that reads call events, with the originator's ActionID.
      const ch = outcome.channel;
      const target: Pairs = request.app !== undefined
        ? [["Application", request.app], ["Data", request.data ?? ""]]
        : [["Context", request.context ?? ""], ["Exten", request.exten ?? ""]];
      pbx.broadcast(PbxEvent.of("OriginateResponse", "call", [
        ...(actionId !== undefined ? ([["ActionID", actionId]] as Pairs) : []),
        ["Response", outcome.ok ? "Success" : "Failure"], ["Channel", ch ? ch.name : channel], ...target,
        ["Reason", outcome.ok ? "4" : "0"], ["Uniqueid", ch ? ch.uniqueid : UNKNOWN],
        ["CallerIDNum", ch ? ch.caller.num : cid?.num ?? UNKNOWN], ["CallerIDName", ch ? ch.caller.name : cid?.name ?? UNKNOWN],
        // channelvars are appended with the channel's name in the key (capture `chanvariable`).
        ...(ch ? ch.chanVars.map((v): [string, string] => [`ChanVariable(${ch.name})`, `${v}=${ch.vars.get(v) ?? ""}`]) : []),
      ]));
    });
  },

  agi(pbx, s, a) {
    const channel = a.get("Channel");
    const command = a.get("Command");
    if (!channel) return error(s, a, "Channel not specified");
    if (!command) return error(s, a, "Command not specified");
    const err = pbx.calls.queueAgi(channel, command, a.get("CommandID"));
    if (err) return error(s, a, err);
    success(s, a, "Added AGI command to queue");
  },
};

/** `"Lab Caller" <5551234>` / `Lab <100>` / `5551234` → number and name. */
export function parseCallerId(value: string | undefined): { num: string; name: string } | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const m = /^\s*(?:"([^"]*)"|([^<]*?))\s*<([^>]*)>\s*$/.exec(value);
  if (m) return { name: (m[1] ?? m[2] ?? "").trim() || UNKNOWN, num: m[3] || UNKNOWN };
  return /^[0-9+*#]+$/.test(value.trim()) ? { num: value.trim(), name: UNKNOWN } : { num: UNKNOWN, name: value.trim() };
}

function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const pad = (n: number): string => String(n).padStart(2, "0");
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}
