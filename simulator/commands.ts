import { renderDialplan, Dialplan } from "./dialplan";
import { CallEngine } from "./calls";
import { PbxUser } from "./config";

export interface CommandHost {
  readonly dialplan: Dialplan;
  readonly calls: CallEngine;
  readonly users: PbxUser[];
  readonly startedAt: number;
  readonly reloadedAt: number;
}

export type CommandResult =
  | { status: "Success" | "Error"; output: string[] }
  | { status: "Error"; message: string };

export const ASTERISK_VERSION = "22.10.1";
export const BUILD_LINE = "Asterisk 22.10.1 built by root @ vm on a x86_64 running Linux on 2026-11-26 03:11:09 UTC";

/** manager.c's command_blacklist: these never run over AMI (capture `command-unknown`). */
const BLACKLIST = [["module", "load"], ["module", "unload"], ["restart", "gracefully"]];

/** `3 minutes, 4 seconds` as the CLI prints uptimes. */
export function formatUptime(ms: number): string {
  let s = Math.max(0, Math.floor(ms / 1000));
  const parts: string[] = [];
  const units: Array<[number, string]> = [[86400 * 7, "week"], [86400, "day"], [3600, "hour"], [60, "minute"]];
  for (const [size, name] of units) {
    if (s >= size) {
      const n = Math.floor(s / size);
      s -= n * size;
      parts.push(`${n} ${name}${n === 1 ? "" : "s"}`);
    }
  }
  parts.push(`${s} second${s === 1 ? "" : "s"}`);
  return parts.join(", ");
}

/**
 * The CLI commands the simulator knows, answered the Asterisk 14+ way (one Output header per line);
 * everything else gets the CLI's "No such command" text with Response: Error.
 */
export function runCommand(host: CommandHost, command: string | undefined): CommandResult {
  if (command === undefined || command.trim() === "") return { status: "Error", message: "No command provided" };
  const words = command.trim().split(/\s+/);
  const lower = words.map((w) => w.toLowerCase());
  if (BLACKLIST.some((b) => b.every((w, i) => lower[i] === w))) return { status: "Error", message: "Command blacklisted" };
  const is = (...prefix: string[]): boolean => prefix.length === lower.length && prefix.every((w, i) => lower[i] === w);
  const ok = (output: string[]): CommandResult => ({ status: "Success", output });

  if (is("core", "show", "version")) return ok([BUILD_LINE]);
  if (is("core", "show", "uptime")) {
    return ok([`System uptime: ${formatUptime(Date.now() - host.startedAt)}`, `Last reload: ${formatUptime(Date.now() - host.reloadedAt)}`]);
  }
  if (is("manager", "show", "users")) {
    return ok(["", "username", "--------", ...host.users.map((u) => u.username), "-------------------", `${host.users.length} manager users configured.`]);
  }
  if (is("manager", "reload") || is("reload") || is("dialplan", "reload")) return ok([""]);
  if (lower[0] === "dialplan" && lower[1] === "show" && lower.length <= 3) {
    const contexts = lower.length === 3 ? [words[2]] : Object.keys(host.dialplan);
    const out: string[] = [];
    for (const c of contexts) {
      const lines = renderDialplan(host.dialplan, c);
      if (!lines) return ok([`There is no existence of '${c}' context`]);
      out.push(...lines);
    }
    return ok(out);
  }
  if (is("core", "show", "channels")) return ok(showChannels(host));
  if (lower[0] === "core" && lower[1] === "show" && lower[2] === "channel" && words.length === 4) {
    const ch = host.calls.find(words[3]);
    if (!ch) return ok([`${words[3]} is not a known channel`]);
    return ok([
      ` -- General --`, `           Name: ${ch.name}`, `           Type: ${ch.type}`, `       UniqueID: ${ch.uniqueid}`,
      `       LinkedID: ${ch.linkedid}`, `      Caller ID: ${ch.caller.num}`, ` Caller ID Name: ${ch.caller.name}`,
      `          State: ${ch.state === 6 ? "Up" : "Ring"} (${ch.state})`, `    Application: ${ch.app}`, `           Data: ${ch.appData}`,
    ]);
  }
  return {
    status: "Error",
    output: [`No such command '${command.trim()}' (type 'core show help ${words.slice(0, -1).join(" ")}' for other possible commands)`],
  };
}

/** `core show channels` (capture `command-multiline`). */
function showChannels(host: CommandHost): string[] {
  const row = (a: string, b: string, c: string, d: string): string => `${a.padEnd(64).slice(0, 64)} ${b.padEnd(32).slice(0, 32)} ${c.padEnd(7).slice(0, 7)} ${d.padEnd(30).slice(0, 30)}`;
  const out = [row("Channel", "Location", "State", "Application(Data)")];
  const channels = [...host.calls.channels.values()];
  for (const ch of channels) {
    out.push(row(ch.name, `${ch.exten}@${ch.context}:${ch.priority}`, ch.state === 6 ? "Up" : ch.state === 5 ? "Ringing" : ch.state === 4 ? "Ring" : "Down", `${ch.app}(${ch.appData})`));
  }
  const calls = host.calls.activeCalls;
  out.push(`${channels.length} active channel${channels.length === 1 ? "" : "s"}`);
  out.push(`${calls} of 500 max active call${calls === 1 ? "" : "s"} (${((calls / 500) * 100).toFixed(2).padStart(5)}% of capacity)`);
  out.push(`${host.calls.processedCalls} call${host.calls.processedCalls === 1 ? "" : "s"} processed`);
  return out;
}
