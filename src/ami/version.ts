/**
 * AMI version (from the banner) to Asterisk major version. AMI 2.8.x was shipped by both Asterisk
 * 13 and 14, so it maps to nothing: parse by what arrives, never by this number.
 */
const AMI_MAJOR_TO_ASTERISK: Record<string, number> = {
  "1.1": 1.8,
  "1.3": 11,
  "1.4": 11,
  "2.0": 12,
  "3": 15,
  "4": 15,
  "5": 16,
  "6": 17,
  "7": 18,
  "8": 19,
  "9": 20,
  "10": 21,
  "11": 22,
  "12": 23,
};

export function amiVersionToAsterisk(version: string | undefined): number | undefined {
  if (!version) return undefined;
  const m = /^(\d+)\.(\d+)/.exec(version);
  if (!m) return undefined;
  const major = Number(m[1]);
  if (major >= 3) return AMI_MAJOR_TO_ASTERISK[String(major)];
  return AMI_MAJOR_TO_ASTERISK[`${m[1]}.${m[2]}`];
}
