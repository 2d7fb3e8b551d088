/**
 * A download's body written straight into the Node response the production server lent to the
 * request (lib/http/lentResponse.mjs): borg's stdout read into a few fixed buffers
 * (lib/borg/stdoutSocket.ts) and each read written to the socket as it is, no web stream, no Next
 * response pipeline and no allocation per read in between: on a 3 GiB tar, half the server's CPU
 * per GiB of the web-stream path, most of it garbage collection (docs/benchmarks.md, "Downloads").
 *
 * Same contract as the web-stream path in download.ts (startDownload chooses): the first output is
 * awaited before the status line, so a borg failure before any byte is still an HTTP error; a borg
 * failure later destroys the connection (no final chunk: the client sees a broken download, never a
 * silently short file); a client that goes away stops borg; `onEnd` is called once with the outcome
 * and the bytes sent. Memory stays flat: at most POOL_SIZE buffers are in flight, and when the client
 * is slower than borg, reading stops until a write has gone out (borg then blocks on its full socket).
 */
import type { ServerResponse } from "node:http";
import { openStdoutSocket, type BorgProcess, type StdoutSocket } from "@/lib/borg";
import type { StartBorgDownload, StartedDownload, StreamOutcome } from "./download";

/** One read's buffer: borg's socket holds about 208 KiB, so one read can take all that is there. */
const BUFFER_BYTES = 256 * 1024;
/** Buffers written and not yet handed to the kernel, at most (plus the one being read into). */
const POOL_SIZE = 4;

const CLIENT_GONE = "cancelled: the client closed the connection";

/** Fixed read buffers, reused once the write of their bytes has completed. */
class BufferPool {
  private readonly free: Buffer[] = [];

  constructor(size: number) {
    for (let i = 0; i < size; i++) this.free.push(Buffer.allocUnsafe(BUFFER_BYTES));
  }

  take(): Buffer {
    // Node asks for the next read's buffer right after each read, even when reading then pauses; the
    // reader pauses while `low`, so this allocates only if Node asks out of turn.
    return this.free.pop() ?? Buffer.allocUnsafe(BUFFER_BYTES);
  }

  give(buffer: Buffer): void {
    if (this.free.length < POOL_SIZE) this.free.push(buffer);
  }

  /** One free buffer or none: it goes to the next read, so reading must pause after that one. */
  get low(): boolean {
    return this.free.length <= 1;
  }
}

/** What to do with a read: hold the first one until the response starts, then write each one. */
type ReadHandler = (length: number, buffer: Buffer) => boolean;

/**
 * Starts borg with its stdout on a fixed-buffer socket, waits for its first output, and returns the
 * response to give Next: headers and body go out through `res` directly, and Next gets an empty body
 * that closes with the connection.
 */
export async function startDirectDownload(
  start: StartBorgDownload,
  res: ServerResponse,
  onEnd: (result: StreamOutcome) => void,
  errorMessage: (err: unknown) => string,
): Promise<StartedDownload> {
  const pool = new BufferPool(POOL_SIZE);
  let first: { length: number; buffer: Buffer } | null = null;
  let firstRead: () => void = () => {};
  const gotFirst = new Promise<void>((resolve) => (firstRead = resolve));
  let handle: ReadHandler = (length, buffer) => {
    first = { length, buffer };
    firstRead();
    return false; // nothing more until the response has started
  };
  const socket: StdoutSocket = await openStdoutSocket({ buffer: () => pool.take(), callback: (length, buffer) => handle(length, buffer) });
  const reader = socket.reader;
  let proc: BorgProcess;
  try {
    proc = await start({ stdoutTo: socket.childEnd });
  } catch (err) {
    reader.destroy();
    throw err;
  } finally {
    socket.closeChildEnd();
  }

  // borg's first output, or its end: an empty file is fine, a failure is borg's error.
  let ended = false;
  const endOfOutput = new Promise<void>((resolve) => {
    reader.once("end", resolve).once("close", resolve);
    reader.on("error", () => resolve());
  });
  void endOfOutput.then(() => (ended = true));
  await Promise.race([gotFirst, endOfOutput]);
  if (!first) {
    try {
      await proc.done;
    } catch (err) {
      onEnd({ outcome: "failed", bytes: 0, reason: errorMessage(err) });
      throw err;
    }
  }

  return {
    respond(headers) {
      const closed = new Promise<void>((resolve) => res.once("close", resolve));
      // With a Content-Length (one file), a size that differs makes the end an error (→ failed).
      res.strictContentLength = true;
      res.writeHead(200, headers);
      const reads = { proc, reader, res, pool, first, errorMessage, isEnded: () => ended, ended: endOfOutput };
      void pipeReads(reads, (h) => (handle = h)).then(onEnd);
      // What Next pipes into `res` after the handler returns: nothing, and it ends when the
      // connection closes (Next then sees a finished or aborted response and leaves it alone).
      return new Response(new ReadableStream({ start: (controller) => void closed.then(() => controller.close()) }));
    },
  };
}

interface Reads {
  proc: BorgProcess;
  reader: StdoutSocket["reader"];
  res: ServerResponse;
  pool: BufferPool;
  /** The read that arrived before the response started (it paused the socket), or null. */
  first: { length: number; buffer: Buffer } | null;
  errorMessage: (err: unknown) => string;
  /** borg's output has ended (its end of the socket closed). */
  isEnded: () => boolean;
  ended: Promise<void>;
}

/** Writes every read into `res` until borg's output ends; then borg's exit status decides how the body ends. */
function pipeReads(p: Reads, setHandler: (handler: ReadHandler) => void): Promise<StreamOutcome> {
  const { proc, reader, res, pool } = p;
  let bytes = 0;
  let inFlight = 0;
  let paused = true; // the first read paused the socket
  let settled = false;
  return new Promise<StreamOutcome>((resolve) => {
    // Stopped as "cancelled" is the request's signal: Next aborts it when the connection closes.
    const clientGone = (err: unknown) => err === CLIENT_GONE || proc.stopReason === "cancelled";
    const failed = (err: unknown, byClient = clientGone(err)) => resolve({ outcome: "failed", bytes, reason: byClient ? CLIENT_GONE : p.errorMessage(err) });
    /** Stops everything; the reason is CLIENT_GONE, or borg's own failure when its exit has one. */
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      const byClient = clientGone(err);
      const wasRunning = proc.stopReason === null;
      proc.stop("cancelled");
      // Stopped here (it had not exited): our reason, not borg's "cancelled".
      const stoppedHere = wasRunning && proc.stopReason === "cancelled";
      reader.destroy();
      res.destroy();
      if (byClient) return failed(err, true);
      void proc.done.then(
        () => failed(err, false),
        (borgErr: unknown) => failed(stoppedHere ? err : borgErr, false),
      );
    };
    const finishIfDone = () => {
      if (settled || !p.isEnded() || inFlight > 0) return;
      settled = true;
      proc.done.then(
        () => {
          const ended = (err?: Error | null) => {
            if (!err) return resolve({ outcome: "ok", bytes });
            res.destroy();
            failed(err);
          };
          try {
            res.end(ended);
          } catch (err) {
            ended(err as Error); // fewer bytes than the Content-Length (strictContentLength)
          }
        },
        (borgErr: unknown) => {
          res.destroy();
          failed(borgErr);
        },
      );
    };
    const send: ReadHandler = (length, buffer) => {
      bytes += length;
      inFlight++;
      const written = (err?: Error | null) => {
        inFlight--;
        pool.give(buffer);
        // A write fails only when the connection does (the client went away or the network failed);
        // the socket may report it before the response has seen its "close".
        if (err) return fail(CLIENT_GONE);
        if (paused && !settled) {
          paused = false;
          reader.resume();
        }
        finishIfDone();
      };
      try {
        // (chunk, callback) only: Next's compression wrapper around res.write passes on two arguments.
        res.write(buffer.subarray(0, length), written);
      } catch (err) {
        // e.g. more bytes than the Content-Length (strictContentLength): never let it escape the read callback.
        inFlight--;
        fail(err);
        return false;
      }
      if (!pool.low) return true;
      paused = true;
      return false;
    };

    res.once("close", () => {
      if (!res.writableFinished) fail(CLIENT_GONE);
    });
    reader.on("error", (err) => fail(err));
    void p.ended.then(finishIfDone);
    setHandler(send);
    if (p.first) send(p.first.length, p.first.buffer);
    else finishIfDone();
    if (paused && !pool.low && !settled) {
      paused = false;
      reader.resume();
    }
  });
}
