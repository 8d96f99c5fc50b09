/**
 * One user's session in the editor, for the browser tests: the simulated PBX (with call traffic),
 * a real Node-RED with this package (editor-runtime.ts), Debian's Chromium on its editor, every
 * browser console error recorded, and what a user does there (drag from the palette, open a node,
 * pick a suggestion, wire two ports, deploy). useEditorSession gives a suite its session and
 * hooks: launched before the suite (skipped without Chromium, except in CI), closed after it, and
 * after each test a failed one's screenshot and any dialog left open closed.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { BrowserContext, ConsoleMessage, Page } from "playwright-core";
import { startPbx, SimulatedPbx } from "../../simulator";
import { CHROMIUM, CHROMIUM_ARGS, NodeRedProcess, SCREENSHOT_DIR, startNodeRed } from "./editor-runtime";

// Functions passed to page.evaluate run in the browser; the build has no DOM lib, so its globals
// are declared loosely here (this module only).
declare const window: any;
declare const document: any;

/**
 * Console messages that are not errors of the editor or of our code, each understood:
 * - none so far. (The flow library catalogue fetch, the only request that leaves the machine, is
 *   switched off in the settings instead of being filtered here.)
 */
const BENIGN: RegExp[] = [];

export function normalize(s: string): string {
  return s.replace(/\s+/g, " ").trim();
}

export class EditorSession {
  pbx: SimulatedPbx | undefined;
  red: NodeRedProcess | undefined;
  page!: Page;
  /** Every error the browser console showed, in order. */
  readonly errors: string[] = [];
  private errorsSeen = 0;
  private context: BrowserContext | undefined;
  private profileDir = "";

  /** The PBX, Node-RED and Chromium, the editor open. */
  async start(): Promise<void> {
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    this.pbx = await startPbx({ port: 0, host: "127.0.0.1", traffic: { callsPerMinute: 120 } });
    this.red = await startNodeRed();
    const { chromium } = require("playwright-core") as typeof import("playwright-core");
    this.profileDir = fs.mkdtempSync(path.join(os.tmpdir(), "ami-chromium-"));
    this.context = await chromium.launchPersistentContext(this.profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1400, height: 850 },
    });
    this.page = this.context.pages()[0] ?? (await this.context.newPage());
    this.page.setDefaultTimeout(10_000);
    this.page.on("console", (m: ConsoleMessage) => {
      if (m.type() !== "error") return;
      const text = `console.error: ${m.text()} (${m.location().url}:${m.location().lineNumber})`;
      if (!BENIGN.some((re) => re.test(text))) this.errors.push(text);
    });
    this.page.on("pageerror", (e: Error) => this.errors.push(`page error: ${e.message}\n${e.stack ?? ""}`));
    await this.openEditor();
  }

  async stop(): Promise<void> {
    await this.context?.close();
    await this.red?.stop();
    await this.pbx?.close();
    if (this.profileDir) fs.rmSync(this.profileDir, { recursive: true, force: true });
  }

  /** After a test: a failed one's screenshot, and no dialog left open over the next one. */
  async tidy(test: Mocha.Test | undefined): Promise<void> {
    const page = this.page;
    if (!page) return;
    if (test?.state === "failed") {
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, `failed-${test.title.replace(/[^A-Za-z0-9]+/g, "-").slice(0, 60)}.png`) }).catch(() => undefined);
    }
    for (let i = 0; i < 5 && (await page.locator(".ui-dialog:visible, .red-ui-tray").count()) > 0; i++) {
      await page.keyboard.press("Escape").catch(() => undefined);
      const cancel = page.locator("#node-config-dialog-cancel:visible, #node-dialog-cancel:visible, #red-ui-clipboard-dialog-cancel:visible").first();
      if (await cancel.count()) await cancel.click({ timeout: 2000 }).catch(() => undefined);
      await page.waitForTimeout(300);
    }
  }

  /** Asserts that the browser console had no error since the last call. */
  readonly noNewErrors = (what: string): void => {
    const fresh = this.errors.slice(this.errorsSeen);
    this.errorsSeen = this.errors.length;
    assert.deepEqual(fresh, [], `browser console errors during ${what}`);
  };

  readonly openEditor = async (): Promise<void> => {
    await this.page.goto(this.red!.url);
    await this.page.waitForFunction(() => {
      const w = window;
      return w.RED && w.RED.nodes && document.querySelector(".red-ui-palette-node") && !document.querySelector("#red-ui-loading-progress:not([style*='none'])");
    }, undefined, { timeout: 30_000 });
    await this.page.waitForTimeout(300);
  };

  readonly shot = async (name: string): Promise<void> => {
    await this.page.screenshot({ path: path.join(SCREENSHOT_DIR, name) });
  };

  /** Drags a palette node onto the canvas and returns the new node's id. */
  readonly dragOntoCanvas = async (type: string, x: number, y: number): Promise<string> => {
    const before = await this.page.evaluate((t) => {
      const ids: string[] = [];
      window.RED.nodes.eachNode((n: any) => n.type === t && ids.push(n.id));
      return ids;
    }, type);
    const palette = this.page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`);
    await palette.scrollIntoViewIfNeeded();
    const from = (await palette.boundingBox())!;
    const chart = (await this.page.locator("#red-ui-workspace-chart").boundingBox())!;
    await this.page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await this.page.mouse.down();
    await this.page.mouse.move(from.x + from.width / 2 + 20, from.y + from.height / 2, { steps: 4 });
    await this.page.mouse.move(chart.x + x, chart.y + y, { steps: 12 });
    await this.page.mouse.up();
    const id = await this.page.waitForFunction(
      ({ t, known }) => {
        let found = "";
        window.RED.nodes.eachNode((n: any) => {
          if (n.type === t && !known.includes(n.id)) found = n.id;
        });
        return found;
      },
      { t: type, known: before },
      { timeout: 5000 },
    );
    return await id.jsonValue();
  };

  readonly openNode = async (id: string): Promise<void> => {
    await this.page.locator(`g.red-ui-flow-node-group[id="${id}"]`).dblclick();
    await this.page.waitForSelector(".red-ui-tray .red-ui-tray-body form", { state: "visible" });
    await this.page.waitForTimeout(300);
  };

  /** The suggestions the autocomplete list shows now. */
  readonly suggestions = async (): Promise<string[]> => {
    await this.page.waitForSelector(".red-ui-autoComplete-container li", { state: "visible", timeout: 5000 });
    return this.page.$$eval(".red-ui-autoComplete-container li", (lis) => lis.map((li) => (li.textContent ?? "").trim()));
  };

  readonly pick = async (label: string): Promise<void> => {
    await this.page.locator(".red-ui-autoComplete-container li", { hasText: new RegExp(`^${label}$`) }).first().click();
    await this.page.waitForSelector(".red-ui-autoComplete-container", { state: "detached", timeout: 5000 }).catch(() => undefined);
  };

  readonly deploy = async (): Promise<void> => {
    const posted = this.page.waitForResponse((r) => new URL(r.url()).pathname === "/flows" && r.request().method() === "POST", { timeout: 15_000 });
    await this.page.locator("#red-ui-header-button-deploy").click();
    // Any confirmation dialog (unknown nodes, invalid nodes) is a failure here.
    await this.page.waitForFunction(
      () => document.querySelector("#red-ui-header-button-deploy")?.classList.contains("disabled") || document.querySelector(".red-ui-deploy-dialog-confirm-list, #red-ui-deploy-dialog-confirm"),
      undefined,
      { timeout: 15_000 },
    );
    const confirm = await this.page.locator(".ui-dialog:visible").allInnerTexts();
    assert.deepEqual(confirm, [], `deploy asked for confirmation: ${confirm.join(" | ")}`);
    // Deployed once the runtime answered the editor's POST /flows.
    const response = await posted;
    assert.equal(response.status(), 200, `deploy: HTTP ${response.status()} ${await response.text()}`);
  };

  /** Wires one node's output port to another's input port with the mouse; the links between them after. */
  readonly wire = async (from: string, to: string): Promise<number> => {
    const out = (await this.page.locator(`g.red-ui-flow-node-group[id="${from}"] .red-ui-flow-port-output`).boundingBox())!;
    const inp = (await this.page.locator(`g.red-ui-flow-node-group[id="${to}"] .red-ui-flow-port-input`).boundingBox())!;
    await this.page.mouse.move(out.x + out.width / 2, out.y + out.height / 2);
    await this.page.mouse.down();
    await this.page.mouse.move(inp.x + inp.width / 2, inp.y + inp.height / 2, { steps: 12 });
    await this.page.mouse.up();
    return this.page.evaluate(({ f, t }) => window.RED.nodes.filterLinks({ source: { id: f }, target: { id: t } }).length, { f: from, t: to });
  };
}

/** A suite's editor session, with its hooks; `use` gets it once launched. */
export function useEditorSession(use: (session: EditorSession) => void): EditorSession {
  const session = new EditorSession();
  before(async function () {
    if (!fs.existsSync(CHROMIUM)) {
      if (process.env.CI === "true") throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium (apt-get install -y chromium)`);
      console.log(`      (skipped: no Chromium at ${CHROMIUM}; apt-get install -y chromium to run the browser tests)`);
      this.skip();
    }
    await session.start();
    use(session);
  });
  after(() => session.stop());
  afterEach(async function () {
    await session.tidy(this.currentTest);
  });
  return session;
}
