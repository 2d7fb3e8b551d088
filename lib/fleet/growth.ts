/**
 * Growth of a host's data, from what every repo already carries: its archives. The original size
 * of an archive (`borg info`, cached per archive id, immutable) is how much data the host had when
 * that backup ran, so the archives give an exact growth curve from the first backup on, with no
 * collector history needed. Collector samples add the growth of the repo itself (deduplicated or
 * on-disk size) once there are enough of them.
 *
 * Pure functions: no I/O, no clock (callers pass `now`).
 */
import { formatBytes, UNKNOWN } from "@/lib/format";
import type { ArchiveSummary, RepoSample } from "./types";

export const DAY_MS = 86_400_000;
/** Growth rates are fitted over this many days before `now` by default. */
export const GROWTH_WINDOW_DAYS = 30;

/** One archive with size figures: when it started, and what it held. */
export interface ArchivePoint {
  /** Archive start time, ms since the epoch (UTC). */
  at: number;
  /** Size of the files in the archive (borg's original size). */
  original: number;
  /** The same, compressed (before deduplication). */
  compressed: number;
  files: number;
}

export interface GrowthRate {
  /** Slope of the least-squares line, bytes per day (negative when the data shrinks). */
  bytesPerDay: number;
  /**
   * "window": fitted over the points of the last `windowDays` days; "history": the window held
   * fewer than 2 points, so the line goes through the whole history instead.
   */
  basis: "window" | "history";
  windowDays: number;
  /** Number of points the line goes through, and the time span they cover (ms). */
  points: number;
  from: number;
  to: number;
}

/**
 * The archives that have size figures, as points, oldest first (whatever the input order). Archives
 * without stats (not read by `borg info` yet) or with a broken time are left out.
 */
export function archiveSeries(archives: readonly ArchiveSummary[]): ArchivePoint[] {
  const points: ArchivePoint[] = [];
  let ordered = true;
  for (const archive of archives) {
    const stats = archive.stats;
    if (!stats || !Number.isFinite(archive.start) || !Number.isFinite(stats.originalBytes)) continue;
    if (points.length > 0 && archive.start < points[points.length - 1]!.at) ordered = false;
    points.push({ at: archive.start, original: stats.originalBytes, compressed: stats.compressedBytes, files: stats.files });
  }
  if (!ordered) points.sort((a, b) => a.at - b.at);
  return points;
}

/** Least-squares slope of y over x (x in ms), in units of y per day; null when x does not vary. */
export function leastSquaresPerDay(xs: readonly number[], ys: readonly number[]): number | null {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return null;
  // Centre x on the first point, in days, for numerical stability with epoch milliseconds.
  const x0 = xs[0]!;
  let sumX = 0;
  let sumY = 0;
  for (let i = 0; i < n; i++) {
    sumX += (xs[i]! - x0) / DAY_MS;
    sumY += ys[i]!;
  }
  const meanX = sumX / n;
  const meanY = sumY / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i]! - x0) / DAY_MS - meanX;
    num += dx * (ys[i]! - meanY);
    den += dx * dx;
  }
  if (den === 0 || !Number.isFinite(num / den)) return null;
  return num / den;
}

function fit(points: readonly { at: number; value: number }[], basis: GrowthRate["basis"], windowDays: number): GrowthRate | null {
  const slope = leastSquaresPerDay(
    points.map((p) => p.at),
    points.map((p) => p.value),
  );
  if (slope === null) return null;
  let from = Infinity;
  let to = -Infinity;
  for (const p of points) {
    if (p.at < from) from = p.at;
    if (p.at > to) to = p.at;
  }
  return { bytesPerDay: slope, basis, windowDays, points: points.length, from, to };
}

/**
 * Growth of a series in bytes per day: least squares over the points of the last `windowDays` days
 * before `now`; over the whole series when the window holds fewer than 2 points (or they all share
 * one time). Null when fewer than 2 points are known at all.
 */
export function seriesGrowthRate(series: readonly { at: number; value: number }[], now: number, windowDays = GROWTH_WINDOW_DAYS): GrowthRate | null {
  if (series.length < 2) return null;
  const since = now - windowDays * DAY_MS;
  const recent = series.filter((p) => p.at >= since);
  if (recent.length >= 2) {
    const rate = fit(recent, "window", windowDays);
    if (rate) return rate;
  }
  if (recent.length === series.length) return null;
  return fit(series, "history", windowDays);
}

/**
 * Growth of the host's data (original size of its archives) in bytes per day; see seriesGrowthRate.
 * Takes the repo's archives, or points from archiveSeries when the caller has them already.
 */
export function dataGrowthRate(archives: readonly ArchiveSummary[] | readonly ArchivePoint[], now: number, windowDays = GROWTH_WINDOW_DAYS): GrowthRate | null {
  const points = isPoints(archives) ? archives : archiveSeries(archives);
  if (points.length < 2) return null;
  return seriesGrowthRate(
    points.map((p) => ({ at: p.at, value: p.original })),
    now,
    windowDays,
  );
}

function isPoints(list: readonly ArchiveSummary[] | readonly ArchivePoint[]): list is readonly ArchivePoint[] {
  const first = list[0];
  return first !== undefined && "original" in first;
}

/** Collector samples are taken every cycle; a repo rate needs a few of them over some hours at least. */
const MIN_SAMPLES_FOR_RATE = 3;
const MIN_SAMPLE_SPAN_MS = 12 * 3_600_000;

/**
 * Growth of the repo itself (deduplicated size by default, or on-disk size) from collector samples,
 * in bytes per day over the last `windowDays` days. Null until there are at least
 * MIN_SAMPLES_FOR_RATE known samples spanning MIN_SAMPLE_SPAN_MS: a few minutes of samples say
 * nothing about a daily backup.
 */
export function repoGrowthRate(
  samples: readonly RepoSample[],
  now: number,
  field: "deduplicatedBytes" | "diskUsageBytes" = "deduplicatedBytes",
  windowDays = GROWTH_WINDOW_DAYS,
): GrowthRate | null {
  const since = now - windowDays * DAY_MS;
  const known: { at: number; value: number }[] = [];
  for (const s of samples) {
    const value = s[field];
    if (value !== null && Number.isFinite(value) && s.at >= since) known.push({ at: s.at, value });
  }
  if (known.length < MIN_SAMPLES_FOR_RATE) return null;
  known.sort((a, b) => a.at - b.at);
  if (known[known.length - 1]!.at - known[0]!.at < MIN_SAMPLE_SPAN_MS) return null;
  return fit(known, "window", windowDays);
}

/**
 * A growth rate for people: "+24.3 KiB/day", "−1.2 MiB/day", "0 B/day"; "—" when unknown.
 * Trailing zeros are dropped ("+24 KiB/day", not "+24.0 KiB/day"): it is an estimate.
 */
export function formatGrowthRate(bytesPerDay: number | null | undefined): string {
  if (bytesPerDay === null || bytesPerDay === undefined || !Number.isFinite(bytesPerDay)) return UNKNOWN;
  const magnitude = Math.abs(bytesPerDay);
  if (magnitude < 0.5) return "0 B/day";
  const text = formatBytes(magnitude).replace(/\.(\d*?)0+ /, (_, digits: string) => (digits ? `.${digits} ` : " "));
  return `${bytesPerDay > 0 ? "+" : "−"}${text}/day`;
}
