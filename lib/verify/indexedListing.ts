/**
 * A restore drill's sample chosen from the archive browser's file index (lib/archives/index) instead of
 * a fresh `borg list`: on a 1,000,000-entry archive the listing is most of the drill, and an index that
 * someone built by browsing the archive already holds every entry.
 *
 * Only a COMPLETE index is used (a partial one would bias the sample towards the start of the archive).
 * The walk reads the index in pages of entries in id order (IndexReader.listedAfter) and yields to the
 * event loop between pages, so a server drawing pages meanwhile stays responsive. Entry ids are assigned
 * in listing order (lib/archives/index/writer.ts), which is borg's extract order: the sample is sorted by them.
 */
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import type { ArchiveIndexes } from "@/lib/archives/index/manager";
import type { IndexEntry, IndexReader } from "@/lib/archives/index/reader";
import type { SampleItem } from "./sample";

/** Entries read per event-loop turn (one indexed query each). */
const ENTRIES_PER_TURN = 5000;

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

/** Every entry borg listed, in archive order, a page per event-loop turn; throws when the reader was closed (index evicted) meanwhile. */
async function* walk(reader: IndexReader, signal?: AbortSignal): AsyncGenerator<{ item: SampleItem; seq: number }> {
  for (let afterId = 0; ;) {
    await yieldToEventLoop();
    signal?.throwIfAborted();
    const page = reader.listedAfter(afterId, ENTRIES_PER_TURN);
    if (page.length === 0) return;
    for (const entry of page) yield { item: toItem(entry), seq: entry.id };
    afterId = page[page.length - 1]!.id;
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
