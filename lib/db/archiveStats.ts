/** Per-archive figures, cached by archive id for good (archives are immutable). */
import type { Db } from "./index";
import type { ArchiveStats } from "@/lib/fleet/types";

export interface CachedArchive {
  archiveId: string;
  name: string;
  start: number;
  end: number | null;
  stats: ArchiveStats;
}

interface Row {
  archive_id: string;
  name: string;
  start_ms: number;
  end_ms: number | null;
  duration_seconds: number;
  original_bytes: number;
  compressed_bytes: number;
  deduplicated_bytes: number;
  files: number;
}

export function cachedArchives(db: Db, repoId: string): Map<string, CachedArchive> {
  const rows = db.prepare(`SELECT * FROM archive_stats WHERE repo_id = ?`).all(repoId) as Row[];
  return new Map(
    rows.map((r) => [
      r.archive_id,
      {
        archiveId: r.archive_id,
        name: r.name,
        start: r.start_ms,
        end: r.end_ms,
        stats: {
          originalBytes: r.original_bytes,
          compressedBytes: r.compressed_bytes,
          deduplicatedBytes: r.deduplicated_bytes,
          files: r.files,
          durationSeconds: r.duration_seconds,
        },
      },
    ]),
  );
}

export function cacheArchives(db: Db, repoId: string, archives: readonly CachedArchive[], now: number): void {
  const insert = db.prepare(
    `INSERT OR REPLACE INTO archive_stats
       (repo_id, archive_id, name, start_ms, end_ms, duration_seconds, original_bytes, compressed_bytes,
        deduplicated_bytes, files, fetched_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  db.transaction(() => {
    for (const a of archives) {
      insert.run(
        repoId,
        a.archiveId,
        a.name,
        a.start,
        a.end,
        a.stats.durationSeconds,
        a.stats.originalBytes,
        a.stats.compressedBytes,
        a.stats.deduplicatedBytes,
        a.stats.files,
        now,
      );
    }
  })();
}

/** Forget archives that no longer exist in the repo (pruned), so the cache does not grow for ever. */
export function forgetArchivesExcept(db: Db, repoId: string, keepIds: readonly string[]): void {
  const keep = new Set(keepIds);
  const rows = db.prepare(`SELECT archive_id FROM archive_stats WHERE repo_id = ?`).all(repoId) as { archive_id: string }[];
  const del = db.prepare(`DELETE FROM archive_stats WHERE repo_id = ? AND archive_id = ?`);
  db.transaction(() => {
    for (const r of rows) if (!keep.has(r.archive_id)) del.run(repoId, r.archive_id);
  })();
}
