/**
 * Reads an archive index: one folder (sorted, paged), an entry by path, and name search across the
 * whole archive. Works on a partial index too (whatever has been committed so far).
 */
import type { Statement } from "better-sqlite3";
import { ROOT_ID, type IndexDb } from "./file";
import { searchIndexReady } from "./search";

export const SORT_KEYS = ["name", "size", "mtime", "type"] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type SortOrder = "asc" | "desc";

export interface IndexEntry {
  id: number;
  /** The entry's full path inside the archive (exact bytes, no leading "/"). */
  path: Buffer;
  name: Buffer;
  type: string;
  mode: string;
  user: string;
  group: string;
  size: number;
  mtime: number;
  linkTarget: string | null;
  hardlinkTarget: string | null;
  /** A parent directory borg did not list itself (no metadata of its own). */
  implicit: boolean;
  /** Directories of a complete index: direct children and total bytes below. */
  childCount: number | null;
  totalSize: number | null;
}

interface RawRow {
  id: number;
  name: Buffer;
  type: string;
  mode: string;
  user: string;
  grp: string;
  size: number;
  mtime: number;
  link_target: string | null;
  hardlink_target: string | null;
  implicit: number;
  child_count: number | null;
  total_size: number | null;
  dir_path: Buffer;
}

const COLUMNS = "e.id, e.name, e.type, e.mode, e.user, e.grp, e.size, e.mtime, e.link_target, e.hardlink_target, e.implicit, e.child_count, e.total_size";

/** ORDER BY per sort key; the name breaks ties so paging is stable. Keys come from SORT_KEYS only. */
const ORDER_BY: Record<SortKey, Record<SortOrder, string>> = {
  name: { asc: "e.name ASC", desc: "e.name DESC" },
  size: { asc: "e.size ASC, e.name ASC", desc: "e.size DESC, e.name DESC" },
  mtime: { asc: "e.mtime ASC, e.name ASC", desc: "e.mtime DESC, e.name DESC" },
  type: { asc: "e.type ASC, e.name ASC", desc: "e.type DESC, e.name DESC" },
};

function joinPath(dir: Buffer, name: Buffer): Buffer {
  return dir.length === 0 ? Buffer.from(name) : Buffer.concat([dir, SLASH, name]);
}
const SLASH = Buffer.from("/");

/** Every trigram of the query must be in the name: `"abc" AND "bcd" AND …` (each quoted, so no FTS syntax). */
function trigramQuery(chars: string[]): string {
  const grams = new Set<string>();
  for (let i = 0; i + 3 <= chars.length; i++) grams.add(chars.slice(i, i + 3).join(""));
  return [...grams].map((g) => `"${g.replace(/"/g, '""')}"`).join(" AND ");
}

function toEntry(row: RawRow): IndexEntry {
  return {
    id: row.id,
    path: joinPath(row.dir_path, row.name),
    name: row.name,
    type: row.type,
    mode: row.mode,
    user: row.user,
    group: row.grp,
    size: row.size,
    mtime: row.mtime,
    linkTarget: row.link_target,
    hardlinkTarget: row.hardlink_target,
    implicit: row.implicit === 1,
    childCount: row.child_count,
    totalSize: row.total_size,
  };
}

export interface DirectoryPage {
  /** The folder itself (the root has an empty path). */
  dir: IndexEntry;
  /** Children committed so far. */
  total: number;
  offset: number;
  rows: IndexEntry[];
}

export interface SearchResult {
  rows: IndexEntry[];
  /** More entries matched than were returned. */
  truncated: boolean;
}

export class IndexReader {
  private readonly statements;
  /** The trigram index is complete (search.ts); until then search scans `names`. Checked until true. */
  private trigramsReady = false;

  constructor(readonly db: IndexDb) {
    this.statements = {
      dirByPath: db.prepare(`SELECT ${COLUMNS}, coalesce(p.path, X'') AS dir_path FROM entries e LEFT JOIN entries p ON p.id = e.parent_id WHERE e.path = ?`),
      // Ids are assigned in listing order (writer.ts), so the primary key walks the archive in borg's order.
      listedAfter: db.prepare(
        `SELECT ${COLUMNS}, coalesce(p.path, X'') AS dir_path FROM entries e LEFT JOIN entries p ON p.id = e.parent_id WHERE e.id > ? AND e.implicit = 0 ORDER BY e.id LIMIT ?`,
      ),
      entryByParentName: db.prepare(
        `SELECT ${COLUMNS}, coalesce(p.path, X'') AS dir_path FROM entries e JOIN entries p ON p.id = e.parent_id WHERE e.parent_id = ? AND e.name = ?`,
      ),
      count: db.prepare("SELECT count(*) FROM entries WHERE parent_id = ?").pluck(),
      entries: db.prepare("SELECT count(*) FROM entries WHERE implicit = 0 AND id <> 0").pluck(),
      // CROSS JOIN fixes the join order: the few hits first, then their rows by primary key. Left to
      // the planner (no statistics in an index file), SQLite scanned all of `entries` against the hits
      // (0.8-2 s on 1,000,000 entries for a one-letter query).
      scan: db.prepare(
        `SELECT ${COLUMNS}, coalesce(p.path, X'') AS dir_path
         FROM (SELECT id FROM names WHERE instr(name_lower, ?) > 0 ORDER BY id LIMIT ?) AS hit
         CROSS JOIN entries e ON e.id = hit.id CROSS JOIN entries p ON p.id = e.parent_id ORDER BY e.id`,
      ),
      trigrams: db.prepare(
        `SELECT ${COLUMNS}, coalesce(p.path, X'') AS dir_path
         FROM (SELECT n.id FROM names_trigrams t JOIN names n ON n.id = t.rowid
               WHERE names_trigrams MATCH ? AND instr(n.name_lower, ?) > 0 ORDER BY n.id LIMIT ?) AS hit
         CROSS JOIN entries e ON e.id = hit.id CROSS JOIN entries p ON p.id = e.parent_id ORDER BY e.id`,
      ),
      pages: Object.fromEntries(
        Object.entries(ORDER_BY).map(([key, orders]) => [
          key,
          Object.fromEntries(
            Object.entries(orders).map(([order, sql]) => [
              order,
              db.prepare(`SELECT ${COLUMNS}, ? AS dir_path FROM entries e WHERE e.parent_id = ? ORDER BY ${sql} LIMIT ? OFFSET ?`),
            ]),
          ),
        ]),
      ) as Record<SortKey, Record<SortOrder, Statement<unknown[]>>>,
    };
  }

  /** The directory at `dirPath` (empty: the root), or null when the index has no such directory (yet). */
  directory(dirPath: Buffer): IndexEntry | null {
    const row = this.statements.dirByPath.get(dirPath) as RawRow | undefined;
    if (!row) return null;
    const entry = toEntry(row);
    // The root's own row has the empty path; joinPath would not know.
    return row.id === ROOT_ID ? { ...entry, path: Buffer.alloc(0) } : entry;
  }

  /** Any entry by its full path (files included), or null. */
  entry(fullPath: Buffer): IndexEntry | null {
    const dir = this.directory(fullPath);
    if (dir) return dir;
    const slash = fullPath.lastIndexOf(0x2f);
    const parent = this.directory(slash === -1 ? Buffer.alloc(0) : fullPath.subarray(0, slash));
    if (!parent) return null;
    const row = this.statements.entryByParentName.get(parent.id, slash === -1 ? fullPath : fullPath.subarray(slash + 1)) as RawRow | undefined;
    return row ? toEntry(row) : null;
  }

  /** One page of a folder's children, sorted. */
  list(dir: IndexEntry, options: { sort: SortKey; order: SortOrder; offset: number; limit: number }): DirectoryPage {
    const total = this.statements.count.get(dir.id) as number;
    const statement = this.statements.pages[options.sort][options.order];
    const rows = (statement.all(dir.path, dir.id, options.limit, options.offset) as RawRow[]).map(toEntry);
    return { dir, total, offset: options.offset, rows };
  }

  /**
   * Case-insensitive substring search over every name in the archive (in archive order). Uses the
   * trigram index once it is built (search.ts); before that, and for queries under 3 characters, a
   * scan of `names`: the same answer, slower.
   */
  search(query: string, limit: number): SearchResult {
    const needle = query.toLowerCase();
    if (!needle) return { rows: [], truncated: false };
    const chars = [...needle];
    this.trigramsReady ||= searchIndexReady(this.db);
    const raw =
      chars.length >= 3 && this.trigramsReady
        ? this.statements.trigrams.all(trigramQuery(chars), needle, limit + 1)
        : this.statements.scan.all(needle, limit + 1);
    const rows = (raw as RawRow[]).map(toEntry);
    return { rows: rows.slice(0, limit), truncated: rows.length > limit };
  }

  /** Entries borg listed that are in the index so far (implicit parents and the root not counted). */
  /**
   * The entries borg listed (implicit parents left out), in archive order, the first `limit` whose id is
   * above `afterId`: a whole archive is read in pages by passing the last id seen (start with 0).
   */
  listedAfter(afterId: number, limit: number): IndexEntry[] {
    return (this.statements.listedAfter.all(afterId, limit) as RawRow[]).map(toEntry);
  }

  entryCount(): number {
    return this.statements.entries.get() as number;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
