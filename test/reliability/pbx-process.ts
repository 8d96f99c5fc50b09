import { startPbx } from "../../simulator";

/**
 * The simulated PBX in its own process (a real Asterisk never shares Node-RED's event loop): it
 * keeps its 100 ms write timeout whatever Node-RED does. Commands over IPC: flood, emit, close.
 */
type Command = { cmd: "flood"; events: number; writeTimeoutMs?: number } | { cmd: "emit"; fields: Record<string, string> } | { cmd: "status" } | { cmd: "close" };

async function main(): Promise<void> {
  const pbx = await startPbx({ port: 0, timeScale: 0.05 });
  process.send?.({ port: pbx.port });
  process.on("message", (m: Command) => {
    void (async () => {
      if (m.cmd === "flood") {
        const before = pbx.loggedIn;
        const t0 = Date.now();
        await pbx.flood({ events: m.events, writeTimeoutMs: m.writeTimeoutMs });
        process.send?.({ flooded: m.events, ms: Date.now() - t0, loggedInBefore: before, loggedInAfter: pbx.loggedIn });
      } else if (m.cmd === "emit") {
        pbx.emitEvent(m.fields);
        process.send?.({ emitted: true });
      } else if (m.cmd === "status") {
        process.send?.({ sessions: pbx.sessions, loggedIn: pbx.loggedIn, logins: pbx.actions.filter((a) => a.action.get("Action") === "Login").length });
      } else if (m.cmd === "close") {
        await pbx.close();
        process.exit(0);
      }
    })();
  });
  process.on("disconnect", () => process.exit(0));
}

void main();
