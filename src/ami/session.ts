import { createHash } from "node:crypto";
import * as net from "node:net";
import * as tls from "node:tls";
import { AmiLogger, AmiTlsOptions, ResolvedOptions } from "./client-options";
import { ActionFields } from "./encoder";
import { AmiError, amiError } from "./errors";
import { AmiFramer } from "./framer";
import { AmiMessage } from "./message";
import { ActionResult } from "./pending-action";

/**
 * The AMI session, kept up: connect (TCP or TLS), banner, login (plain, or MD5 through Challenge so
 * the secret never crosses the wire), the filters, keepalive, and reconnect with backoff, as one
 * explicit state machine that everything else reads. It owns the socket and the framer; what the
 * frames mean, and the actions in flight, are its host's (the AmiClient).
 */

export type ConnectionState =
  | "idle" // created, connect() not called yet
  | "connecting" // TCP/TLS connect, banner, login, filters
  | "ready" // logged in: actions are written at once
  | "reconnecting" // lost; the next attempt is scheduled (see StateChange.delay)
  | "auth-failed" // the server refused the credentials; retrying slowly
  | "closed"; // close() was called (or reconnect is off and the session ended)

export interface StateChange {
  state: ConnectionState;
  previous: ConnectionState;
  /** Reconnect attempt number (1 for the first retry). */
  attempt?: number;
  /** Milliseconds until the next attempt. */
  delay?: number;
  /** Why the session ended or failed; never contains a secret. */
  error?: AmiError;
}

/** What the session needs from the client it serves. */
export interface SessionHost {
  /** A new connection is being opened. */
  onConnecting(): void;
  onBanner(line: string): void;
  /** A complete frame read from the socket: bytes [start, end) of buf, valid during the call. */
  onFrame(buf: Buffer, start: number, end: number): void;
  /** Writes one of the session's own actions (login, filter, Ping, Logoff) on the current socket. */
  sendInternal(action: string, fields: ActionFields, timeout: number): Promise<ActionResult>;
  /** Logged in: what waited for the session may be written now. */
  onReady(): void;
  /** Whether a Ping now would go unanswered (a synchronous Originate holds the session). */
  sessionHeld(): boolean;
  /** The connection ended (`closing`: by close()); `cause` says why, when known. */
  onConnectionEnded(closing: boolean, cause: Error | undefined): void;
  /** close() was called: what waits for a session will never be sent. */
  onClosing(): void;
  emit(event: string, ...args: unknown[]): boolean;
  log(level: keyof AmiLogger, message: string): void;
}

export class Session {
  private readonly options: ResolvedOptions;
  // A true private field: never shown by util.inspect, JSON.stringify or a debugger dump.
  readonly #secret: string;
  private readonly host: SessionHost;
  /** Cuts the socket's bytes into frames. */
  private readonly framer: AmiFramer;
  private readonly stats: { reconnects: number };
  private current: ConnectionState = "idle";
  private sock?: net.Socket;
  private closing = false;
  private closeDone?: Promise<void>;
  private attempt = 0;
  private readySince = 0;
  private authRefused = false;
  private serverShutdown = false;
  private lastError?: AmiError;
  /** The banner line of the current connection. */
  private banner?: string;
  private reconnectTimer?: NodeJS.Timeout;
  private connectTimer?: NodeJS.Timeout;
  private keepaliveTimer?: NodeJS.Timeout;

  /** `stats.reconnects` is counted here. */
  constructor(options: ResolvedOptions, secret: string, host: SessionHost, stats: { reconnects: number }) {
    this.options = options;
    this.#secret = secret;
    this.host = host;
    this.stats = stats;
    this.framer = new AmiFramer(
      {
        onBanner: (line) => this.onBanner(line),
        onFrame: (buf, start, end) => host.onFrame(buf, start, end),
        onError: (err) => this.onProtocolError(err),
      },
      { banner: true, maxFrameBytes: options.maxFrameBytes },
    );
  }

  get state(): ConnectionState {
    return this.current;
  }

  /** The socket of the current connection, if there is one. */
  get socket(): net.Socket | undefined {
    return this.sock;
  }

  /** Logged in, with a socket: actions may be written now. */
  get isReady(): boolean {
    return this.current === "ready" && this.sock !== undefined;
  }

  /** close() was called (or the session ended for good): no action will be written any more. */
  get isClosed(): boolean {
    return this.current === "closed" || this.closing;
  }

  /** Starts connecting (once); the session is then kept up until close(). */
  connect(): void {
    if (this.current !== "idle") return;
    this.open();
  }

  /** Event: Shutdown: Asterisk announced the end of the session, a planned restart rather than a fault. */
  onShutdown(msg: AmiMessage): void {
    this.serverShutdown = true;
    this.lastError = amiError("ERR_AMI_DISCONNECTED", `Asterisk shut down (${msg.get("Shutdown") ?? "no detail"}, restart: ${msg.get("Restart") ?? "?"})`);
    this.host.log("info", `Asterisk is shutting down (${msg.get("Shutdown") ?? "no detail"})`);
  }

  /**
   * Logs off (waiting up to closeTimeout for Goodbye), then drops the socket. Resolves when the
   * session is closed; never rejects.
   */
  close(): Promise<void> {
    if (this.closeDone) return this.closeDone;
    this.closing = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.keepaliveTimer) clearTimeout(this.keepaliveTimer);
    this.reconnectTimer = this.keepaliveTimer = undefined;
    this.host.onClosing();
    const sock = this.sock;
    this.closeDone = new Promise<void>((resolve) => {
      if (!sock) {
        this.setState("closed");
        resolve();
        return;
      }
      const timer = setTimeout(() => sock.destroy(), this.options.closeTimeout);
      sock.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
      if (this.current === "ready") {
        const drop = () => sock.destroy();
        this.host.sendInternal("Logoff", {}, this.options.closeTimeout).then(drop, drop);
      } else {
        sock.destroy();
      }
    });
    return this.closeDone;
  }

  private setState(state: ConnectionState, extra: Omit<StateChange, "state" | "previous"> = {}): void {
    const previous = this.current;
    this.current = state;
    const change: StateChange = { state, previous, ...extra };
    this.host.emit("state", change);
  }

  private open(): void {
    this.reconnectTimer = undefined;
    this.authRefused = false;
    this.host.onConnecting();
    this.framer.reset();
    this.banner = undefined;
    this.setState("connecting", this.attempt > 0 ? { attempt: this.attempt } : {});
    let sock: net.Socket;
    try {
      sock = this.createSocket();
    } catch (err) {
      // Bad TLS material and the like throw synchronously: report it and retry like any failure.
      this.sessionEnded(false, connectError(`cannot connect: ${(err as Error).message}`, err));
      return;
    }
    this.sock = sock;
    this.watch(sock);
  }

  private createSocket(): net.Socket {
    const o = this.options;
    if (!o.tls) return net.connect({ host: o.host, port: o.port });
    const t: AmiTlsOptions = o.tls === true ? {} : o.tls;
    const servername = t.servername ?? (net.isIP(o.host) ? undefined : o.host);
    return tls.connect({
      host: o.host,
      port: o.port,
      ca: t.ca,
      cert: t.cert,
      key: t.key,
      passphrase: t.passphrase,
      rejectUnauthorized: t.rejectUnauthorized ?? true,
      servername,
    });
  }

  private watch(sock: net.Socket): void {
    const o = this.options;
    sock.setNoDelay(true);
    sock.setKeepAlive(true, 30_000);
    this.connectTimer = setTimeout(() => {
      if (this.sock !== sock || this.current === "ready") return;
      this.lastError = amiError("ERR_AMI_TIMEOUT", `no AMI login within ${o.connectTimeout} ms`);
      sock.destroy();
    }, o.connectTimeout);
    // Never pause: Asterisk drops a client that stops reading for 100 ms (writetimeout).
    sock.on("data", (chunk: Buffer) => {
      if (this.sock !== sock) return;
      this.framer.push(chunk);
      // After the events of this read were dispatched: its size (the client's `read` event).
      this.host.emit("read", chunk.length);
    });
    sock.on("error", (err: Error) => {
      if (this.sock === sock) this.lastError = connectError(err.message, err);
    });
    sock.on("close", () => this.onSocketClosed(sock));
  }

  private onBanner(line: string): void {
    this.banner = line;
    this.host.onBanner(line);
    const sock = this.sock;
    if (sock) void this.login(sock);
  }

  private async login(sock: net.Socket): Promise<void> {
    if (!(await this.authenticate(sock))) return;
    await this.applyFilters(sock);
    if (this.sock !== sock) return;
    const o = this.options;
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    this.readySince = Date.now();
    this.lastError = undefined;
    this.setState("ready");
    this.host.log("info", `connected to ${o.host}:${o.port} as ${o.username} (${this.banner ?? "no banner"})`);
    this.host.emit("ready");
    this.host.onReady();
    this.scheduleKeepalive(sock);
  }

  /** Logs in; on a refusal (or any failure) drops the socket and returns false. */
  private async authenticate(sock: net.Socket): Promise<boolean> {
    const o = this.options;
    const t = o.connectTimeout;
    try {
      if (o.authType === "md5") {
        const challenge = await this.host.sendInternal("Challenge", { AuthType: "MD5" }, t);
        const nonce = challenge.response.get("Challenge") ?? "";
        const key = createHash("md5").update(nonce + this.#secret).digest("hex");
        await this.host.sendInternal("Login", { AuthType: "MD5", Username: o.username, Key: key, Events: o.events }, t);
      } else {
        await this.host.sendInternal("Login", { Username: o.username, Secret: this.#secret, Events: o.events }, t);
      }
      return true;
    } catch (err) {
      if (this.sock !== sock) return false;
      const e = err as AmiError;
      if (e.code === "ERR_AMI_RESPONSE" || e.code === "ERR_AMI_PERMISSION_DENIED") {
        this.authRefused = true;
        this.lastError = amiError("ERR_AMI_AUTH", `authentication failed for user "${o.username}": ${e.response?.get("Message") ?? "refused"}`);
        this.host.log("warn", this.lastError.message);
      } else {
        this.lastError = e;
      }
      sock.destroy();
      return false;
    }
  }

  /** Adds the filters (after every login: a new session starts without them); a refused one is logged, not fatal. */
  private async applyFilters(sock: net.Socket): Promise<void> {
    for (const filter of this.options.filters) {
      try {
        await this.host.sendInternal("Filter", { Operation: "Add", Filter: filter }, this.options.connectTimeout);
      } catch (err) {
        if (this.sock !== sock) return;
        this.host.log("warn", `the AMI filter ${JSON.stringify(filter)} was refused: ${(err as Error).message}`);
      }
    }
  }

  private scheduleKeepalive(sock: net.Socket): void {
    if (this.options.keepaliveInterval <= 0) return;
    this.keepaliveTimer = setTimeout(() => {
      if (this.sock !== sock || this.current !== "ready") return;
      // A synchronous Originate blocks the session: a Ping would go unanswered and look dead.
      if (this.host.sessionHeld()) this.scheduleKeepalive(sock);
      else this.ping(sock);
    }, this.options.keepaliveInterval);
  }

  /** A Ping not answered in time means the peer is gone (a half-open TCP session): drop it and reconnect. */
  private ping(sock: net.Socket): void {
    const timeout = this.options.keepaliveTimeout;
    this.host.sendInternal("Ping", {}, timeout).then(
      () => {
        if (this.sock === sock) this.scheduleKeepalive(sock);
      },
      (err: AmiError) => {
        if (this.sock !== sock) return;
        if (err.code !== "ERR_AMI_TIMEOUT") {
          this.scheduleKeepalive(sock);
          return;
        }
        this.lastError = amiError("ERR_AMI_TIMEOUT", `keepalive: no answer to Ping within ${timeout} ms`);
        this.host.log("warn", `${this.lastError.message}; reconnecting`);
        sock.destroy();
      },
    );
  }

  private onProtocolError(err: Error): void {
    this.lastError = amiError("ERR_AMI_PROTOCOL", `AMI protocol error: ${err.message}`);
    this.host.log("error", `${this.lastError.message}; dropping the connection`);
    this.sock?.destroy();
  }

  private onSocketClosed(sock: net.Socket): void {
    if (this.sock !== sock) return;
    this.sock = undefined;
    if (this.connectTimer) clearTimeout(this.connectTimer);
    if (this.keepaliveTimer) clearTimeout(this.keepaliveTimer);
    this.connectTimer = this.keepaliveTimer = undefined;
    const wasReady = this.current === "ready";
    const cause = this.lastError;
    this.host.onConnectionEnded(this.closing, cause);
    this.sessionEnded(wasReady, cause);
  }

  /** Decides what follows a session that ended (or never started): closed, or a retry later. */
  private sessionEnded(wasReady: boolean, cause: AmiError | undefined): void {
    const shutdown = this.serverShutdown;
    this.serverShutdown = false;
    if (this.closing || !this.options.reconnect) {
      this.setState("closed", cause && !this.closing ? { error: cause } : {});
      return;
    }
    if (wasReady && Date.now() - this.readySince >= this.options.stableSessionMs) this.attempt = 0;
    const delay = this.authRefused ? this.options.authRetryDelay : this.backoff();
    this.attempt++;
    if (this.authRefused) {
      this.setState("auth-failed", { attempt: this.attempt, delay, error: cause });
    } else {
      // Event: Shutdown announced the end: a planned restart, not a fault.
      if (shutdown) this.host.log("info", `Asterisk shut down; reconnecting in ${delay} ms`);
      else if (wasReady) this.host.log("warn", `AMI connection lost${cause ? `: ${cause.message}` : ""}; reconnecting in ${delay} ms`);
      this.setState("reconnecting", { attempt: this.attempt, delay, error: cause });
    }
    this.stats.reconnects++;
    this.lastError = undefined;
    this.reconnectTimer = setTimeout(() => this.open(), delay);
  }

  /** The next reconnect delay: doubling per attempt up to the cap, with jitter (half to all of it). */
  private backoff(): number {
    const base = Math.min(this.options.reconnectMaxDelay, this.options.reconnectDelay * 2 ** Math.min(this.attempt, 30));
    return Math.round(base / 2 + (Math.random() * base) / 2);
  }
}

/** The socket could not be opened or failed (refused, unreachable, TLS...): the system error stays as the cause. */
function connectError(message: string, cause: unknown): AmiError {
  const err = amiError("ERR_AMI_CONNECT", message);
  err.cause = cause;
  return err;
}
