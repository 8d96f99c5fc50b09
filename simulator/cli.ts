/**
 * Runs the simulated PBX from a shell:
 *   npm run pbx -- --port 5038 [--traffic 6 [--seed 1]] [--tls-key k --tls-cert c --tls-port 5039]
 *                  [--host 0.0.0.0] [--time-scale 1] [--config pbx.json] [--sip] [--no-call-centre]
 */
import { readFileSync } from "node:fs";
import { DEFAULT_QUEUES, DEFAULT_USERS } from "./config";
import { DEFAULT_DIALPLAN } from "./dialplan";
import { AGENTS, CALL_CENTRE_QUEUES, MAX_WAIT_S } from "./call-centre-lab";
import { startPbx, PbxOptions } from "./index";

const OPTIONS: Array<[string, string]> = [
  ["--port <n>", "AMI port (default 5038; 0 takes any free port)"],
  ["--host <addr>", "address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)"],
  ["--traffic <calls/min>", "background calls a minute (phones, ring group, queue, trunk, unanswered, busy; with --sip: SIP phone calls)"],
  ["--seed <n>", "the same calls on every run (--traffic's and the call centre's arrivals)"],
  ["--tls-key <file> --tls-cert <file>", "also listen for AMI over TLS"],
  ["--tls-port <n>", "with TLS: its port (default 5039)"],
  ["--time-scale <f>", "dialplan waits multiplied by f (0.05: a 1 s Wait() takes 50 ms; default 1)"],
  ["--config <file.json>", "users, queues, dialplan or device states replacing the lab's (see docs/simulator.md)"],
  ["--sip", "the SIP lab of the sip-* captures: PJSIP phones 6001 Alice, 6002 Bob, 6003 Carol, the provider trunk, queue 700 (sipq); driven through pbx.phones, or with --traffic by SIP calls (holds, DTMF, transfers; see docs/simulator.md)"],
  ["--no-call-centre", "without the call centre (on by default, also off with AMI_SIM_CALL_CENTRE=0): queues sales and support, 8 agents, callers arriving with a peak every minute (--seed repeats them)"],
  ["--help", "this text"],
];

/** The help text: options, then the lab as it is configured (users, queues, dialplan), from its own data. */
function help(): string {
  const lines = ["usage: npm run pbx -- [options]", "", "A simulated Asterisk 22.10.1 (AMI 11.0.0) that answers like the captures of a real one.", "", "options:"];
  const width = Math.max(...OPTIONS.map(([o]) => o.length));
  for (const [option, what] of OPTIONS) lines.push(`  ${option.padEnd(width)}  ${what}`);
  lines.push("", "AMI users (manager.conf):");
  for (const u of DEFAULT_USERS) lines.push(`  ${u.username}/${u.secret}  read=${u.read.join(",")} write=${u.write.join(",")}${u.eventFilters?.length ? `  eventfilters: ${u.eventFilters.join("; ")}` : ""}`);
  lines.push("", "queues:");
  for (const q of DEFAULT_QUEUES) lines.push(`  ${q.name}${q.strategy ? ` (${q.strategy})` : ""}: ${q.members?.length ? q.members.map((m) => `${m.name ?? m.interface} (${m.interface})`).join(", ") : "no static members"}`);
  lines.push("", "call centre (unless --no-call-centre; context callcentre: dial the queue's name to join it):");
  for (const q of CALL_CENTRE_QUEUES) {
    const agents = AGENTS.filter((a) => a.queues.includes(q.name)).map((a) => `${a.name} (${a.iface})`);
    lines.push(`  ${q.name} (${q.strategy}, ringinuse=no, wrapuptime ${q.wrapupTime} s, service level ${q.serviceLevel} s, max wait ${MAX_WAIT_S[q.name]} s): ${agents.join(", ")}`);
  }
  lines.push("", "dialplan (extensions.conf):");
  for (const [context, extensions] of Object.entries(DEFAULT_DIALPLAN)) {
    lines.push(`  [${context}]`);
    for (const e of extensions) {
      const steps = (e.steps ?? []).map((st) => (st.data ? `${st.app}(${st.data})` : st.app)).join(", ");
      lines.push(`    ${e.exten.padEnd(11)} ${e.hint ? `hint ${e.hint}` : steps}`);
    }
  }
  return lines.join("\n");
}

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
  if (args.has("help") || args.has("h")) {
    console.log(help());
    return;
  }
  const num = (k: string): number | undefined => (args.has(k) ? Number(args.get(k)) : undefined);
  const opts: PbxOptions = {
    port: num("port") ?? 5038,
    host: args.get("host"),
    timeScale: num("time-scale"),
    config: args.get("config"),
    sip: args.has("sip"),
    callCentre: args.has("no-call-centre") || process.env.AMI_SIM_CALL_CENTRE === "0" ? false : { seed: num("seed") },
  };
  const traffic = num("traffic");
  if (traffic) opts.traffic = { callsPerMinute: traffic, seed: num("seed") };
  if (args.has("tls-key") && args.has("tls-cert")) {
    opts.tls = { key: readFileSync(args.get("tls-key") as string), cert: readFileSync(args.get("tls-cert") as string), port: num("tls-port") ?? 5039 };
  }
  const pbx = await startPbx(opts);
  console.log(`simulated Asterisk 22.10.1 (AMI 11.0.0) on ${pbx.host}:${pbx.port}${pbx.tlsPort ? `, TLS on ${pbx.tlsPort}` : ""}`);
  console.log("users: admin/amp111 (all), limited/limited1 (call), filtered/filt1 (all, eventfilters)");
  if (opts.callCentre) console.log("call centre: queues sales (4 agents) and support (6 agents), callers arriving with a peak every minute (--no-call-centre: off)");
  if (opts.sip) console.log("SIP lab: PJSIP/6001 Alice, PJSIP/6002 Bob, PJSIP/6003 Carol, PJSIP/provider; 700 => Queue(sipq)");
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
