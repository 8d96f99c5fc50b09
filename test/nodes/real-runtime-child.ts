/**
 * Child process of real-runtime.test: a real Node-RED (not the test helper) with this package
 * installed in a fresh user directory, as a user would have it. Prints what the editor would
 * fetch as JSON on stdout, then exits. Run as: node real-runtime-child.js <package root>.
 */
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = process.argv[2];
const NAME = "node-red-contrib-asterisk-ami";

interface Fetched {
  status: number;
  type: string;
  body: string;
}

let token = "";

function get(port: number, p: string, accept: string): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Accept: accept };
    if (token) headers.Authorization = `Bearer ${token}`;
    http
      .get({ host: "127.0.0.1", port, path: p, headers }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"] ?? ""), body }));
      })
      .on("error", reject);
  });
}

function login(port: number): Promise<string> {
  const form = new URLSearchParams({ client_id: "node-red-editor", grant_type: "password", scope: "*", username: "admin", password: "pw" }).toString();
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port, path: "/auth/token", method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" } },
      (res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d.toString()));
        res.on("end", () => resolve(JSON.parse(body).access_token));
      },
    );
    req.on("error", reject);
    req.end(form);
  });
}

async function main(): Promise<string> {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), "ami-node-red-"));
  try {
    fs.mkdirSync(path.join(userDir, "node_modules"));
    fs.symlinkSync(ROOT, path.join(userDir, "node_modules", NAME), "dir");
    fs.writeFileSync(path.join(userDir, "package.json"), JSON.stringify({ name: "user", dependencies: { [NAME]: "*" } }));
    const RED = require(require.resolve("node-red", { paths: [ROOT] }));
    const express = require(require.resolve("express", { paths: [path.dirname(require.resolve("node-red/package.json", { paths: [ROOT] }))] }));
    const app = express();
    const server = http.createServer(app);
    const bcrypt = require(require.resolve("bcryptjs", { paths: [path.dirname(require.resolve("node-red/package.json", { paths: [ROOT] }))] }));
    const adminAuth = { type: "credentials", users: [{ username: "admin", password: bcrypt.hashSync("pw", 4), permissions: "*" }] };
    RED.init(server, { userDir, httpAdminRoot: "/", adminAuth, logging: { console: { level: "off" } }, credentialSecret: "test", editorTheme: { tours: false } });
    app.use("/", RED.httpAdmin);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as { port: number }).port;
    await RED.start();
    // The admin API is protected: the catalog endpoint too (RED.auth.needsPermission).
    const catalogWithoutLogin = await get(port, "/asterisk-ami/catalog", "application/json");
    token = await login(port);
    const out: Record<string, Fetched> = {
      catalogWithoutLogin,
      iconIn: await get(port, `/icons/${NAME}/asterisk-ami-in.svg`, "image/svg+xml"),
      iconAction: await get(port, `/icons/${NAME}/asterisk-ami-action.svg`, "image/svg+xml"),
      nodeList: await get(port, "/nodes", "application/json"),
      editorHtml: await get(port, "/nodes", "text/html"),
      messages: await get(port, "/nodes/messages?lng=en-US", "application/json"),
      catalog: await get(port, "/asterisk-ami/catalog", "application/json"),
      examples: await get(port, `/library/examples/flows/${NAME}`, "application/json"),
      example: await get(port, `/library/examples/flows/${NAME}/${encodeURIComponent("03 - click-to-call")}`, "application/json"),
    };
    await RED.stop();
    server.close();
    return JSON.stringify(out);
  } finally {
    fs.rmSync(userDir, { recursive: true, force: true });
  }
}

// Exit only once stdout is flushed: a pipe is written asynchronously.
main().then(
  (json) => process.stdout.write(json, () => process.exit(0)),
  (err) => {
    process.stderr.write(String(err?.stack ?? err));
    process.exit(1);
  },
);
