/**
 * The AMI action dispatcher: the checks Asterisk makes before running an action (logged in, known,
 * privilege), then the handler of its family (actions-session, -system, -channels, -presence,
 * -queues). A real action without a handler is refused as not simulated.
 */
import { AmiMessage } from "../src/ami/message";
import { findAction, mayRun } from "./privileges";
import type { AmiSession } from "./session";
import type { PbxCore } from "./pbx";
import { error, Handler } from "./action-replies";
import { SESSION_ACTIONS } from "./actions-session";
import { SYSTEM_ACTIONS } from "./actions-system";
import { CHANNEL_ACTIONS } from "./actions-channels";
import { PRESENCE_ACTIONS } from "./actions-presence";
import { QUEUE_ACTIONS } from "./actions-queues";

/** Login, Challenge and Logoff are the only actions a session may send before it is authenticated. */
export async function handleAction(pbx: PbxCore, s: AmiSession, a: AmiMessage): Promise<void> {
  const name = a.get("Action");
  if (name === undefined || name === "") return error(s, a, "Missing action in request");
  const lower = name.toLowerCase();
  if (!s.loggedIn && lower !== "login" && lower !== "challenge" && lower !== "logoff") return error(s, a, "Permission denied");
  const def = findAction(name);
  if (!def) return error(s, a, `Invalid/unknown command: ${name}. Use Action: ListCommands to show available commands.`);
  if (s.loggedIn && !mayRun(def.privilege, s.write)) return error(s, a, "Permission denied");
  const handler = HANDLERS[lower];
  // A real action the simulator does not play: say so plainly rather than pretend it is unknown.
  if (!handler) return error(s, a, `Action ${def.name} is not simulated`);
  await handler(pbx, s, a);
}

const HANDLERS: Record<string, Handler> = { ...SESSION_ACTIONS, ...SYSTEM_ACTIONS, ...CHANNEL_ACTIONS, ...PRESENCE_ACTIONS, ...QUEUE_ACTIONS };
