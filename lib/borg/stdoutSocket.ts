/**
 * borg's stdout as a socket whose reads land in buffers the caller hands out (Node's `onread`), for
 * streaming gigabytes without a new allocation per read.
 *
 * Node reads a child's stdout pipe 64 KiB at a time into a fresh buffer each time; in the dashboard's
 * large heap those short-lived buffers cost more CPU in garbage collection than the bytes cost to
 * copy (docs/benchmarks.md, "Downloads"). `onread` is only offered for sockets Node connects itself,
 * so the pair is made through a listening UNIX socket in a private temporary directory (mode 0700,
 * one connection accepted, then closed and removed): one end goes to borg as its stdout (startBorg's
 * `stdoutTo`), the other is read here.
 */
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export interface StdoutReads {
  /** A buffer for the next read (called before each read). */
  buffer: () => Buffer;
  /** `buffer`'s first `length` bytes were read; return false to stop reading until `resume()`. */
  callback: (length: number, buffer: Buffer) => boolean;
}

export interface StdoutSocket {
  /** Give this to borg as its stdout; call `closeChildEnd()` once borg has been started. */
  childEnd: net.Socket;
  /** This process's end: emits no "data" (reads go to `reads.callback`), "end" when borg closed its stdout. */
  reader: net.Socket;
  closeChildEnd(): void;
}

/** A connected pair of UNIX stream sockets, the reading end with `onread`. */
export async function openStdoutSocket(reads: StdoutReads): Promise<StdoutSocket> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "borg-fleet-stdout-"));
  const server = net.createServer();
  try {
    // turbopackIgnore: a temporary path, not a file of the project for the build to trace.
    const socketPath = path.join(/*turbopackIgnore: true*/ dir, "s");
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(socketPath, resolve);
    });
    const accepted = new Promise<net.Socket>((resolve) => server.once("connection", resolve));
    const reader = net.connect({ path: socketPath, onread: reads });
    await new Promise<void>((resolve, reject) => {
      reader.once("connect", resolve);
      reader.once("error", reject);
    });
    // Nothing is ever written to borg through this pair: its read side at borg is not used.
    const childEnd = await accepted;
    childEnd.pause();
    return { childEnd, reader, closeChildEnd: () => childEnd.destroy() };
  } finally {
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
}
