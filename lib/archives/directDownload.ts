/**
 * A download's body written straight into the Node response the production server lent to the
 * request (lib/http/lentResponse.mjs): borg's stdout piped into the socket with Node's own stream
 * backpressure, no web stream and no Next response pipeline in between. On a 3 GiB tar this is the
 * difference between about 0.6× and borg's own speed (docs/benchmarks.md, "Downloads").
 *
 * Same contract as the web-stream path in download.ts (startDownload chooses): the first output is
 * awaited before the status line, so a borg failure before any byte is still an HTTP error; a borg
 * failure later destroys the connection (no final chunk: the client sees a broken download, never a
 * silently short file); a client that goes away stops borg; `onEnd` is called once with the outcome
 * and the bytes sent.
 */
import type { ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import type { BorgProcess } from "@/lib/borg";
import type { StartedDownload, StreamOutcome } from "./download";

const CLIENT_GONE = "cancelled: the client closed the connection";

/**
 * borg's first chunk, null when borg ended without output; rejects with borg's error when borg failed
 * first. Leaves the stream paused with nothing lost.
 */
function firstChunk(proc: BorgProcess): Promise<Buffer | null> {
  const stdout = proc.stdout;
  return new Promise<Buffer | null>((resolve, reject) => {
    const settle = (chunk: Buffer | null) => {
      stdout.off("data", onData).off("end", onEnd).off("close", onEnd).off("error", onEnd);
      stdout.pause();
      if (chunk) resolve(chunk);
      // Ended or broke before any output: borg's exit says which (done rejects with its error).
      else proc.done.then(() => resolve(null), reject);
    };
    const onData = (chunk: Buffer) => settle(chunk);
    const onEnd = () => settle(null);
    stdout.on("data", onData).once("end", onEnd).once("close", onEnd).once("error", onEnd);
  });
}

/** Pipes the rest of borg's output into `res`; resolves with the outcome once borg and the response are done. */
async function pipeRest(proc: BorgProcess, res: ServerResponse, sent: { bytes: number }, errorMessage: (err: unknown) => string): Promise<StreamOutcome> {
  proc.stdout.on("data", (chunk: Buffer) => (sent.bytes += chunk.length));
  try {
    // end: false — borg's stdout ends when borg exits, successfully or not; only its exit status may end the body.
    await pipeline(proc.stdout, res, { end: false });
    await proc.done;
    // With a Content-Length (one file), strictContentLength makes a size that differs an error here.
    await new Promise<void>((resolve, reject) => res.end((err?: Error | null) => (err ? reject(err) : resolve())));
    return { outcome: "ok", bytes: sent.bytes };
  } catch (err) {
    const clientGone = proc.stopReason === "cancelled" || (res.destroyed && !res.writableFinished);
    proc.stop("cancelled");
    const borgFailure = await proc.done.then(
      () => null,
      (borgErr: unknown) => borgErr,
    );
    res.destroy();
    const reason = clientGone ? CLIENT_GONE : errorMessage(borgFailure ?? err);
    return { outcome: "failed", bytes: sent.bytes, reason };
  }
}

/**
 * Waits for borg's first output, then returns the response to give Next: the headers and body go out
 * through `res` directly, and Next gets an empty body that closes with the connection.
 */
export async function startDirectDownload(
  proc: BorgProcess,
  res: ServerResponse,
  onEnd: (result: StreamOutcome) => void,
  errorMessage: (err: unknown) => string,
): Promise<StartedDownload> {
  let first: Buffer | null;
  try {
    first = await firstChunk(proc);
  } catch (err) {
    onEnd({ outcome: "failed", bytes: 0, reason: errorMessage(err) });
    throw err;
  }
  return {
    respond(headers) {
      const closed = new Promise<void>((resolve) => res.once("close", resolve));
      res.strictContentLength = true;
      res.writeHead(200, headers);
      const sent = { bytes: 0 };
      if (first) {
        res.write(first);
        sent.bytes = first.length;
      }
      void pipeRest(proc, res, sent, errorMessage).then(onEnd);
      // What Next pipes into `res` after the handler returns: nothing, and it ends when the
      // connection closes (Next then sees a finished or aborted response and leaves it alone).
      return new Response(new ReadableStream({ start: (controller) => void closed.then(() => controller.close()) }));
    },
  };
}
