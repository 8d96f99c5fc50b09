import { strict as assert } from "node:assert";
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
// ws comes with Node-RED (a dev dependency); Node 20 has no WebSocket client of its own.
// eslint-disable-next-line @typescript-eslint/no-require-imports
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
  this.timeout(60_000);
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

    const until2 = Date.now() + 15_000;
    while (!fs.existsSync(path.join(userDir, "calls.csv")) && Date.now() < until2) await new Promise((r) => setTimeout(r, 100));
    assert.ok(fs.existsSync(path.join(userDir, "calls.csv")), "the demo's call log (one line per ended call) is written in the user dir");
    assert.match(fs.readFileSync(path.join(userDir, "calls.csv"), "utf8"), /,(ANSWERED|NO ANSWER|BUSY|CANCELLED|FAILED),/);
    assert.ok(!fs.existsSync(path.join(ROOT, "calls.csv")), "nothing is written into the repository");

    const credentials = fs.readFileSync(path.join(userDir, "flows_cred.json"), "utf8");
    assert.ok(!credentials.includes("amp111"), "the secret is stored encrypted, as the editor stores it");

    child.kill("SIGINT");
    const code = await new Promise<number | null>((resolve) => child?.once("exit", resolve));
    assert.equal(code, 0, out);
  });
});
