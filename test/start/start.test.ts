import { strict as assert } from "node:assert";
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
// ws comes with Node-RED (a dev dependency); Node 20 has no WebSocket client of its own.
const WebSocket = require("ws") as new (url: string) => {
  on(event: "open" | "message" | "error", fn: (data: Buffer) => void): void;
  send(text: string): void;
  close(): void;
};

const ROOT = path.resolve(__dirname, "..", "..", "..");

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

describe("npm start", function () {
  this.timeout(120_000);
  let child: ChildProcess | undefined;
  let userDir = "";
  afterEach(() => {
    // start.js runs Node-RED as its child: kill the whole process group (start.js is its leader),
    // or a failed test would leave Node-RED holding mocha's pipes and the run would never end.
    if (child?.pid !== undefined && child.exitCode === null) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    }
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
  });

  it("starts Node-RED with the demo flow on the simulated PBX: events reach the debug sidebar within seconds, Ctrl-C stops cleanly", async () => {
    const [uiPort, pbxPort] = [await freePort(), await freePort()];
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), "ami-start-"));
    let out = "";
    child = spawn(process.execPath, [path.join(ROOT, "build", "scripts", "start.js")], {
      env: { ...process.env, PORT: String(uiPort), AMI_SIM_PORT: String(pbxPort), AMI_SIM_TRAFFIC: "120", NODE_RED_USER_DIR: userDir },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
    const waitForOutput = async (what: RegExp, ms: number): Promise<void> => {
      const until = Date.now() + ms;
      while (!what.test(out)) {
        if (child?.exitCode !== null) assert.fail(`npm start exited early:\n${out}`);
        if (Date.now() > until) assert.fail(`no ${what} within ${ms / 1000} s:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await waitForOutput(/Node-RED editor: http:\/\/127\.0\.0\.1:/, 40_000);
    assert.match(out, /demo flow deployed/);
    // Nothing over the demo on the first screen: no "Enable Update Notifications" prompt (telemetry
    // decided: off), no "Welcome to Node-RED" tour (the editor reads both from /settings).
    const settings = await new Promise<Record<string, any>>((resolve, reject) => {
      http.get({ host: "127.0.0.1", port: uiPort, path: "/settings" }, (res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d.toString()));
        res.on("end", () => resolve(JSON.parse(body)));
      }).on("error", reject);
    });
    assert.equal(settings.telemetryEnabled, false, "telemetry decided, so the editor does not ask");
    assert.equal(settings.editorTheme?.tours, false, "no welcome tour");
    // The login is the server node's, logged once the session is up (after the deploy).
    await waitForOutput(/connected to 127\.0\.0\.1:\d+ as admin/, 15_000);

    // What the editor's debug sidebar receives: the comms websocket's "debug" topic.
    const topics: string[] = [];
    const ws = new WebSocket(`ws://127.0.0.1:${uiPort}/comms`);
    ws.on("open", () => ws.send(JSON.stringify({ subscribe: "debug" })));
    ws.on("message", (data) => {
      for (const m of JSON.parse(data.toString()) as Array<{ topic: string; data: { topic?: string } }>) {
        if (m.topic === "debug" && m.data.topic) topics.push(m.data.topic);
      }
    });
    const until = Date.now() + 15_000;
    while (!topics.some((t) => /^(Newchannel|Hangup|UserEvent|Queue)/.test(t)) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    ws.close();
    assert.ok(topics.length > 0, `no event reached the debug sidebar in 15 s:\n${out}`);

    // The SIP lab's calls ring and talk for seconds, as an office's do (simulator/sip-traffic.ts:
    // at most about 45 s with a transfer): the first call may end well after the first events.
    const until2 = Date.now() + 60_000;
    const log = path.join(userDir, "calls.csv");
    const rows = () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : []);
    while (rows().length < 2 && Date.now() < until2) await new Promise((r) => setTimeout(r, 100));
    assert.ok(fs.existsSync(log), "the demo's call log (one line per ended call) is written in the user dir");
    const [header, first] = rows();
    assert.equal(header, "start,callId,direction,callerNumber,callerName,callee,answeredBy,disposition,ringTime,talkTime,totalTime", "a header row first");
    assert.match(first ?? "", /,(ANSWERED|NO ANSWER|BUSY|CANCELLED|FAILED),/, "then the calls");
    assert.ok(!fs.existsSync(path.join(ROOT, "calls.csv")), "nothing is written into the repository");

    // The demo's queue wallboard (example 14): its page, and the board its websocket sends a page
    // that says hello, with the simulated call centre's queues in it.
    assert.match(out, new RegExp(`Queue wallboard: http://127\\.0\\.0\\.1:${uiPort}/queue-wallboard`));
    const page = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      http.get({ host: "127.0.0.1", port: uiPort, path: "/queue-wallboard" }, (res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      }).on("error", reject);
    });
    assert.equal(page.status, 200);
    assert.match(page.body, /Queue wallboard/);
    const board = await new Promise<{ tiles?: Array<{ queue: string }> }>((resolve, reject) => {
      const socket = new WebSocket(`ws://127.0.0.1:${uiPort}/ws/queue-wallboard`);
      const timer = setTimeout(() => (socket.close(), reject(new Error(`no board from the wallboard's websocket in 15 s:\n${out}`))), 15_000);
      socket.on("open", () => socket.send("hello"));
      socket.on("message", (data) => {
        const b = JSON.parse(data.toString());
        if (!Array.isArray(b.tiles) || b.tiles.length === 0) return;
        clearTimeout(timer);
        socket.close();
        resolve(b);
      });
    });
    assert.ok(board.tiles?.some((t) => t.queue === "sales") && board.tiles.some((t) => t.queue === "support"), JSON.stringify(board.tiles));

    const credentials = fs.readFileSync(path.join(userDir, "flows_cred.json"), "utf8");
    assert.ok(!credentials.includes("amp111"), "the secret is stored encrypted, as the editor stores it");

    child.kill("SIGINT");
    const code = await new Promise<number | null>((resolve) => child?.once("exit", resolve));
    assert.equal(code, 0, out);
  });

  /** Holds 127.0.0.1:port for the test (something else may hold it already: then nothing to do). */
  async function occupy(port: number): Promise<net.Server | undefined> {
    const server = net.createServer();
    return new Promise((resolve) => {
      server.once("error", () => resolve(undefined));
      server.listen(port, "127.0.0.1", () => resolve(server));
    });
  }

  function run(env: Record<string, string>): { done: Promise<number | null>; output: () => string } {
    let out = "";
    child = spawn(process.execPath, [path.join(ROOT, "build", "scripts", "start.js")], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
    child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
    const done = new Promise<number | null>((resolve) => child?.once("exit", resolve));
    return { done, output: () => out };
  }

  it("on a PBX host (5038 taken) the simulated PBX takes a free port and says so; a port the user set that is taken is one clear line", async () => {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), "ami-start-"));
    const held = await occupy(5038);
    const taken = await occupy(0);
    try {
      const takenPort = (taken!.address() as net.AddressInfo).port;
      // A port the user chose, taken: one line that says what to do, no stack trace, exit 1.
      const chosen = run({ PORT: String(await freePort()), AMI_SIM_PORT: String(takenPort), NODE_RED_USER_DIR: userDir });
      assert.equal(await chosen.done, 1, chosen.output());
      const text = chosen.output().trim();
      assert.match(text, new RegExp(`^\\[npm start\\] port ${takenPort} \\(AMI_SIM_PORT\\) is taken: choose another, or leave AMI_SIM_PORT unset .* AMI_HOST=127\\.0\\.0\\.1 AMI_PORT=${takenPort} `));
      assert.equal(text.split("\n").length, 1, text);
      assert.doesNotMatch(text, /\n\s+at /, "no stack trace");

      // Nothing set, 5038 taken (by this test, or by an Asterisk): a free port, said, and the demo runs on it.
      const fallback = run({ PORT: String(await freePort()), AMI_SIM_TRAFFIC: "0", NODE_RED_USER_DIR: userDir });
      const until = Date.now() + 40_000;
      while (!/Node-RED editor: http/.test(fallback.output()) && Date.now() < until) {
        if (child?.exitCode !== null) assert.fail(`npm start exited early:\n${fallback.output()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const said = /port 5038 is taken, so the simulated PBX took port (\d+)\. If an Asterisk listens on 5038, npm start can use it instead: AMI_HOST=127\.0\.0\.1 AMI_PORT=5038/.exec(fallback.output());
      assert.ok(said, fallback.output());
      assert.match(fallback.output(), new RegExp(`simulated PBX listening on 127\\.0\\.0\\.1:${said[1]} `));
      assert.match(fallback.output(), /demo flow deployed/);
      child!.kill("SIGINT");
      assert.equal(await fallback.done, 0, fallback.output());
    } finally {
      held?.close();
      taken?.close();
    }
  });
});
