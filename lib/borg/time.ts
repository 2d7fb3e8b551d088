/**
 * borg 1.x prints naive local timestamps ("2024-01-02T03:04:05.000000", no zone). We run borg with
 * TZ=UTC, so "local" is UTC and the text can be read as UTC without guessing the server's zone.
 * Newer borg versions add an offset ("+00:00"); that is honoured when present.
 */
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;

/** Epoch milliseconds (UTC) for a borg timestamp, or null when the text is not one. */
export function parseBorgTimestamp(text: string): number | null {
  return parseCommonTimestamp(text) ?? parseAnyTimestamp(text);
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The value of `length` decimal digits at `at`, or -1. */
function digits(text: string, at: number, length: number): number {
  let value = 0;
  for (let i = at; i < at + length; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

/**
 * Fast path for what borg 1.2 prints for every archive entry, "YYYY-MM-DDTHH:MM:SS.ffffff" (UTC, no
 * zone): read at fixed positions, no regular expression (a listing parses millions of these). Anything
 * else (other lengths, a zone, odd values) goes to the general parser.
 */
function parseCommonTimestamp(text: string): number | null {
  if (text.length !== 26 || text[4] !== "-" || text[7] !== "-" || text[10] !== "T" || text[13] !== ":" || text[16] !== ":" || text[19] !== ".") return null;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  const micros = digits(text, 20, 6);
  if (year < 100 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || micros < 0)
    return null;
  if (day > DAYS_IN_MONTH[month - 1]! || (month === 2 && day === 29 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)))) return null;
  return Date.UTC(year, month - 1, day, hour, minute, second, Math.floor(micros / 1000));
}

function parseAnyTimestamp(text: string): number | null {
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
