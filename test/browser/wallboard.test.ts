/**
 * The two queue wallboards in a real browser: examples 13 (FlowFuse Dashboard 2.0) and 14 (core
 * nodes: http in, template, websocket) deployed as they ship into a real Node-RED with this package
 * and the dashboard, against the simulated PBX's call centre with no random traffic, each page open
 * in Debian's Chromium. The test makes things happen on the PBX (a caller joins, abandons, an agent
 * pauses) and reads what each page shows: DOM text, never the flows' internals.
 *
 * Screenshots (1280×800) of both pages in a busy moment, for the README, only when asked:
 *   AMI_WALLBOARD_SCREENSHOTS=docs/screenshots npx mocha --no-config --timeout 120000 build/test/browser/wallboard.test.js
 *
 * Without /usr/bin/chromium the suite skips locally; in CI (CI=true) a missing browser fails.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Browser, Page } from "playwright-core";
import { startPbx, SimulatedPbx } from "../../simulator";
import { CHROMIUM, CHROMIUM_ARGS, httpRequest, NodeRedProcess, ROOT, startNodeRed } from "./editor-runtime";

// Functions passed to page.waitForFunction run in the browser; the build has no DOM lib.
declare const document: any;

const EXAMPLES = ["13 - queue wallboard (Dashboard 2.0).json", "14 - queue wallboard (core nodes).json"];
const SHOTS = process.env.AMI_WALLBOARD_SCREENSHOTS;

/** A wallboard page: where it is, and where its agents' table and live calls are. */
interface Wallboard {
  name: string;
  path: string;
  agents: string;
  calls: string;
  shot: string;
  page?: Page;
}

const BOARDS: Wallboard[] = [
  { name: "Dashboard 2.0 (example 13)", path: "dashboard/queues", agents: ".wallboard-agents", calls: ".wallboard-calls", shot: "wallboard-dashboard.png" },
  { name: "core nodes (example 14)", path: "queue-wallboard", agents: "#agents", calls: "#calls", shot: "wallboard-core.png" },
];

type FlowNode = Record<string, any>;

/** Both examples as shipped, each on its own tab, their shared server node pointed at the PBX. */
function wallboardFlows(pbxPort: number): FlowNode[] {
  const flow: FlowNode[] = [];
  EXAMPLES.forEach((file, i) => {
    const tab = `wallboard-tab-${i + 1}`;
    flow.push({ id: tab, type: "tab", label: file.replace(/\.json$/, "") });
    for (const n of JSON.parse(fs.readFileSync(path.join(ROOT, "examples", file), "utf8")) as FlowNode[]) {
      if (n.type !== "asterisk-ami-server") flow.push(typeof n.x === "number" ? { ...n, z: tab } : n);
      else if (!flow.some((f) => f.id === n.id)) {
        flow.push({ ...n, port: String(pbxPort), reconnectMin: 0.2, reconnectMax: 1, credentials: { username: "admin", secret: "amp111" } });
      }
    }
  });
  return flow;
}

async function deploy(red: NodeRedProcess, flow: FlowNode[]): Promise<void> {
  const res = await httpRequest(red.port, "POST", "/flows", flow);
  assert.ok(res.status === 204 || res.status === 200, `deploy: ${res.status} ${res.body}`);
}

const fieldSelector = (queue: string, field: string) => `[data-queue="${queue}"] [data-field="${field}"]`;

/** The text a page shows for one figure of one queue's tile ("" when the tile is not there). */
async function figure(board: Wallboard, queue: string, field: string): Promise<string> {
  const el = board.page!.locator(fieldSelector(queue, field)).first();
  return (await el.count()) ? (await el.innerText()).trim() : "";
}

/** Waits until a tile's figure reads `want` on the page, or fails saying what it read. */
async function shows(board: Wallboard, queue: string, field: string, want: string): Promise<void> {
  const ok = await board
    .page!.waitForFunction(([sel, w]) => document.querySelector(sel)?.textContent?.trim() === w, [fieldSelector(queue, field), want] as const, { timeout: 15_000 })
    .then(() => true, () => false);
  if (!ok) assert.fail(`${board.name}: the ${queue} tile shows ${field} "${await figure(board, queue, field)}", expected "${want}"`);
}

/** Waits until a row of a table on the page holds every one of `texts` (or none does, with `absent`). */
async function row(board: Wallboard, table: string, texts: string[], absent = false): Promise<void> {
  const ok = await board
    .page!.waitForFunction(
      ([sel, t, gone]) => {
        const rows = Array.from<any>(document.querySelectorAll(`${sel} tr`));
        const found = rows.some((r) => t.every((x: string) => r.textContent.includes(x)));
        return gone ? !found : found;
      },
      [table, texts, absent] as const,
      { timeout: 15_000 },
    )
    .then(() => true, () => false);
  if (!ok) {
    const shown = await board.page!.locator(`${table} tr`).allInnerTexts();
    assert.fail(`${board.name}: ${absent ? "a row still holds" : "no row holds"} ${JSON.stringify(texts)} in ${table}:\n${shown.join("\n")}`);
  }
}

/** Seconds of an m:ss figure. */
function seconds(text: string): number {
  const m = /^(\d+):(\d\d)$/.exec(text);
  assert.ok(m, `"${text}" is a wait in m:ss`);
  return Number(m[1]) * 60 + Number(m[2]);
}

describe("the queue wallboards in a real browser (Chromium)", function () {
  this.timeout(120_000);
  let pbx: SimulatedPbx | undefined;
  let red: NodeRedProcess | undefined;
  let browser: Browser | undefined;
  let flow: FlowNode[] = [];
  const errors: string[] = [];
  /** The caller who joins sales, then abandons. */
  let lena = "";

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) {
      if (process.env.CI === "true") throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium (apt-get install -y chromium)`);
      console.log(`      (skipped: no Chromium at ${CHROMIUM})`);
      this.skip();
    }
    pbx = await startPbx({ port: 0, host: "127.0.0.1", callCentre: { traffic: false } });
    red = await startNodeRed();
    flow = wallboardFlows(pbx.port);
    await deploy(red, flow);
    const { chromium } = require("playwright-core") as typeof import("playwright-core");
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    for (const board of BOARDS) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      page.setDefaultTimeout(15_000);
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(`${board.name}: console.error: ${m.text()} (${m.location().url}:${m.location().lineNumber})`);
      });
      page.on("pageerror", (e) => errors.push(`${board.name}: page error: ${e.message}`));
      await page.goto(red.url + board.path);
      board.page = page;
    }
  });

  after(async () => {
    await browser?.close();
    await red?.stop();
    await pbx?.close();
  });

  it("each page shows a tile per queue from the snapshot taken at deploy, and every agent logged in", async () => {
    for (const board of BOARDS) {
      for (const queue of ["sales", "support", "supportq", "testq"]) await shows(board, queue, "waiting", "0");
      await shows(board, "sales", "longest", "–");
      // The lab's sales agents, each in the agents' table with the queue.
      for (const agent of ["Lisa Bauer", "Tom Meyer", "Julia Roth", "Max Vogel"]) await row(board, board.agents, [agent, "sales"]);
      // The tile's available agents are the table's available rows of that queue.
      const rows = await board.page!.locator(`${board.agents} tr`).allInnerTexts();
      const available = rows.filter((r) => /\bsales\b/.test(r) && /\bavailable\b/.test(r)).length;
      assert.ok(available > 0, `${board.name}: no sales agent available:\n${rows.join("\n")}`);
      await shows(board, "sales", "available", String(available));
    }
  });

  it("a caller joins sales: waiting goes to 1, the caller is in the live calls", async () => {
    lena = (await pbx!.callCentre!.join("sales", { callerIdNum: "+4930555123", callerIdName: "Lena Hoffmann" })).uniqueid;
    for (const board of BOARDS) {
      await shows(board, "sales", "waiting", "1");
      await row(board, board.calls, ["Lena Hoffmann", "waiting in sales"]);
    }
  });

  it("the longest wait counts on in the page by itself (a caller in testq: a queue without members sends nothing while the caller waits)", async () => {
    const noah = await pbx!.callCentre!.join("testq", { callerIdNum: "+4930555129", callerIdName: "Noah Braun" });
    for (const board of BOARDS) {
      await shows(board, "testq", "waiting", "1");
      // The last message the join brings: from here on the page hears nothing until the caller leaves.
      await row(board, board.calls, ["Noah Braun", "waiting in testq"]);
      const first = seconds(await figure(board, "testq", "longest"));
      const later = await board
        .page!.waitForFunction(([s, f]) => {
          const m = /^(\d+):(\d\d)$/.exec(document.querySelector(s)?.textContent?.trim() ?? "");
          return m !== null && Number(m[1]) * 60 + Number(m[2]) > f;
        }, [fieldSelector("testq", "longest"), first] as const, { timeout: 15_000 })
        .then(() => true, () => false);
      assert.ok(later, `${board.name}: the longest wait stayed at ${first} s`);
    }
    await pbx!.callCentre!.abandon(noah.uniqueid);
    for (const board of BOARDS) await shows(board, "testq", "waiting", "0");
  });

  it("the caller abandons: waiting goes back to 0, abandoned today goes up by one, the call leaves the live calls", async () => {
    const before = await Promise.all(BOARDS.map((b) => figure(b, "sales", "abandoned")));
    await pbx!.callCentre!.abandon(lena);
    for (const [i, board] of BOARDS.entries()) {
      await shows(board, "sales", "waiting", "0");
      await shows(board, "sales", "longest", "–");
      await shows(board, "sales", "abandoned", String(Number(before[i]) + 1));
      await row(board, board.calls, ["Lena Hoffmann"], true);
    }
  });

  it("an agent pauses with a reason: the agents' table shows paused and the reason, the tile one agent fewer available", async () => {
    const before = await Promise.all(BOARDS.map((b) => figure(b, "sales", "available")));
    pbx!.callCentre!.pause("sales", "Local/2001@agents", "lunch");
    for (const [i, board] of BOARDS.entries()) {
      await row(board, board.agents, ["Lisa Bauer", "sales", "paused", "lunch"]);
      await shows(board, "sales", "available", String(Number(before[i]) - 1));
    }
  });

  it("the core page reconnects its websocket when it drops (a full deploy restarts the listener) and gets the board again", async () => {
    const board = BOARDS[1];
    const page = board.page!;
    await page.waitForFunction(() => document.querySelector("#link")?.textContent === "live");
    // What the connection indicator says from now on, and whether the board was drawn again.
    await page.evaluate(() => {
      const w = document.defaultView;
      w.linkSeen = [];
      new w.MutationObserver(() => w.linkSeen.push(document.querySelector("#link").textContent)).observe(document.querySelector("#link"), { childList: true });
      document.querySelectorAll(".tile").forEach((t: any) => (t.dataset.old = "1"));
    });
    const res = await httpRequest(red!.port, "POST", "/flows", flow);
    assert.equal(res.status, 204, res.body);
    const back = await page
      .waitForFunction(() => {
        const seen: string[] = document.defaultView.linkSeen;
        return seen.includes("reconnecting…") && seen[seen.length - 1] === "live" && document.querySelector(".tile[data-queue]:not([data-old])") !== null;
      })
      .then(() => true, () => false);
    assert.ok(back, `the page's connection: ${JSON.stringify(await page.evaluate(() => document.defaultView.linkSeen))}`);
    await row(board, board.agents, ["Lisa Bauer", "paused", "lunch"]);
  });

  it("the browser console had no errors on either page", () => {
    assert.deepEqual(errors, []);
  });

  it("screenshots of both pages in a busy moment (only with AMI_WALLBOARD_SCREENSHOTS=<dir>)", async function () {
    if (!SHOTS) this.skip();
    await busyMoment();
    const dir = path.resolve(ROOT, SHOTS);
    fs.mkdirSync(dir, { recursive: true });
    for (const board of BOARDS) {
      await shows(board, "sales", "waiting", "3");
      await board.page!.waitForTimeout(1500); // a few ticks of the longest wait
      await board.page!.screenshot({ path: path.join(dir, board.shot) });
    }
  });

  /**
   * For the screenshots: callers waiting in sales (joined a few seconds apart), one support call
   * answered and talking, one abandoned, a second agent on a break.
   */
  async function busyMoment(): Promise<void> {
    const centre = pbx!.callCentre!;
    const answered = await centre.join("support", { callerIdNum: "+4930555124", callerIdName: "Jonas Wagner" });
    await centre.answer(answered.uniqueid, "Local/2101@agents");
    const gaveUp = await centre.join("support", { callerIdNum: "+4930555125", callerIdName: "Marie Becker" });
    await centre.abandon(gaveUp.uniqueid);
    centre.pause("support", "Local/2102@agents", "break");
    const callers: Array<[string, string]> = [["+4930555126", "Paul Schulz"], ["+4930555127", "Sophie Koch"], ["+4930555128", "Felix Richter"]];
    for (const [num, name] of callers) {
      await centre.join("sales", { callerIdNum: num, callerIdName: name });
      await new Promise((r) => setTimeout(r, 4000));
    }
  }
});
