/**
 * The retention preview of one repo: the host's policy applied (lib/retention/gfs.ts, borg's own
 * rules) to the archive names and start times the collector already holds. Pure: no borg call, so it
 * never takes or waits for a repository lock.
 */
import type { RetentionPolicy } from "@/lib/config/schema";
import { prune } from "./gfs";
import { policyIsEmpty } from "./policy";

export interface PreviewArchive {
  name: string;
  id: string;
  /** Start time, epoch ms (UTC): borg prunes by start time. */
  start: number;
}

export interface PreviewRow {
  archive: PreviewArchive;
  keep: boolean;
  /** As `borg prune --list` prints it: "daily #3", "weekly[oldest] #4", "checkpoint"; null when pruned. */
  rule: string | null;
  /** The period the rule kept it for: "2026-11-24", "2026-W47", "2026-11", "2026", "2026-11-24 07:00". */
  period: string | null;
}

export interface RetentionPreview {
  /** Newest first. */
  rows: PreviewRow[];
  kept: number;
  pruned: number;
  /** The oldest archive left after pruning (the furthest back one could restore), or null when none is left. */
  oldestRestorePoint: PreviewArchive | null;
  /** The oldest archive today, before pruning. */
  oldestNow: PreviewArchive | null;
  /** Every count is 0: `borg prune` refuses to run without a rule, so nothing would be pruned. */
  policyEmpty: boolean;
}

/** A period key as people read it: ISO weeks as "2026-W47", hours as "2026-11-24 07:00". */
export function periodLabel(rule: string, period: string): string {
  const base = rule.replace(/\[oldest\]$/, "");
  if (base === "weekly") return period.replace(/^(\d{4})-(\d{2})$/, "$1-W$2");
  if (base === "hourly") return `${period}:00`;
  return period;
}

export function retentionPreview(archives: readonly PreviewArchive[], policy: RetentionPolicy): RetentionPreview {
  if (policyIsEmpty(policy)) {
    const rows = [...archives].sort((a, b) => b.start - a.start).map((archive) => ({ archive, keep: true, rule: null, period: null }));
    return { rows, kept: rows.length, pruned: 0, oldestRestorePoint: rows.at(-1)?.archive ?? null, oldestNow: rows.at(-1)?.archive ?? null, policyEmpty: true };
  }
  const decisions = prune(
    archives.map((archive) => ({ archive, name: archive.name, ts: new Date(archive.start) })),
    policy,
  );
  const rows: PreviewRow[] = decisions.map((d) => ({
    archive: d.item.archive,
    keep: d.keep,
    rule: d.keep ? (d.index !== undefined ? `${d.rule} #${d.index}` : d.rule!) : null,
    period: d.keep && d.period !== undefined ? periodLabel(d.rule!, d.period) : null,
  }));
  const keptRows = rows.filter((r) => r.keep);
  return {
    rows,
    kept: keptRows.length,
    pruned: rows.length - keptRows.length,
    oldestRestorePoint: keptRows.at(-1)?.archive ?? null,
    oldestNow: rows.at(-1)?.archive ?? null,
    policyEmpty: false,
  };
}
