import { connect, Socket } from "node:net";

export type Message = Array<[string, string]>;

/** A header's value in a message (first occurrence). */
export const header = (m: Message, name: string): string | undefined => m.find(([k]) => k === name)?.[1];

/**
 * A raw AMI session on the simulated PBX that keeps every message as received, headers in wire
 * order (the call centre tests look at header order and at what a client sees, in order).
 */
export class AmiTap {
  readonly messages: Message[] = [];
  private buffer = "";
  private bannerSeen = false;
  private nextId = 1;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => this.read(chunk));
  }

  static async open(port: number, host = "127.0.0.1"): Promise<AmiTap> {
    const socket = connect(port, host);
    await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
    const tap = new AmiTap(socket);
    const r = await tap.send({ Action: "Login", Username: "admin", Secret: "amp111" });
    if (header(r, "Response") !== "Success") throw new Error(`login failed: ${JSON.stringify(r)}`);
    return tap;
  }

  private read(chunk: string): void {
    this.buffer += chunk;
    if (!this.bannerSeen) {
      const nl = this.buffer.indexOf("\r\n");
      if (nl < 0) return;
      this.buffer = this.buffer.slice(nl + 2);
      this.bannerSeen = true;
    }
    for (let end = this.buffer.indexOf("\r\n\r\n"); end >= 0; end = this.buffer.indexOf("\r\n\r\n")) {
      const text = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 4);
      this.messages.push(text.split("\r\n").map((l): [string, string] => {
        const i = l.indexOf(":");
        return [l.slice(0, i), l.slice(i + 1).replace(/^ /, "")];
      }));
    }
  }

  /** Events named `name` (all events without a name), list items of actions left out. */
  events(name?: string): Message[] {
    return this.messages.filter((m) => header(m, "Event") !== undefined && header(m, "ActionID") === undefined && (!name || header(m, "Event") === name));
  }

  /** Sends an action with its own ActionID; resolves on its response. */
  async send(fields: Record<string, string>): Promise<Message> {
    const id = `t-${this.nextId++}`;
    this.socket.write(Object.entries({ ...fields, ActionID: id }).map(([k, v]) => `${k}: ${v}\r\n`).join("") + "\r\n");
    return this.until((m) => header(m, "Response") !== undefined && header(m, "ActionID") === id);
  }

  /** Every event the PBX sent before now is in `messages` (a Ping's response follows them on the socket). */
  async sync(): Promise<void> {
    await this.send({ Action: "Ping" });
  }

  /** The first message (already received or to come) that satisfies `match`. */
  async until(match: (m: Message) => boolean, ms = 5000, what = "a message"): Promise<Message> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.messages.find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no ${what} within ${ms} ms; last: ${JSON.stringify(this.messages.slice(-3))}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** The next event `name` with these header values. */
  event(name: string, values: Record<string, string> = {}, ms = 5000): Promise<Message> {
    return this.until((m) => header(m, "Event") === name && Object.entries(values).every(([k, v]) => header(m, k) === v), ms, `${name} ${JSON.stringify(values)}`);
  }

  close(): void {
    this.socket.destroy();
  }
}
