import { Socket } from "node:net";
import { AmiFramer } from "../src/ami/framer";
import { parseFrame } from "../src/ami/frame-decoder";
import { AmiMessage } from "../src/ami/message";
import { EventFilter, passesFilters } from "./filters";
import { PbxUser } from "./config";
import { parseClasses } from "./privileges";
import type { PbxEvent } from "./events";

/** What a session needs from the PBX. */
export interface SessionHost {
  /** setHalfOpen(true): read nothing, answer nothing. */
  isHalfOpen(): boolean;
  /** setResponseDelay(): how long each action waits before it is handled. */
  responseDelayMs(): number;
  /** Every action as it arrives (SimulatedPbx.actions). */
  received(session: AmiSession, action: AmiMessage): void;
  handle(session: AmiSession, action: AmiMessage): Promise<void>;
  closed(session: AmiSession): void;
}

/** Asterisk drops a client whose writes stay blocked this long (manager.conf `writetimeout`). */
export const WRITE_TIMEOUT_MS = 100;
/** Without flood mode, a client that stopped reading is dropped once this much is queued. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

/**
 * One AMI connection. Actions are handled strictly one after another, as Asterisk's per-session
 * thread does: a synchronous Originate blocks everything behind it, and events produced while an
 * action runs are held and written after its response (captures `originate-sync-*`, `presence`).
 */
export class AmiSession {
  user?: PbxUser;
  read: ReadonlySet<string> = new Set();
  write: ReadonlySet<string> = new Set();
  /** Classes switched on with Login `Events:` or the Events action. */
  eventMask: ReadonlySet<string> = new Set();
  readonly filters: EventFilter[] = [];
  userFilters: EventFilter[] = [];
  challenge?: string;
  readonly sessionId: string;
  closed = false;
  /** Set while flood() writes: a write blocked longer than this many ms drops the client. */
  strictWrites: number | false = false;
  private chain: Promise<void> = Promise.resolve();
  private holding = 0;
  private held: string[] = [];
  private readonly framer: AmiFramer;
  private stallTimer?: NodeJS.Timeout;

  constructor(
    readonly id: number,
    readonly socket: Socket,
    private readonly host: SessionHost,
    banner: string,
  ) {
    this.sessionId = "0x7f98" + (0x9c000000 + id * 0x1460).toString(16);
    this.framer = new AmiFramer(
      {
        onFrame: (buf, start, end) => this.enqueue(parseFrame(buf, start, end)),
        onError: () => this.destroy(),
      },
      { banner: false },
    );
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      if (!this.host.isHalfOpen()) this.framer.push(chunk);
    });
    socket.on("drain", () => this.clearStall());
    socket.on("error", () => undefined);
    socket.on("close", () => {
      this.closed = true;
      this.clearStall();
      this.host.closed(this);
    });
    this.writeRaw(banner + "\r\n");
  }

  get loggedIn(): boolean {
    return this.user !== undefined && !this.closed;
  }

  get localAddress(): string {
    return `IPV4/TCP/${this.socket.localAddress?.replace(/^::ffff:/, "") ?? "127.0.0.1"}/${this.socket.localPort ?? 0}`;
  }

  get remoteAddress(): string {
    return `IPV4/TCP/${this.socket.remoteAddress?.replace(/^::ffff:/, "") ?? "127.0.0.1"}/${this.socket.remotePort ?? 0}`;
  }

  logIn(user: PbxUser, events: string | undefined): void {
    this.user = user;
    this.read = parseClasses(user.read);
    this.write = parseClasses(user.write);
    this.eventMask = events === undefined ? parseClasses("all") : parseEventMask(events);
  }

  setEventMask(mask: string): void {
    this.eventMask = parseEventMask(mask);
  }

  private enqueue(action: AmiMessage): void {
    this.host.received(this, action);
    this.chain = this.chain.then(async () => {
      const delay = this.host.responseDelayMs();
      // A slow server still streams events while the action waits: the delay comes before holding.
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      if (this.closed || this.host.isHalfOpen()) return;
      this.holding++;
      try {
        await this.host.handle(this, action);
      } finally {
        this.holding--;
        if (this.holding === 0) this.flushHeld();
      }
    });
  }

  /** Writes a response (or list items) now: they belong to the action being handled. */
  send(pairs: ReadonlyArray<readonly [string, string]>): void {
    let s = "";
    for (const [k, v] of pairs) s += `${k}: ${v}\r\n`;
    this.writeRaw(s + "\r\n");
  }

  /** Delivers a broadcast event if this session may read it, wants its class and its filters pass. */
  deliver(event: PbxEvent): void {
    if (!this.loggedIn) return;
    if (!this.read.has(event.cls) || !this.eventMask.has(event.cls)) return;
    if (!passesFilters(this.userFilters, event.name, event.text, event.fields)) return;
    if (!passesFilters(this.filters, event.name, event.text, event.fields)) return;
    if (this.holding > 0) this.held.push(event.text);
    else this.writeRaw(event.text);
  }

  private flushHeld(): void {
    const held = this.held;
    this.held = [];
    for (const text of held) this.writeRaw(text);
  }

  /** Writes bytes; returns false when the socket's buffer is full. */
  writeRaw(text: string): boolean {
    if (this.closed || this.socket.destroyed) return false;
    if (this.socket.writableLength > MAX_BUFFERED_BYTES) {
      this.destroy();
      return false;
    }
    const ok = this.socket.write(text);
    if (!ok && this.strictWrites && !this.stallTimer) {
      this.stallTimer = setTimeout(() => this.destroy(), this.strictWrites);
    }
    return ok;
  }

  /** Resolves when the socket can take more (or is gone). */
  drained(): Promise<void> {
    if (this.closed || this.socket.destroyed || !this.socket.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.socket.off("drain", done);
        this.socket.off("close", done);
        resolve();
      };
      this.socket.once("drain", done);
      this.socket.once("close", done);
    });
  }

  private clearStall(): void {
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
  }

  /** Closes after everything written so far went out (Logoff, failed login). */
  end(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.end();
  }

  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }
}

/** `on` / `off` / a class list, as the Events action and Login's `Events:` header take them. */
export function parseEventMask(mask: string): Set<string> {
  const m = mask.trim().toLowerCase();
  if (m === "off" || m === "no" || m === "false" || m === "0" || m === "") return new Set();
  if (m === "on" || m === "yes" || m === "true" || m === "1") return parseClasses("all");
  return parseClasses(m);
}
