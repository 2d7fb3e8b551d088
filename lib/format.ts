/**
 * Formatting for the UI. Pure and locale-independent, so the server render and the browser agree
 * (no hydration mismatch). Unknown values (null, undefined, NaN) render as "—", never as 0.
 */

export const UNKNOWN = "—";

type Maybe = number | null | undefined;

function known(value: Maybe): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

const BYTE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"] as const;

/** Three significant digits: 1.23, 12.3, 123. */
function threeDigits(value: number): string {
  if (value >= 100) return String(Math.round(value));
  if (value >= 10) return (Math.round(value * 10) / 10).toFixed(1);
  return (Math.round(value * 100) / 100).toFixed(2);
}

/** Bytes with binary units: "512 B", "1.50 KiB", "12.3 GiB", "1.02 TiB"; "—" when unknown. */
export function formatBytes(bytes: Maybe): string {
  if (!known(bytes)) return UNKNOWN;
  const sign = bytes < 0 ? "-" : "";
  let value = Math.abs(bytes);
  if (value < 1024) return `${sign}${Math.round(value)} B`;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  // 1023.9 KiB would round to "1024 KiB": show it as the next unit instead.
  if (Math.round(value) >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${sign}${threeDigits(value)} ${BYTE_UNITS[unit]}`;
}

/** Integers with thousands separators: "1,234,567"; "—" when unknown. */
export function formatCount(value: Maybe): string {
  if (!known(value)) return UNKNOWN;
  const rounded = Math.round(value);
  const digits = String(Math.abs(rounded)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return rounded < 0 ? `-${digits}` : digits;
}

/** A ratio (0..1) as a percentage: 0.734 → "73.4%"; "—" when unknown. */
export function formatPercent(ratio: Maybe, fractionDigits = 1): string {
  if (!known(ratio)) return UNKNOWN;
  return `${(ratio * 100).toFixed(fractionDigits)}%`;
}

function floorTo(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.floor(value * factor + 1e-9) / factor;
}

/**
 * A length of time, coarse: "45 s", "12 min", "3.5 h", "30 h", "2.9 days", "17 days".
 * Rounds down, like a clock: 35.9 h reads "35 h", not "36 h" (the stale threshold is 36 h).
 */
export function formatDuration(seconds: Maybe): string {
  if (!known(seconds)) return UNKNOWN;
  const s = Math.max(0, seconds);
  if (s < 60) return `${Math.floor(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  const hours = s / 3600;
  if (hours < 10) return `${floorTo(hours, 1)} h`;
  if (hours < 48) return `${Math.floor(hours)} h`;
  const days = s / 86400;
  if (days < 10) return `${floorTo(days, 1)} days`;
  return `${formatCount(Math.floor(days))} days`;
}

/** Age of something in the past: "just now", "12 min ago", "2.9 days ago"; "—" when unknown. */
export function formatAge(seconds: Maybe): string {
  if (!known(seconds)) return UNKNOWN;
  if (seconds < 0) return `in ${formatDuration(-seconds)}`;
  if (seconds < 10) return "just now";
  return `${formatDuration(seconds)} ago`;
}

/** Age of a timestamp at `nowMs`: "3 h ago". */
export function formatRelative(atMs: Maybe, nowMs: number): string {
  if (!known(atMs)) return UNKNOWN;
  return formatAge((nowMs - atMs) / 1000);
}

/** A precise elapsed time, for backup durations: "38 s", "4 min 12 s", "1 h 05 min". */
export function formatElapsed(seconds: Maybe): string {
  if (!known(seconds)) return UNKNOWN;
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) {
    const rest = s % 60;
    return rest ? `${Math.floor(s / 60)} min ${rest} s` : `${s / 60} min`;
  }
  const minutes = Math.floor((s % 3600) / 60);
  return `${Math.floor(s / 3600)} h ${String(minutes).padStart(2, "0")} min`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Absolute UTC time to the minute: "2026-11-26 06:46 UTC"; "—" when unknown. */
export function formatUtc(atMs: Maybe): string {
  if (!known(atMs)) return UNKNOWN;
  const d = new Date(atMs);
  if (Number.isNaN(d.getTime())) return UNKNOWN;
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())} UTC`;
}

/** Absolute UTC time to the second: "2026-11-26 06:46:09 UTC". */
export function formatUtcSeconds(atMs: Maybe): string {
  if (!known(atMs)) return UNKNOWN;
  const d = new Date(atMs);
  if (Number.isNaN(d.getTime())) return UNKNOWN;
  return `${formatUtc(atMs).slice(0, -4)}:${pad2(d.getUTCSeconds())} UTC`;
}

/** Machine-readable time for <time dateTime>: ISO 8601 in UTC; undefined when unknown. */
export function isoUtc(atMs: Maybe): string | undefined {
  if (!known(atMs)) return undefined;
  const d = new Date(atMs);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** "1 archive", "17 archives". */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${formatCount(count)} ${count === 1 ? singular : pluralForm}`;
}
