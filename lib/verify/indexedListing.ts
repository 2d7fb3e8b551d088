/**
 * A restore drill's sample chosen from the archive browser's file index (lib/archives/index) instead of
 * a fresh `borg list`: on a 1,000,000-entry archive the listing is most of the drill, and an index that
 * someone built by browsing the archive already holds every entry.
 *
 * Only a COMPLETE index is used (a partial one would bias the sample towards the start of the archive).
 * The walk goes folder by folder through the reader's public API and yields to the event loop between
 * folders, so a server drawing pages meanwhile stays responsive. Entry ids are assigned in listing order
 * (lib/archives/index/writer.ts), which is borg's extract order: the sample is sorted by them.
 */
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import type { ArchiveIndexes } from "@/lib/archives/index/manager";
import type { IndexEntry, IndexReader } from "@/lib/archives/index/reader";
import type { SampleItem } from "./sample";

/** Folders listed per event-loop turn (each folder is one indexed query). */
const FOLDERS_PER_TURN = 16;

function toItem(entry: IndexEntry): SampleItem {
  return {
    path: entry.path.toString("utf8"),
    pathBytes: entry.path,
    type: entry.type,
    mode: entry.mode,
    size: entry.size,
    mtime: entry.mtime,
    hardlinkTarget: entry.hardlinkTarget,
  };
}

/** Every entry under the root, folder by folder; null when the reader went away (index evicted) meanwhile. */
async function* walk(reader: IndexReader, signal?: AbortSignal): AsyncGenerator<{ item: SampleItem; seq: number }> {
  const root = reader.directory(Buffer.alloc(0));
  if (!root) return;
  const folders: IndexEntry[] = [root];
  for (let turn = 0; folders.length > 0; turn++) {
    if (turn % FOLDERS_PER_TURN === 0) {
      await yieldToEventLoop();
      signal?.throwIfAborted();
    }
    const folder = folders.pop()!;
    const count = folder.childCount ?? Number.MAX_SAFE_INTEGER;
    const { rows } = reader.list(folder, { sort: "name", order: "asc", offset: 0, limit: count });
    for (const entry of rows) {
      if (entry.type === "d") folders.push(entry);
      if (!entry.implicit) yield { item: toItem(entry), seq: entry.id };
    }
  }
}

/**
 * The archive's entries from its complete index, each with its position in archive order, or null when
 * there is no complete index of this archive (then the caller lists the archive with borg).
 */
export function indexedListing(
  indexes: ArchiveIndexes | null,
  archiveId: string,
  signal?: AbortSignal,
): AsyncIterable<{ item: SampleItem; seq: number }> | null {
  if (!indexes || indexes.status(archiveId)?.state !== "complete") return null;
  const reader = indexes.reader(archiveId);
  return reader ? walk(reader, signal) : null;
}
