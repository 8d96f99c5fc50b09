/**
 * Basic bridges: the answered callee and its caller bridged until one leaves; leaving and
 * dissolving publish BridgeLeave and BridgeDestroy as Asterisk does.
 */
import { randomUUID } from "node:crypto";
import { Bridge, bridgeHeaders, Channel, channelHeaders } from "./channel";
import type { CallEngine } from "./calls";

export class CallBridges {
  constructor(private readonly e: CallEngine) {}

  /** The answered callee and its caller in a basic bridge, until one of them leaves. */
  async bridgeCall(dialer: Channel, callee: Channel, app: string): Promise<void> {
    const bridge = new Bridge(randomUUID());
    this.e.ev.emitPairs("BridgeCreate", "call", bridgeHeaders(bridge));
    this.e.ev.newexten(callee, app, "(Outgoing Line)");
    this.enterBridge(bridge, callee);
    this.enterBridge(bridge, dialer);
    this.e.ev.varSet(callee, "BRIDGEPEER", dialer.name);
    this.e.ev.varSet(dialer, "BRIDGEPEER", callee.name);
    await dialer.sleep(Infinity);
    if (dialer.bridge) this.leaveBridge(dialer);
  }

  /** BridgeEnter. */
  enterBridge(bridge: Bridge, ch: Channel): void {
    bridge.members.push(ch);
    ch.bridge = bridge;
    this.e.ev.emitPairs("BridgeEnter", "call", [...bridgeHeaders(bridge), ...channelHeaders(ch)]);
  }

  /** A member leaves because it hangs up; the other member is kicked once its Hangup went out. */
  leaveBridge(ch: Channel): void {
    const bridge = ch.bridge;
    if (!bridge) return;
    const other = bridge.members.find((c) => c !== ch);
    this.e.ev.varSet(ch, "BRIDGEPEER", "");
    if (other) this.e.ev.varSet(other, "BRIDGEPEER", "");
    bridge.members.splice(bridge.members.indexOf(ch), 1);
    ch.bridge = undefined;
    ch.leftBridge = bridge;
    this.e.ev.emitPairs("BridgeLeave", "call", [...bridgeHeaders(bridge), ...channelHeaders(ch)]);
  }

  /** The last members are kicked out (BridgeLeave each, bridgeEnded), then BridgeDestroy. */
  dissolve(bridge: Bridge): void {
    for (const other of [...bridge.members]) {
      bridge.members.splice(bridge.members.indexOf(other), 1);
      other.bridge = undefined;
      this.e.ev.emitPairs("BridgeLeave", "call", [...bridgeHeaders(bridge), ...channelHeaders(other)]);
      other.bridgeEnded = true;
    }
    this.e.ev.emitPairs("BridgeDestroy", "call", bridgeHeaders(bridge));
  }
}
