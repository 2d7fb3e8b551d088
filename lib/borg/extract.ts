/**
 * Restoring archive paths into a directory: `borg extract` with progress, and the safety scan that runs
 * before it.
 *
 * How the paths reach borg: a patterns file (archivePaths.ts `selectionPatterns`, "prefix" mode: each
 * selected path and everything below it), never the command line.
 *
 * Why a scan first: borg 1.2 extract follows a symlink it has just extracted when it writes a later
 * item below it: an archive holding `d -> /tmp/outside` and `d/file` (possible with `borg import-tar`
 * of a crafted tar) writes /tmp/outside/file. restore jobs therefore list exactly the items borg will
 * extract (same patterns, same order) and refuse a selection where an item lies below a symlink that
 * comes earlier, or has an absolute or `..` path.
 */
import { writeFile } from "node:fs/promises";
import { archivePathProblem, selectionPatterns } from "./archivePaths";
import { ContentsRecordSplitter, CONTENTS_FORMAT } from "./contents";
import type { BorgTarget } from "./commands";
import { BorgError } from "./errors";
import { archiveArg } from "./location";
import { startBorg, type BorgCallOptions, type BorgRunResult } from "./run";

// --- the patterns file --------------------------------------------------------------------------------

/** The patterns file text for these archive paths (see the top of this file). */
export function extractPatterns(paths: readonly Buffer[]): string {
  if (paths.length === 0) throw new BorgError({ kind: "other", userMessage: "Nothing was selected to restore." });
  for (const bytes of paths) {
    const problem = archivePathProblem(bytes);
    if (problem) throw new BorgError({ kind: "other", userMessage: `Cannot restore this path: ${problem}.` });
  }
  return selectionPatterns(paths, "prefix");
}

/** Write the patterns file (mode 0600: it names what is being restored). */
export async function writeExtractPatterns(file: string, paths: readonly Buffer[]): Promise<void> {
  await writeFile(file, extractPatterns(paths), { mode: 0o600 });
}

// --- the safety scan ----------------------------------------------------------------------------------

export interface ExtractScan {
  /** Items borg will extract (after strip-components drops some). */
  items: number;
  /** Their total size in bytes. */
  bytes: number;
  /** The first item that would be written outside the destination, and why; null when none. */
  unsafe: { path: string; reason: string } | null;
}

function stripPath(bytes: Buffer, strip: number): Buffer {
  if (strip === 0) return bytes;
  let at = 0;
  for (let i = 0; i < strip; i++) {
    const slash = bytes.indexOf(0x2f, at);
    if (slash === -1) return Buffer.alloc(0);
    at = slash + 1;
  }
  return bytes.subarray(at);
}

/** The first proper ancestor of `p` (latin1 text of the bytes) that is in `symlinks`, or null. */
function symlinkAncestor(p: string, symlinks: ReadonlySet<string>): string | null {
  if (symlinks.size === 0) return null;
  for (let slash = p.indexOf("/"); slash !== -1; slash = p.indexOf("/", slash + 1)) {
    const ancestor = p.slice(0, slash);
    if (symlinks.has(ancestor)) return ancestor;
  }
  return null;
}

/**
 * List what `borg extract --patterns-from <file>` would extract, in borg's order, and find items that
 * would land outside the destination. Memory: the set of symlinks seen, not the listing.
 */
export async function scanExtract(
  target: BorgTarget,
  archiveName: string,
  options: { patternsFile: string; stripComponents?: number },
  opts: BorgCallOptions = {},
): Promise<ExtractScan> {
  const strip = options.stripComponents ?? 0;
  const proc = await startBorg(
    {
      args: ["list", `--format=${CONTENTS_FORMAT}`, "--bypass-lock", `--patterns-from=${options.patternsFile}`, "--", archiveArg(target.location, archiveName)],
      secrets: target.secrets,
      location: target.location,
      unicodeEscape: true,
    },
    opts,
  );
  const splitter = new ContentsRecordSplitter();
  const symlinks = new Set<string>();
  const scan: ExtractScan = { items: 0, bytes: 0, unsafe: null };
  try {
    for await (const chunk of proc.stdout as AsyncIterable<Buffer>) {
      for (const item of splitter.push(chunk)) {
        if (scan.unsafe) continue;
        const stripped = stripPath(item.pathBytes, strip);
        if (stripped.length === 0) continue; // borg skips items stripped to nothing
        const p = stripped.toString("latin1");
        const problem = archivePathProblem(stripped);
        const viaLink = symlinkAncestor(p, symlinks);
        const hardlinkVia = item.hardlinkTarget
          ? symlinkAncestor(stripPath(Buffer.from(item.hardlinkTarget, "utf8"), strip).toString("latin1"), symlinks)
          : null;
        if (problem) scan.unsafe = { path: item.path, reason: problem };
        else if (viaLink !== null)
          scan.unsafe = {
            path: item.path,
            reason: `it lies below the symlink ${Buffer.from(viaLink, "latin1").toString("utf8")} in the archive, which borg would follow`,
          };
        else if (hardlinkVia !== null) scan.unsafe = { path: item.path, reason: "it is a hard link to a file below a symlink in the archive" };
        if (item.type === "l") symlinks.add(p);
        scan.items += 1;
        scan.bytes += item.size;
      }
    }
  } catch (err) {
    if (!proc.stopReason) throw err;
  }
  await proc.done;
  splitter.end();
  return scan;
}

// --- extract with progress -----------------------------------------------------------------------------

export interface ExtractProgress {
  phase: "preparing" | "extracting" | "permissions" | "finished";
  /** 0..100, null while borg is still sizing the selection. */
  percent: number | null;
  currentFile: string | null;
  bytesDone: number;
  bytesTotal: number;
  /** Bytes per second over the last few seconds; null until there are two samples. */
  speed: number | null;
  /** Seconds left at the current speed; null when unknown. */
  etaSeconds: number | null;
}

const SPEED_WINDOW_MS = 5_000;

/** Turns borg's `progress_percent` lines (msgid "extract" / "extract.permissions") into ExtractProgress. */
export class ExtractProgressTracker {
  private samples: Array<{ at: number; bytes: number }> = [];
  private last: ExtractProgress = { phase: "preparing", percent: null, currentFile: null, bytesDone: 0, bytesTotal: 0, speed: null, etaSeconds: null };

  get current(): ExtractProgress {
    return this.last;
  }

  update(line: Record<string, unknown>, now = Date.now()): ExtractProgress | null {
    if (line.type !== "progress_percent") return null;
    const msgid = typeof line.msgid === "string" ? line.msgid : "";
    if (msgid === "extract.permissions") {
      this.last = { ...this.last, phase: line.finished === true ? "finished" : "permissions", currentFile: null, etaSeconds: null };
      return this.last;
    }
    if (msgid !== "extract") return null;
    if (line.finished === true) {
      this.last = { ...this.last, phase: "permissions", percent: 100, bytesDone: this.last.bytesTotal, currentFile: null, etaSeconds: 0 };
      return this.last;
    }
    const info = Array.isArray(line.info) ? line.info : null;
    const current = typeof line.current === "number" ? line.current : 0;
    const total = typeof line.total === "number" ? line.total : 0;
    if (!info) return this.last; // "Calculating total archive size ..."
    this.samples.push({ at: now, bytes: current });
    while (this.samples.length > 2 && now - this.samples[0]!.at > SPEED_WINDOW_MS) this.samples.shift();
    const first = this.samples[0]!;
    const elapsed = (now - first.at) / 1000;
    const speed = elapsed > 0 ? (current - first.bytes) / elapsed : null;
    this.last = {
      phase: "extracting",
      percent: total > 0 ? Math.min(100, (current / total) * 100) : 100,
      currentFile: typeof info.at(-1) === "string" ? (info.at(-1) as string) : null,
      bytesDone: current,
      bytesTotal: total,
      speed,
      etaSeconds: speed && speed > 0 ? Math.max(0, (total - current) / speed) : null,
    };
    return this.last;
  }
}

export interface ExtractOptions {
  /** The directory to extract into (borg extracts into its working directory). */
  cwd: string;
  /** A file written by writeExtractPatterns. */
  patternsFile: string;
  stripComponents?: number;
  /**
   * `--progress` (default true). borg then first walks the whole selection to total its size, an extra
   * pass over the archive's metadata that a caller without a progress bar (restore drills) skips.
   */
  progress?: boolean;
  onProgress?: (progress: ExtractProgress) => void;
  /** Called with borg's pid as soon as it runs (restore jobs record it to clean up after a crash). */
  onStart?: (pid: number | undefined) => void;
}

/**
 * `borg extract [--progress]` of the selection into `cwd`. Reads with --bypass-lock (see commands.ts), so
 * a backup running on the same repo neither blocks the restore nor is blocked by it. Throws BorgError on
 * failure (a full disk shows as borg's "No space left on device"), timeout or cancel.
 */
export async function extractArchive(target: BorgTarget, archiveName: string, options: ExtractOptions, opts: BorgCallOptions = {}): Promise<BorgRunResult> {
  const strip = options.stripComponents ?? 0;
  if (!Number.isInteger(strip) || strip < 0) throw new RangeError(`stripComponents must be a non-negative integer, got ${strip}`);
  const args = ["extract", "--bypass-lock", ...(options.progress === false ? [] : ["--progress"]), `--patterns-from=${options.patternsFile}`];
  if (strip > 0) args.push(`--strip-components=${strip}`);
  args.push("--", archiveArg(target.location, archiveName));
  const tracker = new ExtractProgressTracker();
  const proc = await startBorg(
    {
      args,
      secrets: target.secrets,
      location: target.location,
      cwd: options.cwd,
      onProgress: (line) => {
        const progress = tracker.update(line);
        if (progress) options.onProgress?.(progress);
      },
    },
    opts,
  );
  options.onStart?.(proc.pid);
  proc.stdout.resume(); // extract writes nothing to stdout; drain it anyway so borg can never block
  const result = await proc.done;
  options.onProgress?.({ ...tracker.current, phase: "finished", percent: 100, bytesDone: tracker.current.bytesTotal, currentFile: null, etaSeconds: 0 });
  return result;
}
