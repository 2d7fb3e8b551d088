/**
 * The restore queue: runs queued jobs (FIFO) with at most `config.restore.concurrency` at once, each as
 * a safety scan plus `borg extract` into the job's own directory (lib/borg/extract.ts), with progress
 * written to SQLite at most every `progressIntervalMs`. Cancel stops borg's whole process group; the
 * files written so far stay (the log says so). A process that dies mid-job leaves rows in "running" or
 * "queued": recoverInterrupted(), run at startup, marks them "interrupted" and kills a borg extract of
 * theirs that is still alive, so nothing is lost and nothing shows as running when it is not.
 *
 * A job is submitted with what the archive request layer (lib/archives/request.ts) already decided:
 * the repository target the archive was resolved in and the checked path bytes. The runner keeps them
 * in memory for the job's life and never resolves or decodes again; the database holds the encoded
 * paths only (no secrets). A job left by a previous process has no such source and is "interrupted"
 * at startup (recoverInterrupted); its retry goes through the request layer again.
 */
import { readFile, rm, mkdir } from "node:fs/promises";
import path from "node:path";
import { encodePathParam } from "@/lib/archives/pathParam";
import { extractArchive, isBorgError, scanExtract, writeExtractPatterns, type BorgCallOptions, type BorgTarget, type ExtractProgress } from "@/lib/borg";
import { restoreRoot } from "@/lib/config/dirs";
import type { FleetConfig } from "@/lib/config/schema";
import type { Db } from "@/lib/db";
import { formatBytes } from "@/lib/format";
import { jobDestination, prepareDestination } from "./destination";
import {
  appendLog,
  finishJob,
  getJob,
  insertJob,
  jobsInState,
  markRunning,
  queuedJobs,
  RETRYABLE_STATES,
  setPid,
  openJobCount,
  updateProgress,
  type RestoreJob,
  type RestoreRequest,
} from "./store";
import { processGlobal } from "@/lib/processGlobal";

export interface RestoreRunnerOptions {
  db: Db;
  config: FleetConfig;
  /** borg call options (BORG_BASE_DIR); default `<dataDir>/borg`, like the collector. */
  borg?: BorgCallOptions;
  /** Default 500 ms. */
  progressIntervalMs?: number;
}

/** What a job reads: the repo its archive was resolved in, and the checked paths (bytes) to extract. */
export interface RestoreSource {
  target: BorgTarget;
  paths: Buffer[];
}

/** A request as the runner takes it: the stored fields, with the paths given as bytes in the source. */
export type RestoreSubmission = Omit<RestoreRequest, "paths">;

export class RestoreError extends Error {}

/** Where the patterns files of running jobs live: beside the job dirs, never inside one. */
function patternsDir(root: string): string {
  return path.join(root, ".jobs");
}

export class RestoreRunner {
  /** The source of each queued or running job of this process (never persisted: targets carry secrets). */
  private readonly sources = new Map<number, RestoreSource>();
  private readonly running = new Map<number, { controller: AbortController; done: Promise<void>; cancelledBy: string | null }>();
  private readonly root: string;
  private readonly borgOpts: BorgCallOptions;
  private readonly progressIntervalMs: number;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly options: RestoreRunnerOptions) {
    this.root = path.resolve(restoreRoot(options.config));
    this.borgOpts = options.borg ?? { baseDir: path.join(options.config.dataDir, "borg") };
    this.progressIntervalMs = options.progressIntervalMs ?? 500;
  }

  get restoreRoot(): string {
    return this.root;
  }

  private get db(): Db {
    return this.options.db;
  }

  /** Queue a job (its audit row is written with it) and start it when a slot is free. */
  submit(request: RestoreSubmission, source: RestoreSource, retryOf: number | null = null): RestoreJob {
    // One user cannot fill the queue for everyone (the queue itself is FIFO across users).
    const limit = this.options.config.restore.maxOpenJobsPerUser;
    if (request.requestedBy && openJobCount(this.db, request.requestedBy) >= limit) {
      throw new RestoreError(`You already have ${limit} restore jobs waiting or running (restore.maxOpenJobsPerUser); wait for one to finish or cancel one.`);
    }
    const job = insertJob(this.db, {
      ...request,
      paths: source.paths.map(encodePathParam),
      retryOf,
      destinationFor: (id) => jobDestination(this.root, request.host, request.archive, id),
    });
    this.sources.set(job.id, source);
    this.pump();
    return getJob(this.db, job.id)!;
  }

  /**
   * A failed, cancelled or interrupted job again, as a new job with the same inputs. The caller passes
   * the source as the request layer resolved and checked it now (the archive may be gone since).
   */
  retry(id: number, source: RestoreSource, requestedBy: string | null, address: string | null = null): RestoreJob {
    const old = getJob(this.db, id);
    if (!old) throw new RestoreError(`Restore job ${id} does not exist.`);
    if (!RETRYABLE_STATES.has(old.state))
      throw new RestoreError(`Restore job ${id} is ${old.state}; only failed, cancelled or interrupted jobs can be retried.`);
    return this.submit(
      {
        host: old.host,
        site: old.site,
        repoId: old.repoId,
        archive: old.archive,
        archiveId: old.archiveId,
        stripComponents: old.stripComponents,
        requestedBy,
        address,
      },
      source,
      old.id,
    );
  }

  /**
   * Cancel a job: a queued one at once; a running one by stopping borg (the promise settles when borg
   * and its process group are gone). A finished job is left alone.
   */
  async cancel(id: number, by: string | null, address: string | null = null): Promise<RestoreJob> {
    const job = getJob(this.db, id);
    if (!job) throw new RestoreError(`Restore job ${id} does not exist.`);
    const live = this.running.get(id);
    if (live) {
      live.cancelledBy = by;
      live.controller.abort();
      await live.done;
    } else if (job.state === "queued" || job.state === "running") {
      // queued, or "running" in a row no live runner owns (cannot happen after recovery): end it here.
      finishJob(this.db, id, { state: "cancelled", username: by, address, reason: `restore job ${id} cancelled by ${by ?? "unknown"} before it started` });
      this.sources.delete(id);
    } else {
      throw new RestoreError(`Restore job ${id} has finished already (${job.state}).`);
    }
    return getJob(this.db, id)!;
  }

  /** Resolves when no job runs and none is queued (tests, benchmarks, shutdown). */
  whenIdle(): Promise<void> {
    if (this.running.size === 0 && queuedJobs(this.db).length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get runningCount(): number {
    return this.running.size;
  }

  /** Start queued jobs while slots are free (FIFO by id). */
  pump(): void {
    const limit = this.options.config.restore.concurrency;
    for (const job of queuedJobs(this.db)) {
      if (this.running.size >= limit) break;
      if (this.running.has(job.id) || !markRunning(this.db, job.id)) continue;
      const controller = new AbortController();
      const entry = { controller, done: Promise.resolve(), cancelledBy: null as string | null };
      this.running.set(job.id, entry);
      entry.done = this.run(getJob(this.db, job.id)!, controller.signal).finally(() => {
        this.running.delete(job.id);
        this.pump();
        if (this.running.size === 0 && queuedJobs(this.db).length === 0) {
          const waiters = this.idleWaiters;
          this.idleWaiters = [];
          for (const w of waiters) w();
        }
      });
    }
  }

  /** Mark jobs a previous process left running or queued as interrupted; kill their orphaned borg. */
  async recoverInterrupted(): Promise<number> {
    let count = 0;
    for (const job of jobsInState(this.db, ["running", "queued"])) {
      if (this.running.has(job.id)) continue;
      let killed = false;
      if (job.pid) killed = await killOrphanExtract(job.pid, path.join(patternsDir(this.root), `${job.id}.patterns`));
      const what = job.state === "running" ? "while this job was running" : "before this job started";
      finishJob(this.db, job.id, {
        state: "interrupted",
        username: job.requestedBy,
        reason: `restore job ${job.id} interrupted: the dashboard stopped ${what}`,
        error: `The dashboard stopped ${what}.${job.state === "running" ? ` Files restored so far are left in ${job.destination}.` : ""}${killed ? ` Its borg process (pid ${job.pid}) was still running and was stopped.` : ""} Retry to run it again.`,
      });
      await rm(path.join(patternsDir(this.root), `${job.id}.patterns`), { force: true });
      count += 1;
    }
    return count;
  }

  /** Where the job reads from, as given at submit (a protected seam: tests hold a job here). */
  protected async sourceOf(job: RestoreJob): Promise<RestoreSource> {
    const source = this.sources.get(job.id);
    if (!source) throw new RestoreError(`Restore job ${job.id} was not submitted to this dashboard process; retry it.`);
    return source;
  }

  // --- one job --------------------------------------------------------------------------------------

  private async run(job: RestoreJob, signal: AbortSignal): Promise<void> {
    const db = this.db;
    const log = (level: "info" | "warning" | "error", message: string) => appendLog(db, job.id, level, message);
    const timeoutMs = this.options.config.restore.timeout * 1000;
    const deadline = Date.now() + timeoutMs;
    const remaining = () => Math.max(1, deadline - Date.now());
    const patternsFile = path.join(patternsDir(this.root), `${job.id}.patterns`);
    const checkCancelled = () => {
      if (signal.aborted) throw new CancelledBeforeBorg();
    };
    try {
      log(
        "info",
        `Restoring ${job.paths.length} path${job.paths.length === 1 ? "" : "s"} from ${job.host}::${job.archive} (${job.site}) into ${job.destination}.`,
      );
      const { target, paths } = await this.sourceOf(job);
      checkCancelled();
      await prepareDestination(this.root, job.destination);
      await mkdir(patternsDir(this.root), { recursive: true, mode: 0o700 });
      await writeExtractPatterns(patternsFile, paths);
      checkCancelled();

      log("info", "Checking the selection (what borg will extract, and that nothing leads outside the job directory).");
      const scan = await scanExtract(
        target,
        job.archive,
        { patternsFile, stripComponents: job.stripComponents },
        { ...this.borgOpts, signal, timeoutMs: remaining() },
      );
      if (scan.items === 0) throw new RestoreError("None of the selected paths is in the archive (or strip components removed all of them).");
      if (scan.unsafe)
        throw new RestoreError(`Refused: ${scan.unsafe.path} would be written outside the job directory (${scan.unsafe.reason}). Nothing was restored.`);
      updateProgress(db, job.id, { phase: "extracting", bytesTotal: scan.bytes, itemsTotal: scan.items, percent: 0 });
      log("info", `${scan.items} item${scan.items === 1 ? "" : "s"}, ${formatBytes(scan.bytes)} to restore.`);

      let lastWrite = 0;
      let lastPhase = "";
      const onProgress = (p: ExtractProgress) => {
        const now = Date.now();
        if (now - lastWrite < this.progressIntervalMs && p.phase === lastPhase) return;
        lastWrite = now;
        lastPhase = p.phase;
        updateProgress(db, job.id, {
          phase: p.phase,
          percent: p.percent,
          currentFile: p.currentFile,
          bytesDone: p.bytesDone,
          bytesTotal: p.bytesTotal || undefined,
          speed: p.speed,
          etaSeconds: p.etaSeconds,
        });
      };
      const result = await extractArchive(
        target,
        job.archive,
        { cwd: job.destination, patternsFile, stripComponents: job.stripComponents, onProgress, onStart: (pid) => setPid(db, job.id, pid ?? null) },
        { ...this.borgOpts, signal, timeoutMs: remaining() },
      );
      for (const w of result.warnings.slice(0, 50)) log("warning", w);
      const noSpace = result.warnings.find((w) => /No space left on device|Errno 28|Disk quota exceeded/i.test(w));
      if (noSpace)
        throw new RestoreError(
          `No space left on device in the restore root (${this.root}): the restore is incomplete. Free space or restore fewer paths, then retry.`,
        );
      updateProgress(db, job.id, { phase: "finished", percent: 100, bytesDone: scan.bytes });
      const warned = result.warnings.length > 0 ? ` with ${result.warnings.length} warning${result.warnings.length === 1 ? "" : "s"} (see the log)` : "";
      finishJob(db, job.id, { state: "succeeded", reason: `restore job ${job.id} succeeded${warned}` });
    } catch (err) {
      const live = this.running.get(job.id);
      if (signal.aborted) {
        finishJob(db, job.id, {
          state: "cancelled",
          username: live?.cancelledBy ?? null,
          reason: `restore job ${job.id} cancelled by ${live?.cancelledBy ?? "unknown"}`,
          error: `Cancelled while running; files restored so far are left in ${job.destination}.`,
        });
      } else {
        finishJob(db, job.id, { state: "failed", reason: `restore job ${job.id} failed`, error: describeFailure(err, this.root) });
      }
    } finally {
      this.sources.delete(job.id);
      setPid(db, job.id, null);
      await rm(patternsFile, { force: true });
    }
  }
}

class CancelledBeforeBorg extends Error {}

function describeFailure(err: unknown, root: string): string {
  if (isBorgError(err)) {
    const text = `${err.userMessage} ${err.borgMessage ?? ""}`;
    if (/No space left on device|Errno 28/i.test(text))
      return `No space left on device in the restore root (${root}): the restore is incomplete. Free space or restore fewer paths, then retry.`;
    if (err.kind === "timeout") return `The restore did not finish within the configured restore.timeout and was stopped. ${err.userMessage}`;
    return err.borgMessage && !err.userMessage.includes(err.borgMessage) ? `${err.userMessage} (borg: ${err.borgMessage})` : err.userMessage;
  }
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === "ENOSPC") return `No space left on device in the restore root (${root}).`;
  return err instanceof Error ? err.message : String(err);
}

/**
 * Kill a borg extract left by a dead dashboard: only when the pid is still a borg extract of THIS job
 * (its command line names the job's patterns file), so a reused pid is never hit. borg runs in its
 * own process group (pgid = pid): the group goes, ssh included.
 */
async function killOrphanExtract(pid: number, patternsFile: string): Promise<boolean> {
  let cmdline: string[];
  try {
    cmdline = (await readFile(`/proc/${pid}/cmdline`, "latin1")).split("\0");
  } catch {
    return false; // gone
  }
  const isOurs = cmdline.some((a) => /(^|\/)borg$/.test(a)) && cmdline.includes("extract") && cmdline.includes(`--patterns-from=${patternsFile}`);
  if (!isOurs) return false;
  const signalGroup = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        // gone
      }
    }
  };
  signalGroup("SIGTERM");
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 100));
    if (
      !(await readFile(`/proc/${pid}/stat`, "latin1").then(
        (s) => !/\) Z /.test(s),
        () => false,
      ))
    )
      return true;
  }
  signalGroup("SIGKILL");
  return true;
}

// --- the process's runner ------------------------------------------------------------------------------

const restoreRunner = processGlobal<RestoreRunner>("restore-runner");

export function setRestoreRunner(runner: RestoreRunner | undefined): void {
  restoreRunner.set(runner);
}

export function getRestoreRunner(): RestoreRunner | undefined {
  return restoreRunner.get();
}

/** Called once at startup (lib/runtime.ts): recover what a previous process left, then serve. */
export async function startRestoreRunner(db: Db, config: FleetConfig): Promise<RestoreRunner> {
  const runner = new RestoreRunner({ db, config });
  const recovered = await runner.recoverInterrupted();
  if (recovered > 0) console.warn(`[borg-fleet] ${recovered} restore job(s) from a previous run marked interrupted`);
  setRestoreRunner(runner);
  return runner;
}
