import type { NodeStatus } from "./red";
import { StatusBoard, Translate } from "./status";

/**
 * The status line of "ami calls" and "ami presence": what the node watches (live calls,
 * extensions in use) as a green dot while connected, the connection's ring otherwise — the
 * package's vocabulary (rings for the connection, dots for a working one). Redrawn at most every
 * 250 ms: a busy PBX changes the count many times a second, and each status goes to every editor.
 */

export class CountStatusBoard extends StatusBoard {
  private params: Record<string, unknown> = { count: 0 };
  private lastDrawn = 0;
  private shown?: string;

  constructor(
    show: (s: NodeStatus) => void,
    t: Translate,
    /** Catalog key of the count text, e.g. "asterisk-ami-calls.status.live". */
    private readonly key: string,
    private readonly intervalMs = 250,
  ) {
    super(show, t);
  }

  setCount(params: Record<string, unknown>): void {
    this.params = params;
    this.render(false);
  }

  protected render(now = true): void {
    if (this.stopped) return;
    const wait = this.lastDrawn + this.intervalMs - Date.now();
    if (!now && wait > 0) {
      if (!this.pending) this.after(wait, () => this.render(true));
      return;
    }
    const status: NodeStatus = this.connected ? { fill: "green", shape: "dot", text: this.t(this.key, this.params) } : { ...this.connection };
    this.lastDrawn = Date.now();
    const text = JSON.stringify(status);
    if (text === this.shown) return;
    this.shown = text;
    this.show(status);
  }
}
