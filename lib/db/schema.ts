/**
 * The one place that owns the SQLite schema. Migrations run in order, each once, recorded in
 * `PRAGMA user_version`. Append new migrations; never edit one that has shipped.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: collector history and caches
  `
  CREATE TABLE repo_samples (
    repo_id TEXT NOT NULL,
    at INTEGER NOT NULL,
    disk_usage_bytes INTEGER,
    deduplicated_bytes INTEGER,
    original_bytes INTEGER,
    compressed_bytes INTEGER,
    archive_count INTEGER,
    PRIMARY KEY (repo_id, at)
  ) WITHOUT ROWID;

  CREATE TABLE site_samples (
    site TEXT NOT NULL,
    at INTEGER NOT NULL,
    size_bytes INTEGER,
    free_bytes INTEGER,
    PRIMARY KEY (site, at)
  ) WITHOUT ROWID;

  -- Archives are immutable: their start/end/sizes are fetched once per archive id and kept.
  CREATE TABLE archive_stats (
    repo_id TEXT NOT NULL,
    archive_id TEXT NOT NULL,
    name TEXT NOT NULL,
    start_ms INTEGER NOT NULL,
    end_ms INTEGER,
    duration_seconds REAL,
    original_bytes INTEGER,
    compressed_bytes INTEGER,
    deduplicated_bytes INTEGER,
    files INTEGER,
    fetched_at INTEGER NOT NULL,
    PRIMARY KEY (repo_id, archive_id)
  ) WITHOUT ROWID;

  -- Last known state per repo, so a restarted dashboard shows the fleet before its first cycle ends.
  CREATE TABLE repo_state (
    repo_id TEXT PRIMARY KEY,
    state_json TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  `,
  // 2: the alert inbox (POST /api/alerts from Alertmanager). One row per alert fingerprint: the same
  // alert notified again (repeat_interval, a retried webhook, a second group) updates its row.
  `
  CREATE TABLE alerts (
    fingerprint TEXT PRIMARY KEY,
    alertname TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('firing', 'resolved')),
    severity TEXT,
    host TEXT,
    site TEXT,
    labels_json TEXT NOT NULL,
    annotations_json TEXT NOT NULL,
    starts_at INTEGER NOT NULL,
    ends_at INTEGER,
    generator_url TEXT,
    first_received_at INTEGER NOT NULL,
    last_received_at INTEGER NOT NULL
  );
  CREATE INDEX alerts_by_status ON alerts (status, host);
  `,
  // 3: users, server-side sessions and the append-only audit log (lib/auth, lib/audit).
  `
  CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    hosts_json TEXT NOT NULL DEFAULT '[]',
    created_at INTEGER NOT NULL,
    password_changed_at INTEGER NOT NULL
  );

  -- The cookie carries a random token; only its SHA-256 is stored, so a database copy opens no session.
  CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    address TEXT
  );
  CREATE INDEX sessions_by_user ON sessions (user_id);

  -- Append-only: rows are never updated; only retention pruning deletes (lib/audit/log.ts).
  CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    username TEXT,
    address TEXT,
    action TEXT NOT NULL,
    host TEXT,
    archive TEXT,
    paths TEXT,
    outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'refused', 'failed')),
    reason TEXT
  );
  CREATE INDEX audit_by_time ON audit_log (at);
  CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
  END;
  `,

  // ---- client kit (branch kit): run reports from the backup script, /ping/<token> ----------------
  // 4: per-host ping tokens (sha256 of the token only) and the backup runs they report (lib/ping).
  `
  CREATE TABLE ping_tokens (
    host TEXT PRIMARY KEY,
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER
  );

  CREATE TABLE backup_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    host TEXT NOT NULL,
    started_at INTEGER,
    ended_at INTEGER,
    status TEXT NOT NULL CHECK (status IN ('running', 'success', 'failure')),
    exit_status INTEGER,
    log TEXT NOT NULL DEFAULT '',
    log_truncated INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX backup_runs_by_host ON backup_runs (host, id);
  `,
  // ---- end of client kit migrations -------------------------------------------------------------
  // ---- archive browser (branch browse) ----------------------------------------------------------
  // 5: the catalog of per-archive file indexes (lib/archives/index): one SQLite file per archive id in
  // archiveIndexDir(config); this table records their state, size and last use (for LRU eviction).
  `
  CREATE TABLE IF NOT EXISTS archive_indexes (
    archive_id TEXT PRIMARY KEY,
    repo_id TEXT NOT NULL,
    host TEXT NOT NULL,
    archive_name TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('building', 'complete', 'failed')),
    entries INTEGER NOT NULL DEFAULT 0,
    bytes INTEGER NOT NULL DEFAULT 0,
    started_at INTEGER,
    completed_at INTEGER,
    last_used_at INTEGER NOT NULL,
    error TEXT,
    error_kind TEXT
  );
  CREATE INDEX IF NOT EXISTS archive_indexes_by_use ON archive_indexes (state, last_used_at);
  `,
  // ---- end of archive browser migrations --------------------------------------------------------
  // ---- restore jobs (branch restore) --------------------------------------------------------------
  // 6: restore jobs (lib/restore) and their capped logs. A job row is never deleted by the app; state
  // moves queued -> running -> succeeded | failed | cancelled, or to interrupted when the dashboard
  // stopped under it (set at the next start).
  `
  CREATE TABLE restore_jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    host TEXT NOT NULL,
    site TEXT NOT NULL,
    repo_id TEXT NOT NULL,
    archive TEXT NOT NULL,
    archive_id TEXT NOT NULL,
    paths_json TEXT NOT NULL,
    strip_components INTEGER NOT NULL DEFAULT 0,
    destination TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted')),
    phase TEXT,
    percent REAL,
    current_file TEXT,
    bytes_done INTEGER NOT NULL DEFAULT 0,
    bytes_total INTEGER NOT NULL DEFAULT 0,
    speed REAL,
    eta_seconds REAL,
    items_total INTEGER,
    requested_by TEXT,
    retry_of INTEGER REFERENCES restore_jobs (id),
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    error TEXT,
    pid INTEGER
  );
  CREATE INDEX restore_jobs_by_state ON restore_jobs (state, id);
  CREATE INDEX restore_jobs_by_host ON restore_jobs (host, id);

  CREATE TABLE restore_job_log (
    job_id INTEGER NOT NULL REFERENCES restore_jobs (id),
    seq INTEGER NOT NULL,
    at INTEGER NOT NULL,
    level TEXT NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (job_id, seq)
  ) WITHOUT ROWID;
  `,
  // 7: API tokens (lib/auth/apiTokens.ts): a role and host scope like a user, an expiry, stored hashed.
  // `lookup` is the public part of the token (finds the row); only sha256 of the secret part is kept.
  `
  CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    lookup TEXT NOT NULL UNIQUE,
    secret_sha256 TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    hosts_json TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at INTEGER,
    revoked_by TEXT
  );
  `,
  // 8: integrity checks and restore drills (lib/verify).
  // ---- integrity checks and restore drills (branch checks, lib/verify) ----------------------------
  // check_runs / drill_runs: one row per run, never deleted by the app (the compliance report reads
  // them). outcome: running -> ok | failed | timeout | cancelled, or interrupted when the dashboard
  // stopped under it (set at the next start). Times are epoch ms; message is borg's text, clipped.
  `
  CREATE TABLE check_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    repo_id TEXT NOT NULL,
    host TEXT NOT NULL,
    site TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('repository', 'archives')),
    verify_data INTEGER NOT NULL DEFAULT 0,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    outcome TEXT NOT NULL CHECK (outcome IN ('running', 'ok', 'failed', 'interrupted', 'cancelled', 'timeout')),
    message TEXT,
    requested_by TEXT,
    pid INTEGER
  );
  CREATE INDEX check_runs_by_repo ON check_runs (repo_id, kind, id);

  CREATE TABLE drill_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    repo_id TEXT NOT NULL,
    host TEXT NOT NULL,
    site TEXT NOT NULL,
    archive TEXT,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    outcome TEXT NOT NULL CHECK (outcome IN ('running', 'ok', 'failed', 'interrupted', 'cancelled', 'timeout')),
    files INTEGER NOT NULL DEFAULT 0,
    bytes INTEGER NOT NULL DEFAULT 0,
    mismatched INTEGER NOT NULL DEFAULT 0,
    missing INTEGER NOT NULL DEFAULT 0,
    message TEXT,
    details_json TEXT,
    scratch_dir TEXT,
    requested_by TEXT
  );
  CREATE INDEX drill_runs_by_repo ON drill_runs (repo_id, id);
  `,
  // 9: archives the collector has seen, each recorded once: the compliance report's history, so pruned
  // archives still count for the days they existed (lib/db/archivesSeen.ts). Times are epoch ms.
  `
  CREATE TABLE archives_seen (
    repo_id TEXT NOT NULL,
    host TEXT NOT NULL,
    site TEXT NOT NULL,
    archive_id TEXT NOT NULL,
    name TEXT NOT NULL,
    start_ms INTEGER NOT NULL,
    end_ms INTEGER,
    first_seen_at INTEGER NOT NULL,
    PRIMARY KEY (repo_id, archive_id)
  ) WITHOUT ROWID;
  CREATE INDEX archives_seen_by_repo_time ON archives_seen (repo_id, start_ms);
  -- covering the report's month query: no table lookup per archive
  CREATE INDEX archives_seen_by_time ON archives_seen (start_ms, end_ms, host);
  `,
  // 10: when the check and drill scheduler first saw each repo (epoch ms): overdue alerts for a repo that
  // was never checked or drilled count from there (borg_repo_first_seen_timestamp_seconds, lib/verify/store.ts).
  `
  CREATE TABLE repos_seen (
    repo_id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    site TEXT NOT NULL,
    first_seen_at INTEGER NOT NULL
  );
  `,
];
