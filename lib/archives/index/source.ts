/**
 * Where an archive index's entries come from: borg's item metadata dump (fast) or `borg list` (always
 * works). One decision, made here.
 *
 * `borg debug dump-archive-items` hands over the decrypted item metadata in ~0.4 s per million entries
 * where the leanest `borg list` takes ~9 s (docs/benchmarks.md), and lib/borg/itemDump.ts turns it
 * into exactly what `borg list` would have said. Its price: borg allows `--bypass-lock` only for
 * list/extract/info-like commands, so the dump holds the repository's SHARED lock while it runs, and a
 * `borg create` that starts in that moment waits for it (the client kit waits up to 6 h; borg's own
 * default is 1 s, which a dump of up to ~2 million entries stays under). So the dump is used only for
 * a local repo that no writer holds at that moment, with a 1 s wait for the lock; a remote repo (every
 * metadata chunk a network round trip under the lock) and any dump failure before the first entry go
 * to `borg list`, which never takes the lock (lib/borg/commands.ts).
 */
import path from "node:path";
import { isBorgError, isLocalLocation, isRepoLockedLocally, listIndexContents, type BorgCallOptions, type IndexItem } from "@/lib/borg";
import { dumpIndexContents } from "@/lib/borg/itemDump";
import type { ArchiveRef } from "../locate";

export interface IndexSourceOptions extends BorgCallOptions {
  /** The index directory: the dump's temporary files go to a subdirectory (same disk, same owner). */
  indexDir: string;
}

/** Subdirectory of the index directory for dumps in progress (emptied at start-up). */
export const DUMP_SUBDIR = "dumps";

export async function* indexEntries(ref: ArchiveRef, options: IndexSourceOptions): AsyncGenerator<IndexItem, void, undefined> {
  const { indexDir, ...borg } = options;
  const { target, archive } = ref;
  if (isLocalLocation(target.location) && !(await isRepoLockedLocally(target.location))) {
    let yielded = false;
    try {
      for await (const item of dumpIndexContents(target, archive.name, { ...borg, workDir: path.join(indexDir, DUMP_SUBDIR) })) {
        yielded = true;
        yield item;
      }
      return;
    } catch (err) {
      // Cancelled, timed out, or failed half-way: the build reports it (a restart from scratch would
      // duplicate entries). Before the first entry (a writer took the lock, a borg whose dump we cannot
      // read): borg list, below.
      if (yielded || borg.signal?.aborted || (isBorgError(err) && (err.kind === "cancelled" || err.kind === "timeout"))) throw err;
    }
  }
  yield* listIndexContents(target, archive.name, borg);
}
