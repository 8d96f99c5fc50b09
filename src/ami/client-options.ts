import { amiError } from "./errors";
import { DEFAULT_MAX_FRAME_BYTES } from "./framer";

/**
 * What an AmiClient is created with, its defaults, and the checks that refuse options it cannot
 * use (ERR_AMI_INVALID_OPTIONS) before anything connects.
 */

export interface AmiLogger {
  debug?(message: string): void;
  info?(message: string): void;
  warn?(message: string): void;
  error?(message: string): void;
}

export interface AmiTlsOptions {
  ca?: string | Buffer | Array<string | Buffer>;
  cert?: string | Buffer;
  key?: string | Buffer;
  passphrase?: string;
  /** Default true: a certificate that does not verify is refused. */
  rejectUnauthorized?: boolean;
  /** Name to verify the certificate against (default: host, when it is not an IP address). */
  servername?: string;
}

export interface AmiClientOptions {
  host: string;
  /** Default 5038, or 5039 with TLS. */
  port?: number;
  tls?: boolean | AmiTlsOptions;
  username: string;
  secret: string;
  /** "md5" logs in with the Challenge action, so the secret never crosses the wire. */
  authType?: "plain" | "md5";
  /** Event mask set at login: "on" (default), "off", or a class list like "call,agent,user". */
  events?: string;
  /** Filter expressions (Action: Filter, Operation: Add), applied after every login. */
  filters?: string[];
  /** Default per-action timeout, ms (10000). */
  actionTimeout?: number;
  /** Time allowed for connect + banner + login, ms (10000). */
  connectTimeout?: number;
  /** Ping every N ms while ready (30000); 0 turns keepalive off. */
  keepaliveInterval?: number;
  /** A Ping not answered within N ms (5000) means the peer is dead: reconnect. */
  keepaliveTimeout?: number;
  /** Reconnect after a lost session (true). */
  reconnect?: boolean;
  /** First reconnect delay, ms (1000); doubles per attempt, with jitter. */
  reconnectDelay?: number;
  /** Largest reconnect delay, ms (30000). */
  reconnectMaxDelay?: number;
  /** Delay before logging in again after the server refused the credentials, ms (30000). */
  authRetryDelay?: number;
  /** A session that stayed ready this long resets the backoff, ms (10000). */
  stableSessionMs?: number;
  /** Actions that may wait for the connection to be ready (1000). */
  maxQueue?: number;
  /** Largest frame accepted from the server, bytes (1 MiB). */
  maxFrameBytes?: number;

  /** Most items one list response may carry (100000). */
  maxListItems?: number;
  /** Most bytes one list response may carry (64 MiB). */
  maxListBytes?: number;
  /** Time close() waits for Logoff's Goodbye before dropping the socket, ms (2000). */
  closeTimeout?: number;
  logger?: AmiLogger;
}

/** The options in use: every default filled in; never the secret (it is kept apart, out of sight). */
export type ResolvedOptions = Readonly<Required<Omit<AmiClientOptions, "tls" | "logger" | "filters" | "secret">>> & {
  tls?: boolean | AmiTlsOptions;
  filters: string[];
};

/** Checks the options and fills in the defaults; throws ERR_AMI_INVALID_OPTIONS for options that cannot work. */
export function resolveOptions(options: AmiClientOptions): ResolvedOptions {
  if (!options || typeof options.host !== "string" || options.host.length === 0) {
    throw amiError("ERR_AMI_INVALID_OPTIONS", "AmiClient: host is required");
  }
  if (typeof options.username !== "string" || options.username.length === 0) {
    throw amiError("ERR_AMI_INVALID_OPTIONS", "AmiClient: username is required");
  }
  const useTls = !!options.tls;
  if (options.port !== undefined && !(Number.isInteger(options.port) && options.port > 0 && options.port < 65536)) {
    throw amiError("ERR_AMI_INVALID_OPTIONS", `AmiClient: port must be an integer from 1 to 65535, not ${String(options.port)}`);
  }
  return {
    host: options.host,
    port: options.port ?? (useTls ? 5039 : 5038),
    tls: options.tls,
    username: options.username,
    authType: options.authType ?? "plain",
    events: options.events ?? "on",
    filters: [...(options.filters ?? [])],
    actionTimeout: options.actionTimeout ?? 10_000,
    connectTimeout: options.connectTimeout ?? 10_000,
    keepaliveInterval: options.keepaliveInterval ?? 30_000,
    keepaliveTimeout: options.keepaliveTimeout ?? 5_000,
    reconnect: options.reconnect ?? true,
    reconnectDelay: options.reconnectDelay ?? 1_000,
    reconnectMaxDelay: options.reconnectMaxDelay ?? 30_000,
    authRetryDelay: options.authRetryDelay ?? 30_000,
    stableSessionMs: options.stableSessionMs ?? 10_000,
    maxQueue: options.maxQueue ?? 1_000,
    maxFrameBytes: options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
    maxListItems: options.maxListItems ?? 100_000,
    maxListBytes: options.maxListBytes ?? 64 * 1024 * 1024,
    closeTimeout: options.closeTimeout ?? 2_000,
  };
}
