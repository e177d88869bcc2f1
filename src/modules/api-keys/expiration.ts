const UNIT_MS: Record<string, number> = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  y: 365 * 86_400_000,
};

/** `"30d"`, `"12h"`, `"90m"`, `"2w"`, `"1y"` → milliseconds; null when it is not such a duration. */
export function parseDuration(text: string): number | null {
  const match = /^(\d{1,6})([mhdwy])$/.exec(text.trim());
  if (!match) return null;
  const ms = Number(match[1]) * UNIT_MS[match[2]];
  return ms > 0 ? ms : null;
}
