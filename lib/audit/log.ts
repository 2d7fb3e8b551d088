/**
 * The audit log: who signed in, who was refused, who browsed, restored, downloaded or changed what.
 * Append-only (a trigger refuses UPDATE); only retention pruning deletes. Callers that change something
 * write the audit row inside the same transaction as the change (`db.transaction`).
 */
import type { Db } from "../db";
import { clientAddressOf } from "../net/requestContext";

export type Outcome = "ok" | "refused" | "failed";

export interface AuditEntry {
  username?: string | null;
  address?: string | null;
  action: string;
  host?: string | null;
  archive?: string | null;
  paths?: string[] | null;
  outcome: Outcome;
  reason?: string | null;
}

export interface AuditRow {
  id: number;
  at: number;
  username: string | null;
  address: string | null;
  action: string;
  host: string | null;
  archive: string | null;
  paths: string | null;
  outcome: Outcome;
  reason: string | null;
}

/** Values from requests are clipped so a megabyte username cannot bloat the log. */
const clip = (value: string | null | undefined, max = 256) => (value == null ? null : value.length > max ? `${value.slice(0, max)}…` : value);

export function audit(db: Db, entry: AuditEntry, now = Date.now()): void {
  db.prepare(
    `INSERT INTO audit_log (at, username, address, action, host, archive, paths, outcome, reason)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    now,
    clip(entry.username),
    clip(entry.address, 100),
    entry.action,
    clip(entry.host),
    clip(entry.archive),
    entry.paths ? clip(JSON.stringify(entry.paths), 4096) : null,
    entry.outcome,
    clip(entry.reason, 500),
  );
}

export interface AuditFilter {
  username?: string;
  action?: string;
  host?: string;
  outcome?: Outcome;
  limit?: number;
  /** Only rows older than this id (keyset paging, newest first). */
  beforeId?: number;
}

export function queryAudit(db: Db, filter: AuditFilter = {}): AuditRow[] {
  const where: string[] = [];
  const args: (string | number)[] = [];
  for (const column of ["username", "action", "host", "outcome"] as const) {
    const value = filter[column];
    if (value) {
      where.push(`${column} = ?`);
      args.push(value);
    }
  }
  if (filter.beforeId !== undefined) {
    where.push("id < ?");
    args.push(filter.beforeId);
  }
  const limit = Math.min(Math.max(filter.limit ?? 200, 1), 1000);
  return db.prepare(`SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT ${limit}`).all(...args) as AuditRow[];
}

/** Retention: drops rows older than `maxAgeMs`. The only DELETE on the audit log. */
export function pruneAudit(db: Db, maxAgeMs: number, now = Date.now()): number {
  return db.prepare("DELETE FROM audit_log WHERE at < ?").run(now - maxAgeMs).changes;
}

/**
 * For route handlers: the client address — the socket peer recorded by the server wrapper, or the
 * client a trusted proxy forwarded for (lib/net/requestContext.ts); null when unknown.
 */
export function requestAddress(request: Request): string | null {
  return clientAddressOf(request.headers);
}
