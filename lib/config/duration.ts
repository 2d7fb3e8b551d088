/**
 * Durations in the config file: a number of seconds, or a string such as "90s", "5m", "36h", "1.5d", "2w".
 * Parsed to seconds so the rest of the code has one unit.
 */
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

export function parseDurationSeconds(input: string | number): number | null {
  if (typeof input === "number") return Number.isFinite(input) && input >= 0 ? input : null;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$/.exec(input);
  if (!match) return null;
  const value = Number(match[1]);
  const unit = match[2] || "s";
  return value * (UNIT_SECONDS[unit] ?? 1);
}
