import { describe, expect, it } from "vitest";
import { forecastFull } from "./forecast";
import { repoStatus } from "./status";
import { createSyntheticFleet, gfsKeptDays } from "./synthetic";
import type { RepoStatus } from "./types";

const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);
const DAY_MS = 86_400_000;

describe("gfsKeptDays", () => {
  it("keeps 7 daily, 4 weekly and 6 monthly archives from a long daily series", () => {
    const newest = Math.floor(NOW / DAY_MS);
    const days = gfsKeptDays(newest, newest - 1000);
    expect(days).toHaveLength(17);
    expect(days.slice(0, 7)).toEqual([0, 1, 2, 3, 4, 5, 6].map((k) => newest - k));
    // The others are weekly (Sundays, ends of ISO weeks) or monthly (last day of a month) archives.
    const older = days.slice(7);
    const sundays = older.filter((d) => new Date(d * DAY_MS).getUTCDay() === 0);
    const monthEnds = older.filter((d) => new Date((d + 1) * DAY_MS).getUTCDate() === 1);
    expect(older.every((d) => sundays.includes(d) || monthEnds.includes(d))).toBe(true);
    expect(sundays.filter((d) => d > newest - 7 * 6)).toHaveLength(4);
    expect(monthEnds.length).toBeGreaterThanOrEqual(6);
    expect(new Set(days).size).toBe(17);
  });

  it("keeps what exists for a young repo", () => {
    const newest = Math.floor(NOW / DAY_MS);
    expect(gfsKeptDays(newest, newest - 2)).toEqual([newest, newest - 1, newest - 2]);
  });
});

describe("createSyntheticFleet", () => {
  it("is deterministic for a seed and a time", () => {
    const a = createSyntheticFleet({ hosts: 50, seed: 7, now: NOW }).getState();
    const b = createSyntheticFleet({ hosts: 50, seed: 7, now: NOW }).getState();
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    const c = createSyntheticFleet({ hosts: 50, seed: 8, now: NOW }).getState();
    expect(JSON.stringify(c)).not.toBe(JSON.stringify(a));
  });

  it("spreads hosts over two sites with a mix of statuses", () => {
    const state = createSyntheticFleet({ hosts: 200, now: NOW }).getState();
    expect(state.sites.map((s) => s.name)).toEqual(["onsite", "offsite"]);
    const hosts = new Set(state.repos.map((r) => r.host));
    expect(hosts.size).toBe(200);
    expect(new Set(state.repos.map((r) => r.id)).size).toBe(state.repos.length);
    expect(state.repos.some((r) => r.site === "offsite")).toBe(true);
    // Some hosts have a copy on both sites.
    expect(state.repos.length).toBeGreaterThan(200);

    const counts: Record<RepoStatus, number> = { fresh: 0, stale: 0, never: 0, busy: 0, error: 0, pending: 0 };
    for (const repo of state.repos) counts[repoStatus(repo, NOW, state.staleAfterSeconds)]++;
    expect(counts.busy).toBe(1);
    expect(counts.error).toBe(1);
    expect(counts.never).toBe(1);
    expect(counts.stale).toBeGreaterThanOrEqual(1);
    expect(counts.fresh).toBeGreaterThan(state.repos.length * 0.8);

    const error = state.repos.find((r) => r.lastError)!;
    expect(error.lastError!.kind).toBe("wrong-passphrase");
    expect(error.lastError!.detail).toMatch(/passphrase/i);
    const never = state.repos.find((r) => r.archiveCount === 0)!;
    expect(never.lastArchive).toBeNull();
  });

  it("gives established repos ~17 GFS archives, oldest first, with differing sizes", () => {
    const state = createSyntheticFleet({ hosts: 100, now: NOW }).getState();
    const read = state.repos.filter((r) => r.archiveCount && r.archiveCount > 0);
    const seventeen = read.filter((r) => r.archiveCount === 17).length;
    expect(seventeen).toBeGreaterThan(read.length * 0.9);
    for (const repo of read) {
      expect(repo.archives).toHaveLength(repo.archiveCount!);
      expect(repo.lastArchive).toBe(repo.archives[repo.archives.length - 1]);
      for (let i = 1; i < repo.archives.length; i++) expect(repo.archives[i]!.start).toBeGreaterThan(repo.archives[i - 1]!.start);
      expect(repo.lastArchive!.end!).toBeLessThanOrEqual(NOW);
      expect(repo.lastArchive!.name.startsWith(`${repo.host}-`)).toBe(true);
      expect(repo.sizes!.deduplicatedBytes).toBeLessThan(repo.sizes!.compressedBytes);
      expect(repo.sizes!.compressedBytes).toBeLessThan(repo.sizes!.originalBytes);
      if (repo.local) expect(repo.diskUsageBytes).toBeGreaterThan(0);
      else expect(repo.diskUsageBytes).toBeNull();
    }
    const sizes = new Set(read.map((r) => r.sizes!.deduplicatedBytes));
    expect(sizes.size).toBe(read.length);
    // Some archive stats are not cached, so the UI shows "—" for them.
    expect(read.some((r) => r.archives.some((a) => a.stats === null))).toBe(true);
  });

  it("builds 1,000 hosts quickly", () => {
    // CPU time rather than wall time, best of three: other test files (real borg) share the machine.
    let best = Infinity;
    for (let run = 0; run < 3; run++) {
      const before = process.cpuUsage();
      const provider = createSyntheticFleet({ hosts: 1000, seed: run, now: NOW });
      const state = provider.getState();
      provider.getSiteHistory("onsite", 0);
      const used = process.cpuUsage(before);
      best = Math.min(best, (used.user + used.system) / 1000);
      expect(new Set(state.repos.map((r) => r.host)).size).toBe(1000);
    }
    expect(best).toBeLessThan(100);
  });

  it("serves history samples every 6 h for 30 days, lazily and filtered by time", () => {
    const provider = createSyntheticFleet({ hosts: 20, now: NOW });
    const repo = provider.getState().repos.find((r) => r.archiveCount === 17 && r.local)!;
    const history = provider.getRepoHistory(repo.id, NOW - 30 * DAY_MS);
    expect(history.length).toBeGreaterThanOrEqual(120);
    expect(history[1]!.at - history[0]!.at).toBe(6 * 3_600_000);
    expect(history[history.length - 1]!.at).toBeLessThanOrEqual(NOW);
    expect(provider.getRepoHistory(repo.id, NOW - DAY_MS).length).toBeLessThanOrEqual(5);
    expect(provider.getRepoHistory("nowhere/nohost", 0)).toEqual([]);

    const site = provider.getSiteHistory("onsite", NOW - 30 * DAY_MS);
    expect(site.length).toBeGreaterThanOrEqual(120);
    const forecast = forecastFull(site, NOW);
    expect(forecast).not.toBeNull();
    expect(forecast!.daysUntilFull).toBeGreaterThan(0);
  });

  it("reports unknown capacity as null, never 0", () => {
    const provider = createSyntheticFleet({ hosts: 10, now: NOW, unknownCapacitySites: ["offsite"] });
    const offsite = provider.getState().sites.find((s) => s.name === "offsite")!;
    expect(offsite.sizeBytes).toBeNull();
    expect(offsite.freeBytes).toBeNull();
    expect(offsite.capacitySource).toBe("unknown");
    expect(provider.getSiteHistory("offsite", 0).every((s) => s.freeBytes === null)).toBe(true);
  });

  it("handles tiny fleets", () => {
    expect(createSyntheticFleet({ hosts: 0, now: NOW }).getState().repos).toEqual([]);
    expect(createSyntheticFleet({ hosts: 1, now: NOW }).getState().repos.length).toBeGreaterThanOrEqual(1);
  });
});
