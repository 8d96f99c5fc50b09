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
 * The action node's status line: the connection state while idle, the number of actions in flight
 * while busy, and the last outcome for a short while after one finishes.
 */
export class ActionStatusBoard {
  private connection: NodeStatus = {};
  private inFlight = 0;
  private outcome?: NodeStatus;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly show: (s: NodeStatus) => void,
    private readonly t: Translate,
    private readonly outcomeMs = 3000,
  ) {}

  setConnection(status: NodeStatus): void {
    this.connection = status;
    this.render();
  }

  started(): void {
    this.inFlight++;
    this.render();
  }

  /** An action ended; `counted` is false for a message refused before anything was sent. */
  finished(ok: boolean, detail: string, counted = true): void {
    if (counted) this.inFlight = Math.max(0, this.inFlight - 1);
    this.outcome = outcomeStatus(ok, detail, this.t);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.outcome = undefined;
      this.render();
    }, this.outcomeMs);
    this.timer.unref?.();
    this.render();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private render(): void {
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
export class EventStatusBoard {
  private connection: NodeStatus = {};
  private dropped = 0;
  private lastDropAt = 0;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly show: (s: NodeStatus) => void,
    private readonly t: Translate,
    private readonly throttleMs = 1000,
    private readonly recentMs = 5000,
  ) {}

  setConnection(status: NodeStatus): void {
    this.connection = status;
    this.render();
  }

  /** `total` events dropped so far. */
  droppedEvents(total: number): void {
    this.dropped = total;
    this.lastDropAt = Date.now();
    if (this.timer) return;
    this.render();
    this.schedule(this.throttleMs);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.render();
      const quietFor = Date.now() - this.lastDropAt;
      if (quietFor < this.recentMs) this.schedule(Math.min(this.throttleMs, this.recentMs - quietFor + 1));
    }, ms);
    this.timer.unref?.();
  }

  private render(): void {
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
