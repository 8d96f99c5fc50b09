import { ChildProcess, fork } from "node:child_process";

/**
 * The pieces the Node-RED benchmarks share: a child process of the same script spoken to over IPC,
 * and the simulated PBX run in one (a real Asterisk never shares Node-RED's event loop).
 */

export interface Child {
  proc: ChildProcess;
  /** The next message the child sends (in order; waits for one). */
  next(): Promise<any>;
}

/** Forks `script` with `args` (its mode) and keeps what it sends in order. */
export function child(script: string, args: string[], execArgv: string[] = []): Child {
  const proc = fork(script, args, { stdio: ["ignore", "inherit", "inherit", "ipc"], execArgv });
  const inbox: any[] = [];
  const waiters: Array<(m: any) => void> = [];
  proc.on("message", (m) => (waiters.length > 0 ? waiters.shift()!(m) : inbox.push(m)));
  return { proc, next: () => new Promise((r) => (inbox.length > 0 ? r(inbox.shift()) : waiters.push(r))) };
}

/**
 * In a child: the simulated PBX on a free port (sent first as { port }). Commands: flood (events,
 * perSecond: answered when written, with the sessions logged in before and after and the seconds
 * it took) and close.
 */
export async function runPbx(): Promise<void> {
  const { startPbx } = await import("../simulator");
  const pbx = await startPbx({ port: 0 });
  process.send?.({ port: pbx.port });
  process.on("message", async (m: { cmd: string; events?: number; perSecond?: number }) => {
    if (m.cmd === "flood") {
      const t0 = performance.now();
      const loggedInBefore = pbx.loggedIn;
      await pbx.flood({ events: m.events ?? 0, perSecond: m.perSecond });
      process.send?.({ flooded: m.events, seconds: (performance.now() - t0) / 1000, loggedInBefore, loggedInAfter: pbx.loggedIn });
    } else if (m.cmd === "close") {
      await pbx.close();
      process.exit(0);
    }
  });
  process.on("disconnect", () => process.exit(0));
}
