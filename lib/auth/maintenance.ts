/**
 * Housekeeping for auth data: expired sessions are deleted, and audit rows older than the retention
 * (AUDIT_RETENTION_DAYS, default 365; 0 keeps everything) are pruned, once at start and then hourly.
 */
import { pruneAudit } from "@/lib/audit/log";
import type { Db } from "@/lib/db";
import { pruneSessions } from "./sessions";

const DAY_MS = 24 * 60 * 60_000;

function auditRetentionMs(env: NodeJS.ProcessEnv = process.env): number | null {
  const raw = env.AUDIT_RETENTION_DAYS;
  const days = raw === undefined || raw === "" ? 365 : Number(raw);
  if (!Number.isFinite(days) || days < 0) return 365 * DAY_MS;
  return days === 0 ? null : days * DAY_MS;
}

function runAuthMaintenance(db: Db, env: NodeJS.ProcessEnv = process.env, now = Date.now()): void {
  pruneSessions(db, now);
  const retention = auditRetentionMs(env);
  if (retention !== null) pruneAudit(db, retention, now);
}

export function startAuthMaintenance(db: Db, env: NodeJS.ProcessEnv = process.env): void {
  try {
    runAuthMaintenance(db, env);
  } catch (err) {
    console.error(`[auth] maintenance failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  setInterval(() => {
    try {
      runAuthMaintenance(db, env);
    } catch (err) {
      console.error(`[auth] maintenance failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }, 60 * 60_000).unref();
}
