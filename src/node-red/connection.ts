import { AmiClient, ActionFields, ActionResult, AmiClientOptions, AmiLogger, SendOptions, StateChange, amiError } from "../ami";
import type { NameMatcher } from "./event-filter";
import { sharedScheduler } from "./delivery-scheduler";
import { EventRouter, EventSink } from "./event-router";
import type { Node, NodeStatus } from "./red";
import { Translate, connectionStatus } from "./status";
import { FeedKind, FeedOf, makeFeed } from "./tracking-feed";
import { catalogLine } from "./catalog-error";

/** The connection's own texts, in English as in the server node's catalog (asterisk-ami-server.log.* and .errors.not-open). */
export const CONNECTION_TEXTS = {
  "log.connected-again": "AMI __server__: connected again to __where__",
  "log.retrying": "AMI __server__: __why__; retrying in __seconds__ s (attempt __attempt__)",
  "log.login-refused": "login refused",
  "log.connection-lost": "connection lost",
  "errors.not-open": "__action__: the AMI connection is not open",
} as const;

/**
 * What a config node shares with the nodes that use it: one AmiClient (one TCP session) however
 * many users there are, created when the first user registers and closed when the last one is
 * removed; the connection state pushed to every user as a status, and replayed at once to a user
 * that joins late; every event route a user added, removed when it deregisters; and the call,
 * presence and queue feeds (tracking-feed.ts) its nodes share. Events reach every node through
 * the connection: no node holds the client.
 * Modelled on Node-RED's MQTT broker node (users map, register/deregister, forced close).
 */

/** The config node "asterisk-ami-server" as its users see it. */
export interface AmiServerNode extends Node {
  connection: AmiConnection;
}

export interface ConnectionUser {
  id: string;
  status(status: NodeStatus): void;
  /** When present, receives the connection status instead of status() (the action node mixes it with its own). */
  connectionStatus?(status: NodeStatus): void;
}

export interface ConnectionOptions {
  /** msg.ami.server: the config node's name, or host:port. */
  label: string;
  /** Client options; undefined when the config is incomplete (see problem). */
  client?: AmiClientOptions;
  /** Catalog key explaining why there is no client. */
  problem?: string;
  t: Translate;
  logger: AmiLogger;
  /** Longest a close may take before it is forced, ms. */
  closeTimeout: number;
  /** A user that restarts without being removed (a partial deploy) has this long to come back, ms. */
  idleTimeout: number;
}

export class AmiConnection {
  readonly label: string;
  private readonly users = new Map<string, ConnectionUser>();
  private readonly router = new EventRouter();
  private readonly feeds = new Map<FeedKind, FeedOf<FeedKind>>();
  private client?: AmiClient;
  private unsubscribe?: () => void;
  private idleTimer?: NodeJS.Timeout;
  private lastStatus: NodeStatus;
  private lastFailure?: string;
  private closed = false;

  // A true private field: the client options hold the secret, and util.inspect or a debugger dump
  // of the connection must not show it.
  readonly #opts: ConnectionOptions;

  constructor(opts: ConnectionOptions) {
    this.#opts = opts;
    this.label = opts.label;
    this.lastStatus = opts.problem
      ? { fill: "red", shape: "ring", text: opts.t(opts.problem) }
      : connectionStatus({ state: "idle" }, opts.t);
    this.router.onChange = () => this.resubscribe();
  }

  get state(): string {
    return this.client?.state ?? "idle";
  }

  register(user: ConnectionUser): void {
    if (this.closed) return;
    this.users.set(user.id, user);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.show(user, this.lastStatus);
    if (!this.client && this.#opts.client) this.open(this.#opts.client);
  }

  /**
   * Removes a user and every event route it added. The connection closes when the last user is
   * removed; a user that is only restarting (removed false) gets idleTimeout to come back.
   */
  async deregister(user: ConnectionUser, removed: boolean): Promise<void> {
    this.router.removeOwner(user.id);
    this.users.delete(user.id);
    if (this.users.size > 0 || !this.client) return;
    if (removed) {
      await this.shutdown();
      return;
    }
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.users.size === 0) void this.shutdown();
    }, this.#opts.idleTimeout);
    this.idleTimer.unref?.();
  }

  /** Routes events whose name the matcher accepts to sink, until owner deregisters. */
  subscribe(owner: string, matcher: NameMatcher, sink: EventSink): () => void {
    return this.router.add(owner, matcher, sink);
  }

  /**
   * The shared feed of this kind (calls, presence, queues), made on first use and forgotten when
   * its last user has left; it tracks whichever client the connection has.
   */
  feed<K extends FeedKind>(kind: K): FeedOf<K> {
    const running = this.runningFeed(kind);
    if (running) return running;
    const made = makeFeed(kind, () => this.client, () => {
      if (this.feeds.get(kind) === made) this.feeds.delete(kind);
    });
    this.feeds.set(kind, made);
    return made;
  }

  /** The feed of this kind if a node runs one now. */
  runningFeed<K extends FeedKind>(kind: K): FeedOf<K> | undefined {
    return this.feeds.get(kind);
  }

  send(action: string, fields: ActionFields, options: SendOptions): Promise<ActionResult> {
    if (!this.client) {
      const err = this.#opts.problem
        ? amiError("ERR_AMI_NOT_CONFIGURED", `${action}: ${this.#opts.t(this.#opts.problem)}`, { action })
        : amiError("ERR_AMI_CLOSED", this.text("errors.not-open", { action }), { action });
      return Promise.reject(err);
    }
    return this.client.send(action, fields, options);
  }

  /** Closes for good (the config node's close). Never takes longer than closeTimeout. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    await this.shutdown();
    this.users.clear();
  }

  private open(options: AmiClientOptions): void {
    const client = new AmiClient({ ...options, logger: this.#opts.logger });
    this.client = client;
    client.on("state", (change: StateChange) => {
      if (this.client !== client) return;
      this.report(change);
      this.broadcast(connectionStatus(change, this.#opts.t));
    });
    this.resubscribe();
    client.connect();
  }

  private async shutdown(): Promise<void> {
    const client = this.client;
    if (!client) return;
    // Forget it first: a user registering while this one logs off gets a fresh client.
    this.client = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    // Logoff first (the client waits for Goodbye); a dead peer must not hold up a deploy.
    let timer: NodeJS.Timeout | undefined;
    const forced = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.#opts.closeTimeout);
    });
    await Promise.race([client.close(), forced]);
    if (timer) clearTimeout(timer);
    client.removeAllListeners("state");
    if (!this.client) this.broadcast(connectionStatus({ state: "closed" }, this.#opts.t));
  }

  private resubscribe(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    // The core caches each selector's answer per event name: a fresh subscription clears it.
    if (this.client && this.router.size > 0) {
      const client = this.client;
      const off = client.subscribeFrames(
        (name) => this.router.wants(name),
        (event) => this.router.dispatch(event),
      );
      const onChunk = (n: number): void => sharedScheduler.readChunk(n);
      // The scheduler hands waiting events over once a turn's reading is done.
      client.on("read", onChunk);
      this.unsubscribe = () => {
        off();
        client.off("read", onChunk);
      };
    }
  }

  private broadcast(status: NodeStatus): void {
    this.lastStatus = status;
    for (const user of this.users.values()) this.show(user, status);
  }

  private show(user: ConnectionUser, status: NodeStatus): void {
    try {
      if (user.connectionStatus) user.connectionStatus({ ...status });
      else user.status({ ...status });
    } catch {
      /* a user node that fails to show a status must not stop the others */
    }
  }

  /** Says in the log what the status says, without repeating the same failure every retry. */
  private report(change: StateChange): void {
    const where = `${this.#opts.client?.host}:${this.#opts.client?.port ?? ""}`;
    const log = this.#opts.logger;
    if (change.state === "ready") {
      if (this.lastFailure !== undefined) log.info?.(this.text("log.connected-again", { server: this.label, where }));
      this.lastFailure = undefined;
      return;
    }
    if (change.state !== "reconnecting" && change.state !== "auth-failed") return;
    // The core already warns when a working session is lost; this covers failures to get one.
    if (change.previous === "ready") {
      this.lastFailure = this.text("log.connection-lost", {});
      return;
    }
    const why = change.error?.message ?? this.text(change.state === "auth-failed" ? "log.login-refused" : "log.connection-lost", {});
    const seconds = String(Math.round((change.delay ?? 0) / 1000));
    const text = this.text("log.retrying", { server: this.label, why, seconds, attempt: String(change.attempt ?? 1) });
    if (why !== this.lastFailure) log.warn?.(text);
    else log.debug?.(text);
    this.lastFailure = why;
  }

  /** One of the connection's texts, from the server node's catalog. */
  private text(key: keyof typeof CONNECTION_TEXTS, params: Record<string, string>): string {
    return catalogLine(this.#opts.t, `asterisk-ami-server.${key}`, params, CONNECTION_TEXTS[key]);
  }
}
