/**
 * check_runs and drill_runs (lib/db/schema.ts): one row per run, written when it starts and finished
 * when it ends, so a crash leaves a "running" row that the next start marks "interrupted". The
 * compliance report (lib/reports) reads these tables too.
 */
import type { CheckKind } from "@/lib/borg/check";
import { metricsStateChanged } from "@/lib/metrics/stateChanged";
import type { Db } from "@/lib/db";
import type { VerifyMethod } from "./drill";

export type RunOutcome = "running" | "ok" | "failed" | "interrupted" | "cancelled" | "timeout";

export interface RepoRef {
  repoId: string;
  host: string;
  site: string;
}

export interface CheckRun extends RepoRef {
  id: number;
  kind: CheckKind;
  verifyData: boolean;
  startedAt: number;
  endedAt: number | null;
  outcome: RunOutcome;
  message: string | null;
  requestedBy: string | null;
}

interface DrillDetails {
  /** Archive paths (display form) whose restored bytes differed from the reference, first few. */
  mismatched: string[];
  /** Archive paths extract did not write, first few. */
  missing: string[];
  /** What the restored files were checked against (absent in rows of drills before chunk-id checks: the stream). */
  method?: VerifyMethod;
}

export interface DrillRun extends RepoRef {
  id: number;
  archive: string | null;
  startedAt: number;
  endedAt: number | null;
  outcome: RunOutcome;
  files: number;
  bytes: number;
  mismatched: number;
  missing: number;
  message: string | null;
  details: DrillDetails | null;
  scratchDir: string | null;
  requestedBy: string | null;
}

const MESSAGE_LIMIT = 8000;

/** borg's messages can be long (one line per damaged segment): keep the head and the tail. */
function clipMessage(text: string | null | undefined): string | null {
  if (!text) return null;
  if (text.length <= MESSAGE_LIMIT) return text;
  const half = MESSAGE_LIMIT / 2;
  return `${text.slice(0, half)}\n… (${text.length - MESSAGE_LIMIT} characters left out) …\n${text.slice(-half)}`;
}

interface CheckRow {
  id: number;
  repo_id: string;
  host: string;
  site: string;
  kind: CheckKind;
  verify_data: number;
  started_at: number;
  ended_at: number | null;
  outcome: RunOutcome;
  message: string | null;
  requested_by: string | null;
}

const toCheckRun = (r: CheckRow): CheckRun => ({
  id: r.id,
  repoId: r.repo_id,
  host: r.host,
  site: r.site,
  kind: r.kind,
  verifyData: r.verify_data === 1,
  startedAt: r.started_at,
  endedAt: r.ended_at,
  outcome: r.outcome,
  message: r.message,
  requestedBy: r.requested_by,
});

export function startCheckRun(db: Db, repo: RepoRef, kind: CheckKind, verifyData: boolean, requestedBy: string | null, now = Date.now()): number {
  return Number(
    db
      .prepare("INSERT INTO check_runs (repo_id, host, site, kind, verify_data, started_at, outcome, requested_by) VALUES (?, ?, ?, ?, ?, ?, 'running', ?)")
      .run(repo.repoId, repo.host, repo.site, kind, verifyData ? 1 : 0, now, requestedBy).lastInsertRowid,
  );
}

export function finishCheckRun(db: Db, id: number, outcome: Exclude<RunOutcome, "running">, message: string | null, now = Date.now()): void {
  db.prepare("UPDATE check_runs SET outcome = ?, message = ?, ended_at = ? WHERE id = ?").run(outcome, clipMessage(message), now, id);
  // borg_repo_last_check_* are computed from these rows: the cached /metrics exposition is out of date.
  metricsStateChanged();
}

/** The newest run of each kind for a repo (any outcome), and the newest verdict. */
export function lastCheckRuns(db: Db, repoId: string, kind: CheckKind): { last: CheckRun | null; lastVerdict: CheckRun | null } {
  const last = db.prepare("SELECT * FROM check_runs WHERE repo_id = ? AND kind = ? ORDER BY id DESC LIMIT 1").get(repoId, kind) as CheckRow | undefined;
  const verdict = db
    .prepare("SELECT * FROM check_runs WHERE repo_id = ? AND kind = ? AND outcome IN ('ok', 'failed', 'timeout') ORDER BY id DESC LIMIT 1")
    .get(repoId, kind) as CheckRow | undefined;
  return { last: last ? toCheckRun(last) : null, lastVerdict: verdict ? toCheckRun(verdict) : null };
}

/** The newest verdict per (repo, kind): what the metrics export. */
export function latestCheckVerdicts(db: Db): CheckRun[] {
  const rows = db
    .prepare(
      `SELECT c.* FROM check_runs c
       JOIN (SELECT MAX(id) AS id FROM check_runs WHERE outcome IN ('ok', 'failed', 'timeout') GROUP BY repo_id, kind) latest ON latest.id = c.id`,
    )
    .all() as CheckRow[];
  return rows.map(toCheckRun);
}

export function checkRunsOfHost(db: Db, host: string, limit = 20): CheckRun[] {
  return (db.prepare("SELECT * FROM check_runs WHERE host = ? ORDER BY id DESC LIMIT ?").all(host, limit) as CheckRow[]).map(toCheckRun);
}

interface DrillRow {
  id: number;
  repo_id: string;
  host: string;
  site: string;
  archive: string | null;
  started_at: number;
  ended_at: number | null;
  outcome: RunOutcome;
  files: number;
  bytes: number;
  mismatched: number;
  missing: number;
  message: string | null;
  details_json: string | null;
  scratch_dir: string | null;
  requested_by: string | null;
}

const toDrillRun = (r: DrillRow): DrillRun => ({
  id: r.id,
  repoId: r.repo_id,
  host: r.host,
  site: r.site,
  archive: r.archive,
  startedAt: r.started_at,
  endedAt: r.ended_at,
  outcome: r.outcome,
  files: r.files,
  bytes: r.bytes,
  mismatched: r.mismatched,
  missing: r.missing,
  message: r.message,
  details: r.details_json ? (JSON.parse(r.details_json) as DrillDetails) : null,
  scratchDir: r.scratch_dir,
  requestedBy: r.requested_by,
});

export function startDrillRun(db: Db, repo: RepoRef, requestedBy: string | null, now = Date.now()): number {
  return Number(
    db
      .prepare("INSERT INTO drill_runs (repo_id, host, site, started_at, outcome, requested_by) VALUES (?, ?, ?, ?, 'running', ?)")
      .run(repo.repoId, repo.host, repo.site, now, requestedBy).lastInsertRowid,
  );
}

/** Recorded before anything is written there, so a crash leaves the path for the next start to remove. */
export function setDrillScratch(db: Db, id: number, scratchDir: string, archive: string): void {
  db.prepare("UPDATE drill_runs SET scratch_dir = ?, archive = ? WHERE id = ?").run(scratchDir, archive, id);
}

export interface DrillResult {
  files: number;
  bytes: number;
  mismatched: number;
  missing: number;
  details: DrillDetails | null;
}

export function finishDrillRun(
  db: Db,
  id: number,
  outcome: Exclude<RunOutcome, "running">,
  result: DrillResult,
  message: string | null,
  now = Date.now(),
): void {
  db.prepare(
    "UPDATE drill_runs SET outcome = ?, files = ?, bytes = ?, mismatched = ?, missing = ?, details_json = ?, message = ?, ended_at = ? WHERE id = ?",
  ).run(
    outcome,
    result.files,
    result.bytes,
    result.mismatched,
    result.missing,
    result.details ? JSON.stringify(result.details) : null,
    clipMessage(message),
    now,
    id,
  );
  metricsStateChanged(); // borg_restore_drill_last_* (see finishCheckRun)
}

export function lastDrillRuns(db: Db, repoId: string): { last: DrillRun | null; lastVerdict: DrillRun | null; lastSuccess: DrillRun | null } {
  const one = (sql: string) => {
    const row = db.prepare(sql).get(repoId) as DrillRow | undefined;
    return row ? toDrillRun(row) : null;
  };
  return {
    last: one("SELECT * FROM drill_runs WHERE repo_id = ? ORDER BY id DESC LIMIT 1"),
    lastVerdict: one("SELECT * FROM drill_runs WHERE repo_id = ? AND outcome IN ('ok', 'failed', 'timeout') ORDER BY id DESC LIMIT 1"),
    lastSuccess: one("SELECT * FROM drill_runs WHERE repo_id = ? AND outcome = 'ok' ORDER BY id DESC LIMIT 1"),
  };
}

/** Per repo: the newest verdict and the newest success (for the metrics). */
export function latestDrillVerdicts(db: Db): Array<{ verdict: DrillRun; lastSuccessAt: number | null }> {
  const verdicts = (
    db
      .prepare(
        `SELECT d.* FROM drill_runs d
         JOIN (SELECT MAX(id) AS id FROM drill_runs WHERE outcome IN ('ok', 'failed', 'timeout') GROUP BY repo_id) latest ON latest.id = d.id`,
      )
      .all() as DrillRow[]
  ).map(toDrillRun);
  const successes = new Map(
    (
      db.prepare("SELECT repo_id, MAX(ended_at) AS at FROM drill_runs WHERE outcome = 'ok' GROUP BY repo_id").all() as Array<{ repo_id: string; at: number }>
    ).map((r) => [r.repo_id, r.at]),
  );
  return verdicts.map((verdict) => ({ verdict, lastSuccessAt: successes.get(verdict.repoId) ?? null }));
}

export function drillRunsOfHost(db: Db, host: string, limit = 20): DrillRun[] {
  return (db.prepare("SELECT * FROM drill_runs WHERE host = ? ORDER BY id DESC LIMIT ?").all(host, limit) as DrillRow[]).map(toDrillRun);
}

/**
 * At start-up: runs a previous process left "running" become "interrupted". Returns the scratch
 * directories of interrupted drills, for the caller to remove.
 */
export function markInterrupted(db: Db, now = Date.now()): { checks: number; drills: number; scratchDirs: string[] } {
  return db.transaction(() => {
    const scratchDirs = (
      db.prepare("SELECT scratch_dir FROM drill_runs WHERE outcome = 'running' AND scratch_dir IS NOT NULL").all() as Array<{ scratch_dir: string }>
    ).map((r) => r.scratch_dir);
    const message = "The dashboard stopped while this ran.";
    const checks = db.prepare("UPDATE check_runs SET outcome = 'interrupted', ended_at = ?, message = ? WHERE outcome = 'running'").run(now, message).changes;
    const drills = db.prepare("UPDATE drill_runs SET outcome = 'interrupted', ended_at = ?, message = ? WHERE outcome = 'running'").run(now, message).changes;
    return { checks, drills, scratchDirs };
  })();
}

/**
 * Records when the scheduler first saw each repo (once; later calls change nothing): overdue alerts for
 * a repo that was never checked or drilled count from then (borg_repo_first_seen_timestamp_seconds).
 */
export function noteReposSeen(db: Db, repos: readonly RepoRef[], now = Date.now()): void {
  const insert = db.prepare("INSERT OR IGNORE INTO repos_seen (repo_id, host, site, first_seen_at) VALUES (?, ?, ?, ?)");
  db.transaction(() => {
    for (const repo of repos) insert.run(repo.repoId, repo.host, repo.site, now);
  })();
}

/** When each repo was first seen (epoch ms), keyed by `host site` (the metrics' labels). */
export function reposFirstSeen(db: Db): Map<string, number> {
  const rows = db.prepare("SELECT host, site, MIN(first_seen_at) AS at FROM repos_seen GROUP BY host, site").all() as Array<{
    host: string;
    site: string;
    at: number;
  }>;
  return new Map(rows.map((r) => [`${r.host} ${r.site}`, r.at]));
}
