/**
 * The maintenance scheduler: integrity checks (`borg check`) and restore drills per repo, on the
 * intervals of the fleet config (settings.ts), recorded in check_runs / drill_runs (store.ts).
 *
 * - One maintenance job per repo at a time; all of them share the process's borg slots with the
 *   collector (a Semaphore of collector.concurrency), so background borg work stays bounded.
 * - A check never runs while a backup holds the repo lock: a local repo's lock is looked at first
 *   (lib/borg/lock.ts); for ssh:// repos borg's own LockTimeout says "busy". Either way the run is
 *   dropped (no row) and tried again after checks.busyRetry. Drills read with --bypass-lock.
 * - Every run has a time limit; stop() cancels running borg (rows end "cancelled"); rows a killed
 *   process left "running" become "interrupted" at the next start, and their scratch dirs are removed.
 * - Every run is audited: the system actor for scheduled runs, the user for "Run now".
 */
import { mkdir, readdir } from "node:fs/promises";
import path from "node:path";
import type { ArchiveIndexes } from "@/lib/archives/index/manager";
import { getArchiveIndexes } from "@/lib/archives/index/runtime";
import { audit } from "@/lib/audit/log";
import { isBorgError, isRepoLockedLocally, listArchives, type BorgTarget } from "@/lib/borg";
import { checkRepo, CHECK_KINDS, type CheckKind } from "@/lib/borg/check";
import { Semaphore } from "@/lib/collector/semaphore";
import type { FleetConfig } from "@/lib/config/schema";
import type { Db } from "@/lib/db";
import { PeriodicTask } from "@/lib/fleet/periodic";
import { processGlobal } from "@/lib/processGlobal";
import { removeScratch, runDrill, type DrillOptions, type VerifyMethod } from "./drill";
import { indexedListing } from "./indexedListing";
import { checkSettingsFor, drillSettingsFor } from "./settings";
import {
  finishCheckRun,
  finishDrillRun,
  lastCheckRuns,
  lastDrillRuns,
  markInterrupted,
  noteReposSeen,
  setDrillScratch,
  startCheckRun,
  startDrillRun,
  type RepoRef,
  type RunOutcome,
} from "./store";

/** The actor of scheduled runs in the audit log. */
const SYSTEM_ACTOR = "system";

export interface MaintenanceRepo extends RepoRef {
  target: BorgTarget;
}

export type JobResult =
  | { status: "done"; outcome: Exclude<RunOutcome, "running">; runId: number; message: string | null }
  | { status: "busy"; message: string }
  | { status: "already-running"; message: string };

export interface MaintenanceDeps {
  db: Db;
  config: FleetConfig;
  /** The repos to look after (the collector's fleet, via lib/archives/locate.ts). */
  repos: () => Promise<MaintenanceRepo[]>;
  /** Borg slots shared with the collector. */
  slots?: Semaphore;
  /** BORG_BASE_DIR of the dashboard's own borg calls. */
  baseDir?: string;
  now?: () => number;
  log?: (level: "info" | "warn" | "error", message: string) => void;
  /** How often due jobs are looked for (default a minute). */
  tickMs?: number;
  /** Test hook passed to drills (see drill.ts). */
  drillHooks?: Pick<DrillOptions, "beforeCompare" | "random" | "method">;
  /** The archive browser's file indexes: a drill samples from a complete one instead of listing (default: the server's). */
  archiveIndexes?: () => ArchiveIndexes | null;
}

/** Where drills extract to: drills.scratchDir, or `<dataDir>/drills`. */
function drillScratchRoot(config: FleetConfig): string {
  return config.drills.scratchDir ?? path.join(config.dataDir, "drills");
}

/** How a drill's message says what the restored files were checked against. */
const METHOD_TEXT: Record<VerifyMethod, string> = {
  "chunk-ids": "checked them against the chunk ids the archive recorded",
  stream: "compared them with borg's stream",
};

/** Interrupted runs (cancelled, timed out, dashboard stopped) are retried after this long, not at once. */
const RETRY_AFTER_UNFINISHED_MS = 60 * 60 * 1000;

export class MaintenanceScheduler {
  private readonly db: Db;
  private readonly config: FleetConfig;
  private readonly slots: Semaphore;
  private readonly now: () => number;
  private readonly log: NonNullable<MaintenanceDeps["log"]>;
  private readonly baseDir: string;
  private readonly periodic: PeriodicTask;
  private readonly shutdown = new AbortController();
  /** repo id -> the job running on it (one at a time per repo). */
  private readonly running = new Map<string, Promise<JobResult>>();
  /** `${repoId}:${job}` -> not before this time (the repo was busy). */
  private readonly busyUntil = new Map<string, number>();

  constructor(private readonly deps: MaintenanceDeps) {
    this.db = deps.db;
    this.config = deps.config;
    this.slots = deps.slots ?? new Semaphore(deps.config.collector.concurrency);
    this.now = deps.now ?? Date.now;
    this.log = deps.log ?? ((level, message) => console[level === "info" ? "log" : level](`[verify] ${message}`));
    this.baseDir = deps.baseDir ?? path.join(deps.config.dataDir, "borg");
    this.periodic = new PeriodicTask(
      () => this.tick(),
      deps.tickMs ?? 60_000,
      (err) => this.log("error", `scheduling failed: ${String(err)}`),
    );
  }

  /** Clean up after a previous process, then schedule. */
  async start(): Promise<void> {
    await this.recover();
    this.periodic.start();
    // On a normal exit (SIGTERM through scripts/server.mjs ends in process.exit), lib/borg/run.ts kills
    // every running borg; record those runs as cancelled now (better-sqlite3 writes synchronously).
    // A process that is killed outright leaves them "running": the next start calls them interrupted.
    process.once("exit", () => this.cancelRunningRows());
  }

  private cancelRunningRows(): void {
    if (this.running.size === 0) return;
    try {
      const message = "The dashboard stopped while this ran.";
      const now = this.now();
      this.db.prepare("UPDATE check_runs SET outcome = 'cancelled', ended_at = ?, message = ? WHERE outcome = 'running'").run(now, message);
      this.db.prepare("UPDATE drill_runs SET outcome = 'cancelled', ended_at = ?, message = ? WHERE outcome = 'running'").run(now, message);
    } catch {
      // The database may already be closed: the next start marks the runs interrupted instead.
    }
  }

  /** Marks runs a dead process left "running" as interrupted and removes every leftover scratch dir. */
  async recover(): Promise<void> {
    const { checks, drills, scratchDirs } = markInterrupted(this.db, this.now());
    if (checks + drills > 0) this.log("warn", `${checks} check(s) and ${drills} drill(s) were interrupted by a restart`);
    await removeScratch(scratchDirs);
    // Also anything else in the scratch root (a crash between mkdir and the row update): no drill runs yet.
    const root = drillScratchRoot(this.config);
    const leftovers = await readdir(/*turbopackIgnore: true*/ root).catch(() => [] as string[]);
    await removeScratch(leftovers.filter((n) => n.startsWith("drill-")).map((n) => path.join(root, n)));
  }

  /** Stop scheduling and cancel running borg; resolves when every job has ended. */
  async stop(): Promise<void> {
    this.periodic.stop();
    this.shutdown.abort();
    await Promise.allSettled([...this.running.values()]);
  }

  /** Starts every job that is due (without waiting for them). */
  async tick(): Promise<void> {
    const now = this.now();
    const repos = await this.deps.repos();
    noteReposSeen(this.db, repos, now);
    for (const repo of repos) {
      if (this.running.has(repo.repoId)) continue;
      const job = this.dueJob(repo, now);
      if (job === "drill") void this.runDrill(repo, null);
      else if (job) void this.runCheck(repo, job, null);
    }
  }

  /** The first job due on this repo (checks before drills), or null. */
  dueJob(repo: MaintenanceRepo, now: number): CheckKind | "drill" | null {
    const isDue = (job: string, everySeconds: number, last: { startedAt: number; outcome: RunOutcome } | null) => {
      if (!(everySeconds > 0)) return false;
      if ((this.busyUntil.get(`${repo.repoId}:${job}`) ?? 0) > now) return false;
      if (!last) return true;
      const verdict = last.outcome === "ok" || last.outcome === "failed";
      return now - last.startedAt >= (verdict ? everySeconds * 1000 : Math.min(everySeconds * 1000, RETRY_AFTER_UNFINISHED_MS));
    };
    for (const kind of CHECK_KINDS) {
      if (isDue(kind, checkSettingsFor(this.config.checks, repo.host, kind).every, lastCheckRuns(this.db, repo.repoId, kind).last)) return kind;
    }
    if (isDue("drill", drillSettingsFor(this.config.drills, repo.host).every, lastDrillRuns(this.db, repo.repoId).last)) return "drill";
    return null;
  }

  /** The job running on a repo, if any (for "Run now" buttons). */
  isRunning(repoId: string): boolean {
    return this.running.has(repoId);
  }

  /** Run a check now (scheduled: requestedBy null). Resolves when it has ended. */
  runCheck(repo: MaintenanceRepo, kind: CheckKind, requestedBy: string | null): Promise<JobResult> {
    return this.exclusive(repo, () => this.slots.run(() => this.check(repo, kind, requestedBy)));
  }

  /** Run a restore drill now. Resolves when it has ended. */
  runDrill(repo: MaintenanceRepo, requestedBy: string | null): Promise<JobResult> {
    return this.exclusive(repo, () => this.slots.run(() => this.drill(repo, requestedBy)));
  }

  private exclusive(repo: MaintenanceRepo, job: () => Promise<JobResult>): Promise<JobResult> {
    const current = this.running.get(repo.repoId);
    if (current) return Promise.resolve({ status: "already-running", message: `A check or drill is already running on ${repo.repoId}.` });
    const promise = job().finally(() => this.running.delete(repo.repoId));
    this.running.set(repo.repoId, promise);
    return promise;
  }

  private busy(repo: MaintenanceRepo, job: string): JobResult {
    const retryMs = this.config.checks.busyRetry * 1000;
    this.busyUntil.set(`${repo.repoId}:${job}`, this.now() + retryMs);
    const message = `A backup holds the repository lock of ${repo.repoId}; the ${job} check is tried again in ${Math.round(retryMs / 60000)} min.`;
    this.log("info", message);
    return { status: "busy", message };
  }

  private async check(repo: MaintenanceRepo, kind: CheckKind, requestedBy: string | null): Promise<JobResult> {
    if (this.shutdown.signal.aborted) return { status: "busy", message: "The dashboard is shutting down." };
    // Never start a check (exclusive lock) while a writer holds a local repo.
    if (await isRepoLockedLocally(repo.target.location)) return this.busy(repo, kind);
    const settings = checkSettingsFor(this.config.checks, repo.host, kind);
    const runId = startCheckRun(this.db, repo, kind, settings.verifyData, requestedBy, this.now());
    let outcome: Exclude<RunOutcome, "running">;
    let message: string | null;
    try {
      const result = await checkRepo(repo.target, {
        kind,
        verifyData: settings.verifyData,
        baseDir: this.baseDir,
        timeoutMs: settings.timeout * 1000,
        signal: this.shutdown.signal,
      });
      outcome = result.ok ? "ok" : "failed";
      message = result.messages.join("\n") || null;
    } catch (err) {
      if (isBorgError(err) && err.kind === "busy") {
        // ssh:// repos: borg found the lock held. Not a run: drop the row and retry later.
        this.db.prepare("DELETE FROM check_runs WHERE id = ? AND outcome = 'running'").run(runId);
        return this.busy(repo, kind);
      }
      outcome = isBorgError(err) && err.kind === "timeout" ? "timeout" : isBorgError(err) && err.kind === "cancelled" ? "cancelled" : "failed";
      message = isBorgError(err) ? [err.userMessage, err.borgMessage].filter(Boolean).join("\n") : String(err);
    }
    finishCheckRun(this.db, runId, outcome, message, this.now());
    audit(this.db, {
      username: requestedBy ?? SYSTEM_ACTOR,
      action: "repo:check",
      host: repo.host,
      archive: null,
      paths: [`${repo.site}:${kind}`],
      outcome: outcome === "ok" ? "ok" : "failed",
      reason: outcome === "ok" ? null : `${outcome}: ${(message ?? "").slice(0, 300)}`,
    });
    if (outcome !== "ok") this.log("warn", `${kind} check of ${repo.repoId}: ${outcome}${message ? ` (${message.split("\n")[0]})` : ""}`);
    return { status: "done", outcome, runId, message };
  }

  private async drill(repo: MaintenanceRepo, requestedBy: string | null): Promise<JobResult> {
    if (this.shutdown.signal.aborted) return { status: "busy", message: "The dashboard is shutting down." };
    const settings = drillSettingsFor(this.config.drills, repo.host);
    const runId = startDrillRun(this.db, repo, requestedBy, this.now());
    const empty = { files: 0, bytes: 0, mismatched: 0, missing: 0, details: null };
    let outcome: Exclude<RunOutcome, "running">;
    let message: string | null = null;
    let result: Parameters<typeof finishDrillRun>[3] = empty;
    let archive: string | null = null;
    // drills.timeout bounds the whole drill (listing, both extracts, comparison), not each borg call.
    const deadline = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      deadline.abort();
    }, settings.timeout * 1000);
    const opts = { baseDir: this.baseDir, timeoutMs: settings.timeout * 1000, signal: AbortSignal.any([this.shutdown.signal, deadline.signal]) };
    try {
      const listing = await listArchives(repo.target, opts);
      const newest = listing.archives.at(-1);
      if (!newest) throw new Error("The repository has no archive to restore from.");
      archive = newest.name;
      const root = drillScratchRoot(this.config);
      await mkdir(root, { recursive: true, mode: 0o700 });
      const scratchDir = path.join(root, `drill-${runId}`);
      setDrillScratch(this.db, runId, scratchDir, archive);
      const report = await runDrill(repo.target, archive, {
        ...opts,
        indexed: indexedListing((this.deps.archiveIndexes ?? getArchiveIndexes)(), newest.id, opts.signal),
        ...this.deps.drillHooks,
        repository: { encryption: listing.encryption, id: listing.repositoryId },
        scratchDir,
        maxBytes: settings.sampleBytes,
        maxFiles: settings.maxFiles,
      });
      result = {
        files: report.files,
        bytes: report.bytes,
        mismatched: report.mismatchedCount,
        missing: report.missingCount,
        details: { mismatched: report.mismatched, missing: report.missing, method: report.method },
      };
      if (report.files === 0) {
        outcome = "failed";
        message = `The newest archive ${archive} has no regular file to restore.`;
      } else if (report.mismatchedCount + report.missingCount > 0) {
        outcome = "failed";
        message = `${report.mismatchedCount} file(s) differed and ${report.missingCount} file(s) were missing after restoring ${report.files} file(s) of ${archive} (${METHOD_TEXT[report.method]}).`;
      } else {
        outcome = "ok";
        const from = report.sampleSource === "index" ? " (sample chosen from the archive's file index)" : "";
        message = `Restored ${report.files} file(s) of ${archive}${from} and ${METHOD_TEXT[report.method]}: identical.`;
      }
      if (report.fallbackReason) message += `\nNot checked against the archive's chunk ids: ${report.fallbackReason}`;
    } catch (err) {
      outcome = timedOut || (isBorgError(err) && err.kind === "timeout") ? "timeout" : isBorgError(err) && err.kind === "cancelled" ? "cancelled" : "failed";
      message = timedOut
        ? `The drill did not finish within its time limit (${Math.round(settings.timeout / 60)} min).`
        : isBorgError(err)
          ? [err.userMessage, err.borgMessage].filter(Boolean).join("\n")
          : err instanceof Error
            ? err.message
            : String(err);
    } finally {
      clearTimeout(timer);
    }
    finishDrillRun(this.db, runId, outcome, result, message, this.now());
    audit(this.db, {
      username: requestedBy ?? SYSTEM_ACTOR,
      action: "restore:drill",
      host: repo.host,
      archive,
      paths: [repo.site],
      outcome: outcome === "ok" ? "ok" : "failed",
      reason: outcome === "ok" ? `${result.files} files, ${result.bytes} bytes` : `${outcome}: ${(message ?? "").slice(0, 300)}`,
    });
    if (outcome !== "ok") this.log("warn", `restore drill of ${repo.repoId}: ${outcome} (${message})`);
    return { status: "done", outcome, runId, message };
  }
}

// --- the running server's scheduler (for server actions) -------------------------------------------

const current = processGlobal<MaintenanceScheduler>("maintenance-scheduler");

export function setMaintenanceScheduler(scheduler: MaintenanceScheduler | undefined): void {
  current.set(scheduler);
}

export function getMaintenanceScheduler(): MaintenanceScheduler | undefined {
  return current.get();
}
