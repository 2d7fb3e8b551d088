/**
 * Reading a file that `borg extract` is still writing into a drill's scratch tree, as far as it has
 * written it: both drill comparisons (compareRestored.ts against borg's stream, chunkIdCheck.ts
 * against the archive's chunk ids) wait here for bytes instead of after the whole extract, so they
 * overlap with borg on the second core and read each restored byte once, from the page cache.
 */
import { constants } from "node:fs";
import { lstat, open, unlink, type FileHandle } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import type { SampledFile } from "./sample";

export type FileVerdict = "same" | "mismatched" | "missing";

export interface CompareOptions {
  /** The scratch tree the extract writes into (its working directory). */
  tree: string;
  /** True once the extract process has exited: nothing more will be written. */
  extractFinished: () => boolean;
  signal?: AbortSignal;
  /** Test hook: runs once the extract has written a file completely, before that file is compared. */
  beforeCompare?: (tree: string, file: SampledFile) => Promise<void>;
}

/** How much of a restored file is read back at once. */
const WINDOW_BYTES = 1024 * 1024;
/** Waiting for the extract: first look again after 1 ms, backing off to this. */
const MAX_POLL_MS = 20;

/** The restored file as a Buffer path (archive paths are bytes, and may not be UTF-8). */
function restoredPath(tree: string, pathBytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${tree}/`), pathBytes]);
}

const isGone = (err: unknown) => {
  const code = (err as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR";
};

/** Polls `probe` until it returns a value, backing off; gives up (null) once the extract has exited. */
async function waitFor<T>(probe: () => Promise<T | null>, options: CompareOptions): Promise<T | null> {
  for (let delay = 1; ; delay = Math.min(MAX_POLL_MS, delay * 2)) {
    // Read "finished" before probing: a probe after the extract exited sees everything it wrote.
    const finished = options.extractFinished();
    const value = await probe();
    if (value !== null || finished) return value;
    options.signal?.throwIfAborted();
    await sleep(delay, undefined, { signal: options.signal });
  }
}

/** One restored file being compared: an open handle and the last range read back from it. */
export class RestoredFile {
  /** Small files get a small buffer: a sample of 500 files would otherwise allocate 500 MiB over time. */
  private readonly window: Buffer;
  private windowStart = 0;
  private windowEnd = 0;

  private constructor(
    private readonly handle: FileHandle,
    private readonly size: number,
    private readonly options: CompareOptions,
  ) {
    this.window = Buffer.allocUnsafe(Math.max(1, Math.min(WINDOW_BYTES, size)));
  }

  /** Opens the restored file once the extract created it; "missing" when it never did, "mismatched" when it is no regular file. */
  static async open(tree: string, file: SampledFile, options: CompareOptions): Promise<RestoredFile | "missing" | "mismatched"> {
    const where = restoredPath(tree, file.pathBytes);
    if (options.beforeCompare) {
      // Let the test hook see the whole file, as the extract left it.
      const complete = await waitFor(async () => {
        const stat = await lstat(where).catch((err: unknown) => (isGone(err) ? null : Promise.reject(err)));
        return stat && (!stat.isFile() || stat.size >= file.size) ? stat : null;
      }, options);
      if (complete) await options.beforeCompare(options.tree, file);
    }
    const handle = await waitFor(
      // O_NOFOLLOW: a symlink is not the file; O_NONBLOCK: a fifo in its place must not block the open.
      () => open(where, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch((err: unknown) => (isGone(err) ? null : Promise.reject(err))),
      options,
    ).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ELOOP") return "symlink" as const; // a symlink where a file should be
      throw err;
    });
    if (handle === null) return "missing";
    if (handle === "symlink") return "mismatched";
    if (!(await handle.stat()).isFile()) {
      await handle.close();
      return "mismatched";
    }
    return new RestoredFile(handle, file.size, options);
  }

  /**
   * Up to `max` bytes of the restored file from `at`, once the extract has written them (a view of
   * the window, valid until the next call); null when the extract finished without writing that far.
   */
  async bytesAt(at: number, max: number): Promise<Buffer | null> {
    if (at < this.windowStart || at >= this.windowEnd) {
      if (!(await this.readWindow(at))) return null;
    }
    return this.window.subarray(at - this.windowStart, Math.min(this.windowEnd, at + max) - this.windowStart);
  }

  /** Whether `data` is what the restored file holds at `offset` (waits for the extract to write it). */
  async holds(data: Buffer, offset: number): Promise<boolean> {
    for (let done = 0; done < data.length;) {
      const restored = await this.bytesAt(offset + done, data.length - done);
      if (restored === null) return false;
      if (data.compare(restored, 0, restored.length, done, done + restored.length) !== 0) return false;
      done += restored.length;
    }
    return true;
  }

  close(): Promise<void> {
    return this.handle.close();
  }

  /** Reads the window starting at `at` once the extract has written it; false when it never will. */
  private async readWindow(at: number): Promise<boolean> {
    const wanted = Math.min(WINDOW_BYTES, this.size - at);
    if (wanted <= 0) return false;
    const size = await waitFor(async () => {
      const { size } = await this.handle.stat();
      return size >= at + wanted ? size : null;
    }, this.options);
    const available = Math.min(wanted, (size ?? (await this.handle.stat()).size) - at);
    if (available <= 0) return false;
    const { bytesRead } = await this.handle.read(this.window, 0, available, at);
    this.windowStart = at;
    this.windowEnd = at + bytesRead;
    return bytesRead > 0;
  }
}

/**
 * A last look at a restored file whose bytes were checked: one judged "same" that vanished, or changed
 * type or size since, is "missing" or "mismatched" now.
 */
async function lastLook(where: Buffer, file: SampledFile, verdict: FileVerdict): Promise<{ verdict: FileVerdict; isFile: boolean }> {
  const stat = await lstat(where).catch((err: unknown) => (isGone(err) ? null : Promise.reject(err)));
  if (verdict === "same" && !stat) verdict = "missing";
  else if (verdict === "same" && (!stat!.isFile() || stat!.size !== file.size)) verdict = "mismatched";
  return { verdict, isFile: stat?.isFile() ?? false };
}

/**
 * The extract has moved past `file` (it created the next sampled file, or exited; it restores in
 * archive order and finishes a file, attributes included, before it starts the next): the last look at
 * it, then it is removed. So a drill's scratch tree holds about two sampled files at a time, not the
 * whole sample (a 1 GiB sample of 64 MiB files needs about 128 MiB of scratch space), and the removal
 * runs beside the extract instead of after it. Only regular files are removed here (a directory in a
 * file's place stays for the drill's final removal). The verdict after the look is returned.
 */
export async function releasePassed(file: SampledFile, verdict: FileVerdict, options: CompareOptions): Promise<FileVerdict> {
  if (verdict === "missing") return verdict;
  const where = restoredPath(options.tree, file.pathBytes);
  const looked = await lastLook(where, file, verdict);
  if (looked.isFile) await unlink(where).catch((err: unknown) => (isGone(err) ? undefined : Promise.reject(err)));
  return looked.verdict;
}

/**
 * After the extract exited: the last look (above) at each file from `from` on that releasePassed has
 * not seen (the files before `from` were released). Changes `verdicts` in place.
 */
export async function finalLook(sample: readonly SampledFile[], verdicts: FileVerdict[], options: CompareOptions, from = 0): Promise<void> {
  await waitFor(async () => null, options); // until the extract has exited
  for (let i = Math.max(0, from); i < sample.length; i++) {
    if (verdicts[i] !== "same") continue;
    if (i % 64 === 0) options.signal?.throwIfAborted();
    verdicts[i] = (await lastLook(restoredPath(options.tree, sample[i]!.pathBytes), sample[i]!, "same")).verdict;
  }
}
