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
  site: string;
  /** When the archive was made: its end time, or its start while the end is unknown. */
  at: number;
}

/**
 * Archive times of these hosts made before `toMs`, from `fromMs` on, plus each repo's newest one
 * before `fromMs` (what was current when the period began). Oldest first.
 */
export function archiveTimes(db: Db, hosts: readonly string[], fromMs: number, toMs: number): SeenArchiveTime[] {
  if (hosts.length === 0) return [];
  const wanted = new Set(hosts);
  const at = "COALESCE(end_ms, start_ms)";
  // start_ms bounds let the index narrow the scan; the end time is at most a day later in practice.
  const inPeriod = db
    .prepare(`SELECT host, site, ${at} AS at FROM archives_seen WHERE start_ms < ? AND ${at} >= ? AND ${at} < ?`)
    .all(toMs, fromMs, toMs) as SeenArchiveTime[];
  const before = db
    .prepare(`SELECT host, site, MAX(${at}) AS at FROM archives_seen WHERE start_ms < ? AND ${at} < ? GROUP BY repo_id`)
    .all(fromMs, fromMs) as SeenArchiveTime[];
  return [...before, ...inPeriod].filter((r) => wanted.has(r.host)).sort((a, b) => a.at - b.at);
}
