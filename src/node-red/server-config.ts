import type { AmiClientOptions, AmiTlsOptions } from "../ami";

/**
 * Turns the config node's saved settings (strings from the editor, times in seconds) and its
 * credentials into AmiClient options. Pure, so the rules (defaults, 5038/5039, event masks) are
 * tested without a runtime.
 */

export interface ServerSettings {
  name?: string;
  host?: string;
  port?: string | number;
  usetls?: boolean;
  authType?: string;
  /** "on" (all), "off" (none) or "classes" (eventClasses). */
  events?: string;
  eventClasses?: string;
  filters?: unknown;
  keepalive?: string | number;
  actionTimeout?: string | number;
  reconnectMin?: string | number;
  reconnectMax?: string | number;
}

export interface ServerCredentials {
  username?: string;
  secret?: string;
}

export const DEFAULTS = {
  keepalive: 30,
  actionTimeout: 10,
  reconnectMin: 1,
  reconnectMax: 30,
} as const;

/** A number of seconds from an editor field; blank or invalid gives the default. */
function secondsField(value: string | number | undefined, fallback: number, min: number): number {
  if (value === undefined || value === null || String(value).trim() === "") return fallback;
  const n = Number(value);
  return Number.isFinite(n) && n >= min ? n : fallback;
}

/** The event mask for Login: "on", "off", or a class list ("call,agent,user"). */
export function eventMask(events: string | undefined, classes: string | undefined): string {
  if (events === "off") return "off";
  if (events === "classes") {
    const list = String(classes ?? "")
      .split(/[,\s]+/)
      .map((s) => s.trim().toLowerCase())
      .filter((s) => s.length > 0);
    return list.length > 0 ? [...new Set(list)].join(",") : "off";
  }
  return "on";
}

export function filterList(filters: unknown): string[] {
  const items = Array.isArray(filters) ? filters : typeof filters === "string" ? filters.split(/\r?\n/) : [];
  return items.map((f) => String(f ?? "").trim()).filter((f) => f.length > 0);
}

/** "name" if set, else "host:port": how msg.ami.server names this PBX. */
export function serverLabel(s: ServerSettings, port: number): string {
  const name = String(s.name ?? "").trim();
  return name.length > 0 ? name : `${String(s.host ?? "").trim()}:${port}`;
}

export interface ResolvedServer {
  label: string;
  options?: AmiClientOptions;
  /** Message-catalog key of what is missing, when the node cannot connect. */
  problem?: string;
}

export function resolveServer(s: ServerSettings, creds: ServerCredentials, tls?: AmiTlsOptions): ResolvedServer {
  const useTls = !!s.usetls;
  const rawPort = String(s.port ?? "").trim();
  const port = rawPort === "" ? (useTls ? 5039 : 5038) : Number(rawPort);
  const host = String(s.host ?? "").trim();
  const label = serverLabel(s, Number.isInteger(port) ? port : 0);
  if (host.length === 0) return { label, problem: "asterisk-ami-server.errors.no-host" };
  if (!Number.isInteger(port) || port < 1 || port > 65535) return { label, problem: "asterisk-ami-server.errors.bad-port" };
  const username = String(creds.username ?? "").trim();
  if (username.length === 0) return { label, problem: "asterisk-ami-server.errors.no-username" };
  const reconnectMin = secondsField(s.reconnectMin, DEFAULTS.reconnectMin, 0.01);
  const reconnectMax = Math.max(reconnectMin, secondsField(s.reconnectMax, DEFAULTS.reconnectMax, 0.01));
  const options: AmiClientOptions = {
    host,
    port,
    username,
    secret: String(creds.secret ?? ""),
    authType: s.authType === "md5" ? "md5" : "plain",
    events: eventMask(s.events, s.eventClasses),
    filters: filterList(s.filters),
    keepaliveInterval: Math.round(secondsField(s.keepalive, DEFAULTS.keepalive, 0) * 1000),
    actionTimeout: Math.round(secondsField(s.actionTimeout, DEFAULTS.actionTimeout, 0.001) * 1000),
    reconnectDelay: Math.round(reconnectMin * 1000),
    reconnectMaxDelay: Math.round(reconnectMax * 1000),
    // A refused login is retried no faster than the normal ceiling: hammering a PBX with bad
    // credentials can get the source address banned (fail2ban watches AMI logins).
    authRetryDelay: Math.round(reconnectMax * 1000),
  };
  if (useTls) options.tls = tls ?? true;
  return { label, options };
}
