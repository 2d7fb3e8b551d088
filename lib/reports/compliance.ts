/**
 * The compliance report, computed from recorded history (pure: the data comes from lib/reports/source.ts).
 *
 * Per host and UTC day of the month:
 * - archive: how many archives of the host (any of its repos) were made that day (end time, or start
 *   while the end is unknown), from every archive the dashboard recorded, pruned ones included;
 * - check: a check of the host's repos passed (outcome ok) in that day's week (Monday to Sunday, UTC);
 * - drill: a restore drill of the host passed in that day's week;
 * - within threshold: at the end of the day (or now, for today) the host's newest archive was at most
 *   its staleness threshold old (lib/fleet/freshness.ts). Days after now are not judged.
 * RPO compliance = judged days within threshold / judged days. A gap is a stretch longer than the
 * threshold without a new archive (from an archive, or from the month's start when nothing came
 * before, to the next archive or to now), listed with its full length when it overlaps the month.
 */
import { dayKey, weekStart, type ReportMonth } from "./month";

const DAY_MS = 86_400_000;

export interface HostHistory {
  host: string;
  thresholdSeconds: number;
  /** Archive times: those in the month, the newest one before it and the first one after it. */
  archives: number[];
  /** End times of passed checks and drills. */
  checksOk: number[];
  drillsOk: number[];
}

export interface DayCell {
  archives: number;
  checkPassed: boolean;
  drillPassed: boolean;
  /** null: the day has not ended yet and is after now (not judged). */
  withinThreshold: boolean | null;
}

export interface Gap {
  /** The last archive before the gap, or null when none was ever recorded before it. */
  from: number | null;
  /** Where the gap starts when `from` is null (the month's start). */
  since: number;
  /** The archive that ended it, or null while it lasts. */
  to: number | null;
  seconds: number;
}

interface HostReport {
  host: string;
  thresholdSeconds: number;
  days: DayCell[];
  judgedDays: number;
  compliantDays: number;
  /** compliantDays / judgedDays, or null when no day could be judged. */
  rpoCompliance: number | null;
  gaps: Gap[];
}

export interface ComplianceReport {
  month: ReportMonth;
  now: number;
  /** "2026-12-01", ... */
  dayKeys: string[];
  hosts: HostReport[];
}

/** Index of the last element ≤ value in a sorted array, or -1. */
function lastAtOrBefore(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= value) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

function weeksWith(times: readonly number[]): Set<number> {
  return new Set(times.map(weekStart));
}

function hostReport(history: HostHistory, month: ReportMonth, now: number): HostReport {
  const archives = [...history.archives].sort((a, b) => a - b);
  const thresholdMs = history.thresholdSeconds * 1000;
  const checkWeeks = weeksWith(history.checksOk);
  const drillWeeks = weeksWith(history.drillsOk);
  let judgedDays = 0;
  let compliantDays = 0;
  const days = month.days.map((dayStart): DayCell => {
    const dayEnd = dayStart + DAY_MS;
    const first = lastAtOrBefore(archives, dayStart - 1) + 1;
    const last = lastAtOrBefore(archives, dayEnd - 1);
    let withinThreshold: boolean | null = null;
    if (dayStart <= now) {
      // Judged at the end of the day, or now for today; the newest archive at that moment.
      const at = Math.min(dayEnd - 1, now);
      const newest = lastAtOrBefore(archives, at);
      withinThreshold = newest !== -1 && at - archives[newest]! <= thresholdMs;
      judgedDays++;
      if (withinThreshold) compliantDays++;
    }
    const week = weekStart(dayStart);
    return { archives: Math.max(0, last - first + 1), checkPassed: checkWeeks.has(week), drillPassed: drillWeeks.has(week), withinThreshold };
  });
  return {
    host: history.host,
    thresholdSeconds: history.thresholdSeconds,
    days,
    judgedDays,
    compliantDays,
    rpoCompliance: judgedDays === 0 ? null : compliantDays / judgedDays,
    gaps: gapsIn(archives, thresholdMs, month, now),
  };
}

/** Stretches without a new archive longer than the threshold that overlap the month (up to now). */
export function gapsIn(archives: readonly number[], thresholdMs: number, month: ReportMonth, now: number): Gap[] {
  const periodEnd = Math.min(month.end, now);
  if (periodEnd <= month.start) return [];
  const gaps: Gap[] = [];
  const consider = (from: number | null, since: number, to: number | null) => {
    const until = to ?? now;
    if (until - since > thresholdMs && until > month.start && since < periodEnd) gaps.push({ from, since, to, seconds: (until - since) / 1000 });
  };
  const first = archives[0];
  if (first === undefined || first > month.start) consider(null, month.start, first ?? null);
  for (let i = 0; i < archives.length; i++) consider(archives[i]!, archives[i]!, archives[i + 1] ?? null);
  return gaps;
}

export function buildComplianceReport(histories: readonly HostHistory[], month: ReportMonth, now: number): ComplianceReport {
  return {
    month,
    now,
    dayKeys: month.days.map(dayKey),
    hosts: histories.map((h) => hostReport(h, month, now)).sort((a, b) => a.host.localeCompare(b.host)),
  };
}
