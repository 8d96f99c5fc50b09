import type { StateChange } from "../ami";
import type { NodeStatus } from "./red";

/**
 * One status vocabulary for the whole package: rings for the connection's state, dots for a
 * working connection and for action outcomes. Texts come from the message catalog through a
 * translate function (RED._), never as literals.
 */

export type Translate = (key: string, params?: Record<string, unknown>) => string;

const NS = "asterisk-ami-server.status.";

/** The status every user node shows for a connection state. */
export function connectionStatus(change: Pick<StateChange, "state" | "delay" | "attempt">, t: Translate): NodeStatus {
  switch (change.state) {
    case "connecting":
      return { fill: "yellow", shape: "ring", text: t(NS + "connecting") };
    case "ready":
      return { fill: "green", shape: "dot", text: t(NS + "connected") };
    case "reconnecting":
      return { fill: "yellow", shape: "ring", text: t(NS + "reconnecting", { seconds: seconds(change.delay) }) };
    case "auth-failed":
      return { fill: "red", shape: "ring", text: t(NS + "auth-failed", { seconds: seconds(change.delay) }) };
    case "idle":
    case "closed":
    default:
      return { fill: "red", shape: "ring", text: t(NS + "disconnected") };
  }
}

function seconds(ms: number | undefined): number {
  return Math.max(1, Math.round((ms ?? 0) / 1000));
}

/** While actions are in flight. */
export function inFlightStatus(count: number, t: Translate): NodeStatus {
  return { fill: "blue", shape: "dot", text: t("asterisk-ami-action.status.in-flight", { count }) };
}

/** The last outcome, shown briefly. */
export function outcomeStatus(ok: boolean, detail: string, t: Translate): NodeStatus {
  return ok
    ? { fill: "green", shape: "dot", text: t("asterisk-ami-action.status.ok", { detail }) }
    : { fill: "red", shape: "dot", text: t("asterisk-ami-action.status.failed", { detail }) };
}

/** A node that cannot run (no server, a bad filter): red ring with the reason. */
export function configErrorStatus(key: string, t: Translate): NodeStatus {
  return { fill: "red", shape: "ring", text: t(key) };
}

/**
 * What every node's status line shares: the connection's status, one timer for a redraw later,
 * and stopping (a stopped board never draws again: the node is being closed).
 */
export abstract class StatusBoard {
  protected connection: NodeStatus = {};
  protected connected = false;
  protected stopped = false;
  private timer?: NodeJS.Timeout;

  constructor(
    protected readonly show: (s: NodeStatus) => void,
    protected readonly t: Translate,
  ) {}

  /** The connection's status; `connected` (logged in) for boards that show more while it is. */
  setConnection(status: NodeStatus, connected = false): void {
    this.connection = status;
    this.connected = connected;
    this.render();
  }

  stop(): void {
    this.stopped = true;
    this.cancel();
  }

  /** A redraw (or anything) is scheduled. */
  protected get pending(): boolean {
    return this.timer !== undefined;
  }

  /** Runs `fn` in `ms`, replacing what was scheduled; never keeps the process alive. */
  protected after(ms: number, fn: () => void): void {
    this.cancel();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      fn();
    }, ms);
    this.timer.unref?.();
  }

  protected cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  protected abstract render(): void;
}

/**
 * The action node's status line: the connection state while idle, the number of actions in flight
 * while busy, and the last outcome for a short while after one finishes.
 */
export class ActionStatusBoard extends StatusBoard {
  private inFlight = 0;
  private outcome?: NodeStatus;

  constructor(
    show: (s: NodeStatus) => void,
    t: Translate,
    private readonly outcomeMs = 3000,
  ) {
    super(show, t);
  }

  started(): void {
    this.inFlight++;
    this.render();
  }

  /** An action ended; `counted` is false for a message refused before anything was sent. */
  finished(ok: boolean, detail: string, counted = true): void {
    if (counted) this.inFlight = Math.max(0, this.inFlight - 1);
    this.outcome = outcomeStatus(ok, detail, this.t);
    this.after(this.outcomeMs, () => {
      this.outcome = undefined;
      this.render();
    });
    this.render();
  }

  protected render(): void {
    if (this.stopped) return;
    if (this.inFlight > 0) this.show(inFlightStatus(this.inFlight, this.t));
    else this.show(this.outcome ?? this.connection);
  }
}

/**
 * The "ami in" node's status line: the connection state, and once events were dropped for a slow
 * flow, how many (yellow while it is happening, for `recentMs` after the last drop). Redrawn at
 * most once per `throttleMs` while events are being dropped.
 */
export class EventStatusBoard extends StatusBoard {
  private dropped = 0;
  private lastDropAt = 0;

  constructor(
    show: (s: NodeStatus) => void,
    t: Translate,
    private readonly throttleMs = 1000,
    private readonly recentMs = 5000,
  ) {
    super(show, t);
  }

  /** `total` events dropped so far. */
  droppedEvents(total: number): void {
    this.dropped = total;
    this.lastDropAt = Date.now();
    if (this.pending) return;
    this.render();
    this.schedule(this.throttleMs);
  }

  private schedule(ms: number): void {
    this.after(ms, () => {
      this.render();
      const quietFor = Date.now() - this.lastDropAt;
      if (quietFor < this.recentMs) this.schedule(Math.min(this.throttleMs, this.recentMs - quietFor + 1));
    });
  }

  protected render(): void {
    if (this.stopped) return;
    if (this.dropped === 0) {
      this.show(this.connection);
      return;
    }
    const recent = Date.now() - this.lastDropAt < this.recentMs;
    const text = `${this.connection.text ?? ""}, ${this.t("asterisk-ami-in.status.dropped", { count: this.dropped })}`;
    this.show(recent ? { fill: "yellow", shape: "dot", text } : { ...this.connection, text });
  }
}
