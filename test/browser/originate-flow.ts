/**
 * The three dialogs of the flow the browser test builds by hand (editor.test.ts: an Originate built
 * in a function node, sent by an ami action node, its OriginateResponse in the debug sidebar), each
 * filled as a user does and checked once saved.
 */
import * as assert from "node:assert/strict";
import type { Locator } from "playwright-core";
import type { EditorSession } from "./editor-session";

// Functions passed to page.evaluate run in the browser; the build has no DOM lib.
declare const window: any;

/**
 * The function's code, typed into its code editor as a user does.
 */
export async function typeFunctionCode(session: EditorSession, functionId: string, code: string): Promise<void> {
  const { page, openNode } = session;
  await openNode(functionId);
  const codeEditor = page.locator("#node-input-func-editor");
  await codeEditor.locator(".view-lines").waitFor({ state: "visible" });
  await codeEditor.locator(".view-lines").click();
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Delete");
  const [first, second] = code.split("\n");
  await page.keyboard.type(first, { delay: 10 });
  // The editor's suggestions must not take the Enter that ends the line.
  await page.keyboard.press("Escape");
  await page.keyboard.press("Enter");
  await page.keyboard.type(second, { delay: 10 });
  await page.keyboard.press("Escape");
  // The editor closes brackets and quotes as they are typed (and types over them): what it holds
  // is exactly the code, nothing doubled or left over.
  const typed = await page.evaluate(() => window.monaco.editor.getModels().map((m: any) => m.getValue()).find((v: string) => v.includes("Local/100@test")));
  assert.equal(typed, code, "the code editor holds the typed code");
  // Done counts the editor's error markers, which its language worker sets a while after the last
  // keystroke; a busy machine can still show those of a half-typed line ("return ms"), and the
  // node would be saved as invalid. Wait as a user does until no error is underlined, for longer
  // than the worker's delay (500 ms), so that the markers are those of the code as typed.
  await page.waitForFunction(() => {
    const w = window;
    const model = w.monaco.editor.getModels().find((m: any) => m.getValue().includes("Local/100@test"));
    const underlined = w.monaco.editor.getModelMarkers({ resource: model.uri }).some((m: any) => m.severity === w.monaco.MarkerSeverity.Error);
    if (underlined) w.__amiCleanSince = undefined;
    else w.__amiCleanSince ??= Date.now();
    return !underlined && Date.now() - w.__amiCleanSince > 1000;
  }, undefined, { timeout: 15_000 });
  await page.locator("#node-dialog-ok").click();
  await page.waitForSelector(".red-ui-tray", { state: "detached" });
  const fn = await page.evaluate((id) => {
    const n = window.RED.nodes.node(id);
    return { func: n.func, noerr: n.noerr, valid: n.valid };
  }, functionId);
  assert.deepEqual(fn, { func: code, noerr: 0, valid: true });
}

/**
 * Opens an ami action node, picks its server, types `typed` into Action and picks `name` from the
 * suggestions the catalog offers, as a user does; returns the Action input.
 */
export async function pickAction(session: EditorSession, actionId: string, serverId: string, typed: string, name: string): Promise<Locator> {
  const { page, openNode, suggestions, pick } = session;
  await openNode(actionId);
  await page.locator("#node-input-server").selectOption(serverId);
  const action = page.locator("#node-input-action");
  await action.fill("");
  await action.click();
  await page.keyboard.type(typed, { delay: 40 });
  const got = await suggestions();
  assert.ok(got.includes(name), `suggestions for "${typed}": ${got.join(",")}`);
  await pick(name);
  assert.equal(await action.inputValue(), name);
  return action;
}

/**
 * The ami action node: the server, Originate picked from the autocomplete, wait for the result.
 */
export async function chooseOriginate(session: EditorSession, actionId: string, serverId: string): Promise<void> {
  const { page } = session;
  await pickAction(session, actionId, serverId, "Origin", "Originate");
  const wait = page.locator("#node-input-waitForResult");
  await wait.check();
  assert.equal(await wait.isChecked(), true);
  await page.locator("#node-dialog-ok").click();
  await page.waitForSelector(".red-ui-tray", { state: "detached" });
  const node = await page.evaluate((id) => {
    const n = window.RED.nodes.node(id);
    return { action: n.action, server: n.server, waitForResult: n.waitForResult, actionSource: n.actionSource, merge: n.merge, fields: n.fields, valid: n.valid };
  }, actionId);
  assert.deepEqual(node, { action: "Originate", server: serverId, waitForResult: true, actionSource: "node", merge: "msg", fields: [], valid: true });
}

/**
 * The debug node's output: the whole msg.payload, to the debug sidebar (what the dialog offers
 * first; Done stores it).
 */
export async function checkDebugOutput(session: EditorSession, debugId: string): Promise<void> {
  const { page, openNode } = session;
  await openNode(debugId);
  assert.equal(await page.locator("#node-input-typed-complete").inputValue(), "payload");
  assert.equal(await page.locator("#node-input-tosidebar").isChecked(), true);
  await page.locator("#node-dialog-ok").click();
  await page.waitForSelector(".red-ui-tray", { state: "detached" });
  const debugOutput = await page.evaluate((id) => {
    const n = window.RED.nodes.node(id);
    return { active: n.active, complete: n.complete, targetType: n.targetType, tosidebar: n.tosidebar };
  }, debugId);
  assert.deepEqual(debugOutput, { active: true, complete: "payload", targetType: "msg", tosidebar: true }, "the debug node shows msg.payload in the sidebar");
}
