/**
 * Size and capacity history for charts and forecasts. Samples are thinned at write time: a new row
 * only when a figure changed or an hour has passed, so a 60 s collector interval does not write
 * 1,440 identical rows per repo per day.
 */
import type { Db } from "./index";
import type { RepoSample, SiteSample } from "@/lib/fleet/types";

const HEARTBEAT_MS = 60 * 60 * 1000;

function sameRepoFigures(a: RepoSample, b: RepoSample): boolean {
  return (
    a.diskUsageBytes === b.diskUsageBytes &&
    a.deduplicatedBytes === b.deduplicatedBytes &&
    a.originalBytes === b.originalBytes &&
    a.archiveCount === b.archiveCount
  );
}

export function recordRepoSample(db: Db, repoId: string, sample: RepoSample & { compressedBytes?: number | null }): boolean {
  const last = db
    .prepare(
      `SELECT at, disk_usage_bytes AS diskUsageBytes, deduplicated_bytes AS deduplicatedBytes,
              original_bytes AS originalBytes, archive_count AS archiveCount
         FROM repo_samples WHERE repo_id = ? ORDER BY at DESC LIMIT 1`,
    )
    .get(repoId) as RepoSample | undefined;
  if (last && sameRepoFigures(last, sample) && sample.at - last.at < HEARTBEAT_MS) return false;
  db.prepare(
    `INSERT OR REPLACE INTO repo_samples
       (repo_id, at, disk_usage_bytes, deduplicated_bytes, original_bytes, compressed_bytes, archive_count)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    repoId,
    sample.at,
    sample.diskUsageBytes,
    sample.deduplicatedBytes,
    sample.originalBytes,
    sample.compressedBytes ?? null,
    sample.archiveCount,
  );
  return true;
}

export function repoHistory(db: Db, repoId: string, sinceMs: number): RepoSample[] {
  return db
    .prepare(
      `SELECT at, disk_usage_bytes AS diskUsageBytes, deduplicated_bytes AS deduplicatedBytes,
              original_bytes AS originalBytes, archive_count AS archiveCount
         FROM repo_samples WHERE repo_id = ? AND at >= ? ORDER BY at`,
    )
    .all(repoId, sinceMs) as RepoSample[];
}

export function recordSiteSample(db: Db, site: string, sample: SiteSample): boolean {
  const last = db
    .prepare(`SELECT at, size_bytes AS sizeBytes, free_bytes AS freeBytes FROM site_samples WHERE site = ? ORDER BY at DESC LIMIT 1`)
    .get(site) as SiteSample | undefined;
  // Free space moves by a few KiB all the time; keep a row per 0.1 % change or per heartbeat.
  const threshold = Math.max(1, (sample.sizeBytes ?? 0) * 0.001);
  if (
    last &&
    last.sizeBytes === sample.sizeBytes &&
    Math.abs((last.freeBytes ?? 0) - (sample.freeBytes ?? 0)) < threshold &&
    sample.at - last.at < HEARTBEAT_MS
  )
    return false;
  db.prepare(`INSERT OR REPLACE INTO site_samples (site, at, size_bytes, free_bytes) VALUES (?, ?, ?, ?)`).run(
    site,
    sample.at,
    sample.sizeBytes,
    sample.freeBytes,
  );
  return true;
}

export function siteHistory(db: Db, site: string, sinceMs: number): SiteSample[] {
  return db
    .prepare(`SELECT at, size_bytes AS sizeBytes, free_bytes AS freeBytes FROM site_samples WHERE site = ? AND at >= ? ORDER BY at`)
    .all(site, sinceMs) as SiteSample[];
}

/** Drop samples older than the retention window (default: 400 days, a year of trend plus margin). */
export function pruneHistory(db: Db, olderThanMs: number): void {
  db.prepare(`DELETE FROM repo_samples WHERE at < ?`).run(olderThanMs);
  db.prepare(`DELETE FROM site_samples WHERE at < ?`).run(olderThanMs);
}
