/**
 * The simulated PBX: a fake Asterisk 22.10.1 (AMI 11.0.0) that speaks like the captures in
 * test/fixtures/captures. The test bed of the whole project; see PbxOptions for the knobs.
 */
import { AmiMessage } from "../src/ami/message";
import { PbxCore, PbxCoreOptions } from "./pbx";
import type { CallCentre } from "./call-centre";

export { PbxUser } from "./config";
export type { CallCentreOptions, EventFields, JoinedCaller } from "./call-centre";

/** The knobs of startPbx, each documented once where it is defined (PbxCoreOptions, simulator/pbx.ts). */
export type PbxOptions = PbxCoreOptions;

/**
 * The call centre's test API (`startPbx({ callCentre: { traffic: false } })`): each call makes one
 * thing happen and resolves once its event went out (rejects after 30 s, or at once on bad input).
 */
export type CallCentreApi = Pick<CallCentre, "join" | "abandon" | "answer" | "hangUp" | "login" | "logout" | "pause" | "unpause" | "waitFor">;

/**
 * The SIP lab's phones (`startPbx({ sip: true })`). A phone is an endpoint id: "6001", "6002",
 * "6003" or "provider" (the trunk, whose calls go to context from-pstn). Each call produces the AMI
 * events the real Asterisk published for the same SIP message (captures sip-*).
 */
export interface SipPhones {
  /** INVITE: 600X (a phone), 800 (ring group 6001+6002); from "provider" any number (from-pstn ring group). */
  dial(from: string, number: string): void;
  /** 200 OK to the call ringing on the phone. */
  answer(phone: string): void;
  /** 486 Busy Here to the call ringing on the phone: DialEnd BUSY, Hangup cause 17. */
  reject(phone: string): void;
  /** BYE (CANCEL for its own call still ringing; 486 for a call ringing on it). */
  hangUp(phone: string): void;
  /** re-INVITE sendonly: Hold on the phone's channel, the peer's device ONHOLD. */
  hold(phone: string): void;
  resume(phone: string): void;
  /** RFC 4733 digits; from the called party of a Dial, `*2` then a phone's number is an attended transfer. */
  sendDtmf(phone: string, digits: string): void;
  /** SIP REFER of the phone's bridged call to `to` ("6003" or "sip:6003@..."): Unhold, BlindTransfer, a new Dial from the transferee. */
  blindTransfer(phone: string, to: string): void;
  /** The phone's current call, undefined when idle. */
  status(phone: string): { channel: string; state: string } | undefined;
}

export interface SimulatedPbx {
  readonly port: number;
  readonly tlsPort?: number;
  readonly host: string;
  /** AMI sessions currently open (TCP connections). */
  readonly sessions: number;
  /** Sessions currently logged in. */
  readonly loggedIn: number;
  /** Every action received, in order. */
  readonly actions: Array<{ session: number; action: AmiMessage; at: number }>;
  /** Pushes an event to every logged-in session (respecting events mask, read class and filters). */
  emitEvent(fields: Record<string, string | string[]> | Array<[string, string]>): void;
  /** Destroys every client socket now. */
  dropAll(): void;
  /** Stops reading and answering but keeps sockets open. */
  setHalfOpen(on: boolean): void;
  setResponseDelay(ms: number): void;
  setRefuseLogins(on: boolean): void;
  /**
   * Writes realistic events as fast as each socket takes them, or at `perSecond` (each event its own
   * write, as Asterisk writes them, in 10 ms ticks). writeTimeoutMs: how long a blocked write may
   * wait before the client is dropped (Asterisk's writetimeout, default 100).
   */
  flood(opts: { events: number; mix?: "captures"; writeTimeoutMs?: number; perSecond?: number }): Promise<void>;
  /** The SIP lab's phones; only with `sip: true`. */
  readonly phones?: SipPhones;
  /** The call centre's test API; only with `callCentre`. */
  readonly callCentre?: CallCentreApi;
  /** Shutdown event, close all, listen again on the same port(s). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

class SimulatedPbxImpl implements SimulatedPbx {
  constructor(private readonly core: PbxCore) {}
  get port(): number {
    return this.core.port;
  }
  get tlsPort(): number | undefined {
    return this.core.tlsPort;
  }
  get host(): string {
    return this.core.host;
  }
  get sessions(): number {
    return this.core.sessions.size;
  }
  get loggedIn(): number {
    return [...this.core.sessions].filter((s) => s.loggedIn).length;
  }
  get phones(): SipPhones | undefined {
    return this.core.sip;
  }
  get callCentre(): CallCentreApi | undefined {
    return this.core.callCentre;
  }
  get actions(): Array<{ session: number; action: AmiMessage; at: number }> {
    return this.core.actions;
  }
  emitEvent(fields: Record<string, string | string[]> | Array<[string, string]>): void {
    this.core.emitRaw(fields);
  }
  dropAll(): void {
    this.core.dropAll();
  }
  setHalfOpen(on: boolean): void {
    this.core.halfOpen = on;
    for (const s of this.core.sessions) {
      if (on) s.socket.pause();
      else s.socket.resume();
    }
  }
  setResponseDelay(ms: number): void {
    this.core.responseDelayMs = ms;
  }
  setRefuseLogins(on: boolean): void {
    this.core.refuseLogins = on;
  }
  flood(opts: { events: number; mix?: "captures"; writeTimeoutMs?: number; perSecond?: number }): Promise<void> {
    return this.core.flood(opts.events, opts.writeTimeoutMs, opts.perSecond);
  }
  restart(): Promise<void> {
    return this.core.restart();
  }
  close(): Promise<void> {
    return this.core.close();
  }
}

export async function startPbx(opts: PbxOptions = {}): Promise<SimulatedPbx> {
  const core = new PbxCore(opts);
  await core.listen();
  return new SimulatedPbxImpl(core);
}
