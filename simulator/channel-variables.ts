/**
 * Channel variables as the dialplan reads them: a channel's built-ins, its variables, the
 * functions the captures use, globals; `${...}` and `$[...]` substitution.
 */
import { Channel, UNKNOWN } from "./channel";
import { evaluateExpression } from "./expressions";
import type { CallHost } from "./calls";

export class ChannelVariables {
  constructor(private readonly host: CallHost) {}

  /** A channel variable or one of the functions the captures read. */
  readVariable(ch: Channel | undefined, name: string): string | undefined {
    const fn = /^([A-Z_]+)\((.*)\)$/i.exec(name);
    if (fn) {
      const [, f, arg] = fn;
      switch (f.toUpperCase()) {
        case "CHANNEL":
          if (!ch) return undefined;
          if (arg === "name") return ch.name;
          if (arg === "state") return ch.state === 6 ? "Up" : ch.state === 5 ? "Ringing" : ch.state === 4 ? "Ring" : "Down";
          if (arg === "uniqueid") return ch.uniqueid;
          if (arg === "linkedid") return ch.linkedid;
          if (arg === "language") return ch.language;
          return "";
        case "CALLERID": {
          if (!ch) return undefined;
          const v = arg.startsWith("name") ? ch.caller.name : ch.caller.num;
          return v === UNKNOWN ? "" : v;
        }
        case "RAND": {
          const [lo, hi] = arg.split(",").map((x) => parseInt(x, 10));
          const min = Number.isFinite(lo) ? lo : 0;
          const max = Number.isFinite(hi) ? hi : 2147483647;
          return String(min + Math.floor(Math.random() * (max - min + 1)));
        }
        case "DEVICE_STATE":
          return this.host.devices.state(arg);
        case "EXTENSION_STATE": {
          const [exten, context = "default"] = arg.split("@");
          const hint = this.host.dialplan[context]?.find((e) => e.exten === exten && e.hint)?.hint;
          return hint ? this.host.devices.extensionState(hint)[2] : "UNKNOWN";
        }
        case "GLOBAL":
          return this.host.globals.get(arg);
        default:
          return "";
      }
    }
    if (ch) {
      // pbx_retrieve_variable: the channel's built-ins come before its variables.
      const builtin: Record<string, () => string> = {
        EXTEN: () => ch.exten, CONTEXT: () => ch.context, PRIORITY: () => String(ch.priority),
        UNIQUEID: () => ch.uniqueid, CHANNEL: () => ch.name,
      };
      return builtin[name]?.() ?? ch.vars.get(name);
    }
    return this.host.globals.get(name);
  }

  /** `${VAR}`, `${FUNC(args)}` and then `$[expression]`, as pbx_substitute_variables does. */
  substitute(ch: Channel, data: string, locals?: Map<string, string>): string {
    const vars = data.replace(/\$\{([^}]+)\}/g, (_, name: string) => locals?.get(name) ?? this.readVariable(ch, name) ?? this.host.globals.get(name) ?? "");
    return vars.replace(/\$\[([^[\]]*)\]/g, (_, expr: string) => evaluateExpression(expr));
  }
}
