/**
 * Restore jobs in SQLite (migration 6): the rows, their state changes and their capped logs. The runner
 * (runner.ts) decides when a job runs; this module only reads and writes rows. Every state change that
 * is audited writes its audit row in the same transaction.
 */
import { audit } from "@/lib/audit/log";
import { decodePathParam, displayPath } from "@/lib/archives/pathParam";
import type { ExtractProgress } from "@/lib/borg";
import type { Db } from "@/lib/db";

export const RESTORE_STATES = ["queued", "running", "succeeded", "failed", "cancelled", "interrupted"] as const;
export type RestoreState = (typeof RESTORE_STATES)[number];
/** States a job never leaves. */
const FINAL_STATES: ReadonlySet<RestoreState> = new Set(["succeeded", "failed", "cancelled", "interrupted"]);
/** States from which "Retry" makes a new job. */
export const RETRYABLE_STATES: ReadonlySet<RestoreState> = new Set(["failed", "cancelled", "interrupted"]);

/** Lines kept per job log; later lines replace the oldest (the first lines say what was asked). */
const LOG_LIMIT = 500;
const LOG_LINE_MAX = 2000;

/** Progress as stored (lib/borg/extract.ts ExtractProgress); itemsTotal comes from the safety scan. */
type JobProgressFields = Omit<ExtractProgress, "phase"> & { phase: string | null; itemsTotal: number | null };

export interface RestoreJob extends Omit<RestoreRequest, "address">, JobProgressFields {
  id: number;
  destination: string;
  state: RestoreState;
  retryOf: number | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  error: string | null;
  pid: number | null;
}

export interface RestoreLogLine {
  seq: number;
  at: number;
  level: "info" | "warning" | "error";
  message: string;
}

interface JobRow {
  id: number;
  host: string;
  site: string;
  repo_id: string;
  archive: string;
  archive_id: string;
  paths_json: string;
  strip_components: number;
  destination: string;
  state: RestoreState;
  phase: string | null;
  percent: number | null;
  current_file: string | null;
  bytes_done: number;
  bytes_total: number;
  speed: number | null;
  eta_seconds: number | null;
  items_total: number | null;
  requested_by: string | null;
  retry_of: number | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  error: string | null;
  pid: number | null;
}

function toJob(r: JobRow): RestoreJob {
  return {
    id: r.id,
    host: r.host,
    site: r.site,
    repoId: r.repo_id,
    archive: r.archive,
    archiveId: r.archive_id,
    paths: JSON.parse(r.paths_json) as string[],
    stripComponents: r.strip_components,
    destination: r.destination,
    state: r.state,
    phase: r.phase,
    percent: r.percent,
    currentFile: r.current_file,
    bytesDone: r.bytes_done,
    bytesTotal: r.bytes_total,
    speed: r.speed,
    etaSeconds: r.eta_seconds,
    itemsTotal: r.items_total,
    requestedBy: r.requested_by,
    retryOf: r.retry_of,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    error: r.error,
    pid: r.pid,
  };
}

/** The selected paths as people read them (for audit rows and the job page). */
export function displayPaths(paths: readonly string[]): string[] {
  return paths.map((p) => {
    const bytes = decodePathParam(p);
    return bytes ? displayPath(bytes) : p;
  });
}

/** What a caller asks for (validated already: host in scope, archive resolved, paths checked). */
export interface RestoreRequest {
  host: string;
  site: string;
  repoId: string;
  archive: string;
  archiveId: string;
  /** pathParam-encoded archive paths. */
  paths: string[];
  stripComponents: number;
  requestedBy: string | null;
  /** For the audit row written with the insert. */
  address?: string | null;
}

export interface NewRestoreJob extends RestoreRequest {
  retryOf?: number | null;
  /** The job's directory from its id (destination.ts); called inside the insert transaction. */
  destinationFor: (id: number) => string;
}

/** Insert a queued job and its audit row in one transaction. */
export function insertJob(db: Db, job: NewRestoreJob, now = Date.now()): RestoreJob {
  return db.transaction(() => {
    const info = db
      .prepare(
        `INSERT INTO restore_jobs (host, site, repo_id, archive, archive_id, paths_json, strip_components, destination, state, requested_by, retry_of, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, '', 'queued', ?, ?, ?)`,
      )
      .run(
        job.host,
        job.site,
        job.repoId,
        job.archive,
        job.archiveId,
        JSON.stringify(job.paths),
        job.stripComponents,
        job.requestedBy,
        job.retryOf ?? null,
        now,
      );
    const id = Number(info.lastInsertRowid);
    db.prepare("UPDATE restore_jobs SET destination = ? WHERE id = ?").run(job.destinationFor(id), id);
    audit(
      db,
      {
        username: job.requestedBy,
        address: job.address ?? null,
        action: "archive:restore",
        host: job.host,
        archive: job.archive,
        paths: displayPaths(job.paths),
        outcome: "ok",
        reason: job.retryOf ? `restore job ${id} queued (retry of job ${job.retryOf})` : `restore job ${id} queued`,
      },
      now,
    );
    appendLog(db, id, "info", `Queued by ${job.requestedBy ?? "unknown"}${job.retryOf ? ` (retry of job ${job.retryOf})` : ""}.`, now);
    return getJob(db, id)!;
  })();
}

/** How many of this user's jobs are waiting or running. */
export function openJobCount(db: Db, username: string): number {
  const row = db.prepare("SELECT COUNT(*) AS n FROM restore_jobs WHERE requested_by = ? AND state IN ('queued', 'running')").get(username) as { n: number };
  return row.n;
}

export function getJob(db: Db, id: number): RestoreJob | null {
  const row = db.prepare("SELECT * FROM restore_jobs WHERE id = ?").get(id) as JobRow | undefined;
  return row ? toJob(row) : null;
}

/** The job a URL names (/restores/<id>, /api/restores/<id>); null for anything but a decimal id of a job. */
export function jobFromParam(db: Db, id: string): RestoreJob | null {
  return /^\d{1,15}$/.test(id) ? getJob(db, Number(id)) : null;
}

/**
 * Newest first, at most `limit` jobs that pass `hostFilter` (all hosts without one), older than the
 * job id `beforeId` when given (keyset paging). Reads in batches until the page is full, so a filter
 * that rejects most jobs still fills the page.
 */
export function listJobs(db: Db, options: { hostFilter?: (host: string) => boolean; limit?: number; beforeId?: number } = {}): RestoreJob[] {
  const limit = Math.min(Math.max(options.limit ?? 200, 1), 1000);
  const select = db.prepare("SELECT * FROM restore_jobs WHERE id < ? ORDER BY id DESC LIMIT ?");
  const jobs: RestoreJob[] = [];
  let before = options.beforeId ?? Number.MAX_SAFE_INTEGER;
  for (;;) {
    const rows = select.all(before, limit) as JobRow[];
    for (const row of rows) if (jobs.length < limit && (!options.hostFilter || options.hostFilter(row.host))) jobs.push(toJob(row));
    if (rows.length < limit || jobs.length >= limit) return jobs;
    before = rows[rows.length - 1]!.id;
  }
}

/** Queued jobs, oldest first (the queue is FIFO). */
export function queuedJobs(db: Db): RestoreJob[] {
  return (db.prepare("SELECT * FROM restore_jobs WHERE state = 'queued' ORDER BY id").all() as JobRow[]).map(toJob);
}

export function jobsInState(db: Db, states: readonly RestoreState[]): RestoreJob[] {
  return (db.prepare(`SELECT * FROM restore_jobs WHERE state IN (${states.map(() => "?").join(",")}) ORDER BY id`).all(...states) as JobRow[]).map(toJob);
}

/** queued -> running; false when the job is no longer queued (cancelled meanwhile). */
export function markRunning(db: Db, id: number, now = Date.now()): boolean {
  return (
    db.prepare("UPDATE restore_jobs SET state = 'running', started_at = ?, phase = 'preparing' WHERE id = ? AND state = 'queued'").run(now, id).changes === 1
  );
}

export function setPid(db: Db, id: number, pid: number | null): void {
  db.prepare("UPDATE restore_jobs SET pid = ? WHERE id = ?").run(pid, id);
}

export type ProgressFields = Partial<JobProgressFields>;

export function updateProgress(db: Db, id: number, p: ProgressFields): void {
  db.prepare(
    `UPDATE restore_jobs SET
       phase = COALESCE(?, phase), percent = COALESCE(?, percent), current_file = ?, bytes_done = COALESCE(?, bytes_done),
       bytes_total = COALESCE(?, bytes_total), speed = ?, eta_seconds = ?, items_total = COALESCE(?, items_total)
     WHERE id = ? AND state = 'running'`,
  ).run(
    p.phase ?? null,
    p.percent ?? null,
    p.currentFile ?? null,
    p.bytesDone ?? null,
    p.bytesTotal ?? null,
    p.speed ?? null,
    p.etaSeconds ?? null,
    p.itemsTotal ?? null,
    id,
  );
}

/**
 * Move a job to a final state, with its audit row, in one transaction. Only from queued/running: a job
 * that is final already stays as it is (returns false).
 */
export function finishJob(
  db: Db,
  id: number,
  outcome: { state: Exclude<RestoreState, "queued" | "running">; error?: string | null; username?: string | null; address?: string | null; reason: string },
  now = Date.now(),
): boolean {
  return db.transaction(() => {
    const job = getJob(db, id);
    if (!job || FINAL_STATES.has(job.state)) return false;
    db.prepare(
      "UPDATE restore_jobs SET state = ?, finished_at = ?, error = ?, pid = NULL, speed = NULL, eta_seconds = NULL, current_file = NULL WHERE id = ?",
    ).run(outcome.state, now, outcome.error ?? null, id);
    audit(
      db,
      {
        username: outcome.username ?? job.requestedBy,
        address: outcome.address ?? null,
        action: "archive:restore",
        host: job.host,
        archive: job.archive,
        paths: displayPaths(job.paths),
        outcome: outcome.state === "succeeded" || outcome.state === "cancelled" ? "ok" : "failed",
        reason: outcome.reason,
      },
      now,
    );
    appendLog(
      db,
      id,
      outcome.state === "succeeded" || outcome.state === "cancelled" ? "info" : "error",
      outcome.error ? `${outcome.reason}: ${outcome.error}` : outcome.reason,
      now,
    );
    return true;
  })();
}

export function appendLog(db: Db, id: number, level: RestoreLogLine["level"], message: string, now = Date.now()): void {
  const text = message.length > LOG_LINE_MAX ? `${message.slice(0, LOG_LINE_MAX)}…` : message;
  db.transaction(() => {
    const last = db.prepare("SELECT MAX(seq) AS seq FROM restore_job_log WHERE job_id = ?").get(id) as { seq: number | null };
    const seq = (last.seq ?? 0) + 1;
    db.prepare("INSERT INTO restore_job_log (job_id, seq, at, level, message) VALUES (?, ?, ?, ?, ?)").run(id, seq, now, level, text);
    // Keep the first 20 lines (what was asked) and the newest ones.
    if (seq > LOG_LIMIT) db.prepare("DELETE FROM restore_job_log WHERE job_id = ? AND seq = ?").run(id, seq - LOG_LIMIT + 20);
  })();
}

export function jobLog(db: Db, id: number): RestoreLogLine[] {
  return db.prepare("SELECT seq, at, level, message FROM restore_job_log WHERE job_id = ? ORDER BY seq").all(id) as RestoreLogLine[];
}
