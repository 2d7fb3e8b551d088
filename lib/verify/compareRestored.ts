/**
 * The comparison of a restore drill: borg's reference stream (`borg extract --stdout` of the sample, the
 * files' bytes back to back in archive order) against the files `borg extract` is writing into the
 * scratch tree at the same time, byte for byte.
 *
 * Both borg processes run side by side. The reference is usually ahead (it writes nothing to disk), so
 * each stretch of the stream waits until the extract has written that far into the file (or has
 * exited), then is compared with the same byte range read back from the restored file: no hashing, and
 * no second pass over the restored tree once the extract is done. Reading the stream only as fast as the
 * extract writes also keeps the restored bytes in the page cache while they are compared.
 *
 * A file the extract never wrote is missing; a file whose bytes, size or type differ is mismatched. A
 * last look at each file's type and size after both processes ended catches a file that changed or
 * vanished after its bytes were compared.
 */
import { constants } from "node:fs";
import { lstat, open, type FileHandle } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { BorgError } from "@/lib/borg/errors";
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
class RestoredFile {
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

  /** Opens the restored file once the extract created it; null when it never did (missing). */
  static async open(where: Buffer, file: SampledFile, options: CompareOptions): Promise<RestoredFile | "missing" | "mismatched"> {
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

  /** Whether `data` is what the restored file holds at `offset` (waits for the extract to write it). */
  async holds(data: Buffer, offset: number): Promise<boolean> {
    for (let done = 0; done < data.length;) {
      const at = offset + done;
      if (at < this.windowStart || at >= this.windowEnd) {
        if (!(await this.readWindow(at))) return false;
      }
      const n = Math.min(data.length - done, this.windowEnd - at);
      if (data.compare(this.window, at - this.windowStart, at - this.windowStart + n, done, done + n) !== 0) return false;
      done += n;
    }
    return true;
  }

  close(): Promise<void> {
    return this.handle.close();
  }

  /** Reads the window starting at `at` once the extract has written it; false when it never will. */
  private async readWindow(at: number): Promise<boolean> {
    const wanted = Math.min(WINDOW_BYTES, this.size - at);
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
 * Reads the whole reference `stream` (split by the listed sizes of `sample`) and compares it with the
 * restored files; the verdict for each file, in sample order. Resolves once the stream ended and the
 * extract finished. Throws when the stream's length does not match the listing.
 */
export async function compareWithRestored(stream: AsyncIterable<Buffer>, sample: readonly SampledFile[], options: CompareOptions): Promise<FileVerdict[]> {
  const verdicts: FileVerdict[] = [];
  let index = 0; // the file the stream is in
  let offset = 0; // bytes of it read from the stream
  let current: RestoredFile | null = null;
  let verdict: FileVerdict = "same";

  const openCurrent = async () => {
    const file = sample[index]!;
    const opened = await RestoredFile.open(restoredPath(options.tree, file.pathBytes), file, options);
    current = typeof opened === "string" ? null : opened;
    verdict = typeof opened === "string" ? opened : "same";
    offset = 0;
  };
  /** Closes every file the stream is done with (zero-size files at once) and opens the next. */
  const nextWhileComplete = async () => {
    while (index < sample.length && offset === sample[index]!.size) {
      await current?.close();
      current = null;
      verdicts.push(verdict);
      index++;
      if (index < sample.length) await openCurrent();
    }
  };

  // Start reading before the first await: a stream nobody reads yet may be switched to flowing mode by
  // its owner (execa resumes an unread stdout) and lose what borg wrote. A pending read holds borg's
  // output back (backpressure) while the first file is awaited.
  const chunks = stream[Symbol.asyncIterator]();
  const first = chunks.next();
  first.catch(() => {}); // awaited below; an error meanwhile is not "unhandled"
  try {
    if (sample.length > 0) await openCurrent();
    await nextWhileComplete();
    let extra = 0;
    for (let next = await first; !next.done; next = await chunks.next()) {
      const chunk = next.value;
      for (let pos = 0; pos < chunk.length;) {
        if (index >= sample.length) {
          extra += chunk.length - pos;
          break;
        }
        const take = Math.min(sample[index]!.size - offset, chunk.length - pos);
        const file = current as RestoredFile | null;
        if (file && verdict === "same" && !(await file.holds(chunk.subarray(pos, pos + take), offset))) verdict = "mismatched";
        offset += take;
        pos += take;
        await nextWhileComplete();
      }
    }
    if (index < sample.length || extra > 0) {
      throw new BorgError({
        kind: "other",
        userMessage: `borg extract --stdout did not write the sizes the archive listing gave (${index} of ${sample.length} files complete, ${extra} bytes too many).`,
      });
    }
  } finally {
    await (current as RestoredFile | null)?.close().catch(() => {});
    await chunks.return?.();
  }

  // Both processes are done: a last look at what stayed on disk (a compared file that vanished or grew).
  await waitFor(async () => null, options); // until the extract has exited
  for (let i = 0; i < sample.length; i++) {
    if (verdicts[i] !== "same") continue;
    if (i % 64 === 0) options.signal?.throwIfAborted();
    const stat = await lstat(restoredPath(options.tree, sample[i]!.pathBytes)).catch((err: unknown) => (isGone(err) ? null : Promise.reject(err)));
    if (!stat) verdicts[i] = "missing";
    else if (!stat.isFile() || stat.size !== sample[i]!.size) verdicts[i] = "mismatched";
  }
  return verdicts;
}
