/**
 * Every archive the dashboard has seen, recorded once per (repo, archive id): the history behind the
 * compliance report. borg prune deletes archives, the report must still show that a host had one on
 * the days it existed, so rows are never deleted when an archive disappears from the repo.
 *
 * The built-in collector records each archive of a repo's list (its end time is filled in once
 * `borg info` gave it). In Prometheus mode only the newest archive's times are known: that archive is
 * recorded under a synthetic id (`prometheus:<end ms>`), so a host's days with a new newest archive
 * are still recorded, but several archives on one day between two reads count as one.
 */
import type { Db } from "./index";

export interface SeenArchive {
  id: string;
  name: string;
  start: number;
  end: number | null;
}

export interface SeenRepo {
  id: string;
  host: string;
  site: string;
}

/** Records archives not seen before; an end time learned later fills in a row that had none. */
export function recordArchivesSeen(db: Db, repo: SeenRepo, archives: readonly SeenArchive[], now: number): void {
  if (archives.length === 0) return;
  const upsert = db.prepare(
    `INSERT INTO archives_seen (repo_id, host, site, archive_id, name, start_ms, end_ms, first_seen_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (repo_id, archive_id) DO UPDATE SET end_ms = excluded.end_ms
       WHERE archives_seen.end_ms IS NULL AND excluded.end_ms IS NOT NULL`,
  );
  db.transaction(() => {
    for (const a of archives) upsert.run(repo.id, repo.host, repo.site, a.id, a.name, a.start, a.end, now);
  })();
}

/** The synthetic id of an archive known only by its times (Prometheus mode): its end time, which is exact. */
export function timeOnlyArchiveId(at: number): string {
  return `prometheus:${at}`;
}

export interface SeenArchiveTime {
  host: string;
  /** When the archive was made: its end time, or its start while the end is unknown. */
  at: number;
}

/** How long an archive may take: one that ends in a period started at most this long before it. */
const LONGEST_BACKUP_MS = 7 * 86_400_000;

/**
 * Archive times of these repos made in [fromMs, toMs), plus each repo's newest one before `fromMs`
 * (what was current when the period began) and its first one from `toMs` on (what ended a gap that
 * reaches past the period), in no particular order. Both use an index: the period's
 * rows by start time (a covering index), the one before by (repo, start time). Rows are read as arrays:
 * a month of a large fleet is tens of thousands of them.
 */
export function archiveTimes(db: Db, repos: readonly Pick<SeenRepo, "id" | "host">[], fromMs: number, toMs: number): SeenArchiveTime[] {
  if (repos.length === 0) return [];
  const wanted = new Set(repos.map((r) => r.id));
  const at = "COALESCE(end_ms, start_ms)";
  const times: SeenArchiveTime[] = [];
  const inPeriod = db
    .prepare(`SELECT repo_id, host, ${at} FROM archives_seen WHERE start_ms >= ? AND start_ms < ? AND ${at} >= ? AND ${at} < ?`)
    .raw()
    .all(fromMs - LONGEST_BACKUP_MS, toMs, fromMs, toMs) as [string, string, number][];
  for (const [repoId, host, time] of inPeriod) if (wanted.has(repoId)) times.push({ host, at: time });
  const newestBefore = db
    .prepare(`SELECT host, ${at} FROM archives_seen WHERE repo_id = ? AND start_ms < ? AND ${at} < ? ORDER BY start_ms DESC LIMIT 1`)
    .raw();
  const firstAfter = db.prepare(`SELECT host, ${at} FROM archives_seen WHERE repo_id = ? AND start_ms >= ? ORDER BY start_ms LIMIT 1`).raw();
  for (const repo of repos) {
    for (const row of [newestBefore.get(repo.id, fromMs, fromMs), firstAfter.get(repo.id, toMs)] as ([string, number] | undefined)[]) {
      if (row) times.push({ host: row[0], at: row[1] });
    }
  }
  return times;
}
