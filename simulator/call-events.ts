/**
 * The events a channel's life publishes, each from one helper so that every one keeps the header
 * order of the captures: VarSet, Newexten, Newstate, NewCallerid, NewConnectedLine, the Dial events
 * (with a calling channel, or none for an Originate) and LocalBridge.
 */
import { Channel, channelHeaders, Pairs, Party } from "./channel";
import { channelEvent, PbxEvent } from "./events";
import type { CallHost } from "./calls";

export const CALLING_PRES = "0 (Presentation Allowed, Not Screened)";

export class CallEvents {
  constructor(private readonly host: CallHost) {}

  emit(name: string, cls: string, ch: Channel, extra: Pairs = []): void {
    this.host.broadcast(channelEvent(name, cls, ch, extra));
  }

  emitPairs(name: string, cls: string, body: Pairs): void {
    this.host.broadcast(PbxEvent.of(name, cls, body));
  }

  varSet(ch: Channel, name: string, value: string): void {
    if (value === "" && !name.startsWith("LOCAL(")) ch.vars.delete(name);
    else ch.vars.set(name, value);
    this.emit("VarSet", "dialplan", ch, [["Variable", name], ["Value", value]]);
  }

  newexten(ch: Channel, app: string, data: string): void {
    ch.app = app;
    ch.appData = data;
    this.emit("Newexten", "dialplan", ch, [["Extension", ch.exten], ["Application", app], ["AppData", data]]);
  }

  setState(ch: Channel, state: number): void {
    ch.state = state;
    this.emit("Newstate", "call", ch);
    this.host.devices.channelStateChanged(ch);
  }

  setCaller(ch: Channel, caller: Party): void {
    ch.caller = { ...caller };
    this.emit("NewCallerid", "call", ch, [["CID-CallingPres", CALLING_PRES]]);
  }

  setConnected(ch: Channel, connected: Party): void {
    ch.connected = { ...connected };
    this.emit("NewConnectedLine", "call", ch);
  }

  /** Dial events: with a calling channel (Dial()) or without one (Originate). */
  dialEvent(name: string, caller: Channel | undefined, dest: Channel, extra: Pairs): void {
    this.emitPairs(name, "call", [...(caller ? channelHeaders(caller) : []), ...channelHeaders(dest, "Dest"), ...extra]);
  }

  /** LocalBridge: both halves with LocalOne/LocalTwo prefixes (captures `originate-*`). */
  localBridge(one: Channel, two: Channel): void {
    this.emitPairs("LocalBridge", "call", [
      ...channelHeaders(one, "LocalOne"), ...channelHeaders(two, "LocalTwo"),
      ["Context", two.context], ["Exten", two.exten], ["LocalOptimization", "Yes"],
    ]);
  }
}
