/**
 * Presence's vocabulary: Asterisk's many spellings of an extension's or a device's state
 * (ExtensionStatus' bit mask and StatusText, ast_device_state names) mapped to one small, stable
 * set, and which devices are a person's phone.
 */

export type PresenceState = "idle" | "in use" | "busy" | "ringing" | "on hold" | "unavailable" | "unknown";

/**
 * Devices that are not a person's phone: a Local channel's device (`Local/6001@phones`, one per
 * number dialled through the dialplan: a PBX running for weeks announces thousands) and a queue's
 * pseudo-devices (`Queue:sipq_avail`, `Queue:sipq_pause_PJSIP/6002`). Presence leaves them out;
 * an "ami in" node for DeviceStateChange still sees them.
 */
export function isPersonDevice(device: string): boolean {
  return device !== "" && !/^(Local\/|Queue:)/i.test(device);
}

/** Not idle, and known: ringing, in use, busy, on hold. */
export function isActive(p: { state: PresenceState }): boolean {
  return p.state === "in use" || p.state === "busy" || p.state === "ringing" || p.state === "on hold";
}

/**
 * ExtensionStatus Status is a bit mask (ast_extension_states): 1 in use, 2 busy, 4 unavailable,
 * 8 ringing, 16 on hold; -1 and -2 mean the hint went away. Ringing wins over in use (a second
 * call ringing on a busy phone), on hold over in use. Without a numeric Status, StatusText as
 * Asterisk spells it (ast_extension_state2str: Idle, InUse, Busy, Unavailable, Ringing,
 * InUse&Ringing, Hold, InUse&Hold; "Hold" as the captures show it), in any case.
 */
export function extensionState(status: string | undefined, statusText?: string): PresenceState {
  const n = Number(status);
  if (status !== undefined && status !== "" && Number.isInteger(n)) {
    if (n < 0) return "unknown";
    if (n === 0) return "idle";
    if (n & 4) return "unavailable";
    if (n & 8) return "ringing";
    if (n & 16) return "on hold";
    if (n & 2) return "busy";
    if (n & 1) return "in use";
  }
  switch ((statusText ?? "").toLowerCase()) {
    case "idle":
      return "idle";
    case "inuse":
      return "in use";
    case "busy":
      return "busy";
    case "unavailable":
      return "unavailable";
    case "ringing":
    case "inuse&ringing":
    case "ringinuse":
      return "ringing";
    case "hold":
    case "inuse&hold":
    case "onhold":
      return "on hold";
    default:
      return "unknown";
  }
}

/** Device states (ast_device_state names). */
export function deviceState(state: string | undefined): PresenceState {
  switch ((state ?? "").toUpperCase()) {
    case "NOT_INUSE":
      return "idle";
    case "INUSE":
      return "in use";
    case "BUSY":
      return "busy";
    case "RINGING":
    case "RINGINUSE":
      return "ringing";
    case "ONHOLD":
      return "on hold";
    case "UNAVAILABLE":
    case "INVALID":
      return "unavailable";
    default:
      return "unknown";
  }
}
