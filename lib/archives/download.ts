/**
 * Pieces of the download route (app/api/archives/download/route.ts) that do not need a request:
 * the input schema (built from params.ts), the file name headers, the HTTP status of a borg failure, and how
 * borg's stdout becomes the response body (startDownload: straight into the Node response, or a web stream).
 *
 * The web-stream bridge is pull-based: a chunk is read from borg only when the HTTP response asks for one, so
 * a slow client slows borg down (its pipe fills and it blocks) instead of the server buffering the
 * archive in memory. Cancelling the stream (the client went away) stops borg's process group.
 */
import type { Readable } from "node:stream";
import { z } from "zod";
import { isBorgError, type BorgError, type BorgProcess, type StreamOptions } from "@/lib/borg";
import { takeLentResponse } from "@/lib/http/lentResponse.mjs";
import { startDirectDownload } from "./directDownload";
import { archiveFieldsSchema, archivePathSchema } from "./params";
import { displayPath } from "./pathParam";

const MAX_DOWNLOAD_PATHS = 10_000;
/** A form with 10,000 paths of a few hundred bytes each; anything larger is refused unread. */
export const MAX_FORM_BYTES = 16 * 1024 * 1024;

export const downloadRequestSchema = archiveFieldsSchema.extend({
  paths: z.array(archivePathSchema).min(1, "at least one path is needed").max(MAX_DOWNLOAD_PATHS, `at most ${MAX_DOWNLOAD_PATHS} paths`),
  format: z.enum(["file", "tar"]).optional(),
});
export type DownloadRequest = z.infer<typeof downloadRequestSchema>;

/** The request fields from query parameters or form fields (`path` repeated). */
export function downloadFields(params: URLSearchParams): Record<string, unknown> {
  const field = (name: string) => params.get(name) ?? undefined;
  return { host: field("host"), site: field("site"), archive: field("archive"), paths: params.getAll("path"), format: field("format") };
}

// --- file names ------------------------------------------------------------------------------------------

/** The last component of an archive path, for a file name. */
export function baseName(pathBytes: Buffer): Buffer {
  const slash = pathBytes.lastIndexOf(0x2f);
  return slash === -1 ? pathBytes : pathBytes.subarray(slash + 1);
}

/**
 * `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded>` (RFC 6266 / 5987).
 * Bytes that are not UTF-8 become U+FFFD in the UTF-8 name: a browser cannot save them as they are.
 */
export function contentDisposition(name: Buffer | string): string {
  const text = (typeof name === "string" ? name : name.toString("utf8")).replace(/[\u0000-\u001f\u007f/\\]/g, "_") || "download";
  const ascii = text.replace(/[^\x20-\x7e]|["%;]/g, "_");
  const encoded = encodeURIComponent(text).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

// --- failures ------------------------------------------------------------------------------------------

/** The HTTP status for a borg failure before the first byte was sent. */
export function statusForBorgError(err: unknown): number {
  if (!isBorgError(err)) return 500;
  switch ((err as BorgError).kind) {
    case "archive-not-found":
    case "repo-not-found":
      return 404;
    case "busy":
      return 503;
    case "timeout":
      return 504;
    case "connection-failed":
    case "path-not-allowed":
    case "wrong-passphrase":
      return 502;
    case "cancelled":
      return 499;
    default:
      return 500;
  }
}

export function errorMessage(err: unknown): string {
  if (isBorgError(err)) return (err as BorgError).userMessage;
  return err instanceof Error ? err.message : String(err);
}

/** Paths as the audit log shows them (invalid UTF-8 as \xNN, like the browser). */
export function auditPaths(paths: readonly Buffer[]): string[] {
  return paths.map((p) => displayPath(p));
}

// --- streaming -----------------------------------------------------------------------------------------

/** Batches of about this size: borg's tar writer hands the pipe 10-30 KB at a time. */
const BATCH_BYTES = 256 * 1024;
/** A batch smaller than BATCH_BYTES is sent once borg has written nothing more for this long. */
const BATCH_WAIT_MS = 10;

/**
 * Reads a Node stream in batches of about BATCH_BYTES, so the response gets ~10× fewer chunks than
 * borg's 10-30 KB writes (each chunk is a promise round trip through the web stream and a socket
 * write). The benchmark showed no measurable CPU change from this (docs/benchmarks.md, "Downloads"):
 * the server's cost is per byte. Memory stays bounded: a batch is at most BATCH_BYTES plus one chunk,
 * and nothing is read ahead of the consumer beyond Node's own stream buffer.
 */
class BatchReader {
  private ended = false;
  private failed: unknown = null;
  private wake: (() => void) | null = null;

  constructor(private readonly stream: Readable) {
    const notify = () => {
      const wake = this.wake;
      this.wake = null;
      wake?.();
    };
    stream.on("readable", notify);
    stream.on("end", () => {
      this.ended = true;
      notify();
    });
    // stop() destroys the stream without "end"; borg's exit status says why (the caller awaits it).
    stream.on("close", () => {
      this.ended = true;
      notify();
    });
    stream.on("error", (err) => {
      this.failed = err;
      notify();
    });
  }

  /**
   * The next batch (borg's chunks as read from the pipe, not joined: joining copied every byte once
   * more and allocated a 256 KiB buffer per batch for the garbage collector), or null at the end.
   */
  async next(): Promise<Buffer[] | null> {
    const parts: Buffer[] = [];
    let size = 0;
    for (;;) {
      let chunk: Buffer | null;
      while (size < BATCH_BYTES && (chunk = this.stream.read() as Buffer | null) !== null) {
        parts.push(chunk);
        size += chunk.length;
      }
      if (size >= BATCH_BYTES) return parts;
      if (this.failed) throw this.failed;
      if (this.ended) return size > 0 ? parts : null;
      const timedOut = await new Promise<boolean>((resolve) => {
        const timer = size > 0 ? setTimeout(() => resolve(true), BATCH_WAIT_MS) : null;
        this.wake = () => {
          if (timer) clearTimeout(timer);
          resolve(false);
        };
      });
      if (timedOut) {
        this.wake = null;
        return parts;
      }
    }
  }
}

export type StreamOutcome = { outcome: "ok"; bytes: number } | { outcome: "failed"; bytes: number; reason: string };

/** A download whose borg process has written its first output (or ended cleanly without any). */
export interface StartedDownload {
  /** The 200 response with these headers, whose body is everything borg writes. */
  respond(headers: Record<string, string>): Response;
}

/** Starts the download's borg process (extractToStdout or exportTar with these options). */
export type StartBorgDownload = (opts: Pick<StreamOptions, "stdoutTo">) => Promise<BorgProcess>;

/**
 * Starts borg, waits for its first output (so a failure before any byte can still become an HTTP
 * error; it rejects then) and returns the response to send. `onEnd` is called exactly once: ok after
 * borg exited cleanly, failed when borg failed, was stopped, or the client went away.
 *
 * The one place that decides how the body travels: when the production server lent this request its
 * Node response (scripts/server.mjs, lib/http/lentResponse.mjs), borg writes into a socket read into
 * fixed buffers that go straight into that response (directDownload.ts: half the server CPU per GiB);
 * otherwise (`next dev`, `next start`, a handler called in a test) borg's stdout pipe goes through a
 * web stream and Next's response pipeline.
 */
export async function startDownload(request: Request, start: StartBorgDownload, onEnd: (result: StreamOutcome) => void): Promise<StartedDownload> {
  // HEAD: Next answers it from GET without a body; the web stream is never read then.
  const lent = request.method === "HEAD" ? null : takeLentResponse(request.headers);
  if (lent) return startDirectDownload(start, lent, onEnd, errorMessage);
  const body = await startDownloadStream(await start({}), onEnd);
  return { respond: (headers) => new Response(body, { status: 200, headers }) };
}

/** The web-stream path of startDownload. */
async function startDownloadStream(proc: BorgProcess, onEnd: (result: StreamOutcome) => void): Promise<ReadableStream<Uint8Array>> {
  const batches = new BatchReader(proc.stdout);
  let bytes = 0;
  let ended = false;
  const end = (result: StreamOutcome) => {
    if (ended) return;
    ended = true;
    onEnd(result);
  };
  /** The next batch, or null at the end; throws borg's error (not the stream's) when borg failed. */
  const next = async (): Promise<Buffer[] | null> => {
    let batch: Buffer[] | null;
    try {
      batch = await batches.next();
    } catch (err) {
      await proc.done; // the stream broke because borg was stopped or failed: report borg's reason
      throw err;
    }
    if (batch === null) await proc.done;
    return batch;
  };

  let first: Buffer[] | null;
  try {
    first = await next();
  } catch (err) {
    end({ outcome: "failed", bytes: 0, reason: errorMessage(err) });
    throw err;
  }
  let pending: Buffer[] | null = first;
  let finished = first === null;
  if (finished) end({ outcome: "ok", bytes: 0 });

  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        // borg failed or was stopped (the request was aborted) while chunks are still queued: error the
        // stream now, dropping them, rather than when the queue has drained.
        proc.done.catch((err: unknown) => {
          if (finished) return;
          finished = true;
          end({ outcome: "failed", bytes, reason: errorMessage(err) });
          controller.error(err);
        });
      },
      async pull(controller) {
        if (finished) {
          controller.close();
          return;
        }
        try {
          // One of borg's chunks per pull, as it is (a view, no copy): the queue never holds more than
          // one, so an abort is seen at the next pull, as before batching.
          if (!pending?.length) pending = await next();
          const chunk = pending?.shift() ?? null;
          if (chunk === null) {
            finished = true;
            end({ outcome: "ok", bytes });
            controller.close();
            return;
          }
          bytes += chunk.length;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        } catch (err) {
          finished = true;
          end({ outcome: "failed", bytes, reason: errorMessage(err) });
          // The client sees a failed download (a reset connection), never a silently short file.
          controller.error(err);
        }
      },
      async cancel() {
        finished = true;
        end({ outcome: "failed", bytes, reason: "cancelled: the client closed the connection" });
        proc.stop("cancelled");
        await proc.done.catch(() => {});
      },
    },
    // One chunk queued at most: memory stays at borg's pipe plus a batch, whatever the size.
    { highWaterMark: 1 },
  );
  return body;
}
