/**
 * A year of size and capacity history for 1,000 repos on a real database file: every collector cycle
 * (default interval 300 s) records each repo's and site's sample with the collector's own
 * recordRepoSample/recordSiteSample, and pruneHistory runs every HISTORY_PRUNE_INTERVAL_MS of simulated
 * time with the default retention, as the runtime does. Prints the database file size as it goes and
 * at the end, and the rows the write-time thinning alone would have kept. Target: bounded (the size
 * stops growing once the retention is reached; see docs/benchmarks.md).
 *
 * BENCH_HISTORY_REPOS and BENCH_HISTORY_DAYS change the fleet size and the simulated span.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { databaseFile, openDatabase } from "@/lib/db";
import { DEFAULT_HISTORY_RETENTION_MS, HISTORY_PRUNE_INTERVAL_MS, pruneHistory, recordRepoSample, recordSiteSample } from "@/lib/db/history";
import { s } from "./util";

const DAY_MS = 86_400_000;
const INTERVAL_MS = 300_000; // collector.interval default
const SITES = ["onsite", "offsite", "cloud"];
const GiB = 1024 ** 3;

export interface HistoryBenchResult {
  repos: number;
  days: number;
  cycles: number;
  rowsWritten: number;
  repoRows: number;
  siteRows: number;
  fileBytes: number;
  bytesPerRowBeforeThinning: number;
  lastPruneMs: number;
  wallMs: number;
}

/** Deterministic per-repo figures: one backup a day at the repo's own hour, growing and pruned to 17 archives. */
function figuresAt(repo: number, at: number, start: number) {
  const backupOffset = ((repo * 86_400_000) / 1000) % DAY_MS;
  const backups = Math.max(0, Math.floor((at - start - backupOffset) / DAY_MS) + 1);
  const base = (1 + (repo % 50)) * GiB;
  const dedup = base + backups * (5_000_000 + (repo % 7) * 1_000_000);
  return {
    at,
    deduplicatedBytes: dedup,
    diskUsageBytes: Math.round(dedup * 1.02),
    originalBytes: dedup * 6,
    compressedBytes: dedup * 3,
    archiveCount: Math.min(17, backups),
  };
}

function fileSize(file: string): number {
  return [file, `${file}-wal`].reduce((sum, f) => sum + (fs.existsSync(f) ? fs.statSync(f).size : 0), 0);
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

export async function benchHistory(repos = 1000, days = 365): Promise<HistoryBenchResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "borg-fleet-bench-history-"));
  const wallStart = Date.now();
  try {
    const db = openDatabase(dir);
    const file = databaseFile(dir);
    const start = Date.UTC(2025, 0, 1);
    const cycles = Math.floor((days * DAY_MS) / INTERVAL_MS);
    const ids = Array.from({ length: repos }, (_, i) => `${SITES[i % SITES.length]}/host-${String(i + 1).padStart(4, "0")}`);
    console.log(
      `History: ${repos} repos, ${days} days of collector cycles every ${INTERVAL_MS / 1000} s (${cycles.toLocaleString("en")} cycles), pruning every ${HISTORY_PRUNE_INTERVAL_MS / 60_000} min with retention ${DEFAULT_HISTORY_RETENTION_MS / DAY_MS} d`,
    );
    let rowsWritten = 0;
    let bytesPerRowBeforeThinning = 0;
    let lastPruneAt = start;
    let lastPruneMs = 0;
    const recordCycle = db.transaction((at: number) => {
      for (let i = 0; i < repos; i++) if (recordRepoSample(db, ids[i]!, figuresAt(i, at, start))) rowsWritten++;
      SITES.forEach((site, i) => {
        const size = 100 * 1024 * GiB;
        const free = size - (i + 1) * 10 * 1024 * GiB - Math.floor((at - start) / 3_600_000) * 40 * GiB;
        if (recordSiteSample(db, site, { at, sizeBytes: size, freeBytes: free })) rowsWritten++;
      });
    });
    for (let c = 0; c < cycles; c++) {
      const at = start + c * INTERVAL_MS;
      recordCycle(at);
      if (at - lastPruneAt >= HISTORY_PRUNE_INTERVAL_MS) {
        const t0 = performance.now();
        pruneHistory(db, DEFAULT_HISTORY_RETENTION_MS, at);
        lastPruneMs = performance.now() - t0;
        lastPruneAt = at;
      }
      const day = (c + 1) * INTERVAL_MS;
      if (day % (30 * DAY_MS) === 0 || c === cycles - 1) {
        db.pragma("wal_checkpoint(TRUNCATE)");
        const rows = (db.prepare("SELECT (SELECT count(*) FROM repo_samples) + (SELECT count(*) FROM site_samples) AS n").get() as { n: number }).n;
        // Before the first thinning (day 35) every row written is still there: the size of one row.
        if (day === 30 * DAY_MS) bytesPerRowBeforeThinning = fileSize(file) / rows;
        console.log(
          `  day ${String(Math.round(day / DAY_MS)).padStart(3)}: ${mb(fileSize(file))}, ${rows.toLocaleString("en")} rows (last prune ${lastPruneMs.toFixed(0)} ms, ${s(Date.now() - wallStart)} so far)`,
        );
      }
    }
    db.pragma("wal_checkpoint(TRUNCATE)");
    const repoRows = (db.prepare("SELECT count(*) AS n FROM repo_samples").get() as { n: number }).n;
    const siteRows = (db.prepare("SELECT count(*) AS n FROM site_samples").get() as { n: number }).n;
    const fileBytes = fileSize(file);
    db.close();
    const result = { repos, days, cycles, rowsWritten, repoRows, siteRows, fileBytes, bytesPerRowBeforeThinning, lastPruneMs, wallMs: Date.now() - wallStart };
    console.log(`  database file after ${days} days: ${mb(fileBytes)} (${repoRows.toLocaleString("en")} repo rows, ${siteRows} site rows)`);
    if (bytesPerRowBeforeThinning > 0) {
      console.log(
        `  without the daily thinning: ${rowsWritten.toLocaleString("en")} rows ≈ ${mb(rowsWritten * bytesPerRowBeforeThinning)} (${bytesPerRowBeforeThinning.toFixed(0)} bytes a row, measured at day 30)`,
      );
    }
    return result;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
