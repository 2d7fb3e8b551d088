/**
 * One restore drill: prove that files of the newest archive come back intact.
 *
 *   1. list the archive and choose a sample (sample.ts),
 *   2. `borg extract` the sample into a fresh scratch directory, and at the same time stream
 *      `borg extract --stdout` of the same paths, hashing each file's bytes (sha256) as they pass,
 *   3. hash every restored file in the scratch directory and compare: a different hash (or size, or
 *      type) is a mismatch, a file extract did not write is missing,
 *   4. delete the scratch directory, whatever happened.
 *
 * The two borg processes run side by side (one for what lands on disk, one for the reference bytes), so
 * the drill takes about as long as one extract on a machine with two free cores. Both read with
 * --bypass-lock: a backup running meanwhile is neither blocked nor failed.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { lstat, mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { extractArchive, extractFilesToStdout, listContents, type BorgCallOptions, type BorgTarget } from "@/lib/borg";
import { archivePathProblem, selectionPatterns } from "@/lib/borg/archivePaths";
import { BorgError } from "@/lib/borg/errors";
import { SampleSelector, type SampledFile } from "./sample";

export interface DrillOptions extends BorgCallOptions {
  /** A directory that does not exist yet; created for the drill and removed at the end. */
  scratchDir: string;
  maxBytes: number;
  maxFiles: number;
  /** Randomness for the spread part of the sample (tests and benches pass a seeded one). */
  random?: () => number;
  /** Test hook: runs after extract, before the comparison (tests tamper with the restored tree here). */
  beforeCompare?: (tree: string, sample: readonly SampledFile[]) => Promise<void>;
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

/** The restored file as a Buffer path (archive paths are bytes, and may not be UTF-8). */
function restoredPath(tree: string, pathBytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${tree}/`), pathBytes]);
}

async function sha256OfFile(file: Buffer): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest("hex");
}

/** Splits borg's back-to-back file bytes by the listed sizes and hashes each file. */
async function hashStream(stream: AsyncIterable<Buffer>, sample: readonly SampledFile[]): Promise<string[]> {
  const hashes: string[] = [];
  let index = 0;
  let remaining = sample[0]?.size ?? 0;
  let hash = createHash("sha256");
  const advance = () => {
    // Close every file that is complete (zero-size files close at once).
    while (index < sample.length && remaining === 0) {
      hashes.push(hash.digest("hex"));
      index++;
      hash = createHash("sha256");
      remaining = sample[index]?.size ?? 0;
    }
  };
  advance();
  let extra = 0;
  for await (const chunk of stream) {
    let offset = 0;
    while (offset < chunk.length) {
      if (index >= sample.length) {
        extra += chunk.length - offset;
        break;
      }
      const take = Math.min(remaining, chunk.length - offset);
      hash.update(chunk.subarray(offset, offset + take));
      offset += take;
      remaining -= take;
      advance();
    }
  }
  if (index < sample.length || extra > 0) {
    throw new BorgError({
      kind: "other",
      userMessage: `borg extract --stdout did not write the sizes the archive listing gave (${index} of ${sample.length} files complete, ${extra} bytes too many).`,
    });
  }
  return hashes;
}

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

  const reference = await extractFilesToStdout(target, archive, paths, opts);
  let expected: string[];
  try {
    [expected] = await Promise.all([
      hashStream(reference.stdout as AsyncIterable<Buffer>, sample).then(async (h) => {
        await reference.done;
        return h;
      }),
      extractArchive(target, archive, { cwd: tree, patternsFile }, opts),
    ]);
  } catch (err) {
    reference.stop("cancelled");
    await reference.done.catch(() => {});
    throw err;
  }
  if (beforeCompare) await beforeCompare(tree, sample);
  opts.signal?.throwIfAborted(); // the drill's deadline or shutdown also stops the comparison

  const report: DrillResultCounts = { files: sample.length, bytes: 0, mismatched: [], missing: [], mismatchedCount: 0, missingCount: 0 };
  for (let i = 0; i < sample.length; i++) {
    const file = sample[i]!;
    if (i % 64 === 0) opts.signal?.throwIfAborted();
    report.bytes += file.size;
    const where = restoredPath(tree, file.pathBytes);
    const stat = await lstat(where).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT" || err.code === "ENOTDIR") return null;
      throw err;
    });
    if (!stat) {
      if (report.missingCount++ < LISTED_PROBLEMS) report.missing.push(file.path);
      continue;
    }
    if (!stat.isFile() || stat.size !== file.size || (await sha256OfFile(where)) !== expected[i]) {
      if (report.mismatchedCount++ < LISTED_PROBLEMS) report.mismatched.push(file.path);
    }
  }
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
