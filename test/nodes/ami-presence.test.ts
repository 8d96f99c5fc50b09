import * as assert from "node:assert/strict";
import { AmiClient } from "../../src/ami";
import { startPbx } from "../../simulator";
import { ADMIN, Msg, TAB as tab, amiNodes, amiPresence, collect, connectionOf, helper, lastStatus, server, openDialog, sink, sleep, waitConnected, waitFor, withCatalogs, startLab, stopLab } from "./harness";
import { liveClientOf, userCountOf } from "../helpers/seam";

/**
 * "ami presence" against the simulated PBX's lab: hints 6001@test and 6002@test follow
 * Custom:6001/Custom:6002, which the phones set ringing, in use and idle as a call goes.
 */

type Pbx = Awaited<ReturnType<typeof startPbx>>;

const nodes = withCatalogs(amiNodes);

const story = (got: Msg[], id: string) => got.filter((m) => m.topic === id).map((m) => `${m.payload.previous ?? "-"} > ${m.payload.state}`);

describe("ami presence node", function () {
  this.timeout(15000);
  let pbx: Pbx;
  let caller: AmiClient;

  beforeEach(async () => ({ pbx, caller } = await startLab()));
  afterEach(() => stopLab({ pbx, caller }));

  it("reports 6001 ringing, in use, idle during a ring-group call; devices and state filters on request", async () => {
    const flow = [
      tab,
      server("s1", pbx.port),
      amiPresence("p6001", "s1", { extensions: ["6001"] }, ["o6001"]),
      amiPresence("dev", "s1", { extensions: "6001", kind: "device" }, ["odev"]),
      amiPresence("free", "s1", { states: ["idle"] }, ["ofree"]),
      amiPresence("all", "s1", {}, ["oall"]),
      sink("o6001"), sink("odev"), sink("ofree"), sink("oall"),
    ];
    await helper.load(nodes, flow, { s1: ADMIN });
    const [ext, dev, free, all] = [collect("o6001"), collect("odev"), collect("ofree"), collect("oall")];
    await waitConnected("s1");
    // The seeding reports every entry once, with no previous state.
    await waitFor(() => ext.length === 1 && all.length === 2, "the seeded states");
    assert.deepEqual(ext[0].payload, { ...ext[0].payload, kind: "extension", id: "6001@test", exten: "6001", context: "test", state: "idle", previous: undefined });
    assert.deepEqual(ext[0].ami, { server: `127.0.0.1:${pbx.port}`, kind: "extension", id: "6001@test" });
    assert.deepEqual(all.map((m) => m.topic).sort(), ["6001@test", "6002@test"]);

    await caller.send("Originate", { Channel: "Local/4930123400@from-pstn", Application: "Wait", Data: "4", CallerID: '"Lena" <+4930555123>', Async: "true" });
    await waitFor(() => story(ext, "6001@test").length === 4, "6001 idle again", 6000);
    await waitFor(() => story(all, "6002@test").length === 3, "6002 idle again");
    await sleep(100);
    assert.deepEqual(story(ext, "6001@test"), ["- > idle", "idle > ringing", "ringing > in use", "in use > idle"]);
    assert.deepEqual(story(all, "6002@test"), ["- > idle", "idle > ringing", "ringing > idle"], "6002 rang and was cancelled");
    assert.equal(ext.length, 4, "nothing about 6002 on the 6001 node");
    // The lab's DeviceStateList has no Custom:6001 until the phone first sets it: first seen ringing.
    assert.deepEqual(dev.filter((m) => m.topic === "Custom:6001").map((m) => m.payload.state), ["ringing", "in use", "idle"]);
    assert.ok(dev.every((m) => m.payload.kind === "device" && /6001/.test(m.topic)), "devices of 6001 only");
    assert.ok(free.length >= 4 && free.every((m) => m.payload.state === "idle"), "only changes to idle");
    assert.equal(free.filter((m) => m.payload.previous === "in use" && m.topic === "6001@test").length, 1);
  });

  it("answers a snapshot of every watched entry, keeps the message, shares one tracker and shows the count", async () => {
    const flow = [tab, server("s1", pbx.port), amiPresence("a", "s1", {}, ["out"]), amiPresence("b", "s1", { kind: "both" }, ["out-b"]), sink("out"), sink("out-b")];
    await helper.load(nodes, flow, { s1: ADMIN });
    const [got, gotB] = [collect("out"), collect("out-b")];
    await waitConnected("s1");
    // A phone's device, and the device of a Local channel (one per number dialled): only the phone is presence.
    pbx.emitEvent({ Event: "DeviceStateChange", Device: "PJSIP/6001", State: "INUSE" });
    pbx.emitEvent({ Event: "DeviceStateChange", Device: "Local/4930123400@from-pstn", State: "INUSE" });
    await sleep(100);
    helper.getNode("a").receive({ topic: "panel", keep: true });
    helper.getNode("b").receive({});
    await waitFor(() => got.some((m) => m.topic === "panel") && gotB.some((m) => Array.isArray(m.payload)), "the snapshots");
    const snap = got.find((m) => m.topic === "panel") as Msg;
    assert.equal(snap.keep, true);
    assert.deepEqual(snap.payload.map((p: Msg) => [p.id, p.state]), [["6001@test", "idle"], ["6002@test", "idle"]]);
    assert.deepEqual(snap.ami, { server: `127.0.0.1:${pbx.port}`, snapshot: "presence", count: 2, connected: true });
    const both = gotB.find((m) => Array.isArray(m.payload)) as Msg;
    const devices = both.payload.filter((p: Msg) => p.kind === "device").map((p: Msg) => p.id);
    assert.ok(devices.includes("PJSIP/6001"), `devices too: ${devices.join(", ")}`);
    assert.deepEqual(devices.filter((id: string) => /^(Local\/|Queue:)/.test(id)), [], `a person's devices, not a queue's nor a Local channel's: ${devices.join(", ")}`);
    const lists = (name: string) => pbx.actions.filter((x) => x.action.get("Action") === name).length;
    assert.deepEqual([lists("ExtensionStateList"), lists("DeviceStateList")], [1, 1], "one seeding for two nodes");
    const connection = connectionOf("s1");
    assert.equal(liveClientOf(connection).subscriptionCount, 1);
    assert.equal(userCountOf(connection.runningFeed("presence")), 2);
    assert.equal(connection.runningFeed("calls"), undefined, "no call tracker without a calls node");

    await waitFor(() => lastStatus("a")?.text === "in use: 0 of 2", "the idle count");
    assert.deepEqual([lastStatus("a")?.fill, lastStatus("a")?.shape], ["green", "dot"]);
    await caller.send("Originate", { Channel: "Local/6001@phones", Application: "Wait", Data: "20", CallerID: '"Lena" <+4930555123>', Async: "true" });
    await waitFor(() => lastStatus("a")?.text === "in use: 1 of 2", "6001 counted while it rings or talks");
    await waitFor(() => lastStatus("a")?.text === "in use: 0 of 2", "and not after", 8000);
  });

  it("shows the connection state when the PBX goes away", async () => {
    await helper.load(nodes, [tab, server("s1", pbx.port), amiPresence("a", "s1", {})], { s1: ADMIN });
    await waitConnected("s1");
    await waitFor(() => lastStatus("a")?.fill === "green", "green");
    await pbx.close();
    await waitFor(() => lastStatus("a")?.shape === "ring", "a ring once disconnected");
    assert.match(String(lastStatus("a")?.text), /reconnecting|disconnected|connecting/);
    pbx = await startPbx({ port: 0, timeScale: 0.05 });
  });
});

describe("ami presence edit dialog", () => {
  it("saves the kind, the extensions and the ticked states (names with spaces kept whole)", () => {
    const ed = openDialog("asterisk-ami-presence", { states: ["in use"] });
    assert.equal(ed.def.icon, "asterisk-ami-presence.svg");
    assert.equal(ed.$("#node-input-kind").val(), "extension");
    assert.equal(ed.$("#node-input-state-boxes input").length, 7);
    assert.equal(ed.$("#node-input-state-boxes input:checked").length, 1);
    ed.$("#node-input-state-boxes-0").prop("checked", true); // idle
    ed.$("#node-input-state-boxes-4").prop("checked", true); // on hold
    ed.$("#node-input-kind").val("both");
    ed.$("#node-input-extensions-text").val("6001,6002");
    ed.save();
    assert.deepEqual(ed.node.states, ["idle", "in use", "on hold"]);
    assert.equal(ed.node.kind, "both");
    assert.deepEqual(ed.node.extensions, ["6001", "6002"]);
    assert.equal(ed.def.label.call(ed.node), "ami presence 6001, 6002");
  });
});
