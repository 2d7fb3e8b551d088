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
import { BorgError } from "@/lib/borg/errors";
import { finalLook, releasePassed, RestoredFile, type CompareOptions, type FileVerdict } from "./restoredFile";
import type { SampledFile } from "./sample";

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
    const opened = await RestoredFile.open(options.tree, file, options);
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
      if (index < sample.length) {
        await openCurrent();
        // The extract created this file (or exited): it is done with the one before.
        verdicts[index - 1] = await releasePassed(sample[index - 1]!, verdicts[index - 1]!, options);
      }
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
  await finalLook(sample, verdicts, options, sample.length - 1);
  return verdicts;
}
