/**
 * Server-side shaping of fleet state for the overview: compact rows for the client table, per-site
 * capacity summaries and the top hosts for the chart. Nothing here sends history to the browser.
 */
import { forecastFull, type FullForecast } from "@/lib/fleet/forecast";
import { dataGrowthRate } from "@/lib/fleet/growth";
import { repoStatusIn } from "@/lib/fleet/freshness";
import { getSiteHistory } from "@/lib/fleet/store";
import type { FleetState, RepoState, RepoStatus, SiteState } from "@/lib/fleet/types";

/** One repo in the host table: only what the table shows, sorts and filters by. */
export interface HostRow {
  id: string;
  host: string;
  site: string;
  status: RepoStatus;
  /** End (or start) of the newest archive, ms. */
  lastAt: number | null;
  disk: number | null;
  dedup: number | null;
  archives: number | null;
  /** Growth of the host's data (original size of its archives), bytes per day; null when unknown. */
  growth: number | null;
}

/**
 * A row as sent to the browser: a tuple instead of an object (no repeated keys, no id: it is
 * `${site}/${host}`), so 1,000+ rows stay small in the page payload.
 * [host, index into the site list, status, lastAt, disk, dedup, archives, growth]
 */
export type HostRowTuple = [string, number, RepoStatus, number | null, number | null, number | null, number | null, number | null];

export function encodeRows(rows: HostRow[], sites: string[]): HostRowTuple[] {
  const index = new Map(sites.map((name, i) => [name, i]));
  return rows.map((r) => [r.host, index.get(r.site) ?? -1, r.status, r.lastAt, r.disk, r.dedup, r.archives, r.growth]);
}

export function decodeRows(tuples: HostRowTuple[], sites: string[]): HostRow[] {
  return tuples.map(([host, site, status, lastAt, disk, dedup, archives, growth]) => {
    const siteName = sites[site] ?? "?";
    return { id: `${siteName}/${host}`, host, site: siteName, status, lastAt, disk, dedup, archives, growth };
  });
}

export type StatusCounts = Record<RepoStatus, number>;

export interface SiteSummary {
  site: SiteState;
  repos: number;
  dedupTotal: number;
  /** Sum of known on-disk sizes, and how many repos it covers. */
  diskTotal: number;
  diskKnown: number;
  forecast: FullForecast | null;
  /** Why there is no forecast, when there is none. */
  forecastNote: "not-enough-history" | "not-shrinking" | null;
}

interface UsageBar {
  host: string;
  total: number;
  /** Bytes per site name. */
  bySite: Record<string, number>;
}

export interface UsageChartData {
  sites: string[];
  bars: UsageBar[];
  othersHosts: number;
  othersBytes: number;
  /** Hosts with a known figure. */
  hostsMeasured: number;
}

export const FORECAST_WINDOW_DAYS = 30;
const DAY_MS = 86_400_000;

export function buildRows(state: FleetState, now: number): { rows: HostRow[]; counts: StatusCounts } {
  const counts: StatusCounts = { fresh: 0, stale: 0, never: 0, busy: 0, error: 0, pending: 0 };
  const rows = state.repos.map((repo): HostRow => {
    const status = repoStatusIn(state, repo, now);
    counts[status]++;
    return {
      id: repo.id,
      host: repo.host,
      site: repo.site,
      status,
      lastAt: repo.lastArchive ? (repo.lastArchive.end ?? repo.lastArchive.start) : null,
      disk: repo.diskUsageBytes,
      dedup: repo.sizes?.deduplicatedBytes ?? null,
      archives: repo.archiveCount,
      growth: hostGrowth(repo.archives, now),
    };
  });
  return { rows, counts };
}

/** Data growth per day from the archives (lib/fleet/growth.ts), whole bytes: the row travels as JSON. */
function hostGrowth(archives: RepoState["archives"], now: number): number | null {
  const rate = dataGrowthRate(archives, now);
  return rate === null ? null : Math.round(rate.bytesPerDay);
}

export function buildSiteSummaries(state: FleetState, now: number): SiteSummary[] {
  return state.sites.map((site) => {
    let repos = 0;
    let dedupTotal = 0;
    let diskTotal = 0;
    let diskKnown = 0;
    for (const repo of state.repos) {
      if (repo.site !== site.name) continue;
      repos++;
      dedupTotal += repo.sizes?.deduplicatedBytes ?? 0;
      if (repo.diskUsageBytes !== null) {
        diskTotal += repo.diskUsageBytes;
        diskKnown++;
      }
    }
    const samples = site.freeBytes === null ? [] : getSiteHistory(site.name, now - FORECAST_WINDOW_DAYS * DAY_MS);
    const forecast = forecastFull(samples, now);
    const known = samples.filter((s) => s.freeBytes !== null);
    const enough = known.length >= 3 && known[known.length - 1]!.at - known[0]!.at >= 3_600_000;
    return {
      site,
      repos,
      dedupTotal,
      diskTotal,
      diskKnown,
      forecast,
      forecastNote: forecast ? null : enough ? "not-shrinking" : "not-enough-history",
    };
  });
}

/** The largest hosts by a figure (summed over their repos on all sites), top `limit` plus "others". */
export function buildUsageChart(rows: HostRow[], metric: "dedup" | "disk", siteOrder: string[], limit = 15): UsageChartData {
  const sites = new Set<string>();
  const byHost = new Map<string, UsageBar>();
  for (const row of rows) {
    const value = row[metric];
    if (value === null) continue;
    sites.add(row.site);
    let bar = byHost.get(row.host);
    if (!bar) {
      bar = { host: row.host, total: 0, bySite: {} };
      byHost.set(row.host, bar);
    }
    bar.total += value;
    bar.bySite[row.site] = (bar.bySite[row.site] ?? 0) + value;
  }
  const all = [...byHost.values()].sort((a, b) => b.total - a.total || a.host.localeCompare(b.host));
  const bars = all.slice(0, limit);
  const others = all.slice(limit);
  return {
    sites: [...sites].sort((a, b) => rank(siteOrder, a) - rank(siteOrder, b) || a.localeCompare(b)),
    bars,
    othersHosts: others.length,
    othersBytes: others.reduce((sum, bar) => sum + bar.total, 0),
    hostsMeasured: all.length,
  };
}

function rank(order: string[], name: string): number {
  const i = order.indexOf(name);
  return i === -1 ? order.length : i;
}
