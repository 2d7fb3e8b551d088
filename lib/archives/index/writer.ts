/**
 * Writes archive items into a partial index in batches (one transaction per batch, so readers see
 * entries as they arrive). Memory stays bounded: parent directories are found through a small cache
 * of recently seen directories, and otherwise through the index itself (the unique `path` index).
 */
import type { IndexItem } from "@/lib/borg";
import { displayPath } from "../pathParam";
import { ROOT_ID, type IndexDb } from "./file";

/** Directory ids by path, for the few directories items are currently arriving in. */
const DIR_CACHE_LIMIT = 4096;

type Row = [
  id: number,
  parentId: number,
  name: Buffer,
  nameLower: string,
  type: string,
  mode: string,
  user: string,
  group: string,
  size: number,
  mtime: number,
  linkTarget: string | null,
  hardlinkTarget: string | null,
  implicit: number,
  path: Buffer | null,
  depth: number,
];

export class IndexWriter {
  private nextId = ROOT_ID + 1;
  private readonly dirCache = new Map<string, number>();
  /** The parent of the previous item: borg lists a folder's entries one after another. */
  private lastParent: { path: Buffer; id: number } = { path: Buffer.alloc(0), id: ROOT_ID };
  private pending: Row[] = [];
  /** Entries borg listed (implicit parents not counted): the progress figure. */
  listed = 0;
  private readonly insert;
  private readonly insertMany;
  private readonly insertName;
  private readonly insertNames;
  private readonly upsertDir;
  private readonly findDir;
  private readonly findEntry;
  private readonly flushBatch: (rows: Row[]) => void;

  constructor(private readonly db: IndexDb) {
    db.prepare(
      "INSERT INTO entries (id, parent_id, name, type, mode, user, grp, size, mtime, depth, path) VALUES (0, NULL, X'', 'd', 'drwxr-xr-x', '', '', 0, 0, 0, X'')",
    ).run();
    const entryColumns = "(id, parent_id, name, type, mode, user, grp, size, mtime, link_target, hardlink_target, implicit, path, depth)";
    const values = (rows: number, columns: number) => Array.from({ length: rows }, () => `(${Array(columns).fill("?").join(", ")})`).join(", ");
    this.insert = db.prepare(`INSERT INTO entries ${entryColumns} VALUES ${values(1, 14)}`);
    // Rows go in MULTI_ROW at a time: one statement call per 64 rows instead of per row.
    this.insertMany = db.prepare(`INSERT INTO entries ${entryColumns} VALUES ${values(MULTI_ROW, 14)}`);
    this.insertNames = db.prepare(`INSERT INTO names (id, name_lower) VALUES ${values(MULTI_ROW, 2)}`);
    this.insertName = db.prepare("INSERT INTO names (id, name_lower) VALUES (?, ?)");
    // A directory borg lists after we synthesised it (or twice): keep its row and id, take borg's metadata.
    this.upsertDir = db.prepare(
      `UPDATE entries SET type = ?, mode = ?, user = ?, grp = ?, size = ?, mtime = ?, link_target = ?, hardlink_target = ?, implicit = 0 WHERE id = ?`,
    );
    this.findDir = db.prepare("SELECT id FROM entries WHERE path = ?").pluck();
    this.findEntry = db.prepare("SELECT id FROM entries WHERE parent_id = ? AND name = ?").pluck();
    this.flushBatch = db.transaction((rows: Row[]) => {
      let i = 0;
      for (; i + MULTI_ROW <= rows.length; i += MULTI_ROW) {
        const entries: unknown[] = [];
        const names: unknown[] = [];
        for (let j = i; j < i + MULTI_ROW; j++) {
          const r = rows[j]!;
          entries.push(r[0], r[1], r[2], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14]);
          names.push(r[0], r[3]);
        }
        this.insertMany.run(entries);
        // The trigram index over these names is built once the listing is done (search.ts).
        this.insertNames.run(names);
      }
      for (; i < rows.length; i++) {
        const r = rows[i]!;
        this.insert.run(r[0], r[1], r[2], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14]);
        this.insertName.run(r[0], r[3]);
      }
    });
  }

  /** Adds one item (kept pending until the next flush). */
  add(item: IndexItem): void {
    this.listed++;
    const full = stripSlashes(item.pathBytes);
    // "." is the archive's root itself (`borg create ::a .` lists it): its metadata goes to the root row.
    if (full.length === 0 || (full.length === 1 && full[0] === 0x2e)) {
      this.flush();
      this.upsertDir.run("d", item.mode, item.user, item.group, 0, item.mtime, null, null, ROOT_ID);
      return;
    }
    const slash = full.lastIndexOf(0x2f);
    const parentPath = slash === -1 ? EMPTY : full.subarray(0, slash);
    const name = Buffer.from(slash === -1 ? full : full.subarray(slash + 1));
    const parentId = this.parentIdOf(parentPath);
    const isDir = item.type === "d";
    if (isDir) {
      const existing = this.lookupDir(full);
      if (existing !== undefined) {
        this.flush(); // the existing row may still be pending
        this.upsertDir.run(item.type, item.mode, item.user, item.group, item.size, item.mtime, item.linkTarget, item.hardlinkTarget, existing);
        return;
      }
    }
    const id = this.nextId++;
    this.pending.push([
      id,
      parentId,
      name,
      displayPath(name).toLowerCase(),
      item.type,
      item.mode,
      item.user,
      item.group,
      item.size,
      item.mtime,
      item.linkTarget,
      item.hardlinkTarget,
      0,
      isDir ? Buffer.from(full) : null,
      depthOf(full),
    ]);
    if (isDir) this.remember(full, id);
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  /** Commits the pending rows (one transaction). */
  flush(): void {
    if (this.pending.length === 0) return;
    const rows = this.pending;
    this.pending = [];
    this.flushBatch(rows);
  }

  /**
   * After the last item: child counts and recursive sizes per directory, deepest first so each one
   * adds up finished subdirectories. In small transactions with a pause between them, so a server
   * building a huge index keeps answering requests.
   */
  async finish(): Promise<void> {
    this.flush();
    const ids = this.db.prepare("SELECT id FROM entries WHERE type = 'd' ORDER BY depth DESC, id").pluck().all() as number[];
    const count = this.db.prepare("SELECT count(*) FROM entries WHERE parent_id = ?").pluck();
    const sum = this.db.prepare("SELECT coalesce(sum(CASE WHEN type = 'd' THEN total_size ELSE size END), 0) FROM entries WHERE parent_id = ?").pluck();
    const set = this.db.prepare("UPDATE entries SET child_count = ?, total_size = ? WHERE id = ?");
    const step = this.db.transaction((chunk: number[]) => {
      for (const id of chunk) set.run(count.get(id) as number, sum.get(id) as number, id);
    });
    for (let i = 0; i < ids.length; i += FINISH_CHUNK) {
      step(ids.slice(i, i + FINISH_CHUNK));
      await yieldToEventLoop();
    }
  }

  /** ensureDir for an item's parent, without a lookup when it is the previous item's parent. */
  private parentIdOf(parentPath: Buffer): number {
    const last = this.lastParent;
    if (parentPath.equals(last.path)) return last.id;
    const id = this.ensureDir(parentPath);
    this.lastParent = { path: Buffer.from(parentPath), id };
    return id;
  }

  private remember(dirPath: Buffer, id: number): void {
    if (this.dirCache.size >= DIR_CACHE_LIMIT) {
      // Commit what is forgotten, so that a directory missing from the cache is never a pending row:
      // lookupDir then finds it in the index without committing first (once per new directory, that
      // was a commit per folder of the archive).
      this.flush();
      this.dirCache.clear();
    }
    this.dirCache.set(dirPath.toString("latin1"), id);
  }

  private lookupDir(dirPath: Buffer): number | undefined {
    const key = dirPath.toString("latin1");
    const cached = this.dirCache.get(key);
    if (cached !== undefined) return cached;
    // Not in the cache: committed (see remember), or not there at all.
    const found = this.findDir.get(dirPath) as number | undefined;
    if (found !== undefined) this.remember(dirPath, found);
    return found;
  }

  /** The id of the directory at `dirPath`, synthesising it (and its parents) when borg did not list it. */
  private ensureDir(dirPath: Buffer): number {
    if (dirPath.length === 0) return ROOT_ID;
    const found = this.lookupDir(dirPath);
    if (found !== undefined) return found;
    const slash = dirPath.lastIndexOf(0x2f);
    const parentId = this.ensureDir(slash === -1 ? EMPTY : dirPath.subarray(0, slash));
    const name = Buffer.from(slash === -1 ? dirPath : dirPath.subarray(slash + 1));
    // A non-directory entry of that name (e.g. a symlink "srv" and then "srv/x"): make the path resolvable anyway.
    this.flush(); // that entry may still be pending
    const clash = this.findEntry.get(parentId, name) as number | undefined;
    if (clash !== undefined) {
      this.db.prepare("UPDATE entries SET path = ? WHERE id = ?").run(Buffer.from(dirPath), clash);
      this.remember(dirPath, clash);
      return clash;
    }
    const id = this.nextId++;
    this.pending.push([
      id,
      parentId,
      name,
      displayPath(name).toLowerCase(),
      "d",
      "drwxr-xr-x",
      "",
      "",
      0,
      0,
      null,
      null,
      1,
      Buffer.from(dirPath),
      depthOf(dirPath),
    ]);
    this.remember(dirPath, id);
    return id;
  }
}

const EMPTY = Buffer.alloc(0);
/** Rows per multi-row INSERT. */
const MULTI_ROW = 64;
/** Directories summed per transaction in finish(). */
const FINISH_CHUNK = 200;

export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function stripSlashes(bytes: Buffer): Buffer {
  let start = 0;
  let end = bytes.length;
  while (start < end && bytes[start] === 0x2f) start++;
  while (end > start && bytes[end - 1] === 0x2f) end--;
  return bytes.subarray(start, end);
}

function depthOf(p: Buffer): number {
  let depth = 1;
  for (const b of p) if (b === 0x2f) depth++;
  return depth;
}
