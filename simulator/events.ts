import { Channel, channelHeaders, Pairs } from "./channel";

/** A broadcast event: its name, the class that decides who reads it, and its wire text. */
export class PbxEvent {
  readonly text: string;
  constructor(
    readonly name: string,
    readonly cls: string,
    readonly fields: readonly string[],
  ) {
    let s = "";
    for (let i = 0; i < fields.length; i += 2) s += `${fields[i]}: ${fields[i + 1]}\r\n`;
    this.text = s + "\r\n";
  }

  /** `Event: X`, `Privilege: <class>,all`, then the body (the order of every captured event). */
  static of(name: string, cls: string, body: Pairs): PbxEvent {
    const fields = ["Event", name, "Privilege", `${cls},all`];
    for (const [k, v] of body) fields.push(k, v);
    return new PbxEvent(name, cls, fields);
  }
}

/** Which class an event belongs to when emitEvent() is given no Privilege header. */
const DEFAULT_CLASS: Array<[RegExp, string]> = [
  [/^(Newexten|VarSet|HangupHandler\w*)$/, "dialplan"],
  [/^(UserEvent)$/, "user"],
  [/^(FullyBooted|Shutdown|Reload|ModuleLoadReport)$/, "system"],
  [/^(Queue\w*|Agent\w*)$/, "agent"],
  [/^(AsyncAGI\w*|AGIExec\w*)$/, "agi"],
  [/^(SuccessfulAuth|FailedACL|InvalidPassword|ChallengeResponseFailed|InvalidAccountID)$/, "security"],
  [/^Cdr$/, "cdr"],
];

export function classOf(name: string, privilege: string | undefined): string {
  if (privilege) return privilege.split(",")[0].trim().toLowerCase();
  for (const [re, cls] of DEFAULT_CLASS) if (re.test(name)) return cls;
  return "call";
}

/** An event about one channel: `Event`, `Privilege`, the channel snapshot, then extra headers. */
export function channelEvent(name: string, cls: string, ch: Channel, extra: Pairs = []): PbxEvent {
  return PbxEvent.of(name, cls, [...channelHeaders(ch), ...extra]);
}
