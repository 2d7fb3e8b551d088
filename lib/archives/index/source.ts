/**
 * Where an archive index's entries come from: borg's item metadata dump (fast) or `borg list` (always
 * works). One decision, made here.
 *
 * `borg debug dump-archive-items` hands over the decrypted item metadata in ~0.4 s per million entries
 * where the leanest `borg list` takes ~9 s (docs/benchmarks.md), and lib/borg/itemDump.ts turns it
 * into exactly what `borg list` would have said. Its price: the dump holds the repository's shared lock
 * while it runs, so it is used only when `dumpNotAllowed` (itemDump.ts) says so: a local repo no writer
 * holds. A remote repo, a held one, and any dump failure before the first entry go to `borg list`,
 * which never takes the lock (lib/borg/commands.ts).
 */
import path from "node:path";
import { isBorgError, listIndexContents, type BorgCallOptions, type IndexItem } from "@/lib/borg";
import { dumpIndexContents, dumpNotAllowed } from "@/lib/borg/itemDump";
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
  if ((await dumpNotAllowed(target)) === null) {
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
