/**
 * The name-search index (names_trigrams, an FTS5 trigram index over `names`), built AFTER the listing.
 *
 * Why deferred: maintained row by row during the listing, the trigram index was the largest single
 * cost of indexing a large archive (each name adds ~20 trigram postings), and it kept the complete
 * index well behind borg's own listing speed. Built afterwards from the `names` table, in chunks with a
 * pause for the event loop between them, it costs the server no long block and the folders are
 * browsable (complete, with sizes) as soon as borg's listing ends. Until it is ready, search still
 * answers, exactly, by scanning `names` (IndexReader.search); `meta.search = 'ready'` marks it done.
 */
import Database from "better-sqlite3";
import { yieldToEventLoop } from "./writer";

/** Names indexed per transaction: a few tens of milliseconds each. */
const CHUNK = 5_000;

const SEARCH_READY_KEY = "search";

/** Whether the trigram index of this index file is complete. */
export function searchIndexReady(db: Database.Database): boolean {
  const row = db.prepare("SELECT value FROM meta WHERE key = ?").pluck().get(SEARCH_READY_KEY);
  return row === "ready";
}

/**
 * Builds the trigram index of a complete index file (opened read-write here, readers keep reading
 * meanwhile). Resumes where an interrupted build stopped. Returns false when aborted.
 */
export async function buildSearchIndex(file: string, signal: AbortSignal): Promise<boolean> {
  const db = new Database(file, { fileMustExist: true });
  try {
    if (searchIndexReady(db)) return true;
    const nextChunk = db.prepare("INSERT INTO names_trigrams (rowid, name_lower) SELECT id, name_lower FROM names WHERE id > ? ORDER BY id LIMIT ?");
    const chunkEnd = db.prepare("SELECT max(id) FROM (SELECT id FROM names WHERE id > ? ORDER BY id LIMIT ?)").pluck();
    const markReady = db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?, 'ready')");
    // Where an interrupted build stopped: its progress is kept in meta with each chunk.
    const progress = db.prepare("SELECT value FROM meta WHERE key = 'search_done_through'").pluck();
    const saveProgress = db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('search_done_through', ?)");
    let after = Number(progress.get() ?? -1);
    const step = db.transaction((from: number): number => {
      const added = nextChunk.run(from, CHUNK).changes;
      if (added === 0) {
        markReady.run(SEARCH_READY_KEY);
        return -1;
      }
      const through = chunkEnd.get(from, CHUNK) as number;
      saveProgress.run(String(through));
      return through;
    });
    for (;;) {
      if (signal.aborted) return false;
      const through = step(after);
      if (through < 0) return true;
      after = through;
      await yieldToEventLoop();
    }
  } finally {
    db.close();
  }
}
