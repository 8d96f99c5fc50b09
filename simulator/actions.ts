import { createHash, randomInt } from "node:crypto";
import { AmiMessage } from "../src/ami/message";
import { Channel, channelHeaders, Pairs, UNKNOWN } from "./channel";
import { PbxEvent } from "./events";
import { advancedFilter, legacyFilter } from "./filters";
import { findAction, mayRun } from "./privileges";
import { MANAGER_ACTIONS } from "./manager-actions";
import { ASTERISK_VERSION, runCommand } from "./commands";
import { allHints, findHint } from "./dialplan";
import type { AmiSession } from "./session";
import type { PbxCore } from "./pbx";

type Handler = (pbx: PbxCore, s: AmiSession, a: AmiMessage) => void | Promise<void>;

/** Response headers in Asterisk's order: Response, ActionID (only when sent), then the rest. */
export function reply(s: AmiSession, a: AmiMessage, response: string, rest: Pairs = []): void {
  const id = a.get("ActionID");
  s.send([["Response", response], ...(id !== undefined ? ([["ActionID", id]] as Pairs) : []), ...rest]);
}

const success = (s: AmiSession, a: AmiMessage, message: string): void => reply(s, a, "Success", [["Message", message]]);
const error = (s: AmiSession, a: AmiMessage, message: string): void => reply(s, a, "Error", [["Message", message]]);

/** A list: `EventList: start`, items carrying the ActionID, then the Complete event. */
function sendList(s: AmiSession, a: AmiMessage, message: string, complete: string, items: Pairs[], opts: { idFirst?: boolean; extra?: Pairs } = {}): void {
  reply(s, a, "Success", [["EventList", "start"], ["Message", message]]);
  const id = a.get("ActionID");
  const idPair: Pairs = id !== undefined ? [["ActionID", id]] : [];
  for (const item of items) {
    // Most list items put ActionID right after Event; app_queue and Status put it last.
    s.send(opts.idFirst === false ? [...item, ...idPair] : [item[0], ...idPair, ...item.slice(1)]);
  }
  s.send([["Event", complete], ...idPair, ["EventList", "Complete"], ["ListItems", String(items.length)], ...(opts.extra ?? [])]);
}

const isTrue = (v: string | undefined): boolean => v !== undefined && /^(true|yes|1|on|y|t)$/i.test(v.trim());

/** Login, Challenge and Logoff are the only actions a session may send before it is authenticated. */
export async function handleAction(pbx: PbxCore, s: AmiSession, a: AmiMessage): Promise<void> {
  const name = a.get("Action");
  if (name === undefined || name === "") return error(s, a, "Missing action in request");
  const lower = name.toLowerCase();
  if (!s.loggedIn && lower !== "login" && lower !== "challenge" && lower !== "logoff") return error(s, a, "Permission denied");
  const def = findAction(name);
  if (!def) return error(s, a, `Invalid/unknown command: ${name}. Use Action: ListCommands to show available commands.`);
  if (s.loggedIn && !mayRun(def.privilege, s.write)) return error(s, a, "Permission denied");
  const handler = HANDLERS[lower];
  // A real action the simulator does not play: say so plainly rather than pretend it is unknown.
  if (!handler) return error(s, a, `Action ${def.name} is not simulated`);
  await handler(pbx, s, a);
}

const HANDLERS: Record<string, Handler> = {
  // ---- session ----------------------------------------------------------------------------
  challenge(_pbx, s, a) {
    if ((a.get("AuthType") ?? "").toLowerCase() !== "md5") return error(s, a, "Must specify AuthType");
    s.challenge ??= String(randomInt(100000000, 999999999));
    reply(s, a, "Success", [["Challenge", s.challenge]]);
  },

  async login(pbx, s, a) {
    if (s.loggedIn) return success(s, a, "Already authenticated");
    const user = pbx.users.find((u) => u.username === a.get("Username"));
    let ok = user !== undefined && !pbx.refuseLogins;
    if (ok && user) {
      if ((a.get("AuthType") ?? "").toLowerCase() === "md5") {
        const expected = createHash("md5").update(`${s.challenge ?? ""}${user.secret}`).digest("hex");
        ok = s.challenge !== undefined && (a.get("Key") ?? "").toLowerCase() === expected;
      } else ok = a.get("Secret") === user.secret;
    }
    if (!ok || !user) {
      // Asterisk answers a failed login after about a second and then hangs up (capture `login-bad-secret`).
      await pbx.sleepReal(pbx.authFailDelayMs);
      error(s, a, "Authentication failed");
      s.end();
      return;
    }
    s.logIn(user, a.get("Events"));
    s.userFilters = (user.eventFilters ?? []).map((f) => legacyFilter(f)).filter((f): f is NonNullable<typeof f> => f !== undefined);
    success(s, a, "Authentication accepted");
    // FullyBooted goes to this session only, past any filter (manager.c action_login).
    if (s.read.has("system") && s.eventMask.has("system")) {
      const up = String(pbx.uptimeSeconds);
      s.send([["Event", "FullyBooted"], ["Privilege", "system,all"], ["Uptime", up], ["LastReload", up], ["Status", "Fully Booted"]]);
    }
    const tv = pbx.eventTime();
    pbx.broadcast(
      PbxEvent.of("SuccessfulAuth", "security", [
        ["EventTV", tv], ["Severity", "Informational"], ["Service", "AMI"], ["EventVersion", "1"], ["AccountID", user.username],
        ["SessionID", s.sessionId], ["LocalAddress", s.localAddress], ["RemoteAddress", s.remoteAddress], ["UsingPassword", "0"],
        ["SessionTV", tv],
      ]),
    );
  },

  logoff(_pbx, s, a) {
    reply(s, a, "Goodbye", [["Message", "Thanks for all the fish."]]);
    s.end();
  },

  ping(_pbx, s, a) {
    const now = Date.now();
    reply(s, a, "Success", [["Ping", "Pong"], ["Timestamp", `${Math.floor(now / 1000)}.${String((now % 1000) * 1000).padStart(6, "0")}`]]);
  },

  events(_pbx, s, a) {
    s.setEventMask(a.get("EventMask") ?? "off");
    reply(s, a, "Success", [["Events", s.eventMask.size > 0 ? "On" : "Off"]]);
  },

  filter(_pbx, s, a) {
    if ((a.get("Operation") ?? "Add").toLowerCase() !== "add") return error(s, a, "Unknown operation");
    const criteria = a.get("MatchCriteria");
    const spec = a.get("Filter");
    const f = criteria !== undefined ? advancedFilter(criteria, spec) : spec !== undefined ? legacyFilter(spec) : undefined;
    if (!f) return error(s, a, "Filter did not compile.  Check the syntax of the filter given.");
    s.filters.push(f);
    success(s, a, "Success");
  },

  listcommands(_pbx, s, a) {
    reply(s, a, "Success", MANAGER_ACTIONS.map(([n, synopsis, priv]) => [n, `${synopsis}  (Priv: ${priv})`] as [string, string]));
  },

  // ---- system -------------------------------------------------------------------------------
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

  // ---- channels -----------------------------------------------------------------------------
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

  // ---- presence -----------------------------------------------------------------------------
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

  // ---- queues -------------------------------------------------------------------------------
  queuestatus(pbx, s, a) {
    const only = a.get("Queue");
    const items: Pairs[] = [];
    for (const q of pbx.queues.byName.values()) {
      if (only && q.name !== only) continue;
      items.push(pbx.queues.paramsItem(q));
      for (const m of q.members) items.push(pbx.queues.memberItem(q, m));
      q.callers.forEach((c, i) => items.push(pbx.queues.entryItem(q, c, i + 1)));
    }
    sendList(s, a, "Queue status will follow", "QueueStatusComplete", items, { idFirst: false });
  },

  queuesummary(pbx, s, a) {
    const only = a.get("Queue");
    const items = [...pbx.queues.byName.values()].filter((q) => !only || q.name === only).map((q) => pbx.queues.summaryItem(q));
    sendList(s, a, "Queue summary will follow", "QueueSummaryComplete", items, { idFirst: false });
  },

  queueadd(pbx, s, a) {
    const queue = a.get("Queue");
    const iface = a.get("Interface");
    if (!queue || !iface) return error(s, a, "'Queue' and 'Interface' not specified.");
    const penalty = parseInt(a.get("Penalty") ?? "0", 10) || 0;
    const err = pbx.queues.add(queue, iface, a.get("MemberName"), penalty, isTrue(a.get("Paused")), a.get("Reason") ?? "", a.get("StateInterface"));
    if (err) return error(s, a, err);
    success(s, a, "Added interface to queue");
  },

  queueremove(pbx, s, a) {
    const queue = a.get("Queue");
    const iface = a.get("Interface");
    if (!queue || !iface) return error(s, a, "Need 'Queue' and 'Interface' parameters.");
    const err = pbx.queues.remove(queue, iface);
    if (err) return error(s, a, err);
    success(s, a, "Removed interface from queue");
  },

  queuepause(pbx, s, a) {
    const iface = a.get("Interface");
    const paused = a.get("Paused");
    if (!iface || paused === undefined) return error(s, a, "Need 'Interface' and 'Paused' parameters.");
    const on = isTrue(paused);
    if (!pbx.queues.pause(a.get("Queue"), iface, on, a.get("Reason") ?? "")) return error(s, a, "Interface not found");
    success(s, a, on ? "Interface paused successfully" : "Interface unpaused successfully");
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
