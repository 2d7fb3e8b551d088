/**
 * History stays bounded: samples past the retention go, recent ones stay, older ones are thinned to
 * one per day; the schedule runs it without being asked; the config carries the retention.
 */
import { describe, expect, it } from "vitest";
import { parseConfig } from "@/lib/config/load";
import { openMemoryDatabase, type Db } from "./index";
import { FULL_RESOLUTION_MS, pruneHistory, recordRepoSample, recordSiteSample, repoHistory, siteHistory, startHistoryPruning } from "./history";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);

function repoSample(at: number, dedup: number) {
  return { at, diskUsageBytes: dedup * 2, deduplicatedBytes: dedup, originalBytes: dedup * 10, archiveCount: 7 };
}

function count(db: Db, table: "repo_samples" | "site_samples"): number {
  return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}

describe("pruneHistory", () => {
  it("deletes repo and site samples past the retention and keeps recent ones", () => {
    const db = openMemoryDatabase();
    const retention = 400 * DAY;
    for (const ageDays of [800, 401, 400.5, 399, 10, 0]) {
      recordRepoSample(db, "onsite/web1", repoSample(NOW - ageDays * DAY, ageDays));
      recordSiteSample(db, "onsite", { at: NOW - ageDays * DAY, sizeBytes: 1000, freeBytes: ageDays });
    }
    expect(count(db, "repo_samples")).toBe(6);

    const report = pruneHistory(db, retention, NOW);

    expect(report.expired).toBe(6);
    expect(repoHistory(db, "onsite/web1", 0).map((s) => s.deduplicatedBytes)).toEqual([399, 10, 0]);
    expect(siteHistory(db, "onsite", 0).map((s) => s.freeBytes)).toEqual([399, 10, 0]);
    // Running it again changes nothing.
    expect(pruneHistory(db, retention, NOW)).toEqual({ expired: 0, thinned: 0 });
  });

  it("thins samples older than the full-resolution window to the last one of each UTC day, per repo", () => {
    const db = openMemoryDatabase();
    const oldDay = Math.floor((NOW - FULL_RESOLUTION_MS) / DAY) * DAY - 3 * DAY; // a UTC midnight, well inside the thinned range
    const recent = NOW - 2 * DAY;
    for (const repo of ["onsite/web1", "onsite/web2"]) {
      for (let h = 0; h < 24; h++) recordRepoSample(db, repo, repoSample(oldDay + h * HOUR, h));
      for (let h = 0; h < 24; h++) recordRepoSample(db, repo, repoSample(recent + h * HOUR, 100 + h));
    }
    for (let h = 0; h < 24; h++) recordSiteSample(db, "onsite", { at: oldDay + h * HOUR, sizeBytes: 1000, freeBytes: h * 10 });

    const report = pruneHistory(db, 400 * DAY, NOW);

    expect(report).toEqual({ expired: 0, thinned: 2 * 23 + 23 });
    for (const repo of ["onsite/web1", "onsite/web2"]) {
      const kept = repoHistory(db, repo, 0);
      expect(kept[0]).toMatchObject({ at: oldDay + 23 * HOUR, deduplicatedBytes: 23 });
      expect(kept.slice(1).map((s) => s.deduplicatedBytes)).toEqual(Array.from({ length: 24 }, (_, h) => 100 + h));
    }
    expect(siteHistory(db, "onsite", 0)).toEqual([{ at: oldDay + 23 * HOUR, sizeBytes: 1000, freeBytes: 230 }]);
  });

  it("thins the days that aged past the window since the last run", () => {
    const db = openMemoryDatabase();
    const day = Math.floor((NOW - FULL_RESOLUTION_MS) / DAY) * DAY + DAY; // still at full resolution at NOW
    for (let h = 0; h < 24; h++) recordRepoSample(db, "onsite/web1", repoSample(day + h * HOUR, h));
    expect(pruneHistory(db, 400 * DAY, NOW).thinned).toBe(0);
    expect(pruneHistory(db, 400 * DAY, NOW + 3 * DAY).thinned).toBe(23);
    expect(repoHistory(db, "onsite/web1", 0).map((s) => s.deduplicatedBytes)).toEqual([23]);
  });

  it("runs on its schedule without being called: old samples are gone right after start", async () => {
    const db = openMemoryDatabase();
    recordRepoSample(db, "onsite/web1", repoSample(Date.now() - 500 * DAY, 1));
    recordRepoSample(db, "onsite/web1", repoSample(Date.now() - HOUR, 2));
    const stop = startHistoryPruning(db, 400 * DAY);
    try {
      await expect.poll(() => count(db, "repo_samples")).toBe(1);
      expect(repoHistory(db, "onsite/web1", 0).map((s) => s.deduplicatedBytes)).toEqual([2]);
    } finally {
      stop();
    }
  });
});

describe("config history.retention", () => {
  const base = "sites:\n  - { name: onsite, root: /srv/borg }\n";

  it("defaults to 400 days and takes a duration", () => {
    expect(parseConfig(base, "/etc/fleet.yml").history.retention).toBe(400 * 86400);
    expect(parseConfig(`${base}history: { retention: 104w }`, "/etc/fleet.yml").history.retention).toBe(728 * 86400);
    expect(parseConfig(`${base}history: { retention: 90d }`, "/etc/fleet.yml").history.retention).toBe(90 * 86400);
  });

  it("refuses less than the 31 days the charts read, and unknown keys", () => {
    expect(() => parseConfig(`${base}history: { retention: 7d }`, "/etc/fleet.yml")).toThrow(/at least 31d/);
    expect(() => parseConfig(`${base}history: { retentoin: 90d }`, "/etc/fleet.yml")).toThrow();
  });
});
