import { createHash } from "node:crypto";
import * as net from "node:net";
import { AmiMessage } from "../../src/ami/message";
import { AmiFramer } from "../../src/ami/framer";
import { parseFrame } from "../../src/ami/frame-decoder";

/**
 * A small, scriptable AMI server for the protocol core's tests. Its fixed texts are those of the
 * real Asterisk 22.10.1 captures (banner, login, challenge, Ping, Logoff, Permission denied,
 * unknown action); everything else is answered by the test's own handler, so a test controls
 * exactly what the client sees (drops, silence, interleaving, other sessions' events).
 * The full simulated PBX lives in simulator/; this stays minimal on purpose.
 */

export const BANNER = "Asterisk Call Manager/11.0.0\r\n";

export type Fields = Array<[string, string]>;

export function wire(fields: Fields): string {
  return fields.map(([k, v]) => `${k}: ${v}\r\n`).join("") + "\r\n";
}

export interface FakeSession {
  readonly id: number;
  readonly socket: net.Socket;
  loggedIn: boolean;
  /** Every action received, decoded. */
  readonly actions: AmiMessage[];
  /** Every byte received, as it came. */
  readonly rawIn: Buffer[];
  send(fields: Fields): void;
  respond(action: AmiMessage, fields: Fields): void;
  destroy(): void;
}

export type ActionHandler = (action: AmiMessage, session: FakeSession) => void;

export interface FakeAmiOptions {
  username?: string;
  secret?: string;
  /** Asterisk answers a failed login, then closes the socket about a second later. */
  authFailCloseMs?: number;
  challenge?: string;
  onAction?: ActionHandler;
}

export class FakeAmi {
  readonly server: net.Server;
  readonly sessions: FakeSession[] = [];
  readonly loginAttempts: Array<{ at: number; ok: boolean }> = [];
  port = 0;
  /** When true, the server reads nothing and answers nothing (a half-open peer). */
  silent = false;
  onAction?: ActionHandler;
  private nextId = 1;
  private readonly opts: Required<Omit<FakeAmiOptions, "onAction">>;

  constructor(options: FakeAmiOptions = {}) {
    this.opts = {
      username: options.username ?? "admin",
      secret: options.secret ?? "amp111",
      authFailCloseMs: options.authFailCloseMs ?? 100,
      challenge: options.challenge ?? "163447182",
    };
    this.onAction = options.onAction;
    this.server = net.createServer((socket) => this.accept(socket));
  }

  static async start(options: FakeAmiOptions = {}): Promise<FakeAmi> {
    const fake = new FakeAmi(options);
    await new Promise<void>((resolve) => fake.server.listen(0, "127.0.0.1", resolve));
    fake.port = (fake.server.address() as net.AddressInfo).port;
    return fake;
  }

  /** Sessions whose socket is still open. */
  get open(): FakeSession[] {
    return this.sessions.filter((s) => !s.socket.destroyed);
  }

  /** Every action received by every session, in order. */
  get actions(): AmiMessage[] {
    return this.sessions.flatMap((s) => s.actions);
  }

  /** Sends an event to every logged-in session. */
  broadcast(fields: Fields): void {
    for (const s of this.open) if (s.loggedIn) s.send(fields);
  }

  dropAll(): void {
    for (const s of this.open) s.socket.destroy();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    const session: FakeSession = {
      id: this.nextId++,
      socket,
      loggedIn: false,
      actions: [],
      rawIn: [],
      send: (fields) => {
        if (!socket.destroyed) socket.write(wire(fields));
      },
      respond: (action, fields) => {
        const id = action.get("ActionID");
        const [first, ...rest] = fields;
        session.send(id === undefined ? fields : [first, ["ActionID", id], ...rest]);
      },
      destroy: () => socket.destroy(),
    };
    this.sessions.push(session);
    socket.on("error", () => undefined);
    const framer = new AmiFramer(
      {
        onFrame: (buf, s, e) => {
          const action = parseFrame(buf, s, e);
          session.actions.push(action);
          this.handle(action, session);
        },
        onError: () => socket.destroy(),
      },
      { banner: false },
    );
    socket.on("data", (chunk: Buffer) => {
      if (this.silent) return;
      session.rawIn.push(chunk);
      framer.push(chunk);
    });
    socket.write(BANNER);
  }

  private handle(action: AmiMessage, session: FakeSession): void {
    const name = (action.get("Action") ?? "").toLowerCase();
    if (name === "") {
      session.respond(action, [["Response", "Error"], ["Message", "Missing action in request"]]);
      return;
    }
    if (name === "challenge") {
      session.respond(action, [["Response", "Success"], ["Challenge", this.opts.challenge]]);
      return;
    }
    if (name === "login") {
      this.login(action, session);
      return;
    }
    if (!session.loggedIn) {
      session.respond(action, [["Response", "Error"], ["Message", "Permission denied"]]);
      return;
    }
    if (name === "logoff") {
      session.respond(action, [["Response", "Goodbye"], ["Message", "Thanks for all the fish."]]);
      session.socket.end();
      return;
    }
    if (this.onAction) {
      this.onAction(action, session);
      return;
    }
    if (name === "ping") {
      session.respond(action, [["Response", "Success"], ["Ping", "Pong"], ["Timestamp", `${Date.now() / 1000}`]]);
      return;
    }
    session.respond(action, [
      ["Response", "Error"],
      ["Message", `Invalid/unknown command: ${action.get("Action")}. Use Action: ListCommands to show available commands.`],
    ]);
  }

  private login(action: AmiMessage, session: FakeSession): void {
    const user = action.get("Username");
    let ok = user === this.opts.username;
    if ((action.get("AuthType") ?? "").toLowerCase() === "md5") {
      const expected = createHash("md5").update(this.opts.challenge + this.opts.secret).digest("hex");
      ok = ok && action.get("Key") === expected;
    } else {
      ok = ok && action.get("Secret") === this.opts.secret;
    }
    this.loginAttempts.push({ at: Date.now(), ok });
    if (!ok) {
      session.respond(action, [["Response", "Error"], ["Message", "Authentication failed"]]);
      setTimeout(() => session.socket.destroy(), this.opts.authFailCloseMs);
      return;
    }
    session.loggedIn = true;
    session.respond(action, [["Response", "Success"], ["Message", "Authentication accepted"]]);
    if ((action.get("Events") ?? "on").toLowerCase() !== "off") {
      session.send([["Event", "FullyBooted"], ["Privilege", "system,all"], ["Uptime", "177"], ["LastReload", "177"], ["Status", "Fully Booted"]]);
    }
  }
}

/** Resolves when predicate() is true, polling every 5 ms; rejects after ms. */
export async function waitFor(predicate: () => boolean, ms = 3000, what = "condition"): Promise<void> {
  const until = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
