/**
 * The SIP lab's device states: PJSIP/600X from the endpoints' live legs, the queue's own device and
 * the Local devices of an attended transfer; DeviceStateChange, the hints' ExtensionStatus and queue
 * sipq's QueueMemberStatus on each change; the hints and device list the presence actions read.
 */
import { PbxEvent } from "./events";
import { DEVSTATE_NUM, Endpoint, EXT_STATUS, QUEUE, SIP_ENDPOINTS, SIP_HINTS, SIPQ_MEMBERS } from "./sip-lab-config";
import type { Leg, SipHost } from "./sip-channels";

export class SipDevices {
  /** The state of the lab's devices: its 4 endpoints and Queue:sipq, so 5 entries at most. */
  private readonly deviceState = new Map<string, string>();
  private readonly loginTime = Math.floor(Date.now() / 1000);
  /** CallsTaken / LastCall per sipq member (QueueMemberStatus): one entry per member, 2 at most. */
  readonly memberCalls = new Map<string, { taken: number; last: number }>();

  constructor(private readonly host: SipHost, private readonly legs: ReadonlySet<Leg>) {
    for (const ep of SIP_ENDPOINTS) this.deviceState.set(`PJSIP/${ep.id}`, "NOT_INUSE");
  }

  /** The SIP hints with their extension state: [exten, context, hint, status, text]. */
  hints(): Array<[string, string, string, number, string]> {
    return SIP_HINTS.map(([exten, context, device]) => {
      const [status, text] = EXT_STATUS[this.deviceState.get(device) ?? "NOT_INUSE"] ?? [0, "Idle"];
      return [exten, context, device, status, text];
    });
  }

  /** The SIP hint of exten@context, or undefined. */
  hint(context: string, exten: string): [string, number, string] | undefined {
    const h = this.hints().find(([e, c]) => e === exten && c === context);
    return h ? [h[2], h[3], h[4]] : undefined;
  }

  /**
   * DeviceStateList with the SIP lab's devices: `others` (the default lab's cache, in its order)
   * with the PJSIP and sipq devices placed where the capture sip-presence lists them around the
   * same neighbours (Asterisk's cache is a hash container; its order is the capture's, not a rule).
   */
  deviceList(others: Array<[string, string]>): Array<[string, string]> {
    const state = (d: string): string => this.deviceState.get(d) ?? "NOT_INUSE";
    const groups: Array<[string, string[]]> = [
      ["Queue:supportq_avail", ["PJSIP/6001", "PJSIP/6002", "PJSIP/6003", `Queue:${QUEUE}`]],
      ["Queue:testq_avail", [`Queue:${QUEUE}_pause_PJSIP/6002`, `Queue:${QUEUE}_pause_PJSIP/6003`, "PJSIP/provider", `Queue:${QUEUE}_avail`]],
    ];
    const out = [...others];
    for (const [anchor, devices] of groups) {
      const at = out.findIndex(([d]) => d === anchor);
      const items = devices.map((d): [string, string] => [d, state(d)]);
      if (at < 0) out.push(...items);
      else out.splice(at + 1, 0, ...items);
    }
    return out;
  }

  /** PJSIP device state from the endpoint's live channels; DeviceStateChange, hint, queue member. */
  update(ep: Endpoint): void {
    const device = `PJSIP/${ep.id}`;
    let state = "NOT_INUSE";
    for (const l of this.legs) {
      if (l.ep !== ep || l.ch.gone || l.queued) continue;
      if (l.ch.state === 6 || l.ch.state === 4) state = l.onHoldByPeer ? "ONHOLD" : "INUSE";
      else if (l.ch.state === 5 && state === "NOT_INUSE") state = "RINGING";
    }
    if (this.deviceState.get(device) === state) return;
    this.deviceState.set(device, state);
    this.host.broadcast(PbxEvent.of("DeviceStateChange", "call", [["Device", device], ["State", state]]));
    const hint = SIP_HINTS.find(([, , d]) => d === device);
    if (hint) {
      const [status, text] = EXT_STATUS[state] ?? [0, "Idle"];
      this.host.broadcast(PbxEvent.of("ExtensionStatus", "call", [
        ["Exten", hint[0]], ["Context", hint[1]], ["Hint", device], ["Status", String(status)], ["StatusText", text],
      ]));
    }
    const member = SIPQ_MEMBERS[device];
    if (member !== undefined) {
      const calls = this.memberCalls.get(ep.id) ?? { taken: 0, last: 0 };
      this.host.broadcast(PbxEvent.of("QueueMemberStatus", "agent", [
        ["Queue", "sipq"], ["MemberName", member], ["Interface", device], ["StateInterface", device], ["Membership", "static"],
        ["Penalty", "0"], ["CallsTaken", String(calls.taken)], ["LastCall", String(calls.last)], ["LastPause", "0"], ["LoginTime", String(this.loginTime)],
        ["InCall", "0"], ["Status", String(DEVSTATE_NUM[state] ?? 0)], ["Paused", "0"], ["PausedReason", ""],
        ["Ringinuse", "1"], ["Wrapuptime", "0"],
      ]));
    }
  }

  /** The queue's own device (`Queue:sipq`): RINGING while a caller waits. */
  queueDevice(state: string): void {
    this.deviceState.set(`Queue:${QUEUE}`, state);
    this.host.broadcast(PbxEvent.of("DeviceStateChange", "call", [["Device", `Queue:${QUEUE}`], ["State", state]]));
  }

  /** A Local device of the attended transfer changes (DeviceStateChange only: no hint, no member). */
  localDevice(exten: string, state: string): void {
    this.host.broadcast(PbxEvent.of("DeviceStateChange", "call", [["Device", `Local/${exten}@phones`], ["State", state]]));
  }
}
