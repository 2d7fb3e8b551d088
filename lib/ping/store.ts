/**
 * Run reports from the backup script (deploy/client/borg-backup.sh), Healthchecks.io-style:
 * per-host ping tokens (only their sha256 is stored) and the runs they report (SQLite tables
 * `ping_tokens` and `backup_runs`, lib/db/schema.ts). Logs are stored as text and only ever shown as
 * text.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Db } from "@/lib/db";
import { metricsStateChanged } from "@/lib/metrics/stateChanged";
import { processGlobal } from "@/lib/processGlobal";

/** Runs kept per host; older ones are deleted. */
const RUNS_KEPT_PER_HOST = 50;
/** An end report without a start within this long starts and ends a run of its own. */
const RUN_MATCH_WINDOW_MS = 48 * 60 * 60 * 1000;

type RunStatus = "running" | "success" | "failure";

export interface BackupRun {
  id: number;
  host: string;
  startedAt: number | null;
  endedAt: number | null;
  status: RunStatus;
  exitStatus: number | null;
  durationSeconds: number | null;
  log: string;
  logTruncated: boolean;
}

interface RunRow {
  id: number;
  host: string;
  started_at: number | null;
  ended_at: number | null;
  status: RunStatus;
  exit_status: number | null;
  log: string;
  log_truncated: number;
}

function fromRow(row: RunRow): BackupRun {
  return {
    id: row.id,
    host: row.host,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    status: row.status,
    exitStatus: row.exit_status,
    durationSeconds: row.started_at !== null && row.ended_at !== null ? (row.ended_at - row.started_at) / 1000 : null,
    log: row.log,
    logTruncated: row.log_truncated === 1,
  };
}

export const hashToken = (token: string) => createHash("sha256").update(token, "utf8").digest("hex");

/** 32 random bytes, base64url (43 characters): unguessable, URL-safe. */
const newToken = () => randomBytes(32).toString("base64url");

/** What a token looks like: rejects junk before it reaches the database. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{20,128}$/;

export type PingEvent = { kind: "start" } | { kind: "end"; exitStatus: number } | { kind: "log" };

export class PingStore {
  constructor(private readonly db: Db) {}

  /** Creates (or replaces) the host's token; returns the token, which is not stored anywhere. */
  createToken(host: string, now = Date.now()): string {
    const token = newToken();
    this.db
      .prepare(
        `INSERT INTO ping_tokens (host, token_sha256, created_at) VALUES (?, ?, ?)
         ON CONFLICT (host) DO UPDATE SET token_sha256 = excluded.token_sha256, created_at = excluded.created_at, last_used_at = NULL`,
      )
      .run(host, hashToken(token), now);
    return token;
  }

  revokeToken(host: string): boolean {
    return this.db.prepare(`DELETE FROM ping_tokens WHERE host = ?`).run(host).changes > 0;
  }

  listTokens(): { host: string; createdAt: number; lastUsedAt: number | null }[] {
    return this.db
      .prepare<[], { host: string; created_at: number; last_used_at: number | null }>(`SELECT host, created_at, last_used_at FROM ping_tokens ORDER BY host`)
      .all()
      .map((r) => ({ host: r.host, createdAt: r.created_at, lastUsedAt: r.last_used_at }));
  }

  /**
   * The host a token belongs to, or null. Looked up by its sha256 (the database never sees the token),
   * then the stored hash is compared in constant time.
   */
  hostForToken(token: string): string | null {
    if (!TOKEN_PATTERN.test(token)) return null;
    const hash = hashToken(token);
    const row = this.db
      .prepare<[string], { host: string; token_sha256: string }>(`SELECT host, token_sha256 FROM ping_tokens WHERE token_sha256 = ?`)
      .get(hash);
    if (!row) return null;
    return timingSafeEqual(Buffer.from(row.token_sha256, "hex"), Buffer.from(hash, "hex")) ? row.host : null;
  }

  /** Records one ping. `log` is the request body (already size-limited), stored as text. */
  record(host: string, event: PingEvent, log: string, logTruncated: boolean, now = Date.now()): BackupRun {
    const run = this.recordRun(host, event, log, logTruncated, now);
    metricsStateChanged(); // borg_backup_last_run_* are read from these rows
    return run;
  }

  private recordRun(host: string, event: PingEvent, log: string, logTruncated: boolean, now: number): BackupRun {
    return this.db.transaction(() => {
      this.db.prepare(`UPDATE ping_tokens SET last_used_at = ? WHERE host = ?`).run(now, host);
      const open = this.db
        .prepare<[string, number], RunRow>(`SELECT * FROM backup_runs WHERE host = ? AND status = 'running' AND started_at >= ? ORDER BY id DESC LIMIT 1`)
        .get(host, now - RUN_MATCH_WINDOW_MS);
      let id: number;
      if (event.kind === "start") {
        // A run still "running" when the next one starts never reported its end.
        this.db
          .prepare(`UPDATE backup_runs SET status = 'failure', log = log || ? WHERE host = ? AND status = 'running'`)
          .run("\n(no end report: the run was interrupted or its report was lost)", host);
        id = Number(
          this.db
            .prepare(`INSERT INTO backup_runs (host, started_at, status, log, log_truncated) VALUES (?, ?, 'running', ?, ?)`)
            .run(host, now, log, logTruncated ? 1 : 0).lastInsertRowid,
        );
      } else if (event.kind === "log") {
        if (open) {
          this.db.prepare(`UPDATE backup_runs SET log = ?, log_truncated = ? WHERE id = ?`).run(log, logTruncated ? 1 : 0, open.id);
          id = open.id;
        } else {
          id = Number(
            this.db
              .prepare(`INSERT INTO backup_runs (host, started_at, status, log, log_truncated) VALUES (?, ?, 'running', ?, ?)`)
              .run(host, now, log, logTruncated ? 1 : 0).lastInsertRowid,
          );
        }
      } else {
        const status = event.exitStatus === 0 ? "success" : "failure";
        if (open) {
          this.db
            .prepare(`UPDATE backup_runs SET ended_at = ?, status = ?, exit_status = ?, log = ?, log_truncated = ? WHERE id = ?`)
            .run(now, status, event.exitStatus, log, logTruncated ? 1 : 0, open.id);
          id = open.id;
        } else {
          id = Number(
            this.db
              .prepare(`INSERT INTO backup_runs (host, started_at, ended_at, status, exit_status, log, log_truncated) VALUES (?, NULL, ?, ?, ?, ?, ?)`)
              .run(host, now, status, event.exitStatus, log, logTruncated ? 1 : 0).lastInsertRowid,
          );
        }
      }
      this.db
        .prepare(`DELETE FROM backup_runs WHERE host = ? AND id <= (SELECT id FROM backup_runs WHERE host = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`)
        .run(host, host, RUNS_KEPT_PER_HOST);
      return fromRow(this.db.prepare<[number], RunRow>(`SELECT * FROM backup_runs WHERE id = ?`).get(id)!);
    })();
  }

  recentRuns(host: string, limit = 10): BackupRun[] {
    return this.db.prepare<[string, number], RunRow>(`SELECT * FROM backup_runs WHERE host = ? ORDER BY id DESC LIMIT ?`).all(host, limit).map(fromRow);
  }

  /** The newest finished run of every host (for borg_backup_last_run_* metrics). */
  lastFinishedRuns(): BackupRun[] {
    return this.db
      .prepare<[], RunRow>(
        `SELECT r.* FROM backup_runs r
         JOIN (SELECT host, MAX(id) AS id FROM backup_runs WHERE status != 'running' GROUP BY host) last ON last.id = r.id
         ORDER BY r.host`,
      )
      .all()
      .map(fromRow);
  }
}

const pingStore = processGlobal<PingStore>("ping-store");

export function setPingStore(store: PingStore | undefined): void {
  pingStore.set(store);
  metricsStateChanged();
}

/** The process's run-report store, or undefined when the runtime could not open its database. */
export function getPingStore(): PingStore | undefined {
  return pingStore.get();
}
