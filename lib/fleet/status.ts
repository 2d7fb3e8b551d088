/**
 * Staleness maths and status classification, shared by the pages, /metrics and the alert threshold.
 */
import type { RepoState, RepoStatus } from "./types";

/** The seed's threshold: BorgMissingBackup fires when the last archive is older than 1.5 days. */
export const DEFAULT_STALE_AFTER_SECONDS = 86400 * 1.5;

/** Seconds since the newest archive ended (or started, if its end is unknown); null when there is none. */
export function lastArchiveAgeSeconds(repo: Pick<RepoState, "lastArchive">, nowMs: number): number | null {
  const archive = repo.lastArchive;
  if (!archive) return null;
  const reference = archive.end ?? archive.start;
  return Math.max(0, (nowMs - reference) / 1000);
}

export function isStale(ageSeconds: number, staleAfterSeconds: number): boolean {
  // Same comparison as the alert rule: `time() - ts > threshold`.
  return ageSeconds > staleAfterSeconds;
}

/**
 * One status per repo, in order of what the operator must act on:
 * - pending: not read yet since the dashboard started;
 * - busy: a backup holds the repo right now (never shown as a failure);
 * - error: the last attempt failed (wrong passphrase, unreachable, ...);
 * - never: the repo has no archive at all;
 * - stale / fresh: by the age of the newest archive.
 */
export function repoStatus(repo: RepoState, nowMs: number, staleAfterSeconds: number): RepoStatus {
  if (repo.busy) return "busy";
  if (repo.lastError) return "error";
  if (repo.archiveCount === null && repo.lastSuccessAt === null) return "pending";
  if (repo.archiveCount === 0 || !repo.lastArchive) return "never";
  const age = lastArchiveAgeSeconds(repo, nowMs) ?? Infinity;
  return isStale(age, staleAfterSeconds) ? "stale" : "fresh";
}

export const STATUS_LABELS: Record<RepoStatus, string> = {
  fresh: "Fresh",
  stale: "Stale",
  never: "Never backed up",
  busy: "Backup running",
  error: "Error",
  pending: "Not read yet",
};

/** Statuses that need attention, for sorting and the overview summary. */
export const STATUS_SEVERITY: Record<RepoStatus, number> = {
  error: 0,
  never: 1,
  stale: 2,
  busy: 3,
  pending: 4,
  fresh: 5,
};
