/**
 * Runs borg: the only place in the app that starts a borg process.
 *
 * - An argument array through execa, never a shell: names and paths cannot be interpreted.
 * - `--log-json` always, so failures come back as JSON lines with a msgid (see errors.ts).
 * - stdin is ignored and borg gets its own session (detached): there is no terminal and no stdin for
 *   a passphrase or yes/no prompt, so any question borg might ask fails at once instead of hanging.
 * - Every call has a deadline and can be cancelled; stopping sends SIGTERM to the whole process group
 *   (borg and the ssh it spawned), then SIGKILL after a grace period, and leftovers of the group are
 *   killed once borg has exited. borg handles SIGTERM cleanly (it releases its locks).
 * - Secret values are scrubbed from everything borg printed before it reaches an error or a log.
 */
import { execa } from "execa";
import { stat } from "node:fs/promises";
import type { Socket } from "node:net";
import { Readable, Transform } from "node:stream";
import type { Secrets } from "@/lib/config/schema";
import { buildBorgEnv, defaultBaseDir, redactSecrets } from "./env";
import { BorgError, classifyBorgFailure } from "./errors";
import { formatIssues } from "@/lib/validation";
import { borgWarnings, parseBorgStderr, parseBorgStderrLine, type BorgStderrEntry } from "./stderr";
import { UnicodeEscapeDecoder } from "./unicodeEscape";

/** Options every public call accepts. */
export interface BorgCallOptions {
  /** BORG_BASE_DIR: the dashboard's own borg cache/config/security dir (default ~/.borg-fleet/borg). */
  baseDir?: string;
  /** Deadline for the whole call (default 10 minutes). */
  timeoutMs?: number;
  /** Cancels the call and stops borg. */
  signal?: AbortSignal;
  /** Let borg read an unencrypted repo this baseDir has never seen (default: refuse, see env.ts). */
  allowUnknownUnencrypted?: boolean;
}

export interface BorgInvocation {
  /** borg's arguments after the binary; `--log-json` is added in front. */
  args: string[];
  secrets?: Secrets;
  /** For `borg init`: BORG_NEW_PASSPHRASE. */
  newPassphrase?: string;
  cwd?: string;
  /** Repo location for messages (it never contains secrets). */
  location?: string;
  /** Set PYTHONIOENCODING=unicode_escape and decode stdout/stderr accordingly (exact file names). */
  unicodeEscape?: boolean;
  /**
   * borg's stdout goes to this socket instead of a pipe: the caller reads the other end itself
   * (stdoutSocket.ts). BorgProcess.stdout is then an empty stream. Not with unicodeEscape.
   */
  stdoutTo?: Socket;
  /** PYTHONUNBUFFERED: borg's stdout lines arrive as printed, not in blocks (progress read from stdout). */
  unbufferedStdout?: boolean;
  /** Largest stdout kept by runBorg (bytes); more is an error. Streaming calls are not limited. */
  maxStdoutBytes?: number;
  /**
   * Called with each progress line borg writes to stderr, as it arrives (`--progress --log-json`).
   * Progress lines then stay out of the kept stderr tail, so a long job cannot push the error out of it.
   */
  onProgress?: (line: Record<string, unknown>) => void;
  /**
   * With unicodeEscape: how much decoded output may wait for the consumer (bytes; default Node's
   * stream buffer). A pipe holds 64 KiB, a few milliseconds of a fast listing: a consumer that works
   * in bursts (a database commit) would stop borg at every burst. Read ahead, borg keeps writing.
   */
  readAheadBytes?: number;
}

export interface BorgRunResult {
  exitCode: number;
  stdout: Buffer;
  stderr: BorgStderrEntry[];
  /** Warnings borg logged; exit code 1 ("finished with warnings") is not a failure. */
  warnings: string[];
  durationMs: number;
}

export interface BorgProcess {
  /** borg's stdout (already unicode_escape-decoded when asked for). Read it, or borg blocks. */
  stdout: Readable;
  /** Settles when borg has exited and its process group is gone; rejects with BorgError on failure. */
  done: Promise<BorgRunResult>;
  /** Stop borg (SIGTERM to the group, SIGKILL after the grace period) and discard unread output. */
  stop(reason?: "cancelled" | "timeout"): void;
  /** Why borg was stopped (timeout, cancel), or null while it runs on its own. */
  readonly stopReason: "cancelled" | "timeout" | null;
  pid: number | undefined;
}

export const DEFAULT_TIMEOUT_MS = 10 * 60 * 1000;
/** How long borg gets to exit after SIGTERM (it closes the repo and releases locks) before SIGKILL. */
export const KILL_GRACE_MS = 5_000;
const STDERR_KEEP_BYTES = 1024 * 1024;
const DEFAULT_MAX_STDOUT = 512 * 1024 * 1024;

function borgBinary(): string {
  return process.env.BORG_FLEET_BORG_BINARY || "borg";
}

// --- process-group bookkeeping, so no borg outlives the dashboard ---------------------------------

const liveGroups = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Detached children are not killed with us; on exit, take every running borg (and its ssh) down.
  process.once("exit", () => {
    for (const pgid of liveGroups) killGroup(pgid, "SIGKILL");
  });
}

function killGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // ESRCH: the group is gone already
  }
}

/** Keeps the last `limit` bytes of a stream (borg's stderr can be long with tracebacks; only the end matters). */
class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly limit: number) {}
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.limit && this.chunks.length > 1) this.size -= this.chunks.shift()!.length;
  }
  toString(): string {
    return Buffer.concat(this.chunks).toString("utf8");
  }
}

/**
 * Splits stderr into lines, hands borg's progress lines to a callback and passes everything else on.
 * A line that is not a progress line (log messages, plain text) is returned unchanged for the tail.
 */
class ProgressLineFilter {
  private partial = "";
  constructor(private readonly onProgress: (line: Record<string, unknown>) => void) {}
  push(chunk: Buffer): Buffer {
    const lines = (this.partial + chunk.toString("utf8")).split("\n");
    this.partial = lines.pop() ?? "";
    return Buffer.from(
      lines
        .filter((line) => !this.deliver(line))
        .map((l) => `${l}\n`)
        .join(""),
      "utf8",
    );
  }
  end(): Buffer {
    const rest = this.partial;
    this.partial = "";
    return rest && !this.deliver(rest) ? Buffer.from(rest, "utf8") : Buffer.alloc(0);
  }
  /** True when the line was a progress line (and was delivered). */
  private deliver(line: string): boolean {
    if (!line.includes('"progress_')) return false;
    const entry = parseBorgStderrLine(line);
    if (entry?.kind !== "progress") return false;
    try {
      this.onProgress(entry.line);
    } catch {
      // A failing progress consumer must not break reading borg's stderr.
    }
    return true;
  }
}

/** Node reports a missing cwd as "spawn borg ENOENT", which would read as "borg is not installed". */
async function assertDirectory(dir: string): Promise<void> {
  try {
    if ((await stat(dir)).isDirectory()) return;
  } catch {
    // reported below
  }
  throw new BorgError({ kind: "other", userMessage: `The directory ${dir} (working directory for borg) does not exist.` });
}

// --- starting borg --------------------------------------------------------------------------------

/** Start borg; for streaming output. Most callers want runBorg. */
export async function startBorg(inv: BorgInvocation, opts: BorgCallOptions = {}): Promise<BorgProcess> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) throw new RangeError(`timeoutMs must be a positive number, got ${timeoutMs}`);
  if (opts.signal?.aborted) throw classifyBorgFailure({ exitCode: null, stderr: [], cancelled: true });

  const baseDir = opts.baseDir ?? defaultBaseDir();
  const { env, redact, passphraseConfigured, hidePlainStderr } = await buildBorgEnv({
    baseDir,
    secrets: inv.secrets,
    newPassphrase: inv.newPassphrase,
    allowUnknownUnencrypted: opts.allowUnknownUnencrypted,
    pythonIoEncoding: inv.unicodeEscape ? "unicode_escape" : undefined,
    pythonUnbuffered: inv.unbufferedStdout,
  });
  if (inv.cwd !== undefined) await assertDirectory(inv.cwd);
  if (inv.stdoutTo && inv.unicodeEscape) throw new TypeError("stdoutTo cannot be combined with unicodeEscape");
  const started = Date.now();
  const subprocess = execa(borgBinary(), ["--log-json", ...inv.args], {
    stdin: "ignore",
    stdout: inv.stdoutTo ?? "pipe",
    stderr: "pipe",
    buffer: false,
    encoding: "buffer",
    env,
    extendEnv: false,
    detached: true,
    cleanup: false,
    reject: false,
    cwd: inv.cwd,
    stripFinalNewline: false,
  });
  const pid = subprocess.pid;
  if (pid !== undefined) {
    installExitHook();
    liveGroups.add(pid);
  }

  let stdout: Readable = subprocess.stdout ?? Readable.from([]);
  let stopReason: "cancelled" | "timeout" | null = null;
  let exited = false;
  let killTimer: NodeJS.Timeout | undefined;
  const stop = (reason: "cancelled" | "timeout" = "cancelled") => {
    if (exited || stopReason) return;
    stopReason = reason;
    if (pid === undefined) return;
    killGroup(pid, "SIGTERM");
    killTimer = setTimeout(() => killGroup(pid, "SIGKILL"), KILL_GRACE_MS);
    // Output already buffered in the pipe would otherwise still be handed to a (slow) consumer.
    stdout.destroy();
    subprocess.stdout?.destroy();
  };
  const timer = setTimeout(() => stop("timeout"), timeoutMs);
  const onAbort = () => stop("cancelled");
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  // Aborted while we were preparing (reading the passphrase file, loading execa).
  if (opts.signal?.aborted) stop("cancelled");

  // stderr: drained continuously (a full pipe would block borg), decoded, and only the tail kept.
  const stderrTail = new TailBuffer(STDERR_KEEP_BYTES);
  const stderrDecoder = inv.unicodeEscape ? new UnicodeEscapeDecoder() : null;
  const progressLines = inv.onProgress ? new ProgressLineFilter(inv.onProgress) : null;
  subprocess.stderr.on("data", (raw: Buffer) => {
    const chunk = stderrDecoder ? stderrDecoder.write(raw) : raw;
    stderrTail.push(progressLines ? progressLines.push(chunk) : chunk);
  });

  // stdout: decoded in a pass-through when borg writes unicode_escape.
  const piped = subprocess.stdout;
  if (inv.unicodeEscape && piped) {
    const decoder = new UnicodeEscapeDecoder();
    const decoded = new Transform({
      ...(inv.readAheadBytes ? { readableHighWaterMark: inv.readAheadBytes, writableHighWaterMark: inv.readAheadBytes } : {}),
      transform(chunk: Buffer, _enc, cb) {
        cb(null, decoder.write(chunk));
      },
      flush(cb) {
        cb(null, decoder.end());
      },
    });
    piped.on("error", (err) => decoded.destroy(err));
    decoded.on("close", () => {
      // The consumer gave up on the stream: let borg's writes fail instead of blocking forever.
      if (!piped.readableEnded) piped.destroy();
    });
    stdout = piped.pipe(decoded);
  }

  const done = (async (): Promise<BorgRunResult> => {
    const result = await subprocess;
    exited = true;
    clearTimeout(timer);
    clearTimeout(killTimer);
    opts.signal?.removeEventListener("abort", onAbort);
    if (pid !== undefined) {
      // borg is gone; an ssh it started may not be (e.g. SIGKILL reached borg first).
      killGroup(pid, stopReason ? "SIGKILL" : "SIGTERM");
      liveGroups.delete(pid);
    }
    if (stderrDecoder) stderrTail.push(progressLines ? progressLines.push(stderrDecoder.end()) : stderrDecoder.end());
    if (progressLines) stderrTail.push(progressLines.end());
    const entries = readBorgStderr(stderrTail.toString(), { redact, hidePlainText: hidePlainStderr });
    const durationMs = Date.now() - started;
    const exitCode = typeof result.exitCode === "number" ? result.exitCode : null;

    if (stopReason || (exitCode !== 0 && exitCode !== 1)) {
      if (!stopReason && exitCode === null && !result.signal && result.code === "ENOENT") {
        throw new BorgError({
          kind: "other",
          userMessage: `borg is not installed or not in PATH (tried "${borgBinary()}").`,
          borgMessage: null,
          cause: result.cause,
        });
      }
      throw classifyBorgFailure({
        exitCode,
        stderr: entries,
        timedOut: stopReason === "timeout",
        cancelled: stopReason === "cancelled",
        signal: result.signal ?? null,
        context: { location: inv.location, passphraseConfigured, timeoutMs, baseDir },
      });
    }
    return { exitCode: exitCode ?? 0, stdout: Buffer.alloc(0), stderr: entries, warnings: borgWarnings(entries), durationMs };
  })();
  // A caller that only streams stdout and never awaits `done` must not crash the process.
  done.catch(() => {});

  return {
    stdout,
    done,
    stop,
    pid,
    get stopReason() {
      return stopReason;
    },
  };
}

/**
 * borg's stderr as entries, with secrets scrubbed. `hidePlainText` drops lines that are not borg's
 * JSON (a passcommand's own error output lands there and may show what it reads).
 */
export function readBorgStderr(text: string, options: { redact: readonly string[]; hidePlainText: boolean }): BorgStderrEntry[] {
  // Redact after parsing: a secret inside a JSON line is JSON-escaped in the raw text.
  const clean = (s: string) => redactSecrets(s, options.redact);
  const out: BorgStderrEntry[] = [];
  for (const e of parseBorgStderr(text)) {
    if (e.kind === "plain") {
      if (!options.hidePlainText) out.push({ kind: "plain", text: clean(e.text) });
    } else if (e.kind === "log" || e.kind === "question") {
      out.push({ ...e, message: clean(e.message) });
    } else if (e.kind === "file-status") {
      out.push({ ...e, path: clean(e.path) });
    } else {
      out.push(e);
    }
  }
  return out;
}

/** Run borg to completion and return its stdout. Throws BorgError on failure, timeout or cancel. */
export async function runBorg(inv: BorgInvocation, opts: BorgCallOptions = {}): Promise<BorgRunResult> {
  const proc = await startBorg(inv, opts);
  const limit = inv.maxStdoutBytes ?? DEFAULT_MAX_STDOUT;
  const chunks: Buffer[] = [];
  let size = 0;
  let overflow = false;
  proc.stdout.on("data", (chunk: Buffer) => {
    if (overflow) return;
    size += chunk.length;
    if (size > limit) {
      overflow = true;
      chunks.length = 0;
      proc.stop("cancelled");
      return;
    }
    chunks.push(chunk);
  });
  let result: BorgRunResult;
  try {
    result = await proc.done;
  } catch (err) {
    if (overflow) {
      throw new BorgError({ kind: "other", userMessage: `borg printed more than ${limit} bytes; the output was not read.`, cause: err });
    }
    throw err;
  }
  return { ...result, stdout: Buffer.concat(chunks) };
}

/** Parse borg's JSON stdout with a zod schema; a mismatch is a clear error, not a crash later. */
export function parseBorgJson<T>(
  stdout: Buffer,
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string }> } } },
  what: string,
): T {
  let value: unknown;
  try {
    value = JSON.parse(stdout.toString("utf8"));
  } catch {
    throw new BorgError({ kind: "other", userMessage: `borg's output for ${what} was not JSON.`, borgMessage: stdout.toString("utf8").slice(0, 200) || null });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issues = formatIssues(parsed.error, { limit: 3 }).join("; ");
    throw new BorgError({
      kind: "other",
      userMessage: `borg's output for ${what} did not have the expected shape (a borg version this dashboard does not know?).`,
      borgMessage: issues,
    });
  }
  return parsed.data;
}

/**
 * For readers of a borg process's stdout that stop early (the consumer went away, or reading failed):
 * stop borg and wait until it (and ssh) are gone, so nothing keeps running for a reader that left.
 */
export async function abandonBorg(proc: BorgProcess): Promise<void> {
  proc.stop("cancelled");
  proc.stdout.destroy();
  await proc.done.catch(() => {});
}
