import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { textOf } from "../../src/ami/values";
import { ROOT, runEditorScripts } from "./harness";

/**
 * The editor side of the nodes (nodes/*.html), run in a DOM (jsdom + jQuery 3, as in the editor)
 * with Node-RED's widgets (editableList, typedInput, autoComplete) replaced by small stand-ins
 * that record what the node asks of them. What is checked: the definitions, the labels, the
 * autocompletion from the catalog, the warning about missing required parameters, and what
 * oneditsave stores.
 */

const { JSDOM } = require("jsdom");
const catalog = require(path.join(ROOT, "nodes", "node-red", "catalog.js")).loadCatalog();

type Any = any; // the editor API is untyped JavaScript

function translator(type: string): (key: string, params?: Record<string, unknown>) => string {
  const messages = JSON.parse(fs.readFileSync(path.join(ROOT, "nodes", "locales", "en-US", `${type}.json`), "utf8"));
  return (key, params = {}) => {
    const text = key.split(".").reduce((o: Any, k) => (o && typeof o === "object" ? o[k] : undefined), messages);
    if (typeof text !== "string") throw new Error(`missing catalog key ${key}`);
    return text.replace(/__(\w+)__/g, (_m, p) => textOf(params[p] ?? ""));
  };
}

interface Editor {
  $: Any;
  def: Any;
  node: Any;
  /** oneditprepare, then a pause: jQuery 3 runs promise callbacks (the catalog) asynchronously. */
  prepare(): Promise<void>;
  save(): void;
}

function openEditor(type: string, values: Record<string, unknown>): Editor {
  const html = fs.readFileSync(path.join(ROOT, "nodes", `${type}.html`), "utf8");
  const dom = new JSDOM("<!DOCTYPE html><html><body><form id=dialog-form></form></body></html>", { runScripts: "outside-only" });
  const window = dom.window;
  const $ = require("jquery")(window);
  window.$ = window.jQuery = $;

  // Stand-ins for Node-RED's widgets.
  $.fn.autoComplete = function (opts: Any) {
    return this.each((_i: number, el: Any) => (el.__search = opts.search));
  };
  $.fn.typedInput = function (arg: Any, value?: Any) {
    if (typeof arg === "object") return this.each((_i: number, el: Any) => (el.__typed = { type: arg.default, value: "" }));
    const el = this[0];
    if (value === undefined) return el.__typed[arg];
    el.__typed[arg] = value;
    return this;
  };
  $.fn.editableList = function (arg: Any, data?: Any) {
    const list = this[0];
    if (typeof arg === "object") {
      list.__opts = arg;
      list.__rows = [];
      return this;
    }
    if (arg === "addItem") {
      const li = $("<li/>").appendTo(list);
      const row = $("<div/>").appendTo(li);
      list.__rows.push(li[0]);
      list.__opts.addItem(row, list.__rows.length - 1, data);
      return this;
    }
    if (arg === "removeItem") {
      const li = list.__rows.splice(data, 1)[0];
      $(li).remove();
      list.__opts.removeItem?.(data);
      return this;
    }
    if (arg === "items") return $(list.__rows);
    throw new Error(`editableList ${arg} is not stubbed`);
  };

  const t = translator(type);
  const defs: Record<string, Any> = {};
  window.RED = {
    nodes: { registerType: (name: string, def: Any) => (defs[name] = def) },
    validators: { number: () => () => true },
    tabs: { create: () => ({ addTab: () => undefined }) },
    _: t,
  };
  // The catalog endpoint, already answered.
  window.__asteriskAmiCatalog = $.Deferred().resolve(catalog).promise();

  runEditorScripts(window, html);
  const template = /<script type="text\/html" data-template-name="[^"]+">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? "";
  $("#dialog-form").html(template);
  const def = defs[type];
  assert.ok(def, `${type} is registered`);
  def._ = t;
  const node: Any = { _: t, _def: def };
  for (const [k, d] of Object.entries(def.defaults as Record<string, Any>)) node[k] = k in values ? values[k] : d.value;
  const prefix = def.category === "config" ? "node-config-input" : "node-input";
  return {
    $,
    def,
    node,
    // What the editor does around the two callbacks: fill inputs from properties, read them back.
    async prepare() {
      for (const k of Object.keys(def.defaults)) {
        const input = $(`#${prefix}-${k}`);
        if (input.attr("type") === "checkbox") input.prop("checked", !!node[k]);
        else if (input.length) input.val(node[k]);
      }
      def.oneditprepare.call(node);
      await new Promise((resolve) => window.setTimeout(resolve, 20));
    },
    save() {
      def.oneditsave.call(node);
      for (const k of Object.keys(def.defaults)) {
        const input = $(`#${prefix}-${k}`);
        if (input.attr("type") === "checkbox") node[k] = input.prop("checked");
        else if (input.length) node[k] = input.val();
      }
      // Values made in the DOM's realm, compared here as plain data.
      for (const k of Object.keys(node)) if (k !== "_" && k !== "_def") node[k] = JSON.parse(JSON.stringify(node[k] ?? null));
    },
  };
}

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
