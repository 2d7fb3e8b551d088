import { describe, expect, it } from "vitest";
import { DEFAULT_STALE_AFTER_SECONDS, isStale, lastArchiveAgeSeconds, repoStatus } from "./status";
import { forecastFull } from "./forecast";
import type { RepoState } from "./types";

const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);
const DAY = 86_400_000;

function repo(overrides: Partial<RepoState> = {}): RepoState {
  return {
    id: "onsite/web-01",
    host: "web-01",
    site: "onsite",
    location: "/srv/borg/web-01",
    local: true,
    lastArchive: { name: "a", id: "1", start: NOW - DAY, end: NOW - DAY + 60_000, stats: null },
    archiveCount: 10,
    archives: [],
    sizes: null,
    diskUsageBytes: null,
    busy: false,
    encryption: "repokey-blake2",
    lastAttemptAt: NOW,
    lastSuccessAt: NOW,
    lastError: null,
    lastDurationMs: 10,
    ...overrides,
  };
}

const at = (ageDays: number) => ({ name: "a", id: "1", start: NOW - ageDays * DAY - 60_000, end: NOW - ageDays * DAY, stats: null });

describe("staleness", () => {
  it("uses the seed's threshold of 1.5 days by default", () => {
    expect(DEFAULT_STALE_AFTER_SECONDS).toBe(129600);
  });

  it("measures age from the end of the newest archive", () => {
    expect(lastArchiveAgeSeconds(repo({ lastArchive: at(2) }), NOW)).toBe(2 * 86400);
  });

  it("falls back to the start time when the end is unknown", () => {
    expect(lastArchiveAgeSeconds(repo({ lastArchive: { name: "a", id: "1", start: NOW - DAY, end: null, stats: null } }), NOW)).toBe(86400);
  });

  it("is fresh at 1.49 days and stale past 1.5 days, like the alert rule (strictly greater)", () => {
    expect(repoStatus(repo({ lastArchive: at(1.49) }), NOW, DEFAULT_STALE_AFTER_SECONDS)).toBe("fresh");
    expect(isStale(129600, 129600)).toBe(false);
    expect(isStale(129601, 129600)).toBe(true);
    expect(repoStatus(repo({ lastArchive: at(1.51) }), NOW, DEFAULT_STALE_AFTER_SECONDS)).toBe("stale");
  });

  it("honours a configured threshold", () => {
    expect(repoStatus(repo({ lastArchive: at(1) }), NOW, 3600)).toBe("stale");
  });
});

describe("repoStatus", () => {
  it("says never for a repo read successfully with no archive", () => {
    expect(repoStatus(repo({ archiveCount: 0, lastArchive: null }), NOW, 129600)).toBe("never");
  });

  it("says busy, not error or stale, while a backup holds the repo", () => {
    expect(repoStatus(repo({ busy: true, lastArchive: at(5) }), NOW, 129600)).toBe("busy");
  });

  it("says error when the last attempt failed, even with an old success", () => {
    const lastError = { kind: "wrong-passphrase" as const, message: "wrong passphrase", detail: null, at: NOW };
    expect(repoStatus(repo({ lastError }), NOW, 129600)).toBe("error");
  });

  it("says pending before the first read", () => {
    expect(repoStatus(repo({ archiveCount: null, lastSuccessAt: null, lastArchive: null, lastAttemptAt: null }), NOW, 129600)).toBe("pending");
  });
});

describe("forecastFull", () => {
  const sample = (daysAgo: number, free: number) => ({ at: NOW - daysAgo * DAY, sizeBytes: 1000, freeBytes: free });

  it("needs enough history", () => {
    expect(forecastFull([sample(2, 500), sample(1, 400)], NOW)).toBeNull();
    expect(forecastFull([sample(0.01, 500), sample(0.005, 400), sample(0, 300)], NOW)).toBeNull();
  });

  it("projects a steady decline to zero", () => {
    const f = forecastFull([sample(3, 700), sample(2, 600), sample(1, 500), sample(0, 400)], NOW)!;
    expect(f.bytesPerDay).toBeCloseTo(100, 6);
    expect(f.daysUntilFull).toBeCloseTo(4, 6);
  });

  it("says nothing when free space is flat or growing", () => {
    expect(forecastFull([sample(2, 500), sample(1, 500), sample(0, 500)], NOW)).toBeNull();
    expect(forecastFull([sample(2, 400), sample(1, 500), sample(0, 600)], NOW)).toBeNull();
  });

  it("ignores samples with unknown free space", () => {
    const f = forecastFull([sample(3, 700), { at: NOW - 2.5 * DAY, sizeBytes: null, freeBytes: null }, sample(2, 600), sample(1, 500)], NOW)!;
    expect(f.daysUntilFull).toBeCloseTo(4, 6);
  });
});
