import * as assert from "node:assert/strict";
import { openEditor } from "../helpers/editor-dialog";

/**
 * The editor side of the nodes (nodes/*.html), run in a DOM (jsdom + jQuery 3, as in the editor)
 * with Node-RED's widgets (editableList, typedInput, autoComplete) replaced by small stand-ins
 * that record what the node asks of them (test/helpers/editor-dialog.ts). What is checked: the definitions, the labels, the
 * autocompletion from the catalog, the warning about missing required parameters, and what
 * oneditsave stores.
 */

type Any = any; // the editor API is untyped JavaScript

const shown = (el: Any) => el.length > 0 && el.css("display") !== "none";

describe("editor (nodes/*.html in a DOM)", () => {
  it("defines the palette entries: category, labels from the catalog, icons, ports", () => {
    const inEd = openEditor("asterisk-ami-in", {});
    const actEd = openEditor("asterisk-ami-action", {});
    const srvEd = openEditor("asterisk-ami-server", {});
    assert.equal(inEd.def.category, "Asterisk");
    assert.equal(actEd.def.category, "Asterisk");
    assert.equal(srvEd.def.category, "config");
    assert.equal(inEd.def.paletteLabel(), "ami in");
    assert.equal(actEd.def.paletteLabel(), "ami action");
    assert.deepEqual([inEd.def.inputs, inEd.def.outputs, actEd.def.inputs, actEd.def.outputs], [0, 1, 1, 1]);
    assert.equal(inEd.def.icon, "asterisk-ami-in.svg");
    assert.equal(actEd.def.icon, "asterisk-ami-action.svg");
    assert.deepEqual(Object.keys(srvEd.def.credentials), ["username", "secret"]);
    assert.equal(srvEd.def.credentials.secret.type, "password");
    assert.equal(srvEd.def.label.call({ host: "pbx", port: "", usetls: true }), "pbx:5039");
    assert.equal(srvEd.def.label.call({ name: "Office", host: "pbx" }), "Office");
    assert.equal(actEd.def.label.call({ ...actEd.node, action: "Originate" }), "Originate");
    assert.equal(inEd.def.label.call({ ...inEd.node, names: ["Hangup", "Newchannel"] }), "Hangup, Newchannel");
  });

  it("ami action: autocompletes actions and their parameters, and warns about missing required ones", async () => {
    const ed = openEditor("asterisk-ami-action", { action: "Originate", fields: [{ name: "Context", value: "test", type: "str" }] });
    await ed.prepare();
    const { $ } = ed;
    const advice = $("#node-row-action-advice");
    assert.ok(shown(advice));
    assert.match(advice.text(), /Required by Originate and not set here: Channel\./);
    assert.match(advice.text(), /write class: originate/);
    assert.ok($("#node-input-action")[0].__search("orig").includes("Originate"), "action names from the catalog");
    const nameInput = $("#node-input-fields-container .node-input-field-name").first();
    assert.deepEqual(nameInput[0].__search("Ca"), ["CallerID"], "parameters of the chosen action");
    $("#node-input-fields-container").editableList("addItem", { name: "Channel", value: "number", type: "msg" });
    $("#node-input-fields-container .node-input-field-name").last().trigger("change");
    assert.doesNotMatch(advice.text(), /Required/, "the warning goes once Channel is set");
    $("#node-input-action").val("NoSuchAction").trigger("keyup");
    assert.match(advice.text(), /NoSuchAction is not in the Asterisk 22\.10\.1 action catalog/);
    $("#node-input-actionSource").val("msg").trigger("change");
    assert.ok(!shown(advice), "no advice when the action comes from the message");
    assert.ok(!shown($("#node-row-action")));
  });

  it("ami action: saves the fields as name/value/type from the typed inputs", async () => {
    const ed = openEditor("asterisk-ami-action", { action: "Originate" });
    await ed.prepare();
    const list = ed.$("#node-input-fields-container");
    list.editableList("addItem", { name: "Channel", value: "payload.number", type: "msg" });
    list.editableList("addItem", { name: "  ", value: "ignored", type: "str" });
    list.editableList("addItem", { name: "Async", value: "true", type: "str" });
    ed.$("#node-input-waitForResult").prop("checked", false);
    ed.save();
    assert.deepEqual(ed.node.fields, [
      { name: "Channel", value: "payload.number", type: "msg" },
      { name: "Async", value: "true", type: "str" },
    ]);
    assert.equal(ed.node.waitForResult, false);
    assert.equal(ed.node.action, "Originate");
  });

  it("ami in: completes event names in the list and saves names and conditions", async () => {
    const ed = openEditor("asterisk-ami-in", { names: ["Hangup"], conditions: [{ field: "Exten", op: "eq", value: "100" }] });
    await ed.prepare();
    const { $ } = ed;
    const names = $("#node-input-names-text");
    assert.equal(names.val(), "Hangup");
    const options: string[] = names[0].__search("Hangup, QueueMem").map((o: Any) => o.value);
    assert.ok(options.includes("Hangup, QueueMemberStatus"), options.join(" | "));
    const field = $("#node-input-conditions-container .node-input-cond-field").first();
    assert.ok(field[0].__search("Dest").includes("DestChannel"), "header names from the catalog");
    names.val("Newchannel, Queue*  DialBegin");
    $("#node-input-conditions-container").editableList("addItem", { field: "Channel", op: "exists", value: "x" });
    ed.save();
    assert.deepEqual(ed.node.names, ["Newchannel", "Queue*", "DialBegin"]);
    assert.deepEqual(ed.node.conditions, [
      { field: "Exten", op: "eq", value: "100" },
      { field: "Channel", op: "exists", value: "" },
    ]);
    $("#node-input-nameMode").val("regex").trigger("change");
    assert.ok(shown($("#node-row-regex")), "the regex row shows");
    assert.ok(!shown($("#node-row-names")), "the names row hides");
    assert.equal(ed.def.defaults.regex.validate("("), false);
  });

  it("server: saves filters, clears the TLS reference when TLS is off, shows class list only when asked", async () => {
    const ed = openEditor("asterisk-ami-server", { filters: ["Event: Newchannel"], events: "on", usetls: false });
    await ed.prepare();
    const { $ } = ed;
    assert.ok(!shown($("#node-config-row-event-classes")));
    $("#node-config-input-events").val("classes").trigger("change");
    assert.ok(shown($("#node-config-row-event-classes")));
    $("#node-config-input-filters-container").editableList("addItem", "!Channel: Local/");
    $("#node-config-input-filters-container").editableList("addItem", "   ");
    ed.save();
    assert.deepEqual(ed.node.filters, ["Event: Newchannel", "!Channel: Local/"]);
    assert.equal(ed.node.tls, "_ADD_");
    assert.equal(ed.def.defaults.port.validate("5038"), true);
    assert.equal(ed.def.defaults.port.validate(""), true);
    assert.equal(ed.def.defaults.port.validate("70000"), false);
  });
  it("ami in: the Backlog offers a bound in MB and one in events, empty by default, and refuses what the node would not take", async () => {
    const d = openEditor("asterisk-ami-in", { backlog: "2500" });
    await d.prepare();
    assert.equal(d.$("#node-input-backlogSize").length, 1);
    assert.equal(d.$("#node-input-backlog").val(), "2500", "an old flow's events are shown");
    assert.equal(d.def.defaults.backlogSize.value, "");
    assert.equal(d.def.defaults.backlog.value, "");
    const size = d.def.defaults.backlogSize.validate;
    for (const ok of ["", "64", "0.5", "1024", " 8 "]) assert.equal(size(ok), true, `size ${JSON.stringify(ok)}`);
    for (const bad of ["0", "0.05", "2000", "abc", "-1", "1e3"]) assert.equal(size(bad), false, `size ${JSON.stringify(bad)}`);
    const events = d.def.defaults.backlog.validate;
    for (const ok of ["", "1", "5000", "10000000"]) assert.equal(events(ok), true, `events ${JSON.stringify(ok)}`);
    for (const bad of ["0", "1.5", "x", "20000000"]) assert.equal(events(bad), false, `events ${JSON.stringify(bad)}`);
  });
});
