/**
 * The compliance report for 1,000 synthetic hosts × 31 days (lib/fleet/synthetic.ts), server-side:
 * the SQLite queries and the computation (complianceReportFor), the page's grid rendered to HTML
 * (react-dom/server, as the server component renders it), and the CSV. Beside them, the raw SQL scan of
 * the same rows, the floor any implementation pays. Median of repeated runs after a warm-up.
 * Target: report page data + render ≤ 300 ms.
 */
import { openMemoryDatabase } from "@/lib/db";
import { recordArchivesSeen } from "@/lib/db/archivesSeen";
import { createSyntheticFleet } from "@/lib/fleet/synthetic";
import { reportCsv } from "@/lib/reports/csv";
import { complianceReportFor } from "@/lib/reports/load";
import { monthKeyAt, monthOf } from "@/lib/reports/month";
import { sqliteReportSource } from "@/lib/reports/source";
import { median, ms } from "./util";

const DAY = 86_400_000;

export interface ReportBenchResult {
  hosts: number;
  repos: number;
  days: number;
  archiveRows: number;
  rawScanMedianMs: number;
  dataMedianMs: number;
  renderMedianMs: number;
  pageMedianMs: number;
  csvMedianMs: number;
  htmlBytes: number;
  csvRows: number;
  loadAverage: number[];
}

function timed<T>(fn: () => T, runs: number): { ms: number[]; last: T } {
  let last = fn(); // warm-up
  for (let i = 0; i < 2; i++) last = fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    last = fn();
    times.push(performance.now() - t);
  }
  return { ms: times, last };
}

export async function benchReport(hosts = 1000, runs = 15): Promise<ReportBenchResult> {
  const os = await import("node:os");
  // React's production build, as the server runs it (the development build checks every element).
  (process.env as Record<string, string>).NODE_ENV = "production";
  const { createElement } = await import("react");
  const { renderToString } = await import("react-dom/server");
  const { ComplianceGrid } = await import("@/components/reports/ComplianceGrid");
  // The last full month of 31 days: every day judged.
  let month = monthOf(monthKeyAt(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() - 1, 15)));
  while (month.days.length < 31) month = monthOf(monthKeyAt(month.start - DAY));
  const now = month.end + 3 * 3600_000;
  const state = { ...createSyntheticFleet({ hosts, now }).getState(), staleAfterHosts: [{ match: "laptop-*", staleAfterSeconds: 14 * 86400 }] };
  const db = openMemoryDatabase();
  db.exec(`
    CREATE TABLE IF NOT EXISTS check_runs (id INTEGER PRIMARY KEY, repo_id TEXT, host TEXT, site TEXT, kind TEXT, started_at INTEGER, ended_at INTEGER, outcome TEXT, message TEXT);
    CREATE TABLE IF NOT EXISTS drill_runs (id INTEGER PRIMARY KEY, repo_id TEXT, host TEXT, site TEXT, archive TEXT, started_at INTEGER, ended_at INTEGER, outcome TEXT, files INTEGER, bytes INTEGER, message TEXT);
  `);
  // A nightly archive per repo from 40 days before the month to its end; every 13th host misses a
  // stretch of days, so the report has gaps to list. Weekly checks and drills.
  let rows = 0;
  const check = db.prepare(
    "INSERT INTO check_runs (repo_id, host, site, kind, started_at, ended_at, outcome, message) VALUES (?, ?, ?, 'repository', ?, ?, ?, '')",
  );
  const drill = db.prepare(
    "INSERT INTO drill_runs (repo_id, host, site, archive, started_at, ended_at, outcome, files, bytes, message) VALUES (?, ?, ?, 'a', ?, ?, ?, 10, 1000, '')",
  );
  db.transaction(() => {
    state.repos.forEach((repo, i) => {
      const archives = [];
      for (let d = month.start - 40 * DAY; d < month.end; d += DAY) {
        const dayOfMonth = Math.floor((d - month.start) / DAY);
        if (i % 13 === 0 && dayOfMonth >= 10 && dayOfMonth < 14) continue;
        const start = d + 2 * 3600_000 + (i % 60) * 60_000;
        archives.push({ id: `${repo.id}-${d}`, name: `${repo.host}-${new Date(d).toISOString().slice(0, 10)}`, start, end: start + 600_000 });
      }
      recordArchivesSeen(db, repo, archives, now);
      rows += archives.length;
      for (let d = month.start - 7 * DAY; d < month.end + 7 * DAY; d += 7 * DAY) {
        check.run(repo.id, repo.host, repo.site, d + DAY, d + DAY + 60_000, i % 17 === 0 ? "failed" : "ok");
        drill.run(repo.id, repo.host, repo.site, d + 2 * DAY, d + 2 * DAY + 60_000, "ok");
      }
    });
  })();

  const source = sqliteReportSource(db);
  const raw = timed(
    () =>
      db
        .prepare("SELECT host, COALESCE(end_ms, start_ms) AS at FROM archives_seen WHERE start_ms < ? AND COALESCE(end_ms, start_ms) >= ?")
        .all(month.end, month.start).length,
    runs,
  );
  const data = timed(() => complianceReportFor(state, source, month, now), runs);
  const render = timed(() => renderToString(createElement(ComplianceGrid, { report: data.last.report })), runs);
  const page = timed(() => renderToString(createElement(ComplianceGrid, { report: complianceReportFor(state, source, month, now).report })), runs);
  const csv = timed(() => reportCsv(data.last.report), runs);
  const result: ReportBenchResult = {
    hosts: new Set(state.repos.map((r) => r.host)).size,
    repos: state.repos.length,
    days: month.days.length,
    archiveRows: rows,
    rawScanMedianMs: median(raw.ms),
    dataMedianMs: median(data.ms),
    renderMedianMs: median(render.ms),
    pageMedianMs: median(page.ms),
    csvMedianMs: median(csv.ms),
    htmlBytes: render.last.length,
    csvRows: csv.last.split("\r\n").length - 2,
    loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
  };
  console.log(
    `report (${result.hosts} synthetic hosts, ${result.repos} repos, ${result.days} days of ${month.key}, ${result.archiveRows} archives recorded; ${runs} runs after 3 warm-up):`,
  );
  console.log(`  raw SQL scan of the month's archives   median ${ms(result.rawScanMedianMs)}`);
  console.log(`  data (queries + grid, RPO, gaps)       median ${ms(result.dataMedianMs)}`);
  console.log(`  grid rendered to HTML                  median ${ms(result.renderMedianMs)}, ${(result.htmlBytes / 1024).toFixed(0)} KiB`);
  console.log(`  page: data + render                    median ${ms(result.pageMedianMs)} (target ≤ 300 ms)`);
  console.log(`  CSV                                    median ${ms(result.csvMedianMs)}, ${result.csvRows} rows`);
  console.log(`  load average ${result.loadAverage.join(" / ")} on ${os.cpus().length} cores`);
  return result;
}
