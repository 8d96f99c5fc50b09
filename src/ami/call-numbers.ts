/**
 * Numbers as AMI writes them in channel and dial events: the number in a dial string, an
 * extension that is a number, and Asterisk's spellings of "no caller ID".
 */

/** The number in a dial string: "PJSIP/6001", "Local/100@test", "700@test", "SIP/trunk/0049301234". */
export function dialledNumber(dialString: string | undefined): string | undefined {
  if (!dialString) return undefined;
  let s = dialString.split("&")[0];
  const slash = s.lastIndexOf("/");
  if (slash >= 0) s = s.slice(slash + 1);
  s = s.split("@")[0].split(",")[0];
  return s || undefined;
}

/** A dialplan extension that is a number ("700", "+4930...", "*76"), not "s" or a pattern. */
export function numberOrUndefined(exten: string | undefined): string | undefined {
  return exten !== undefined && /^\+?[0-9*#]+$/.test(exten) ? exten : undefined;
}

/** Asterisk writes "<unknown>" (and sometimes "") for unknown caller IDs. */
export function known(v: string | undefined): string | undefined {
  return v === undefined || v === "" || v === "<unknown>" ? undefined : v;
}
