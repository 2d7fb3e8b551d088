/**
 * The overview's server-side shaping (lib/fleet/overview.ts): rows and status counts, the compact row
 * encoding that crosses to the browser, per-site capacity summaries with their forecast, and the
 * "largest hosts" chart. Site history comes from the installed fleet provider, here one backed by a
 * real database through lib/db/history.
 */
import { afterEach, describe, expect, it } from "vitest";
import { openMemoryDatabase } from "@/lib/db";
import { recordSiteSample, siteHistory } from "@/lib/db/history";
import { buildRows, buildSiteSummaries, buildUsageChart, decodeRows, encodeRows, FORECAST_WINDOW_DAYS } from "./overview";
import { setFleetProvider } from "./store";
import type { RepoState, SiteState } from "./types";
import { fleetState, repoState, siteState } from "@/test/fixtures/fleetState";

const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const GiB = 1024 ** 3;

const repo = (host: string, site: string, overrides: Partial<RepoState> = {}) => repoState(host, site, NOW, overrides);
const site = (name: string, overrides: Partial<SiteState> = {}) => siteState(name, NOW, overrides);
const fleet = (repos: RepoState[], sites: SiteState[]) => fleetState(repos, sites);

afterEach(() => {
  setFleetProvider({ getState: () => fleet([], []), getRepoHistory: () => [], getSiteHistory: () => [] });
});

describe("buildRows", () => {
  it("gives each repo its status and figures and counts the statuses", () => {
    const state = fleet(
      [
        repo("web1", "onsite"),
        repo("web2", "onsite", { lastArchive: { name: "b", id: "2", start: NOW - 3 * DAY, end: null, stats: null } }),
        repo("db1", "offsite", { busy: true, diskUsageBytes: null, sizes: null }),
        repo("new1", "offsite", { archiveCount: 0, lastArchive: null }),
        repo("bad1", "offsite", { lastError: { kind: "wrong-passphrase", message: "wrong passphrase", detail: null, at: NOW } }),
      ],
      [],
    );
    const { rows, counts } = buildRows(state, NOW);
    expect(counts).toEqual({ fresh: 1, stale: 1, never: 1, busy: 1, error: 1, pending: 0 });
    expect(rows[0]).toEqual({
      id: "onsite/web1",
      host: "web1",
      site: "onsite",
      status: "fresh",
      lastAt: NOW - HOUR,
      disk: 11 * GiB,
      dedup: 10 * GiB,
      archives: 5,
      growth: null,
    });
    // Without an end time the start stands for the newest archive.
    expect(rows[1]).toMatchObject({ status: "stale", lastAt: NOW - 3 * DAY });
    expect(rows[2]).toMatchObject({ status: "busy", disk: null, dedup: null });
  });

  it("encodes rows as tuples against the site list and decodes them back", () => {
    const { rows } = buildRows(fleet([repo("web1", "onsite"), repo("web1", "offsite"), repo("db1", "offsite")], []), NOW);
    const sites = ["onsite", "offsite"];
    const tuples = encodeRows(rows, sites);
    expect(tuples[1]).toEqual(["web1", 1, "fresh", NOW - HOUR, 11 * GiB, 10 * GiB, 5, null]);
    expect(decodeRows(tuples, sites)).toEqual(rows);
  });
});

describe("buildSiteSummaries", () => {
  it("sums the site's repos and forecasts when it fills from its free-space history", () => {
    const db = openMemoryDatabase();
    // Losing 10 GiB a day over the forecast window: 400 GiB free lasts 40 days.
    for (let d = FORECAST_WINDOW_DAYS; d >= 0; d--)
      recordSiteSample(db, "onsite", { at: NOW - d * DAY, sizeBytes: 1000 * GiB, freeBytes: 400 * GiB + d * 10 * GiB });
    setFleetProvider({ getState: () => fleet([], []), getRepoHistory: () => [], getSiteHistory: (name, since) => siteHistory(db, name, since) });

    const state = fleet(
      [repo("web1", "onsite"), repo("web2", "onsite", { diskUsageBytes: null }), repo("web1", "offsite")],
      [site("onsite"), site("offsite"), site("remote", { freeBytes: null, sizeBytes: null, capacitySource: "unknown" })],
    );
    const [onsite, offsite, remote] = buildSiteSummaries(state, NOW);

    expect(onsite).toMatchObject({ repos: 2, dedupTotal: 20 * GiB, diskTotal: 11 * GiB, diskKnown: 1, forecastNote: null });
    expect(onsite!.forecast!.daysUntilFull).toBeCloseTo(40, 5);
    expect(onsite!.forecast!.bytesPerDay).toBeCloseTo(10 * GiB, 0);
    expect(offsite).toMatchObject({ repos: 1, forecast: null, forecastNote: "not-enough-history" });
    expect(remote).toMatchObject({ repos: 0, dedupTotal: 0, forecast: null, forecastNote: "not-enough-history" });
  });

  it("says the site is not shrinking when its free space holds steady", () => {
    const db = openMemoryDatabase();
    for (let h = 48; h >= 0; h -= 2) recordSiteSample(db, "onsite", { at: NOW - h * HOUR, sizeBytes: 1000 * GiB, freeBytes: 400 * GiB + (h % 4) * GiB });
    setFleetProvider({ getState: () => fleet([], []), getRepoHistory: () => [], getSiteHistory: (name, since) => siteHistory(db, name, since) });
    const [summary] = buildSiteSummaries(fleet([], [site("onsite")]), NOW);
    expect(summary).toMatchObject({ forecast: null, forecastNote: "not-shrinking" });
  });
});

describe("buildUsageChart", () => {
  it("sums each host over its sites, keeps the largest and folds the rest into others", () => {
    const rows = buildRows(
      fleet(
        [
          repo("a", "offsite", { diskUsageBytes: 5 }),
          repo("a", "onsite", { diskUsageBytes: 10 }),
          repo("b", "onsite", { diskUsageBytes: 30 }),
          repo("c", "onsite", { diskUsageBytes: 7 }),
          repo("d", "onsite", { diskUsageBytes: 1 }),
          repo("e", "onsite", { diskUsageBytes: null }),
        ],
        [],
      ),
      NOW,
    ).rows;
    const chart = buildUsageChart(rows, "disk", ["onsite", "offsite"], 2);
    expect(chart).toEqual({
      sites: ["onsite", "offsite"],
      bars: [
        { host: "b", total: 30, bySite: { onsite: 30 } },
        { host: "a", total: 15, bySite: { offsite: 5, onsite: 10 } },
      ],
      othersHosts: 2,
      othersBytes: 8,
      hostsMeasured: 4,
    });
  });
});
