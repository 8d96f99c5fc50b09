import { Channel } from "./channel";
import { PbxEvent } from "./events";
import { allHints, Dialplan } from "./dialplan";

/** Extension state of a hint for a device state (ast_extension_state, capture `presence`). */
const EXTENSION_STATE: Record<string, [number, string, string]> = {
  NOT_INUSE: [0, "Idle", "NOT_INUSE"],
  UNKNOWN: [0, "Idle", "NOT_INUSE"],
  INUSE: [1, "InUse", "INUSE"],
  BUSY: [2, "Busy", "BUSY"],
  UNAVAILABLE: [4, "Unavailable", "UNAVAILABLE"],
  INVALID: [4, "Unavailable", "UNAVAILABLE"],
  RINGING: [8, "Ringing", "RINGING"],
  RINGINUSE: [9, "InUse&Ringing", "RINGINUSE"],
  ONHOLD: [16, "Hold", "ONHOLD"],
};

export interface DeviceHost {
  readonly dialplan: Dialplan;
  channels(): Iterable<Channel>;
  broadcast(ev: PbxEvent): void;
  /** A Local device went from idle to in use or back (queue members follow it). */
  onDeviceUse(device: string, inUse: boolean): void;
}

/**
 * Device states: the cache DeviceStateList reports (Custom: and Queue: devices), the states of
 * Local channel devices derived from their live channels, and the hints watching them.
 */
export class DeviceStates {
  private readonly cache = new Map<string, string>();
  private readonly inUse = new Map<string, boolean>();
  private readonly hintState = new Map<string, number>();

  constructor(private readonly host: DeviceHost, seed: Record<string, string>) {
    for (const [device, state] of Object.entries(seed)) this.cache.set(device, state);
    for (const [exten, context, device] of allHints(host.dialplan)) this.hintState.set(`${exten}@${context}`, this.extensionState(device)[0]);
  }

  /** Devices and states for DeviceStateList, in cache order. */
  list(): Array<[string, string]> {
    return [...this.cache.entries()];
  }

  state(device: string): string {
    const cached = this.cache.get(device);
    if (cached !== undefined) return cached;
    if (device.startsWith("Local/")) return this.localState(device);
    return "UNKNOWN";
  }

  /** Sets a device's state (DEVICE_STATE(Custom:x) or app_queue's Queue: devices) and notifies. */
  set(device: string, state: string, notify = true): void {
    const prev = this.cache.get(device);
    this.cache.set(device, state);
    if (!notify || prev === state) return;
    this.host.broadcast(PbxEvent.of("DeviceStateChange", "call", [["Device", device], ["State", state]]));
    this.updateHints(device);
  }

  extensionState(device: string): [number, string, string] {
    return EXTENSION_STATE[this.state(device)] ?? EXTENSION_STATE.UNKNOWN;
  }

  /** A channel changed state: Ringing, Up and Busy put its device in use. */
  channelStateChanged(ch: Channel): void {
    if (ch.state < 5) return;
    this.emitLocal(ch.device, "INUSE");
  }

  /**
   * A channel hung up. The other half of its own Local pair does not keep the device in use (each
   * hangup of a pair reports NOT_INUSE, captures `originate-*`, `userevent`); another call through
   * the same device does (`originate-context-exten`). A device without a context is INVALID.
   */
  channelGone(ch: Channel): void {
    this.emitLocal(ch.device, this.localState(ch.device, ch.localPeer));
  }

  private emitLocal(device: string, state: string): void {
    this.host.broadcast(PbxEvent.of("DeviceStateChange", "call", [["Device", device], ["State", state]]));
    const using = state === "INUSE";
    if ((this.inUse.get(device) ?? false) !== using) {
      this.inUse.set(device, using);
      this.host.onDeviceUse(device, using);
    }
    this.updateHints(device);
  }

  /** Local/100@test: INVALID without such a context, else in use while one of its channels is. */
  private localState(device: string, except?: Channel): string {
    const at = device.lastIndexOf("@");
    const context = at >= 0 ? device.slice(at + 1) : "default";
    if (!this.host.dialplan[context]) return "INVALID";
    for (const ch of this.host.channels()) if (!ch.gone && ch !== except && ch.device === device && ch.state >= 5) return "INUSE";
    return "NOT_INUSE";
  }

  private updateHints(device: string): void {
    for (const [exten, context, hint] of allHints(this.host.dialplan)) {
      if (hint !== device) continue;
      const [status, text] = this.extensionState(hint);
      const key = `${exten}@${context}`;
      if (this.hintState.get(key) === status) continue;
      this.hintState.set(key, status);
      this.host.broadcast(
        PbxEvent.of("ExtensionStatus", "call", [["Exten", exten], ["Context", context], ["Hint", hint], ["Status", String(status)], ["StatusText", text]]),
      );
    }
  }
}
