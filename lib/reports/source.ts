/**
 * Where the compliance report's history comes from: the dashboard's own records in SQLite. Archives
 * from archives_seen (lib/db/archivesSeen.ts); passed checks and restore drills from check_runs and
 * drill_runs (outcome 'ok', times epoch ms), written by the checks and drills module. A database
 * without those tables yet (an older schema) reports none, and the page says so.
 */
import type { Db } from "@/lib/db";
import { archiveTimes } from "@/lib/db/archivesSeen";

export interface HostTime {
  host: string;
  at: number;
}

export interface ReportSource {
  /** Archives of these repos made in [from, to), each repo's newest before `from` and first from `to` on; any order. */
  archives(repos: readonly { id: string; host: string }[], from: number, to: number): HostTime[];
  /** End times of passed runs in [from, to); null when this dashboard has never run one (checks off, Prometheus mode). */
  passedChecks(hosts: readonly string[], from: number, to: number): HostTime[] | null;
  passedDrills(hosts: readonly string[], from: number, to: number): HostTime[] | null;
}

/** Any run at all, passed or not: without one, an empty week means "never checked here", not "failed". */
function anyRun(db: Db, table: "check_runs" | "drill_runs"): boolean {
  return db.prepare(`SELECT 1 FROM ${table} LIMIT 1`).get() !== undefined;
}

function passedRuns(db: Db, table: "check_runs" | "drill_runs", hosts: readonly string[], from: number, to: number): HostTime[] | null {
  if (!anyRun(db, table)) return null;
  const wanted = new Set(hosts);
  const rows = db
    .prepare(
      `SELECT host, COALESCE(ended_at, started_at) AS at FROM ${table} WHERE outcome = 'ok' AND COALESCE(ended_at, started_at) >= ? AND COALESCE(ended_at, started_at) < ?`,
    )
    .all(from, to) as HostTime[];
  return rows.filter((r) => wanted.has(r.host));
}

export function sqliteReportSource(db: Db): ReportSource {
  return {
    archives: (repos, from, to) => archiveTimes(db, repos, from, to),
    passedChecks: (hosts, from, to) => passedRuns(db, "check_runs", hosts, from, to),
    passedDrills: (hosts, from, to) => passedRuns(db, "drill_runs", hosts, from, to),
  };
}
