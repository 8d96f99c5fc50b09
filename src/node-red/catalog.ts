import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The event and action catalog for the editor's autocomplete, from nodes/catalog/ami-facts.json
 * (generated from Asterisk 22's own XML documentation, copied from the project's shared facts).
 * The editor gets a trimmed form: names, parameters with `required`, the write classes an action
 * needs and the read classes an event needs (for the help and the manager.conf advice).
 */

export interface CatalogAction {
  params: string[];
  required: string[];
  /** manager.conf write classes the action needs (empty: any logged-in user). */
  classes: string[];
}

export interface CatalogEvent {
  fields: string[];
  /** manager.conf read classes the event needs. */
  classes: string[];
}

export interface EditorCatalog {
  asteriskVersion: string;
  actions: Record<string, CatalogAction>;
  events: Record<string, CatalogEvent>;
}

interface Facts {
  asteriskVersion?: string;
  actions?: Record<string, { params?: Array<{ name: string; required?: boolean }> }>;
  events?: Record<string, { fields?: string[]; classes?: string[] }>;
  runtime?: { registeredActions?: Record<string, string[]> };
}

export const FACTS_FILE = path.join(__dirname, "..", "catalog", "ami-facts.json");

let cached: EditorCatalog | undefined;

export function buildCatalog(facts: Facts): EditorCatalog {
  const registered = facts.runtime?.registeredActions ?? {};
  const actions: Record<string, CatalogAction> = {};
  for (const name of Object.keys(facts.actions ?? {}).sort()) {
    // ActionID is the client's business (it makes unique ones), so it is not offered.
    const params = (facts.actions?.[name]?.params ?? []).filter((p) => p.name !== "ActionID");
    actions[name] = {
      params: params.map((p) => p.name),
      required: params.filter((p) => p.required).map((p) => p.name),
      classes: [...(registered[name] ?? [])],
    };
  }
  const events: Record<string, CatalogEvent> = {};
  for (const name of Object.keys(facts.events ?? {}).sort()) {
    const e = facts.events?.[name] ?? {};
    events[name] = { fields: [...(e.fields ?? [])], classes: [...(e.classes ?? [])] };
  }
  return { asteriskVersion: facts.asteriskVersion ?? "", actions, events };
}

/** The catalog, read once. */
export function loadCatalog(file: string = FACTS_FILE): EditorCatalog {
  if (file === FACTS_FILE && cached) return cached;
  const catalog = buildCatalog(JSON.parse(fs.readFileSync(file, "utf8")) as Facts);
  if (file === FACTS_FILE) cached = catalog;
  return catalog;
}
