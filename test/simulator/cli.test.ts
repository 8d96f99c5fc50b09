import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { DEFAULT_QUEUES, DEFAULT_USERS } from "../../simulator/config";
import { DEFAULT_DIALPLAN } from "../../simulator/dialplan";

/** `npm run pbx`: its help says every option, the lab's users, queues and extensions; a taken port is one line. */
const CLI = path.join(__dirname, "..", "..", "simulator", "cli.js");

function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 15_000 }, (error, out, err) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, out, err }));
  });
}

describe("simulated PBX: the command line (npm run pbx)", () => {
  it("--help lists every option the command reads, the AMI users, the queues and every extension of the lab", async () => {
    const { code, out } = await run(["--help"]);
    assert.equal(code, 0);
    // Every option the source reads (args.get/has/num of a name) is in the help.
    const source = fs.readFileSync(path.join(__dirname, "..", "..", "..", "simulator", "cli.ts"), "utf8");
    const read = new Set([...source.matchAll(/(?:num|args\.get|args\.has)\("([a-z-]+)"\)/g)].map((m) => m[1]));
    assert.ok(read.size >= 9, [...read].join(" "));
    for (const option of read) assert.ok(out.includes(`--${option}`), `--${option} is in the help`);
    for (const u of DEFAULT_USERS) assert.ok(out.includes(`${u.username}/${u.secret}`), u.username);
    for (const q of DEFAULT_QUEUES) assert.ok(out.includes(q.name), q.name);
    for (const [context, extensions] of Object.entries(DEFAULT_DIALPLAN)) {
      assert.ok(out.includes(`[${context}]`), context);
      for (const e of extensions) assert.match(out, new RegExp(`^    ${e.exten.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} `, "m"), `${context} ${e.exten}`);
    }
  });

  it("a port that is taken is one line saying what to do, no stack trace", async () => {
    const held = net.createServer();
    await new Promise<void>((resolve) => held.listen(0, "127.0.0.1", resolve));
    const port = (held.address() as net.AddressInfo).port;
    try {
      const { code, err } = await run(["--port", String(port)]);
      assert.equal(code, 1);
      assert.equal(err.trim(), `port ${port} is taken: start the simulated PBX on another with --port <n>, or --port 0 for any free port`);
    } finally {
      held.close();
    }
  });
});
