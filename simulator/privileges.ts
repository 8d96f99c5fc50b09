import { MANAGER_ACTIONS } from "./manager-actions";

/**
 * Manager read/write classes (manager.conf `read=` / `write=`). `all` stands for every class.
 * An action needs one of the classes Asterisk lists for it (capture `listcommands`); an event is
 * delivered when the session may read its class and has that class switched on with `Events`.
 */
export const CLASSES = [
  "system", "call", "log", "verbose", "command", "agent", "user", "config", "dtmf", "reporting",
  "cdr", "dialplan", "originate", "agi", "cc", "aoc", "test", "security", "message",
] as const;

export type ClassSet = ReadonlySet<string>;

/** Parses `call,agent` / `all` / `off` into a set of class names (`all` expands to every class). */
export function parseClasses(list: readonly string[] | string): Set<string> {
  const items = typeof list === "string" ? list.split(",") : list;
  const out = new Set<string>();
  for (const raw of items) {
    const c = raw.trim().toLowerCase();
    if (c === "all" || c === "on") CLASSES.forEach((k) => out.add(k));
    else if (c) out.add(c);
  }
  return out;
}

const ACTION_INDEX = new Map<string, { name: string; synopsis: string; privilege: string }>();
for (const [name, synopsis, privilege] of MANAGER_ACTIONS) ACTION_INDEX.set(name.toLowerCase(), { name, synopsis, privilege });

/** The registered action of that name (case-insensitive, as manager.c looks actions up). */
export function findAction(name: string): { name: string; synopsis: string; privilege: string } | undefined {
  return ACTION_INDEX.get(name.toLowerCase());
}

/** True when a user with these write classes may run the action (`<none>` = anyone logged in). */
export function mayRun(privilege: string, write: ClassSet): boolean {
  if (privilege === "<none>") return true;
  return privilege.split(",").some((c) => c !== "all" && write.has(c));
}
