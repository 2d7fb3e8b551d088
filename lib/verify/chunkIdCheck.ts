/**
 * The drill's check of restored files against the archive's own chunk ids (the "checksums
 * recorded at selection"): borg recorded, for every file at backup time, its chunk list (id, size),
 * and a chunk's id is the repo's keyed hash of its plaintext (lib/borg/keyMaterial.ts). So each
 * restored file is split at the listed chunk sizes and every piece must hash to its recorded id.
 *
 * Why this instead of `borg extract --stdout` as the reference (compareRestored.ts): borg decrypts
 * every chunk once instead of twice (the drill's main cost: ~4.5 CPU s per GiB on this machine), and
 * the proof is stronger: the bytes on disk match the content addresses written at backup time, not
 * just a second decryption by the same borg.
 *
 * Like the stream comparison, each file is read while the extract writes it (restoredFile.ts), in
 * archive order, so hashing runs on the second core beside borg and reads from the page cache.
 * Verdicts are the same: a piece that hashes to another id, a short or long file, a symlink or other
 * non-file in its place → mismatched; a file the extract never wrote → missing.
 */
import { timingSafeEqual } from "node:crypto";
import { isBorgError, type BorgCallOptions, type BorgTarget } from "@/lib/borg";
import { dumpArchiveItems, dumpNotAllowed, type DumpedItem } from "@/lib/borg/itemDump";
import { chunkIdAlgorithm, loadChunkIdHash, type ChunkIdAlgorithm, type ChunkIdHasher } from "@/lib/borg/keyMaterial";
import { finalLook, releasePassed, RestoredFile, type CompareOptions, type FileVerdict } from "./restoredFile";
import type { SampledFile } from "./sample";

/** One entry of a file's chunk list: the chunk's id and plaintext size. */
export type ChunkRef = NonNullable<DumpedItem["chunks"]>[number];

/** What the chunk-id check needs: the id function and each sampled file's chunk list, in sample order. */
export interface ChunkIdReference {
  algorithm: ChunkIdAlgorithm;
  hasher: ChunkIdHasher;
  chunkLists: ChunkRef[][];
}

/** Why the drill could not check chunk ids (it then compares with borg's stream instead). */
export interface ChunkIdFallback {
  reason: string;
}

export interface ReferenceOptions extends BorgCallOptions {
  /** A local directory for borg's item dump (lib/borg/itemDump.ts makes and removes a subdirectory). */
  workDir: string;
  /** The sample's chunk lists when they were read with the sample (dumpSample.ts): no dump then. */
  chunkLists?: ReadonlyArray<ChunkRef[] | undefined>;
  /** The repo's encryption mode and id, as `borg list --json` gave them. */
  encryption: string | null;
  repositoryId: string | null;
}

/**
 * Loads the repo's id function (its key, decrypted in memory: lib/borg/keyMaterial.ts) and, unless the
 * sample came with them, the sample's chunk lists (`borg debug dump-archive-items`), both at once. Anything that makes them unusable (an unknown mode,
 * a key the passphrase does not open, a borg whose dump we cannot read, the repo lock held by a backup)
 * is a fallback with its reason, not a failed drill; the drill's own cancellation (its signal) is thrown.
 *
 * The dump is the one borg call of a drill that takes the repository's shared lock, so it runs only
 * when lib/borg/itemDump.ts `dumpNotAllowed` says it may (a local repo no writer holds); otherwise the
 * drill is checked against borg's stream.
 */
export async function loadChunkIdReference(
  target: BorgTarget,
  archive: string,
  sample: readonly SampledFile[],
  options: ReferenceOptions,
): Promise<ChunkIdReference | ChunkIdFallback> {
  const { workDir, encryption, repositoryId, chunkLists: known, ...opts } = options;
  if (chunkIdAlgorithm(encryption) === null) return { reason: `the chunk id function of encryption mode ${JSON.stringify(encryption)} is not known` };
  if (!known) {
    const notAllowed = await dumpNotAllowed(target);
    if (notAllowed) return { reason: notAllowed };
  }
  // One fails, the other stops (no borg keeps running for a reference nobody will use); both settle
  // before this returns, so nothing of the dump is left in the scratch directory.
  const stop = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
  let firstError: unknown = null;
  const stopOnError = <T>(p: Promise<T>) =>
    p.catch((err: unknown) => {
      firstError ??= err;
      stop.abort();
      throw err;
    });
  const [idHash, chunkLists] = await Promise.allSettled([
    stopOnError(loadChunkIdHash(target, encryption, repositoryId, { ...opts, signal })),
    stopOnError(known ? Promise.resolve(checkChunkLists(sample, known)) : sampleChunkLists(target, archive, sample, { ...opts, signal, workDir })),
  ]);
  opts.signal?.throwIfAborted(); // the drill's deadline or shutdown: no fallback, the drill stops
  if (idHash.status === "fulfilled" && chunkLists.status === "fulfilled") {
    if (typeof chunkLists.value === "string") return { reason: chunkLists.value };
    return { algorithm: idHash.value.algorithm, hasher: await idHash.value.createHasher(), chunkLists: chunkLists.value };
  }
  const err = firstError;
  return { reason: isBorgError(err) ? err.userMessage : err instanceof Error ? err.message : String(err) };
}

/** Each sampled file's chunk list from the archive's item metadata, in sample order; a string says why not. */
async function sampleChunkLists(
  target: BorgTarget,
  archive: string,
  sample: readonly SampledFile[],
  opts: BorgCallOptions & { workDir: string },
): Promise<ChunkRef[][] | string> {
  const wanted = new Map(sample.map((f, i) => [f.pathBytes.toString("latin1"), i]));
  const lists: Array<ChunkRef[] | undefined> = new Array(sample.length);
  const withChunks = (pathBytes: Buffer) => wanted.has(pathBytes.toString("latin1"));
  for await (const item of dumpArchiveItems(target, archive, { ...opts, withChunks })) {
    if (!item.chunks) continue;
    // The same path twice in one archive: extract writes both, the later one stays on disk.
    lists[wanted.get(item.pathBytes.toString("latin1"))!] = item.chunks;
  }
  return checkChunkLists(sample, lists);
}

/** The chunk lists when every sampled file has one that adds up to its listed size; else why not. */
function checkChunkLists(sample: readonly SampledFile[], lists: ReadonlyArray<ChunkRef[] | undefined>): ChunkRef[][] | string {
  for (let i = 0; i < sample.length; i++) {
    const list = lists[i];
    if (!list) return `the archive's item metadata has no chunk list for ${sample[i]!.path}`;
    const total = list.reduce((n, c) => n + c.size, 0);
    if (total !== sample[i]!.size) return `the chunk sizes of ${sample[i]!.path} add up to ${total} bytes, the listing says ${sample[i]!.size}`;
  }
  return lists as ChunkRef[][];
}

/**
 * Checks each restored file of `sample` (archive order, the extract's order) against its chunk list
 * while the extract writes it, and removes it once the extract has moved on (restoredFile.ts
 * releasePassed); the verdict for each file, in sample order. Resolves once the extract has finished
 * and a last look at every file's type and size is done.
 */
export async function checkAgainstChunkIds(sample: readonly SampledFile[], reference: ChunkIdReference, options: CompareOptions): Promise<FileVerdict[]> {
  const verdicts: FileVerdict[] = [];
  for (let i = 0; i < sample.length; i++) {
    const opened = await RestoredFile.open(options.tree, sample[i]!, options);
    // The extract created this file (or exited): it is done with the one before.
    if (i > 0) verdicts[i - 1] = await releasePassed(sample[i - 1]!, verdicts[i - 1]!, options);
    if (typeof opened === "string") {
      verdicts.push(opened);
      continue;
    }
    try {
      verdicts.push((await holdsChunks(opened, reference.chunkLists[i]!, reference.hasher)) ? "same" : "mismatched");
    } finally {
      await opened.close();
    }
  }
  await finalLook(sample, verdicts, options, sample.length - 1);
  return verdicts;
}

/** Whether the file's bytes, split at the chunk sizes, hash to the chunk ids (stops at the first that does not). */
async function holdsChunks(file: RestoredFile, chunks: readonly ChunkRef[], hasher: ChunkIdHasher): Promise<boolean> {
  let offset = 0;
  for (const chunk of chunks) {
    hasher.reset();
    for (let done = 0; done < chunk.size;) {
      const bytes = await file.bytesAt(offset + done, chunk.size - done);
      if (bytes === null) return false; // shorter than recorded
      hasher.update(bytes);
      done += bytes.length;
    }
    const id = hasher.digest();
    if (id.length !== chunk.id.length || !timingSafeEqual(id, chunk.id)) return false;
    offset += chunk.size;
  }
  return true;
}
