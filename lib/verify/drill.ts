/**
 * One restore drill: prove that files of the newest archive come back intact.
 *
 *   1. choose a sample (sample.ts) from the archive's complete file index when the archive browser built
 *      one (indexedListing.ts), else, when chunk ids are to be checked and the repo is local with no
 *      writer holding it, from borg's item dump, which gives the files' chunk lists in the same pass
 *      (dumpSample.ts), else from one `borg list` of the archive,
 *   2. `borg extract` the sample into a fresh scratch directory and, while it writes, check each
 *      restored file against a reference:
 *      - the archive's own chunk ids (chunkIdCheck.ts, the default): each file split at its recorded
 *        chunk sizes must hash to the recorded ids with the repo's id function. The key is loaded beside
 *        the extract (a local repo's config file, else `borg key export`); the chunk lists came with
 *        the sample from the item dump, or a dump beside the extract reads them (sample from the index);
 *      - or, when that cannot be used (an unknown encryption mode, a key the configured passphrase does
 *        not open, a borg whose item dump we cannot read, a remote repo or one a backup holds, no
 *        repository info given), borg's own stream:
 *        `borg extract --stdout` of the same paths compared byte for byte (compareRestored.ts);
 *      a differing byte, size or type is a mismatch, a file extract did not write is missing; each
 *      checked file is removed as soon as the extract has moved on to the next one
 *      (restoredFile.ts releasePassed), so the scratch tree holds about two sampled files, not the sample,
 *   3. delete the scratch directory, whatever happened.
 *
 * The chunk-id check costs one decryption of the sample (the extract's) plus hashing on the second
 * core: about one extract (docs/benchmarks.md). The stream comparison runs two borg processes side by
 * side and costs two. Every borg call reads with --bypass-lock except the item dump (borg has no such
 * option for debug commands; lib/borg/itemDump.ts): a backup running meanwhile is neither blocked nor failed.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { extractArchive, extractFilesToStdout, isBorgError, listContents, type BorgCallOptions, type BorgTarget } from "@/lib/borg";
import { archivePathProblem, selectionPatterns } from "@/lib/borg/archivePaths";
import { dumpNotAllowed } from "@/lib/borg/itemDump";
import { checkAgainstChunkIds, loadChunkIdReference, type ChunkRef } from "./chunkIdCheck";
import { sampleWithChunkLists } from "./dumpSample";
import { compareWithRestored } from "./compareRestored";
import type { CompareOptions, FileVerdict } from "./restoredFile";
import { SampleSelector, type SampledFile, type SampleItem } from "./sample";

export interface DrillOptions extends BorgCallOptions {
  /** A directory that does not exist yet; created for the drill and removed at the end. */
  scratchDir: string;
  maxBytes: number;
  maxFiles: number;
  /** Randomness for the spread part of the sample (tests and benches pass a seeded one). */
  random?: () => number;
  /** Test hook: runs once the extract has written a file, before that file is compared (tests tamper with it here). */
  beforeCompare?: CompareOptions["beforeCompare"];
  /** The archive's entries from its complete file index, when there is one: no `borg list` then. */
  indexed?: Listing | null;
  /** Called with the number of files and bytes once the sample is chosen (progress for long drills). */
  onSample?: (files: number, bytes: number) => void;
  /**
   * The repo's encryption mode and id (`borg list --json`): with them the drill checks the restored
   * files against the archive's chunk ids; without them (or when that cannot be used) against borg's stream.
   */
  repository?: { encryption: string | null; id: string | null };
  /** Test hook: force the stream comparison even when chunk ids could be checked. */
  method?: "stream";
}

/** How the restored files were verified. */
export type VerifyMethod = "chunk-ids" | "stream";

interface DrillReport {
  files: number;
  bytes: number;
  /** How the restored files were checked; with "stream", `fallbackReason` says why not by chunk ids. */
  method: VerifyMethod;
  fallbackReason: string | null;
  /** Display paths of files whose restored bytes differ from the reference (chunk ids or borg's stream). */
  mismatched: string[];
  /** Display paths of files the extract did not write. */
  missing: string[];
}

export interface DrillResultCounts extends DrillReport {
  /** Exact counts (the lists above stop at LISTED_PROBLEMS). */
  mismatchedCount: number;
  missingCount: number;
}

/** How many problem paths a report keeps (the counts are exact). */
const LISTED_PROBLEMS = 50;

/** Entries with their position in archive order, from somewhere other than `borg list` (indexedListing.ts). */
type Listing = AsyncIterable<{ item: SampleItem; seq: number }>;

/** Where the sample was chosen from: the archive's file index, borg's item dump, or a `borg list` of the archive. */
type SampleSource = "index" | "dump" | "listing";

/** A chosen sample; from the dump it comes with each file's chunk list (undefined: none recorded). */
interface ChosenSample {
  files: SampledFile[];
  source: SampleSource;
  chunkLists?: Array<ChunkRef[] | undefined>;
}

/**
 * Chooses the sample: from `indexed` (the archive's complete file index) when given; else, when
 * `dumpDir` is given and the dump may run (lib/borg/itemDump.ts `dumpNotAllowed`), from borg's item dump
 * together with the files' chunk lists (dumpSample.ts); else from one `borg list` of the archive. An
 * index that goes away half way (evicted) or a dump that fails falls back to the listing.
 */
export async function chooseSample(
  target: BorgTarget,
  archive: string,
  options: Pick<DrillOptions, "maxBytes" | "maxFiles" | "random" | "indexed"> & BorgCallOptions & { dumpDir?: string },
): Promise<ChosenSample> {
  const { maxBytes, maxFiles, random, indexed, dumpDir, ...opts } = options;
  const limits = { maxBytes, maxFiles };
  if (indexed) {
    const selector = new SampleSelector(limits, random);
    try {
      for await (const { item, seq } of indexed) {
        if (archivePathProblem(item.pathBytes) === null) selector.add(item, seq);
      }
      return { files: selector.sample(), source: "index" };
    } catch (err) {
      opts.signal?.throwIfAborted();
      if (!isIndexGone(err)) throw err;
    }
  } else if (dumpDir && (await dumpNotAllowed(target)) === null) {
    try {
      return { ...(await sampleWithChunkLists(target, archive, limits, random, { ...opts, workDir: dumpDir })), source: "dump" };
    } catch (err) {
      // A borg whose dump we cannot read, a writer that took the lock meanwhile: list instead.
      opts.signal?.throwIfAborted();
      if (isBorgError(err) && (err.kind === "cancelled" || err.kind === "timeout")) throw err;
    }
  }
  // A fresh selector: a random generator shared with an abandoned index walk still gives a valid sample.
  const selector = new SampleSelector(limits, random);
  for await (const item of listContents(target, archive, opts)) {
    if (archivePathProblem(item.pathBytes) === null) selector.add(item);
  }
  return { files: selector.sample(), source: "listing" };
}

/** better-sqlite3's error when the index's reader was closed under the walk (the index was evicted). */
function isIndexGone(err: unknown): boolean {
  return err instanceof TypeError && /database connection is not open/i.test(err.message);
}

/** Restore `sample` into the scratch directory and check it (steps 2 and 3 above); the caller removes it. */
async function restoreAndCompare(
  target: BorgTarget,
  archive: string,
  { files: sample, chunkLists }: ChosenSample,
  options: DrillOptions,
): Promise<DrillResultCounts> {
  const { scratchDir, maxBytes: _b, maxFiles: _f, random: _r, beforeCompare, onSample: _s, indexed: _i, repository, method: forced, ...opts } = options;
  const tree = path.join(scratchDir, "tree");
  await mkdir(tree, { recursive: true, mode: 0o700 });
  const patternsFile = path.join(scratchDir, "sample.patterns");
  const paths = sample.map((f) => f.pathBytes);
  await writeFile(patternsFile, selectionPatterns(paths, "exact"), { mode: 0o600 });

  // Stops the check's waiting and its borg calls when the drill fails (an extract error, a deadline, a hook that threw).
  const abandon = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, abandon.signal]) : abandon.signal;
  let extractFinished = false;
  const compare: CompareOptions = { tree, extractFinished: () => extractFinished, signal, beforeCompare };

  /** The check, beside the extract: chunk ids when they load, else borg's stream (started then). */
  const check = async (): Promise<{ verdicts: FileVerdict[]; method: VerifyMethod; fallbackReason: string | null }> => {
    const chunkIds =
      forced === "stream"
        ? { reason: "the stream comparison was asked for" }
        : !repository
          ? { reason: "the repository's encryption mode was not known" }
          : await loadChunkIdReference(target, archive, sample, {
              ...opts,
              signal,
              workDir: path.join(scratchDir, "dump"),
              encryption: repository.encryption,
              repositoryId: repository.id,
              chunkLists,
            });
    if ("chunkLists" in chunkIds) return { verdicts: await checkAgainstChunkIds(sample, chunkIds, compare), method: "chunk-ids", fallbackReason: null };
    const reference = await extractFilesToStdout(target, archive, paths, { ...opts, signal });
    try {
      const verdicts = await compareWithRestored(reference.stdout as AsyncIterable<Buffer>, sample, compare);
      await reference.done;
      return { verdicts, method: "stream", fallbackReason: chunkIds.reason };
    } catch (err) {
      reference.stop("cancelled");
      await reference.done.catch(() => {});
      throw err;
    }
  };

  const checking = check();
  // No --progress: it would walk the whole selection once more to total its size.
  const extracting = extractArchive(target, archive, { cwd: tree, patternsFile, progress: false }, { ...opts, signal }).finally(() => (extractFinished = true));
  let checked: Awaited<ReturnType<typeof check>>;
  try {
    [checked] = await Promise.all([checking, extracting]);
  } catch (err) {
    abandon.abort();
    // Every borg of the drill has exited (and written its last byte) before the scratch directory goes.
    await Promise.allSettled([checking, extracting]);
    throw err;
  }
  opts.signal?.throwIfAborted(); // the drill's deadline or shutdown also stops a drill that just finished

  const { verdicts, method, fallbackReason } = checked;
  const report: DrillResultCounts = {
    files: sample.length,
    bytes: 0,
    method,
    fallbackReason,
    mismatched: [],
    missing: [],
    mismatchedCount: 0,
    missingCount: 0,
  };
  sample.forEach((file, i) => {
    report.bytes += file.size;
    if (verdicts[i] === "missing" && report.missingCount++ < LISTED_PROBLEMS) report.missing.push(file.path);
    if (verdicts[i] === "mismatched" && report.mismatchedCount++ < LISTED_PROBLEMS) report.mismatched.push(file.path);
  });
  return report;
}

/**
 * The whole drill on one archive: sample, restore, compare, and remove the scratch directory (also
 * when anything fails). Throws BorgError when borg failed, timed out or was cancelled.
 */
export async function runDrill(
  target: BorgTarget,
  archive: string,
  options: DrillOptions,
): Promise<DrillResultCounts & { sample: SampledFile[]; sampleSource: SampleSource }> {
  await mkdir(options.scratchDir, { mode: 0o700 });
  try {
    // The dump's one pass gives the chunk lists too, when they will be checked.
    const wantChunkIds = options.repository !== undefined && options.method !== "stream";
    const chosen = await chooseSample(target, archive, { ...options, dumpDir: wantChunkIds ? path.join(options.scratchDir, "dump") : undefined });
    const { files: sample, source: sampleSource } = chosen;
    options.onSample?.(
      sample.length,
      sample.reduce((n, f) => n + f.size, 0),
    );
    if (sample.length === 0)
      return {
        files: 0,
        bytes: 0,
        method: "chunk-ids",
        fallbackReason: null,
        mismatched: [],
        missing: [],
        mismatchedCount: 0,
        missingCount: 0,
        sample,
        sampleSource,
      };
    const report = await restoreAndCompare(target, archive, chosen, options);
    return { ...report, sample, sampleSource };
  } finally {
    await rm(options.scratchDir, { recursive: true, force: true });
  }
}

/** Removes scratch directories (of drills a killed process left behind). */
export async function removeScratch(dirs: readonly string[]): Promise<void> {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
}
