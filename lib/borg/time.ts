/**
 * borg 1.x prints naive local timestamps ("2024-01-02T03:04:05.000000", no zone). We run borg with
 * TZ=UTC, so "local" is UTC and the text can be read as UTC without guessing the server's zone.
 * Newer borg versions add an offset ("+00:00"); that is honoured when present.
 */
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;

/** Epoch milliseconds (UTC) for a borg timestamp, or null when the text is not one. */
export function parseBorgTimestamp(text: string): number | null {
  const m = TIMESTAMP.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  // Microseconds are truncated to milliseconds (JS time resolution), never rounded up into the next second.
  const ms = frac ? Math.floor(Number(frac.padEnd(9, "0")) / 1_000_000) : 0;
  let epoch = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC maps years 0-99 to 1900-1999; borg never prints those, but be exact anyway.
  if (year < 100) epoch = new Date(epoch).setUTCFullYear(year);
  // Reject dates that Date.UTC silently rolled over (Feb 30th).
  if (new Date(epoch).getUTCDate() !== day) return null;
  if (zone && zone !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    const offsetMin = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4));
    epoch -= sign * offsetMin * 60_000;
  }
  return epoch;
}

/** The form `borg create --timestamp` reads as UTC (its parser tries "%Y-%m-%dT%H:%M:%SZ" first). */
export function formatBorgTimestampArg(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new RangeError("invalid Date for a borg timestamp");
  return `${date.toISOString().slice(0, 19)}Z`;
}
