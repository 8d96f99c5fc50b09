/**
 * The simulated dialplan: contexts of extensions, each a list of applications. The default mirrors
 * the capture lab's extensions.conf (`dialplan show test` in capture `command-multiline`, plus the
 * extensions added later for captures `dial-outcomes` and `presence`).
 */
export interface Step {
  app: string;
  data?: string;
  /** Line in extensions.conf, printed by `dialplan show`. */
  line?: number;
}

export interface Extension {
  exten: string;
  steps?: Step[];
  /** A hint (`exten => 6001,hint,Custom:6001`). */
  hint?: string;
  hintLine?: number;
}

export type Dialplan = Record<string, Extension[]>;

/**
 * Contexts added to the lab's extensions.conf after the captures (from line 55 on), so that the
 * calls people automate run in the default lab: phones, a ring group, a queue, unanswered, busy
 * and abandoned calls from the PSTN, internal and outbound calls. The captures never touch them.
 */
function laterContexts(): Dialplan {
  let line = 55;
  const ext = (exten: string, ...steps: Array<[string, string?]>): Extension => ({
    exten,
    steps: steps.map(([app, data]) => ({ app, data, line: line++ })),
  });
  /** Only Local channels exist: a phone is a Local extension whose Custom:<n> device follows it. */
  const phone = (n: string, ring: string): Extension => {
    const dev = `Custom:${n}`;
    return ext(n,
      // Not a phone with call waiting: busy while it rings or talks (PJSIP device_state_busy_at=1).
      ["ExecIf", `$[\${DEVICE_STATE(${dev})} = INUSE | \${DEVICE_STATE(${dev})} = RINGING]?Busy(2)`],
      // The handler first: however the call ends from here on, the phone goes back to idle.
      ["Set", `CHANNEL(hangup_handler_push)=phone-idle,s,1(${dev})`],
      ["Set", `DEVICE_STATE(${dev})=RINGING`],
      ["Ringing"], ["Wait", `\${RAND(${ring})}`],
      ["Set", `DEVICE_STATE(${dev})=INUSE`],
      ["Answer"], ["Wait", "${RAND(20,90)}"], ["Hangup"],
    );
  };
  /** A call from a phone: its device is in use until the call ends. */
  const fromPhone = (pattern: string, dial: string): Extension =>
    ext(pattern,
      ["Set", "CHANNEL(hangup_handler_push)=phone-idle,s,1(Custom:${CALLERID(num)})"],
      ["Set", "DEVICE_STATE(Custom:${CALLERID(num)})=INUSE"],
      ["Dial", dial], ["Hangup"]);
  return {
    phones: [
      phone("6001", "2,4"), // answers first in the ring group
      phone("6002", "8,12"),
      phone("6003", "3,6"),
      ext("6004", ["Ringing"], ["Wait", "300"]), // nobody picks up
      ext("6005", ["Busy", "2"]), // do not disturb: always busy
    ],
    "phone-idle": [ext("s", ["Set", "DEVICE_STATE(${ARG1})=NOT_INUSE"], ["Return"])],
    "from-pstn": [
      ext("4930123400", ["Dial", "Local/6001@phones&Local/6002@phones,20"], ["Hangup"]), // ring group
      ext("4930123401", ["Queue", "supportq,r,,,60"], ["Hangup"]), // support queue (Agent One answers)
      ext("4930123402", ["Dial", "Local/6004@phones,15"], ["Hangup"]), // rings out unanswered
      ext("4930123403", ["Dial", "Local/6004@phones,120"], ["Hangup"]), // rings until the caller gives up
      ext("4930123404", ["Dial", "Local/6005@phones,20"], ["Hangup"]), // busy
    ],
    "from-internal": [
      fromPhone("_600X", "Local/${EXTEN}@phones,20"),
      fromPhone("_0X.", "Local/${EXTEN}@trunk,60"),
    ],
    trunk: [ext("_X.", ["Ringing"], ["Wait", "${RAND(3,10)}"], ["Answer"], ["Wait", "${RAND(20,120)}"], ["Hangup"])],
  };
}

export const DEFAULT_DIALPLAN: Dialplan = {
  test: [
    { exten: "100", steps: [
      { app: "Answer", line: 9 }, { app: "Wait", data: "1", line: 10 },
      { app: "UserEvent", data: "TestEvent,Foo: bar,Num: 42", line: 11 }, { app: "Wait", data: "1", line: 12 },
      { app: "Hangup", line: 13 },
    ] },
    { exten: "200", steps: [{ app: "AGI", data: "agi:async", line: 16 }, { app: "Hangup", line: 17 }] },
    { exten: "300", steps: [
      { app: "Answer", line: 20 }, { app: "Set", data: "CHANNEL(hangup_handler_push)=hdlr,s,1(from300)", line: 21 },
      { app: "Wait", data: "30", line: 22 }, { app: "Hangup", line: 23 },
    ] },
    { exten: "400", steps: [{ app: "Answer", line: 26 }, { app: "Queue", data: "testq,,,,10", line: 27 }, { app: "Hangup", line: 28 }] },
    { exten: "500", steps: [{ app: "Dial", data: "Local/100@test,10", line: 31 }, { app: "Hangup", line: 32 }] },
    { exten: "610", steps: [{ app: "Dial", data: "Local/700@test,3", line: 36 }, { app: "Hangup", line: 37 }] },
    { exten: "620", steps: [{ app: "Dial", data: "Local/800@test,5", line: 39 }, { app: "Hangup", line: 40 }] },
    { exten: "700", steps: [{ app: "Ringing", line: 42 }, { app: "Wait", data: "20", line: 43 }] },
    { exten: "800", steps: [{ app: "Busy", data: "5", line: 45 }] },
    { exten: "6001", hint: "Custom:6001", hintLine: 47 },
    { exten: "6002", hint: "Custom:6002", hintLine: 48 },
    { exten: "_X.", steps: [{ app: "Hangup", line: 34 }] },
  ],
  hdlr: [
    { exten: "s", steps: [{ app: "UserEvent", data: "HangupHandlerRan,Arg: ${ARG1}", line: 51 }, { app: "Return", line: 52 }] },
  ],
  ...laterContexts(),
};

/** Asterisk extension pattern match (`_X.`, `_NXX`, literal). */
export function matchesExten(pattern: string, exten: string): boolean {
  if (!pattern.startsWith("_")) return pattern === exten;
  let re = "^";
  for (const c of pattern.slice(1)) {
    if (c === "X") re += "[0-9]";
    else if (c === "Z") re += "[1-9]";
    else if (c === "N") re += "[2-9]";
    else if (c === ".") re += ".+";
    else if (c === "!") re += ".*";
    else re += c.replace(/[\\^$*+?()[\]{}|]/g, "\\$&");
  }
  return new RegExp(re + "$").test(exten);
}

/** The extension a call to exten@context runs: a literal match beats a pattern. */
export function findExtension(plan: Dialplan, context: string, exten: string): Extension | undefined {
  const list = plan[context];
  if (!list) return undefined;
  return list.find((e) => e.exten === exten && e.steps) ?? list.find((e) => e.steps && matchesExten(e.exten, exten));
}

export function findHint(plan: Dialplan, context: string, exten: string): string | undefined {
  return plan[context]?.find((e) => e.exten === exten && e.hint)?.hint;
}

/** Every hint as [exten, context, device]. */
export function allHints(plan: Dialplan): Array<[string, string, string]> {
  const out: Array<[string, string, string]> = [];
  for (const [context, list] of Object.entries(plan)) for (const e of list) if (e.hint) out.push([e.exten, context, e.hint]);
  return out;
}

/** `dialplan show <context>` as Asterisk 22 prints it (capture `command-multiline`). */
export function renderDialplan(plan: Dialplan, context: string): string[] | undefined {
  const list = plan[context];
  if (!list) return undefined;
  const out = [`[ Context '${context}' created by 'pbx_config' ]`];
  let priorities = 0;
  for (const e of list) {
    const label = `'${e.exten}' =>`;
    let first = true;
    const lead = (): string => {
      const s = `  ${(first ? label : "").padEnd(17)} `;
      first = false;
      return s;
    };
    if (e.hint) {
      out.push(`${lead()}${`hint: ${e.hint}`.padEnd(45)} [extensions.conf:${e.hintLine ?? 0}]`);
    }
    (e.steps ?? []).forEach((s, i) => {
      priorities++;
      out.push(`${lead()}${`${i + 1}. ${s.app}(${s.data ?? ""})`.padEnd(45)} [extensions.conf:${s.line ?? 0}]`);
    });
  }
  out.push("");
  out.push(`-= ${list.length} extension${list.length === 1 ? "" : "s"} (${priorities} priorit${priorities === 1 ? "y" : "ies"}) in 1 context. =-`);
  return out;
}
