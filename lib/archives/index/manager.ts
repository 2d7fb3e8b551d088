/**
 * Archive indexes for the whole server: builds each archive's index once (concurrent openers join the
 * running build), limits how many builds run at once, serves readers (of the partial file while it
 * is being built), evicts least recently used indexes past the disk budget, and cancels builds when
 * the server stops.
 *
 * State lives in three places that are kept consistent: the index files (a `.partial` is never
 * trusted after a restart), the catalog table (lib/db migration 5) and the in-memory build map.
 */
import fs from "node:fs";
import { isBorgError, type BorgCallOptions, type IndexItem } from "@/lib/borg";
import type { Db } from "@/lib/db";
import type { ArchiveRef } from "../locate";
import { buildIndexFile, type BuildProgress } from "./build";
import { IndexCatalog, type CatalogRow } from "./catalog";
import { indexFileBytes, indexPaths, isArchiveId, openIndexReader, removeIndexFile, SORT_INDEX_STATEMENTS } from "./file";
import { IndexReader } from "./reader";
import { buildSearchIndex } from "./search";
import { DUMP_SUBDIR, indexEntries } from "./source";
import { execInWorker } from "./sqlWorker";

type IndexState = "queued" | "building" | "complete" | "failed";

export interface IndexStatus {
  archiveId: string;
  state: IndexState;
  /** Entries indexed so far (all of them once complete). */
  entries: number;
  /** Partial results can be read (the first batch is committed). */
  readable: boolean;
  /** borg's (or our) explanation when failed. */
  error: string | null;
  errorKind: string | null;
}

/** Where an index's entries come from: borg by default (source.ts), something else in unit tests. */
export type ListSource = (ref: ArchiveRef, signal: AbortSignal) => AsyncIterable<IndexItem>;

export interface ArchiveIndexOptions {
  dir: string;
  db: Db;
  diskBudget: number;
  maxConcurrentBuilds?: number;
  /** Calls to borg (baseDir, timeout). */
  borg?: BorgCallOptions;
  list?: ListSource;
  /**
   * An index used this recently is never evicted, even past the budget (someone is browsing it; the
   * budget is met again once they stop). Default 5 minutes.
   */
  evictionGraceMs?: number;
}

interface Build {
  ref: ArchiveRef;
  state: "queued" | "building";
  entries: number;
  readable: boolean;
  controller: AbortController;
  done: Promise<IndexStatus>;
}

/** A listing can take long for a huge remote archive; it is cancelled with the server anyway. */
const BUILD_TIMEOUT_MS = 6 * 3600_000;
/** How often a build writes its progress to the catalog (the in-memory figure is always current). */
const CATALOG_PROGRESS_MS = 2_000;
const EVICTION_GRACE_MS = 5 * 60_000;

export class ArchiveIndexes {
  private readonly catalog: IndexCatalog;
  private readonly builds = new Map<string, Build>();
  private readonly readers = new Map<string, { reader: IndexReader; partial: boolean }>();
  /** Sort and search indexes being built after completion (search.ts), one at a time per archive. */
  private readonly searchBuilds = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private readonly waiting: Array<() => void> = [];
  private running = 0;
  private stopped = false;
  private readonly maxConcurrent: number;
  private readonly list: ListSource;

  constructor(private readonly options: ArchiveIndexOptions) {
    this.catalog = new IndexCatalog(options.db);
    this.maxConcurrent = Math.max(1, options.maxConcurrentBuilds ?? 2);
    const borg = options.borg ?? {};
    this.list = options.list ?? ((ref, signal) => indexEntries(ref, { ...borg, timeoutMs: borg.timeoutMs ?? BUILD_TIMEOUT_MS, signal, indexDir: options.dir }));
    this.recover();
  }

  /** After a restart: partial files and dumps are leftovers of builds that died with the process; drop them. */
  private recover(): void {
    fs.mkdirSync(this.options.dir, { recursive: true, mode: 0o700 });
    fs.rmSync(`${this.options.dir}/${DUMP_SUBDIR}`, { recursive: true, force: true });
    for (const name of fs.readdirSync(this.options.dir)) {
      if (/\.sqlite\.partial(-wal|-shm|-journal)?$/.test(name)) fs.rmSync(`${this.options.dir}/${name}`, { force: true });
    }
    for (const row of this.catalog.all()) {
      const { final } = indexPaths(this.options.dir, row.archiveId);
      if (row.state === "building" || (row.state === "complete" && !fs.existsSync(final))) this.catalog.remove(row.archiveId);
    }
  }

  /**
   * The archive is being opened: make sure its index exists or is being built, and mark it used.
   * A failed index stays failed (with its message) until `retry` is asked for.
   */
  open(ref: ArchiveRef, options: { retry?: boolean } = {}): IndexStatus {
    const id = ref.archive.id;
    if (!isArchiveId(id)) throw new Error("not an archive id");
    const building = this.builds.get(id);
    if (building) return this.buildStatus(id, building);
    const row = this.catalog.get(id);
    if (row?.state === "complete" && fs.existsSync(indexPaths(this.options.dir, id).final)) {
      this.catalog.touch(id);
      return this.rowStatus(row);
    }
    if (row?.state === "failed" && !options.retry) return this.rowStatus(row);
    if (this.stopped) return { archiveId: id, state: "failed", entries: 0, readable: false, error: "The server is shutting down.", errorKind: "cancelled" };
    return this.startBuild(ref);
  }

  /** Current status without starting anything; null when the archive was never opened (or was evicted). */
  status(archiveId: string): IndexStatus | null {
    const building = this.builds.get(archiveId);
    if (building) return this.buildStatus(archiveId, building);
    const row = this.catalog.get(archiveId);
    return row ? this.rowStatus(row) : null;
  }

  /** Settles when the running build (if any) ends. */
  async whenSettled(archiveId: string): Promise<IndexStatus | null> {
    const building = this.builds.get(archiveId);
    if (building) return building.done;
    return this.status(archiveId);
  }

  /** A reader of the index (partial while building, once its first batch is committed), or null. */
  reader(archiveId: string): IndexReader | null {
    const building = this.builds.get(archiveId);
    const cached = this.readers.get(archiveId);
    if (cached) return cached.reader;
    if (!isArchiveId(archiveId)) return null;
    const files = indexPaths(this.options.dir, archiveId);
    if (building) {
      if (!building.readable) return null;
      const reader = new IndexReader(openIndexReader(files.partial, true));
      this.readers.set(archiveId, { reader, partial: true });
      return reader;
    }
    const row = this.catalog.get(archiveId);
    if (row?.state !== "complete" || !fs.existsSync(files.final)) return null;
    const reader = new IndexReader(openIndexReader(files.final));
    this.readers.set(archiveId, { reader, partial: false });
    // An index completed before a restart may lack its search index: build it now that it is used.
    this.ensureSearchIndex(archiveId);
    return reader;
  }

  /** Settles when the archive's sort and search indexes are built (or their build stopped); see search.ts. */
  async whenSearchReady(archiveId: string): Promise<void> {
    await this.whenSettled(archiveId);
    await this.searchBuilds.get(archiveId)?.done;
  }

  /**
   * Builds the sort indexes and the trigram search index of a complete index in the background (in a
   * worker thread, and in chunks with pauses, so the server keeps answering); until then a folder is
   * sorted when read and search scans. Joins a build already running.
   */
  private ensureSearchIndex(archiveId: string): void {
    if (this.stopped || this.searchBuilds.has(archiveId)) return;
    const { final } = indexPaths(this.options.dir, archiveId);
    const controller = new AbortController();
    // The sort indexes first (a worker thread builds them: one statement each, seconds on a large
    // archive), then the trigram index in chunks on this thread.
    const done = execInWorker(final, SORT_INDEX_STATEMENTS, controller.signal)
      .then((sorted) => sorted && buildSearchIndex(final, controller.signal))
      .then((built) => {
        if (built) this.catalog.resize(archiveId, indexFileBytes(final));
      })
      .catch(() => {
        // The file was evicted or is unreadable: search keeps scanning; the next open tries again.
      })
      .finally(() => this.searchBuilds.delete(archiveId));
    this.searchBuilds.set(archiveId, { controller, done });
  }

  /** Stops every build (server shutdown) and closes the readers; waits until the builds are gone. */
  async stop(): Promise<void> {
    this.stopped = true;
    const pending = [...this.builds.values()];
    for (const build of pending) build.controller.abort();
    const searches = [...this.searchBuilds.values()];
    for (const search of searches) search.controller.abort();
    for (const wake of this.waiting.splice(0)) wake();
    await Promise.allSettled([...pending.map((b) => b.done), ...searches.map((s) => s.done)]);
    for (const id of [...this.readers.keys()]) this.closeReader(id);
  }

  /** Catalog rows (for an admin view or tests). */
  catalogRows(): CatalogRow[] {
    return this.catalog.all();
  }

  private buildStatus(id: string, build: Build): IndexStatus {
    return { archiveId: id, state: build.state, entries: build.entries, readable: build.readable, error: null, errorKind: null };
  }

  private rowStatus(row: CatalogRow): IndexStatus {
    return {
      archiveId: row.archiveId,
      state: row.state === "building" ? "building" : row.state,
      entries: row.entries,
      readable: row.state === "complete",
      error: row.error,
      errorKind: row.errorKind,
    };
  }

  private closeReader(id: string): void {
    this.readers.get(id)?.reader.close();
    this.readers.delete(id);
  }

  private startBuild(ref: ArchiveRef): IndexStatus {
    const id = ref.archive.id;
    this.closeReader(id);
    this.catalog.startBuild({ archiveId: id, repoId: ref.repoId, host: ref.host, archiveName: ref.archive.name });
    const build: Build = { ref, state: "queued", entries: 0, readable: false, controller: new AbortController(), done: Promise.resolve(null as never) };
    build.done = this.runBuild(build);
    this.builds.set(id, build);
    return this.buildStatus(id, build);
  }

  private async acquireSlot(signal: AbortSignal): Promise<void> {
    while (this.running >= this.maxConcurrent && !signal.aborted) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
  }

  private releaseSlot(): void {
    this.running--;
    this.waiting.shift()?.();
  }

  private async runBuild(build: Build): Promise<IndexStatus> {
    const id = build.ref.archive.id;
    const files = indexPaths(this.options.dir, id);
    await Promise.resolve(); // let open() register the build before anything below can finish it
    await this.acquireSlot(build.controller.signal);
    let status: IndexStatus;
    try {
      if (build.controller.signal.aborted) throw new IndexCancelled();
      build.state = "building";
      let lastCatalogWrite = 0;
      const onBatch = (progress: BuildProgress) => {
        build.entries = progress.entries;
        build.readable = progress.readable;
        if (Date.now() - lastCatalogWrite >= CATALOG_PROGRESS_MS) {
          lastCatalogWrite = Date.now();
          this.catalog.progress(id, progress.entries);
        }
      };
      const meta = { archiveId: id, archiveName: build.ref.archive.name, repoId: build.ref.repoId };
      const result = await buildIndexFile(this.list(build.ref, build.controller.signal), files, meta, onBatch, () => this.closeReader(id));
      if (build.controller.signal.aborted) {
        // Stopped just as the listing ended (borg had already written everything): the catalog will
        // not call it complete, so its file must not stay behind either.
        removeIndexFile(files.final);
        throw new IndexCancelled();
      }
      this.catalog.complete(id, result.entries, indexFileBytes(files.final));
      status = { archiveId: id, state: "complete", entries: result.entries, readable: true, error: null, errorKind: null };
    } catch (err) {
      this.closeReader(id);
      removeIndexFile(files.partial);
      const { message, kind } = describeFailure(err, build.controller.signal.aborted);
      this.catalog.fail(id, message, kind);
      status = { archiveId: id, state: "failed", entries: build.entries, readable: false, error: message, errorKind: kind };
    } finally {
      this.releaseSlot();
      this.builds.delete(id);
    }
    if (status.state === "complete") {
      this.evict(id);
      this.ensureSearchIndex(id);
    }
    return status;
  }

  /** Drops least recently used complete indexes until the total fits the budget; never `keep`, a build, or one in use. */
  private evict(keep: string): void {
    const rows = this.catalog.all().filter((r) => r.state === "complete");
    let total = rows.reduce((sum, r) => sum + r.bytes, 0);
    const inUseSince = Date.now() - (this.options.evictionGraceMs ?? EVICTION_GRACE_MS);
    for (const row of rows) {
      if (total <= this.options.diskBudget) break;
      if (row.archiveId === keep || this.builds.has(row.archiveId) || row.lastUsedAt > inUseSince) continue;
      this.closeReader(row.archiveId);
      this.searchBuilds.get(row.archiveId)?.controller.abort();
      removeIndexFile(indexPaths(this.options.dir, row.archiveId).final);
      this.catalog.remove(row.archiveId);
      total -= row.bytes;
    }
  }
}

class IndexCancelled extends Error {
  constructor() {
    super("Indexing was cancelled (the server stopped).");
  }
}

function describeFailure(err: unknown, aborted: boolean): { message: string; kind: string } {
  if (aborted || err instanceof IndexCancelled)
    return { message: "Indexing was cancelled (the server stopped). Open the archive again to restart it.", kind: "cancelled" };
  if (isBorgError(err)) return { message: err.userMessage, kind: err.kind };
  return { message: `Indexing failed: ${err instanceof Error ? err.message : String(err)}`, kind: "other" };
}
