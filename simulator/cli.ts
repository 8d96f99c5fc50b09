/**
 * Runs the simulated PBX from a shell:
 *   npm run pbx -- --port 5038 [--traffic 6 [--seed 1]] [--tls-key k --tls-cert c --tls-port 5039]
 *                  [--host 0.0.0.0] [--time-scale 1] [--config pbx.json]
 */
import { readFileSync } from "node:fs";
import { startPbx, PbxOptions } from "./index";

function parseArgs(argv: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) continue;
    const eq = a.indexOf("=");
    if (eq > 0) out.set(a.slice(2, eq), a.slice(eq + 1));
    else out.set(a.slice(2), argv[i + 1] !== undefined && !argv[i + 1].startsWith("--") ? argv[++i] : "true");
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.has("help")) {
    console.log("usage: pbx [--port 5038] [--host 127.0.0.1] [--traffic <calls/min> [--seed n]] [--tls-key k --tls-cert c --tls-port 5039] [--time-scale 1] [--config file.json]");
    return;
  }
  const num = (k: string): number | undefined => (args.has(k) ? Number(args.get(k)) : undefined);
  const opts: PbxOptions = {
    port: num("port") ?? 5038,
    host: args.get("host"),
    timeScale: num("time-scale"),
    config: args.get("config"),
  };
  const traffic = num("traffic");
  if (traffic) opts.traffic = { callsPerMinute: traffic, seed: num("seed") };
  if (args.has("tls-key") && args.has("tls-cert")) {
    opts.tls = { key: readFileSync(args.get("tls-key") as string), cert: readFileSync(args.get("tls-cert") as string), port: num("tls-port") ?? 5039 };
  }
  const pbx = await startPbx(opts);
  console.log(`simulated Asterisk 22.10.1 (AMI 11.0.0) on ${pbx.host}:${pbx.port}${pbx.tlsPort ? `, TLS on ${pbx.tlsPort}` : ""}`);
  console.log("users: admin/amp111 (all), limited/limited1 (call), filtered/filt1 (all, eventfilters)");
  const stop = (): void => {
    void pbx.close().then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((err: NodeJS.ErrnoException & { port?: number }) => {
  // A port in use is the usual case on a PBX host (Asterisk has 5038): one line, no stack trace.
  if (err?.code === "EADDRINUSE") {
    console.error(
      `port ${err.port ?? ""} is taken${err.port === 5038 ? " (an Asterisk may listen there)" : ""}: start the simulated PBX on another with --port <n>, or --port 0 for any free port`,
    );
  } else console.error(err);
  process.exit(1);
});
