/**
 * The extension or endpoint a channel or device belongs to: "PJSIP/6001-0000002a" → "6001",
 * "Local/6001@phones-0000abcd;1" → "6001", "Custom:6001" → "6001", "SIP/trunk/0049301234" → "0049301234".
 */
export function endpointOf(channel: string | undefined): string | undefined {
  if (!channel) return undefined;
  let s = channel.replace(/^Custom:/i, "");
  const slash = s.lastIndexOf("/");
  if (slash >= 0) s = s.slice(slash + 1);
  s = s.replace(/;\d+$/, "").replace(/-[0-9a-f]{8}$/i, "");
  s = s.split("@")[0];
  return s || undefined;
}
