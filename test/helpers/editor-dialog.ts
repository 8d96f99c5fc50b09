import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { translator } from "./catalog";

/**
 * A node's edit dialog (nodes/<type>.html) in jsdom with jQuery 3, as the editor runs it: the
 * definition registered, the template rendered, oneditprepare / oneditsave callable around what
 * the editor does itself (inputs filled from the node's properties, read back on Done). Node-RED's
 * widgets (editableList, typedInput, autoComplete) are small stand-ins that record what the
 * dialog asks of them; the catalog endpoint is already answered; RED._ reads the node's own
 * en-US catalog and throws on a key it lacks.
 */

const ROOT = path.join(__dirname, "..", "..", "..");
const NODES_DIR = path.join(ROOT, "nodes");

type Any = any; // the editor API is untyped JavaScript

/** The event/action catalog the editor fetches (nodes/node-red/catalog.js), loaded once. */
let catalog: unknown;

export interface EditorDialog {
  $: Any;
  def: Any;
  node: Any;
  /** Fills the inputs from the node's properties and runs oneditprepare. */
  prepareNow(): void;
  /** prepareNow, then a pause: jQuery 3 runs promise callbacks (the catalog) asynchronously. */
  prepare(): Promise<void>;
  /** oneditsave, then the inputs read back into the node's properties, as plain data. */
  save(): void;
}

/**
 * Runs a node's editor scripts (nodes/<type>.html) in a jsdom window as the editor does: first the
 * package's shared editor script (resources/editor.js) when the html loads it with a script src,
 * then the html's own scripts.
 */
export function runEditorScripts(window: Any, html: string): void {
  if (html.includes('<script src="resources/node-red-contrib-asterisk-ami/editor.js"></script>')) window.eval(fs.readFileSync(path.join(ROOT, "resources", "editor.js"), "utf8"));
  for (const m of html.matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g)) window.eval(m[1]);
}

/** Stand-ins for Node-RED's widgets: each keeps on its element what the dialog gave it. */
function stubWidgets($: Any): void {
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
}

/** A jsdom window with jQuery, the widgets, RED and the catalog, the node's html run in it: its definition and jQuery. */
function loadDialog(type: string): { $: Any; window: Any; def: Any; t: ReturnType<typeof translator> } {
  const { JSDOM } = require("jsdom");
  const html = fs.readFileSync(path.join(NODES_DIR, `${type}.html`), "utf8");
  const window = new JSDOM("<!DOCTYPE html><html><body><form id=dialog-form></form></body></html>", { runScripts: "outside-only" }).window;
  const $ = require("jquery")(window);
  window.$ = window.jQuery = $;
  stubWidgets($);
  const t = translator(type);
  const defs: Record<string, Any> = {};
  window.RED = {
    nodes: { registerType: (name: string, def: Any) => (defs[name] = def) },
    validators: { number: () => () => true },
    tabs: { create: () => ({ addTab: () => undefined }) },
    _: t,
  };
  // The catalog endpoint, already answered.
  catalog ??= require(path.join(NODES_DIR, "node-red", "catalog.js")).loadCatalog();
  window.__asteriskAmiCatalog = $.Deferred().resolve(catalog).promise();
  runEditorScripts(window, html);
  $("#dialog-form").html(/<script type="text\/html" data-template-name="[^"]+">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? "");
  const def = defs[type];
  assert.ok(def, `${type} is registered`);
  def._ = t;
  return { $, window, def, t };
}

/** A node's edit dialog, not yet prepared: its properties are `values` over the definition's defaults. */
export function openEditor(type: string, values: Record<string, unknown>): EditorDialog {
  const { $, window, def, t } = loadDialog(type);
  const node: Any = { _: t, _def: def };
  for (const [k, d] of Object.entries(def.defaults as Record<string, Any>)) node[k] = k in values ? values[k] : d.value === undefined ? undefined : JSON.parse(JSON.stringify(d.value));
  const prefix = def.category === "config" ? "node-config-input" : "node-input";
  const inputs = (): Array<[string, Any]> => Object.keys(def.defaults).map((k) => [k, $(`#${prefix}-${k}`)]);
  // What the editor does around the two callbacks: fill inputs from properties, read them back.
  const prepareNow = (): void => {
    for (const [k, input] of inputs()) {
      if (input.attr("type") === "checkbox") input.prop("checked", !!node[k]);
      else if (input.length) input.val(node[k]);
    }
    def.oneditprepare.call(node);
  };
  return {
    $,
    def,
    node,
    prepareNow,
    async prepare() {
      prepareNow();
      await new Promise((resolve) => window.setTimeout(resolve, 20));
    },
    save() {
      def.oneditsave.call(node);
      for (const [k, input] of inputs()) {
        if (input.attr("type") === "checkbox") node[k] = input.prop("checked");
        else if (input.length) node[k] = input.val();
      }
      // Values made in the DOM's realm, compared here as plain data.
      for (const k of Object.keys(node)) if (k !== "_" && k !== "_def") node[k] = JSON.parse(JSON.stringify(node[k] ?? null));
    },
  };
}

/** A node's edit dialog, prepared at once (for dialogs whose oneditprepare waits for nothing). */
export function openDialog(type: string, values: Record<string, unknown>): EditorDialog {
  const dialog = openEditor(type, values);
  dialog.prepareNow();
  return dialog;
}
