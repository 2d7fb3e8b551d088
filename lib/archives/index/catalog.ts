/** The catalog of archive indexes in the main database (migration 5): state, size, last use. */
import type { Db } from "@/lib/db";

type CatalogState = "building" | "complete" | "failed";

export interface CatalogRow {
  archiveId: string;
  repoId: string;
  host: string;
  archiveName: string;
  state: CatalogState;
  entries: number;
  bytes: number;
  startedAt: number | null;
  completedAt: number | null;
  lastUsedAt: number;
  error: string | null;
  errorKind: string | null;
}

interface RawCatalogRow {
  archive_id: string;
  repo_id: string;
  host: string;
  archive_name: string;
  state: CatalogState;
  entries: number;
  bytes: number;
  started_at: number | null;
  completed_at: number | null;
  last_used_at: number;
  error: string | null;
  error_kind: string | null;
}

const fromRaw = (r: RawCatalogRow): CatalogRow => ({
  archiveId: r.archive_id,
  repoId: r.repo_id,
  host: r.host,
  archiveName: r.archive_name,
  state: r.state,
  entries: r.entries,
  bytes: r.bytes,
  startedAt: r.started_at,
  completedAt: r.completed_at,
  lastUsedAt: r.last_used_at,
  error: r.error,
  errorKind: r.error_kind,
});

export class IndexCatalog {
  constructor(private readonly db: Db) {}

  get(archiveId: string): CatalogRow | null {
    const row = this.db.prepare("SELECT * FROM archive_indexes WHERE archive_id = ?").get(archiveId) as RawCatalogRow | undefined;
    return row ? fromRaw(row) : null;
  }

  all(): CatalogRow[] {
    return (this.db.prepare("SELECT * FROM archive_indexes ORDER BY last_used_at ASC").all() as RawCatalogRow[]).map(fromRaw);
  }

  startBuild(row: Pick<CatalogRow, "archiveId" | "repoId" | "host" | "archiveName">, now = Date.now()): void {
    this.db
      .prepare(
        `INSERT INTO archive_indexes (archive_id, repo_id, host, archive_name, state, entries, bytes, started_at, completed_at, last_used_at, error, error_kind)
         VALUES (?, ?, ?, ?, 'building', 0, 0, ?, NULL, ?, NULL, NULL)
         ON CONFLICT (archive_id) DO UPDATE SET state = 'building', entries = 0, bytes = 0, started_at = excluded.started_at,
           completed_at = NULL, last_used_at = excluded.last_used_at, error = NULL, error_kind = NULL`,
      )
      .run(row.archiveId, row.repoId, row.host, row.archiveName, now, now);
  }

  progress(archiveId: string, entries: number): void {
    this.db.prepare("UPDATE archive_indexes SET entries = ? WHERE archive_id = ? AND state = 'building'").run(entries, archiveId);
  }

  complete(archiveId: string, entries: number, bytes: number, now = Date.now()): void {
    this.db
      .prepare("UPDATE archive_indexes SET state = 'complete', entries = ?, bytes = ?, completed_at = ?, error = NULL, error_kind = NULL WHERE archive_id = ?")
      .run(entries, bytes, now, archiveId);
  }

  /** The file grew (the search index was added after completion, search.ts). */
  resize(archiveId: string, bytes: number): void {
    this.db.prepare("UPDATE archive_indexes SET bytes = ? WHERE archive_id = ? AND state = 'complete'").run(bytes, archiveId);
  }

  fail(archiveId: string, error: string, kind: string, now = Date.now()): void {
    this.db
      .prepare("UPDATE archive_indexes SET state = 'failed', bytes = 0, completed_at = ?, error = ?, error_kind = ? WHERE archive_id = ?")
      .run(now, error, kind, archiveId);
  }

  touch(archiveId: string, now = Date.now()): void {
    this.db.prepare("UPDATE archive_indexes SET last_used_at = ? WHERE archive_id = ?").run(now, archiveId);
  }

  remove(archiveId: string): void {
    this.db.prepare("DELETE FROM archive_indexes WHERE archive_id = ?").run(archiveId);
  }
}
