/**
 * One restore drill: prove that files of the newest archive come back intact.
 *
 *   1. choose a sample (sample.ts) from the archive's complete file index when the archive browser built
 *      one (indexedListing.ts), else from one `borg list` of the archive,
 *   2. `borg extract` the sample into a fresh scratch directory, and at the same time read
 *      `borg extract --stdout` of the same paths (the reference), comparing each stretch of it byte for
 *      byte with the same range of the restored file as soon as the extract has written it
 *      (compareRestored.ts): a differing byte, size or type is a mismatch, a file extract did not
 *      write is missing,
 *   3. delete the scratch directory, whatever happened.
 *
 * The two borg processes run side by side (one for what lands on disk, one for the reference bytes)
 * and the comparison reads each restored byte once, from the page cache, while the extract runs: on a
 * machine with a free core the drill takes about as long as one extract (docs/benchmarks.md). Both
 * read with --bypass-lock: a backup running meanwhile is neither blocked nor failed.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { extractArchive, extractFilesToStdout, listContents, type BorgCallOptions, type BorgTarget } from "@/lib/borg";
import { archivePathProblem, selectionPatterns } from "@/lib/borg/archivePaths";
import { compareWithRestored, type CompareOptions, type FileVerdict } from "./compareRestored";
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
}

interface DrillReport {
  files: number;
  bytes: number;
  /** Display paths of files whose restored bytes differ from borg's stream. */
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

/** Where the sample was chosen from: the archive's file index, or a `borg list` of the archive. */
type SampleSource = "index" | "listing";

/**
 * Chooses the sample: from `indexed` (the archive's complete file index) when given, else from one
 * `borg list` of the archive. An index that goes away half way (evicted) falls back to the listing.
 */
export async function chooseSample(
  target: BorgTarget,
  archive: string,
  options: Pick<DrillOptions, "maxBytes" | "maxFiles" | "random" | "indexed"> & BorgCallOptions,
): Promise<{ files: SampledFile[]; source: SampleSource }> {
  const { maxBytes, maxFiles, random, indexed, ...opts } = options;
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

/** Restore `sample` into the scratch directory and compare (steps 2 and 3 above); the caller removes it. */
async function restoreAndCompare(target: BorgTarget, archive: string, sample: readonly SampledFile[], options: DrillOptions): Promise<DrillResultCounts> {
  const { scratchDir, maxBytes: _b, maxFiles: _f, random: _r, beforeCompare, onSample: _s, indexed: _i, ...opts } = options;
  const tree = path.join(scratchDir, "tree");
  await mkdir(tree, { recursive: true, mode: 0o700 });
  const patternsFile = path.join(scratchDir, "sample.patterns");
  const paths = sample.map((f) => f.pathBytes);
  await writeFile(patternsFile, selectionPatterns(paths, "exact"), { mode: 0o600 });

  // Stops the comparison's waiting when the drill fails (an extract error, a deadline, a hook that threw).
  const abandon = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, abandon.signal]) : abandon.signal;
  const reference = await extractFilesToStdout(target, archive, paths, opts);
  let extractFinished = false;
  let verdicts: FileVerdict[];
  try {
    [verdicts] = await Promise.all([
      compareWithRestored(reference.stdout as AsyncIterable<Buffer>, sample, {
        tree,
        extractFinished: () => extractFinished,
        signal,
        beforeCompare,
      }).then(async (v) => {
        await reference.done;
        return v;
      }),
      // No --progress: it would walk the whole selection once more to total its size.
      extractArchive(target, archive, { cwd: tree, patternsFile, progress: false }, opts).finally(() => (extractFinished = true)),
    ]);
  } catch (err) {
    abandon.abort();
    reference.stop("cancelled");
    await reference.done.catch(() => {});
    throw err;
  }
  opts.signal?.throwIfAborted(); // the drill's deadline or shutdown also stops a drill that just finished

  const report: DrillResultCounts = { files: sample.length, bytes: 0, mismatched: [], missing: [], mismatchedCount: 0, missingCount: 0 };
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
    const { files: sample, source: sampleSource } = await chooseSample(target, archive, options);
    options.onSample?.(
      sample.length,
      sample.reduce((n, f) => n + f.size, 0),
    );
    if (sample.length === 0) return { files: 0, bytes: 0, mismatched: [], missing: [], mismatchedCount: 0, missingCount: 0, sample, sampleSource };
    const report = await restoreAndCompare(target, archive, sample, options);
    return { ...report, sample, sampleSource };
  } finally {
    await rm(options.scratchDir, { recursive: true, force: true });
  }
}

/** Removes scratch directories (of drills a killed process left behind). */
export async function removeScratch(dirs: readonly string[]): Promise<void> {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
}
