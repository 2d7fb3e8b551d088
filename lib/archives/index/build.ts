/**
 * Streams an archive listing into a partial index file and, when the listing is complete, renames it
 * to its final name. Batches commit every BATCH_ROWS items or BATCH_MS, whichever comes first, so the
 * first folders are browsable within moments while a large archive is still being read.
 */
import fs from "node:fs";
import type { IndexItem } from "@/lib/borg";
import { createIndexFile, removeIndexFile } from "./file";
import { IndexWriter, yieldToEventLoop } from "./writer";

const BATCH_ROWS = 2_000;
const BATCH_MS = 250;
/** Items parsed between pauses for the event loop. */
const YIELD_EVERY = 250;

export interface BuildProgress {
  /** Entries listed by borg so far. */
  entries: number;
  /** The partial file holds committed rows that readers can see. */
  readable: boolean;
}

export interface BuildResult {
  entries: number;
  bytes: number;
}

/**
 * Consumes `items` into `partial`, then moves it to `final`. On any failure (or abort) the partial file
 * is removed and the error rethrown. `onBatch` runs after each committed batch.
 */
export async function buildIndexFile(
  items: AsyncIterable<IndexItem>,
  files: { partial: string; final: string },
  meta: Record<string, string>,
  onBatch: (progress: BuildProgress) => void = () => {},
  /** Called before the file is sealed and renamed: close every reader of the partial file here. */
  beforeSeal: () => void = () => {},
  /** Milliseconds per step, filled in for the benchmark (scripts/bench/archiveIndexStages.ts). */
  stages: Record<string, number> = {},
): Promise<BuildResult> {
  let stageStart = performance.now();
  const stage = (name: string) => {
    const now = performance.now();
    stages[name] = now - stageStart;
    stageStart = now;
  };
  const db = createIndexFile(files.partial);
  let closed = false;
  try {
    const writer = new IndexWriter(db);
    let lastFlush = Date.now();
    const commit = () => {
      writer.flush();
      lastFlush = Date.now();
      onBatch({ entries: writer.listed, readable: true });
    };
    commit();
    let sinceYield = 0;
    for await (const item of items) {
      writer.add(item);
      if (writer.pendingCount >= BATCH_ROWS || Date.now() - lastFlush >= BATCH_MS) {
        commit();
        sinceYield = YIELD_EVERY;
      }
      // borg's output may be buffered far ahead: without a pause the loop runs on microtasks alone
      // and starves every request in the meantime.
      if (++sinceYield >= YIELD_EVERY) {
        sinceYield = 0;
        await yieldToEventLoop();
      }
    }
    commit();
    stage("listing and inserts");
    await writer.finish();
    stage("folder totals");
    const insertMeta = db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");
    for (const [key, value] of Object.entries({ ...meta, entries: String(writer.listed), completedAt: new Date().toISOString() })) insertMeta.run(key, value);
    beforeSeal();
    // One self-contained file from here on: readers open it read-only, no WAL beside it.
    db.pragma("wal_checkpoint(TRUNCATE)");
    db.pragma("journal_mode = DELETE");
    db.close();
    closed = true;
    fs.renameSync(files.partial, files.final);
    removeIndexFile(files.partial);
    stage("seal");
    return { entries: writer.listed, bytes: fs.statSync(files.final).size };
  } catch (err) {
    if (!closed) db.close();
    removeIndexFile(files.partial);
    throw err;
  }
}
