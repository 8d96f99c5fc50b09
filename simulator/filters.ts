/**
 * Event filters: per-user `eventfilter=` lines in manager.conf and the per-session `Filter` action.
 *
 * Legacy filters are regular expressions matched against the whole event text (`Event: Hangup`
 * also matches `Event: HangupRequest`, which is why the `filtered` user of capture `filtered-user`
 * receives HangupRequest and HangupHandlerRun); a leading `!` excludes. Asterisk 20+ also takes
 * `MatchCriteria: action(include|exclude),name(X),header(H),method(regex|exact|starts_with|ends_with|contains)`.
 * An event passes when no include filter exists or one matches, and no exclude filter matches.
 */
export interface EventFilter {
  include: boolean;
  test(name: string, text: string, fields: readonly string[]): boolean;
}

/** Parses a legacy regex filter; undefined when it does not compile (capture `filter-action`). */
export function legacyFilter(spec: string): EventFilter | undefined {
  let include = true;
  let source = spec;
  if (source.startsWith("!")) {
    include = false;
    source = source.slice(1);
  }
  let re: RegExp;
  try {
    re = new RegExp(source);
  } catch {
    return undefined;
  }
  return { include, test: (_name, text) => re.test(text) };
}

/** Parses `action(include),name(Hangup),header(Channel),method(starts_with)` plus an optional value. */
export function advancedFilter(criteria: string, value: string | undefined): EventFilter | undefined {
  const parts = new Map<string, string>();
  for (const m of criteria.matchAll(/(\w+)\(([^)]*)\)/g)) parts.set(m[1].toLowerCase(), m[2]);
  const action = (parts.get("action") ?? "include").toLowerCase();
  if (action !== "include" && action !== "exclude") return undefined;
  const name = parts.get("name");
  const header = parts.get("header");
  const method = (parts.get("method") ?? (value === undefined ? "none" : "regex")).toLowerCase();
  let matchValue: (v: string) => boolean;
  switch (method) {
    case "none": matchValue = () => true; break;
    case "exact": matchValue = (v) => v === value; break;
    case "starts_with": matchValue = (v) => v.startsWith(value ?? ""); break;
    case "ends_with": matchValue = (v) => v.endsWith(value ?? ""); break;
    case "contains": matchValue = (v) => v.includes(value ?? ""); break;
    case "regex": {
      let re: RegExp;
      try {
        re = new RegExp(value ?? "");
      } catch {
        return undefined;
      }
      matchValue = (v) => re.test(v);
      break;
    }
    default: return undefined;
  }
  return {
    include: action === "include",
    test(eventName, text, fields) {
      if (name !== undefined && name.toLowerCase() !== eventName.toLowerCase()) return false;
      if (value === undefined && method === "none") return true;
      if (header === undefined) return matchValue(text);
      const h = header.toLowerCase().replace(/:$/, "");
      for (let i = 0; i < fields.length; i += 2) if (fields[i].toLowerCase() === h && matchValue(fields[i + 1])) return true;
      return false;
    },
  };
}

export function passesFilters(filters: readonly EventFilter[], name: string, text: string, fields: readonly string[]): boolean {
  if (filters.length === 0) return true;
  let hasInclude = false;
  let included = false;
  for (const f of filters) {
    if (f.include) {
      hasInclude = true;
      if (!included && f.test(name, text, fields)) included = true;
    } else if (f.test(name, text, fields)) return false;
  }
  return !hasInclude || included;
}
