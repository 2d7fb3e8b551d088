/**
 * Size and capacity history for charts and forecasts. Samples are thinned at write time: a new row
 * only when a figure changed or an hour has passed, so a 60 s collector interval does not write
 * 1,440 identical rows per repo per day. Kept bounded by pruneHistory (run daily by the runtime):
 * samples past the retention (config `history.retention`, default 400 days) are deleted, and those
 * older than FULL_RESOLUTION_MS are thinned to the last one of each UTC day.
 */
import type { Statement } from "better-sqlite3";
import type { Db } from "./index";
import type { RepoSample, SiteSample } from "@/lib/fleet/types";
import { PeriodicTask } from "@/lib/fleet/periodic";

const HEARTBEAT_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HEARTBEAT_MS;
/** Default of config `history.retention`: a year of trend plus margin. */
export const DEFAULT_HISTORY_RETENTION_MS = 400 * DAY_MS;
/**
 * Samples younger than this keep every row: more than the 30 days the growth chart and the capacity
 * forecast read (GROWTH_WINDOW_DAYS, FORECAST_WINDOW_DAYS). Older ones keep one row per day, enough
 * for a year's trend at a twenty-fifth of the rows.
 */
export const FULL_RESOLUTION_MS = 35 * DAY_MS;
/**
 * How often the runtime prunes (and at start). Daily: finding expired rows reads the whole table (its
 * key is repo, time), so hourly would cost 24 times as much for a retention counted in days.
 */
export const HISTORY_PRUNE_INTERVAL_MS = DAY_MS;

function sameRepoFigures(a: RepoSample, b: RepoSample): boolean {
  return (
    a.diskUsageBytes === b.diskUsageBytes &&
    a.deduplicatedBytes === b.deduplicatedBytes &&
    a.originalBytes === b.originalBytes &&
    a.archiveCount === b.archiveCount
  );
}

/**
 * Prepared statements per database: compiling the same statement for each of 1,000 repos every cycle
 * cost more than running it (npm run bench -- history).
 */
const statements = new WeakMap<Db, Map<string, Statement>>();

function statement(db: Db, sql: string): Statement {
  let cache = statements.get(db);
  if (!cache) statements.set(db, (cache = new Map()));
  let stmt = cache.get(sql);
  if (!stmt) cache.set(sql, (stmt = db.prepare(sql)));
  return stmt;
}

/**
 * The newest sample of each repo, so that a cycle over repos whose figures did not change reads
 * nothing from disk. Filled from the table on first use; pruning never deletes a repo's newest sample
 * unless it is past the retention, and then the heartbeat writes a new one anyway.
 */
const newestRepoSample = new WeakMap<Db, Map<string, RepoSample>>();

export function recordRepoSample(db: Db, repoId: string, sample: RepoSample & { compressedBytes?: number | null }): boolean {
  let newest = newestRepoSample.get(db);
  if (!newest) newestRepoSample.set(db, (newest = new Map()));
  let last = newest.get(repoId);
  if (!last) {
    last = statement(
      db,
      `SELECT at, disk_usage_bytes AS diskUsageBytes, deduplicated_bytes AS deduplicatedBytes,
              original_bytes AS originalBytes, archive_count AS archiveCount
         FROM repo_samples WHERE repo_id = ? ORDER BY at DESC LIMIT 1`,
    ).get(repoId) as RepoSample | undefined;
    if (last) newest.set(repoId, last);
  }
  if (last && sameRepoFigures(last, sample) && sample.at - last.at < HEARTBEAT_MS) return false;
  statement(
    db,
    `INSERT OR REPLACE INTO repo_samples
       (repo_id, at, disk_usage_bytes, deduplicated_bytes, original_bytes, compressed_bytes, archive_count)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  ).run(repoId, sample.at, sample.diskUsageBytes, sample.deduplicatedBytes, sample.originalBytes, sample.compressedBytes ?? null, sample.archiveCount);
  if (!last || sample.at >= last.at) {
    const { at, diskUsageBytes, deduplicatedBytes, originalBytes, archiveCount } = sample;
    newest.set(repoId, { at, diskUsageBytes, deduplicatedBytes, originalBytes, archiveCount });
  }
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
  const last = statement(db, `SELECT at, size_bytes AS sizeBytes, free_bytes AS freeBytes FROM site_samples WHERE site = ? ORDER BY at DESC LIMIT 1`).get(
    site,
  ) as SiteSample | undefined;
  // Free space moves by a few KiB all the time; keep a row per 0.1 % change or per heartbeat.
  const threshold = Math.max(1, (sample.sizeBytes ?? 0) * 0.001);
  if (
    last &&
    last.sizeBytes === sample.sizeBytes &&
    Math.abs((last.freeBytes ?? 0) - (sample.freeBytes ?? 0)) < threshold &&
    sample.at - last.at < HEARTBEAT_MS
  )
    return false;
  statement(db, `INSERT OR REPLACE INTO site_samples (site, at, size_bytes, free_bytes) VALUES (?, ?, ?, ?)`).run(
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

export interface PruneReport {
  /** Rows past the retention. */
  expired: number;
  /** Rows older than FULL_RESOLUTION_MS that were not the last of their day. */
  thinned: number;
}

/**
 * Deletes samples older than `retentionMs` and keeps only the last sample of each UTC day among
 * those older than FULL_RESOLUTION_MS (per repo, per site). Idempotent; one transaction.
 */
/** Per database, up to when samples are already thinned: a run looks only at what aged since (from a day before). */
const thinnedBefore = new WeakMap<Db, number>();

export function pruneHistory(db: Db, retentionMs: number, now: number = Date.now()): PruneReport {
  const expiredBefore = now - retentionMs;
  const thinBefore = now - FULL_RESOLUTION_MS;
  const thinFrom = (thinnedBefore.get(db) ?? Number.MIN_SAFE_INTEGER + DAY_MS) - DAY_MS;
  return db.transaction((): PruneReport => {
    let expired = 0;
    let thinned = 0;
    for (const [table, key] of [
      ["repo_samples", "repo_id"],
      ["site_samples", "site"],
    ] as const) {
      expired += db.prepare(`DELETE FROM ${table} WHERE at < ?`).run(expiredBefore).changes;
      // A row goes when a later row of the same key falls on the same UTC day.
      thinned += db
        .prepare(
          `DELETE FROM ${table} WHERE at >= ? AND at < ? AND EXISTS (
             SELECT 1 FROM ${table} AS later
              WHERE later.${key} = ${table}.${key} AND later.at > ${table}.at
                AND later.at < (${table}.at / ${DAY_MS} + 1) * ${DAY_MS})`,
        )
        .run(thinFrom, thinBefore).changes;
    }
    thinnedBefore.set(db, thinBefore);
    return { expired, thinned };
  })();
}

/** Prunes now and then every HISTORY_PRUNE_INTERVAL_MS, whatever fills the history. Returns the stop function. */
export function startHistoryPruning(db: Db, retentionMs: number): () => void {
  const task = new PeriodicTask(
    async () => {
      pruneHistory(db, retentionMs);
    },
    HISTORY_PRUNE_INTERVAL_MS,
    (err) => console.error(`[history] pruning failed: ${err instanceof Error ? err.message : String(err)}`),
  );
  task.start();
  return () => task.stop();
}
