import { strict as assert } from "node:assert";
import { deviceState, extensionState, isActive, isPersonDevice } from "../../src/ami/presence-state";
import { timedMessages } from "../helpers/captures";

describe("presence states", () => {
  it("every ExtensionStatus of the presence captures: the Status bit mask says what its StatusText says", () => {
    const byText: Record<string, string> = { Idle: "idle", InUse: "in use", Ringing: "ringing", Hold: "on hold", Unavailable: "unavailable" };
    const seen = new Set<string>();
    for (const name of ["presence", "sip-presence"]) {
      for (const { msg } of timedMessages(name)) {
        if (msg.event !== "ExtensionStatus") continue;
        const text = msg.get("StatusText") ?? "";
        assert.equal(extensionState(msg.get("Status"), text), byText[text], `${name}: Status ${msg.get("Status")} ${text}`);
        seen.add(text);
      }
    }
    assert.deepEqual([...seen].sort(), Object.keys(byText).sort(), "the captures show every state");
  });

  it("combined bits: unavailable, then ringing, then on hold, then busy, then in use; a removed hint is unknown", () => {
    assert.deepEqual(["0", "1", "2", "3", "4", "5", "8", "9", "16", "17", "24", "12"].map((s) => extensionState(s)), ["idle", "in use", "busy", "busy", "unavailable", "unavailable", "ringing", "ringing", "on hold", "on hold", "ringing", "unavailable"]);
    assert.deepEqual([extensionState("-1"), extensionState("-2")], ["unknown", "unknown"]);
  });

  it("without a numeric Status, the StatusText decides (any case); anything else is unknown", () => {
    assert.deepEqual([extensionState(undefined, "Idle"), extensionState("", "INUSE"), extensionState("x", "busy"), extensionState(undefined, "RingInUse"), extensionState(undefined, "OnHold")], ["idle", "in use", "busy", "ringing", "on hold"]);
    assert.deepEqual([extensionState(undefined), extensionState(undefined, "Fully Booted")], ["unknown", "unknown"]);
    // Asterisk's own spellings (ast_extension_state2str); the captures show "Hold".
    assert.deepEqual(["Hold", "InUse&Hold", "InUse&Ringing", "Unavailable"].map((t) => extensionState(undefined, t)), ["on hold", "on hold", "ringing", "unavailable"]);
  });

  it("device states by their ast_device_state names, as DeviceStateChange sends them", () => {
    const names = ["NOT_INUSE", "INUSE", "BUSY", "RINGING", "RINGINUSE", "ONHOLD", "UNAVAILABLE", "INVALID", "UNKNOWN", "not_inuse"];
    assert.deepEqual(names.map(deviceState), ["idle", "in use", "busy", "ringing", "ringing", "on hold", "unavailable", "unavailable", "unknown", "idle"]);
    assert.equal(deviceState(undefined), "unknown");
  });

  it("a person's device is not a Local channel's nor a queue's pseudo-device (captured names)", () => {
    assert.deepEqual(["PJSIP/6001", "Custom:6001", "Local/6003@phones", "local/100@test", "Queue:sipq_avail", "Queue:sipq_pause_PJSIP/6002", ""].map(isPersonDevice), [true, true, false, false, false, false, false]);
  });

  it("active: ringing, in use, busy, on hold; not idle, unavailable or unknown", () => {
    const states = ["ringing", "in use", "busy", "on hold", "idle", "unavailable", "unknown"] as const;
    assert.deepEqual(states.map((state) => isActive({ state })), [true, true, true, true, false, false, false]);
  });
});
