/**
 * One restore drill: prove that files of the newest archive come back intact.
 *
 *   1. list the archive and choose a sample (sample.ts),
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
import { SampleSelector, type SampledFile } from "./sample";

export interface DrillOptions extends BorgCallOptions {
  /** A directory that does not exist yet; created for the drill and removed at the end. */
  scratchDir: string;
  maxBytes: number;
  maxFiles: number;
  /** Randomness for the spread part of the sample (tests and benches pass a seeded one). */
  random?: () => number;
  /** Test hook: runs once the extract has written a file, before that file is compared (tests tamper with it here). */
  beforeCompare?: CompareOptions["beforeCompare"];
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

/** Chooses the sample from the archive listing (one `borg list`). */
export async function chooseSample(
  target: BorgTarget,
  archive: string,
  options: Pick<DrillOptions, "maxBytes" | "maxFiles" | "random"> & BorgCallOptions,
): Promise<SampledFile[]> {
  const selector = new SampleSelector({ maxBytes: options.maxBytes, maxFiles: options.maxFiles }, options.random);
  const { maxBytes: _b, maxFiles: _f, random: _r, ...opts } = options;
  for await (const item of listContents(target, archive, opts)) {
    if (archivePathProblem(item.pathBytes) === null) selector.add(item);
  }
  return selector.sample();
}

/** Restore `sample` into the scratch directory and compare (steps 2 and 3 above); the caller removes it. */
async function restoreAndCompare(target: BorgTarget, archive: string, sample: readonly SampledFile[], options: DrillOptions): Promise<DrillResultCounts> {
  const { scratchDir, maxBytes: _b, maxFiles: _f, random: _r, beforeCompare, onSample: _s, ...opts } = options;
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
export async function runDrill(target: BorgTarget, archive: string, options: DrillOptions): Promise<DrillResultCounts & { sample: SampledFile[] }> {
  await mkdir(options.scratchDir, { mode: 0o700 });
  try {
    const sample = await chooseSample(target, archive, options);
    options.onSample?.(
      sample.length,
      sample.reduce((n, f) => n + f.size, 0),
    );
    if (sample.length === 0) return { files: 0, bytes: 0, mismatched: [], missing: [], mismatchedCount: 0, missingCount: 0, sample };
    const report = await restoreAndCompare(target, archive, sample, options);
    return { ...report, sample };
  } finally {
    await rm(options.scratchDir, { recursive: true, force: true });
  }
}

/** Removes scratch directories (of drills a killed process left behind). */
export async function removeScratch(dirs: readonly string[]): Promise<void> {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
}
