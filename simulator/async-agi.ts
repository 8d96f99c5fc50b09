/**
 * Async AGI (capture `async-agi`): AGI(agi:async) announces the channel, Action: AGI queues
 * commands, each runs with AGIExecStart/AGIExecEnd and answers in AsyncAGIExec.
 */
import { Channel, Pairs, UNKNOWN } from "./channel";
import { ANSWER_DELAY_MS, AppResult } from "./dialplan-apps";
import type { CallEngine } from "./calls";

/** Async AGI picks queued commands up about every 100 ms (capture `async-agi`). */
const AGI_POLL_MS = 100;
/**
 * The sounds this lab PBX has (Asterisk's core sounds, in part): STREAM FILE of any other name is
 * answered as Asterisk 22 answers a file it cannot open, `200 result=-1 endpos=0`.
 */
const LAB_SOUNDS = new Set(["hello-world", "beep", "demo-congrats", "goodbye", "vm-goodbye", "tt-monkeys", "queue-thankyou", "agent-pass"]);

export class AsyncAgi {
  constructor(private readonly e: CallEngine) {}

  /** AGI(agi:async): AsyncAGIStart, then commands from Action: AGI until HANGUP or a hangup. */
  async asyncAgi(ch: Channel): Promise<AppResult> {
    ch.agiQueue = [];
    this.e.ev.emit("AsyncAGIStart", "agi", ch, [["Env", encodeURIComponent(this.agiEnv(ch))]]);
    for (;;) {
      const next = ch.agiQueue.shift();
      if (!next) {
        if ((await ch.sleep(Infinity)) === "hangup") break;
        continue;
      }
      if ((await ch.sleep(this.e.host.scale(AGI_POLL_MS))) === "hangup") break;
      const done = await this.agiCommand(ch, next.command, next.commandId);
      if (done) {
        ch.agiQueue = undefined;
        this.e.ev.emit("AsyncAGIEnd", "agi", ch);
        this.e.ev.varSet(ch, "AGISTATUS", "HANGUP");
        ch.hangupCause = 0;
        return "hangup";
      }
    }
    ch.agiQueue = undefined;
    this.e.ev.emit("AsyncAGIEnd", "agi", ch);
    return "hangup";
  }

  /** Queues an AGI command; an error text when the channel cannot take it. */
  queueAgi(nameOrId: string, command: string, commandId: string | undefined): string | undefined {
    const ch = this.e.find(nameOrId);
    if (!ch) return `Channel ${nameOrId} does not exist.`;
    if (!ch.agiQueue) return `Channel ${nameOrId} is not in Async AGI.`;
    ch.agiQueue.push({ command, commandId });
    ch.signal();
    return undefined;
  }

  /** The AGI environment AsyncAGIStart carries (capture `async-agi`), URL-encoded by the caller. */
  private agiEnv(ch: Channel): string {
    const cid = (v: string): string => (v === UNKNOWN ? "unknown" : v);
    const env: Array<[string, string]> = [
      ["agi_request", "async"], ["agi_channel", ch.name], ["agi_language", ch.language], ["agi_type", ch.type],
      ["agi_uniqueid", ch.uniqueid], ["agi_version", "22.10.1"], ["agi_callerid", cid(ch.caller.num)],
      ["agi_calleridname", cid(ch.caller.name)], ["agi_callingpres", "67"], ["agi_callingani2", "0"],
      ["agi_callington", "0"], ["agi_callingtns", "0"], ["agi_dnid", "unknown"], ["agi_rdnis", "unknown"],
      ["agi_context", ch.context], ["agi_extension", ch.exten], ["agi_priority", String(ch.priority)],
      ["agi_enhanced", "0.0"], ["agi_accountcode", ch.accountCode], ["agi_threadid", "140292598605504"],
    ];
    return env.map(([k, v]) => `${k}: ${v}\n`).join("") + "\n";
  }

  /**
   * Runs one AGI command with AGIExecStart/AGIExecEnd around it and the AsyncAGIExec result
   * (capture `async-agi`). Returns true when the command ended the AGI (HANGUP).
   */
  private async agiCommand(ch: Channel, command: string, commandId: string | undefined): Promise<boolean> {
    const execId = String(Math.floor(Math.random() * 2 ** 31));
    this.e.ev.emit("AGIExecStart", "agi", ch, [["CommandId", execId], ["Command", command]]);
    const words = command.trim().split(/\s+/);
    const verb = words.slice(0, 2).join(" ").toUpperCase();
    const { result, code, hangup } = await this.runCommand(ch, words, verb);
    this.e.ev.emit("AGIExecEnd", "agi", ch, [
      ["CommandId", execId], ["Command", command], ["ResultCode", String(code)],
      ["Result", code === 200 ? "Success" : "Invalid or unknown command"],
    ]);
    const exec: Pairs = [["Result", encodeURIComponent(result + "\n")]];
    if (commandId !== undefined) exec.push(["CommandId", commandId]);
    this.e.ev.emit("AsyncAGIExec", "agi", ch, exec);
    return hangup;
  }

  /** The command itself: its result line, 200 or 510, and whether it ended the AGI. */
  private async runCommand(ch: Channel, words: string[], verb: string): Promise<{ result: string; code: number; hangup: boolean }> {
    const pause = (ms: number): Promise<unknown> => ch.sleep(this.e.host.scale(ms));
    let result = "200 result=0";
    let code = 200;
    let hangup = false;
    switch (words[0].toUpperCase()) {
      case "ANSWER":
        this.e.answer(ch);
        await pause(ANSWER_DELAY_MS);
        break;
      case "HANGUP":
        this.e.ev.emit("SoftHangupRequest", "call", ch, [["Cause", "32"]]);
        result = "200 result=1";
        hangup = true;
        break;
      case "NOOP":
        break;
      case "EXEC": {
        const app = words[1] ?? "";
        const appData = words.slice(2).join(" ").replace(/^"|"$/g, "");
        await this.e.apps.execApp(ch, app, appData);
        break;
      }
      case "STREAM":
        if (!LAB_SOUNDS.has((words[2] ?? "").replace(/^"|"$/g, ""))) {
          result = "200 result=-1 endpos=0";
          break;
        }
        await pause(1000);
        result = "200 result=0 endpos=8000";
        break;
      case "WAIT":
        await pause(Math.max(0, parseInt(words[3] ?? "0", 10)));
        break;
      case "GET":
        if (verb === "GET VARIABLE") {
          const value = this.e.vars.readVariable(ch, words.slice(2).join(" "));
          result = value === undefined ? "200 result=0" : `200 result=1 (${value})`;
        } else if (verb === "GET DATA") {
          await pause(Math.max(0, parseInt(words[3] ?? "2000", 10)));
          result = "200 result= (timeout)";
        } else code = 510;
        break;
      case "SET":
        if (verb === "SET VARIABLE") {
          this.e.ev.varSet(ch, words[2] ?? "", words.slice(3).join(" ").replace(/^"|"$/g, ""));
          result = "200 result=1";
        } else code = 510;
        break;
      default:
        code = 510;
    }
    if (code === 510) result = "510 Invalid or unknown command";
    return { result, code, hangup };
  }

}
