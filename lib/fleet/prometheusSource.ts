/**
 * Fleet state from Prometheus (PROMETHEUS_URL): the scale path of DESIGN.md. Collectors run beside each
 * storage server (this dashboard's built-in collector, elsewhere) or as textfile collectors on each
 * client (deploy/textfile-collector); Prometheus aggregates; this provider reads the same metric
 * contract back and serves it to the same pages. Archive browsing and restores still go to borg.
 *
 * - Current state: instant queries every `intervalMs` (default 30 s), each with a timeout. The same
 *   repo can be reported by several jobs (a storage-side collector and the client's textfile
 *   collector): series are merged per (host, site) - newest archive, largest sizes, and "up" only when
 *   every source could read the repo.
 * - History (growth charts, "full in N days"): range queries over the last 30 days, refreshed every
 *   `historyIntervalMs` (default 5 min); Prometheus is the history store, nothing is written to SQLite.
 * - Capacity: borg_storage_size_bytes / borg_storage_free_bytes{site} (a storage-side collector's
 *   statfs), or for a site with `prometheusFilesystem` in the config, node_exporter's
 *   node_filesystem_size_bytes / node_filesystem_avail_bytes of that instance and mount point.
 * - When Prometheus cannot be reached, the last state is kept (the header shows when it was read).
 */
import type { FleetConfig, SiteConfig } from "@/lib/config/schema";
import { hostNameSchema, siteNameSchema } from "@/lib/config/schema";
import type { Db } from "@/lib/db";
import { recordArchivesSeen, timeOnlyArchiveId } from "@/lib/db/archivesSeen";
import { freshnessPolicy } from "./freshness";
import type { FleetProvider } from "./store";
import type { FleetState, RepoSample, RepoState, SiteSample, SiteState } from "./types";
import { PrometheusClient, promString, type InstantSample } from "./prometheusClient";
import { PeriodicTask } from "./periodic";
import { configuredRepo, defaultLocation, isLocalLocation, repoId, siteLocation } from "./repos";
import { queryFilesystem } from "./nodeFilesystem";
import { metricsStateChanged } from "@/lib/metrics/stateChanged";

const DAY_MS = 86_400_000;

/** Instant queries for the current state of every repo, merged over all jobs reporting it. */
const REPO_QUERIES = {
  end: "max by (host, site) (borg_last_archive_timestamp_seconds)",
  start: "max by (host, site) (borg_last_archive_start_timestamp_seconds)",
  duration: "max by (host, site) (borg_last_archive_duration_seconds)",
  archives: "max by (host, site) (borg_repo_archives)",
  dedup: "max by (host, site) (borg_repo_deduplicated_size_bytes)",
  original: "max by (host, site) (borg_repo_original_size_bytes)",
  compressed: "max by (host, site) (borg_repo_compressed_size_bytes)",
  disk: "max by (host, site) (borg_repo_disk_usage_bytes)",
  up: "min by (host, site) (borg_repo_up)",
  scrapedAt: "max by (host, site) (timestamp(borg_repo_up))",
  busy: "max by (host, site) (borg_backup_in_progress)",
  success: "max by (host, site) (borg_collect_last_success_timestamp_seconds)",
  readDuration: "max by (host, site) (borg_collect_repo_duration_seconds)",
  // The threshold the repo's collector decided (BorgMissingBackup reads the same series). Dashboards
  // in Prometheus mode (this one included) re-export what they read: their echo is left out.
  threshold: 'min by (host, site) (borg_stale_threshold_seconds unless on(job, instance) borg_fleet_source_info{source="prometheus"})',
} as const;

/** Storage capacity as a storage-side collector exports it (raw series: instance tells filesystems apart). */
const SITE_QUERIES = {
  size: "borg_storage_size_bytes",
  free: "borg_storage_free_bytes",
} as const;

/** Range queries for history, one series per repo (or site). */
const REPO_HISTORY_QUERIES = {
  disk: REPO_QUERIES.disk,
  dedup: REPO_QUERIES.dedup,
  original: REPO_QUERIES.original,
  archives: REPO_QUERIES.archives,
} as const;

export interface PrometheusSourceOptions {
  config: FleetConfig;
  client: PrometheusClient;
  /** How often the current state is read, default 30 s. */
  intervalMs?: number;
  /** How often history is read, default 5 min. */
  historyIntervalMs?: number;
  /** How far back history goes, default 30 days (what the charts and the forecast use). */
  historyDays?: number;
  now?: () => number;
  log?: (level: "info" | "warn" | "error", message: string) => void;
  /** Where the newest archive of each repo is recorded for the compliance report (lib/db/archivesSeen.ts). */
  db?: Db;
}

type RepoKey = string;
type Figures = Partial<Record<keyof typeof REPO_QUERIES, InstantSample>>;

function finite(sample: InstantSample | undefined): number | null {
  return sample && Number.isFinite(sample.value) ? sample.value : null;
}
function nonNegative(sample: InstantSample | undefined): number | null {
  const v = finite(sample);
  return v !== null && v >= 0 ? v : null;
}
/** Unix seconds → ms, rounded to whole ms (float seconds lose a little precision). */
function ms(seconds: number | null): number | null {
  return seconds === null ? null : Math.round(seconds * 1000);
}

function repoLabels(labels: Record<string, string>): { host: string; site: string } | null {
  const host = hostNameSchema.safeParse(labels.host);
  const site = siteNameSchema.safeParse(labels.site);
  return host.success && site.success ? { host: host.data, site: site.data } : null;
}

/** Where the config says a reported repo is; null for a repo of a site the config does not know. */
function configuredLocation(config: FleetConfig, site: SiteConfig | undefined, host: string): { location: string; local: boolean } | null {
  if (!site) return null;
  const location = configuredRepo(config, site, host)?.location ?? defaultLocation(site, host);
  return { location, local: isLocalLocation(location) };
}

export class PrometheusSource implements FleetProvider {
  private readonly config: FleetConfig;
  private readonly db: Db | undefined;
  private readonly client: PrometheusClient;
  private readonly intervalMs: number;
  private readonly historyIntervalMs: number;
  private readonly historyDays: number;
  private readonly now: () => number;
  private readonly log: NonNullable<PrometheusSourceOptions["log"]>;

  private repos: RepoState[] = [];
  private sites: SiteState[];
  private repoHistory = new Map<string, RepoSample[]>();
  private siteHistory = new Map<string, SiteSample[]>();
  private lastRefreshStartedAt: number | null = null;
  private lastRefreshDurationMs: number | null = null;
  private lastHistoryAt = 0;
  private inFlight: Promise<void> | null = null;
  private historyInFlight: Promise<void> | null = null;
  private readonly loop: PeriodicTask;
  private lastError: string | null = null;

  constructor(options: PrometheusSourceOptions) {
    this.config = options.config;
    this.db = options.db;
    this.client = options.client;
    this.intervalMs = options.intervalMs ?? 30_000;
    this.historyIntervalMs = options.historyIntervalMs ?? 5 * 60_000;
    this.historyDays = options.historyDays ?? 30;
    this.now = options.now ?? Date.now;
    this.log = options.log ?? ((level, message) => console[level === "info" ? "log" : level](`[prometheus-source] ${message}`));
    this.sites = this.config.sites.map((s) => this.emptySite(s.name));
    this.loop = new PeriodicTask(
      () => this.tick(),
      this.intervalMs,
      () => {},
      this.now,
    );
  }

  /** The error of the last refresh, if it failed (Prometheus unreachable, a query refused). */
  get error(): string | null {
    return this.lastError;
  }

  start(): void {
    this.loop.start();
  }

  stop(): void {
    this.loop.stop();
  }

  /** One round: the current state, and the history when it is due. Failures are kept in `error`. */
  private async tick(): Promise<void> {
    await this.refresh().catch(() => undefined);
    if (this.now() - this.lastHistoryAt >= this.historyIntervalMs) await this.refreshHistory().catch(() => undefined);
  }

  /** Read the current state now; concurrent callers share one refresh. Rejects when Prometheus fails. */
  refresh(): Promise<void> {
    this.inFlight ??= this.doRefresh().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  /** "Refresh now" on a host page: read Prometheus again (it has what the collectors last exported). */
  async refreshRepo(): Promise<void> {
    await this.refresh();
  }

  private async doRefresh(): Promise<void> {
    const startedAt = this.now();
    try {
      const entries = Object.entries(REPO_QUERIES) as [keyof typeof REPO_QUERIES, string][];
      const [repoResults, size, free, filesystems] = await Promise.all([
        Promise.all(entries.map(([, expr]) => this.client.query(expr))),
        this.client.query(SITE_QUERIES.size),
        this.client.query(SITE_QUERIES.free),
        this.queryFilesystems(),
      ]);
      const figures = new Map<RepoKey, { host: string; site: string; f: Figures }>();
      entries.forEach(([name], i) => {
        for (const sample of repoResults[i]!) {
          const labels = repoLabels(sample.labels);
          if (!labels) continue;
          const key = repoId(labels.site, labels.host);
          let entry = figures.get(key);
          if (!entry) figures.set(key, (entry = { ...labels, f: {} }));
          entry.f[name] = sample;
        }
      });
      this.repos = this.buildRepos(figures);
      this.recordNewestArchives();
      this.sites = this.buildSites(size, free, filesystems, startedAt);
      this.lastRefreshStartedAt = startedAt;
      this.lastRefreshDurationMs = this.now() - startedAt;
      metricsStateChanged();
      if (this.lastError) this.log("info", "Prometheus answers again");
      this.lastError = null;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (message !== this.lastError) this.log("warn", `cannot read fleet state: ${message}`);
      this.lastError = message;
      throw err;
    }
  }

  /** Prometheus carries only the newest archive's times: record those (see lib/db/archivesSeen.ts). */
  private recordNewestArchives(): void {
    if (!this.db) return;
    const now = this.now();
    for (const repo of this.repos) {
      const a = repo.lastArchive;
      if (a) recordArchivesSeen(this.db, repo, [{ id: timeOnlyArchiveId(a.end ?? a.start), name: "", start: a.start, end: a.end }], now);
    }
  }

  private buildRepos(figures: Map<RepoKey, { host: string; site: string; f: Figures }>): RepoState[] {
    const siteConfig = new Map(this.config.sites.map((s) => [s.name, s]));
    const repos: RepoState[] = [];
    for (const [id, { host, site, f }] of figures) {
      // A series set that carries none of the per-repo facts (only, say, a duration) is not a repo.
      if (!f.up && !f.archives && !f.end) continue;
      const end = ms(finite(f.end));
      const startRaw = ms(finite(f.start));
      const durationSeconds = nonNegative(f.duration);
      const start = startRaw ?? (end !== null && durationSeconds !== null ? end - Math.round(durationSeconds * 1000) : end);
      const up = finite(f.up);
      const scrapedAt = ms(finite(f.scrapedAt)) ?? f.up?.at ?? null;
      const successAt = ms(finite(f.success)) ?? (up === 1 ? scrapedAt : null);
      const dedup = nonNegative(f.dedup);
      const where = configuredLocation(this.config, siteConfig.get(site), host);
      repos.push({
        id,
        host,
        site,
        location: where?.location ?? `${id} (reported to Prometheus)`,
        local: where?.local ?? false,
        lastArchive:
          end !== null && start !== null
            ? {
                // Prometheus carries times, not names: the archive list and names come from borg (archive browsing).
                name: "",
                id: "",
                start,
                end,
                stats: null,
              }
            : null,
        archiveCount: nonNegative(f.archives),
        archives: [],
        sizes:
          dedup !== null
            ? {
                deduplicatedBytes: dedup,
                originalBytes: nonNegative(f.original) ?? 0,
                compressedBytes: nonNegative(f.compressed) ?? 0,
              }
            : null,
        diskUsageBytes: nonNegative(f.disk),
        busy: finite(f.busy) === 1,
        encryption: null,
        lastAttemptAt: scrapedAt,
        lastSuccessAt: successAt,
        lastError:
          up === 0
            ? {
                kind: "other",
                message:
                  "The collector that reports this repo to Prometheus could not read it (borg_repo_up is 0). Its log, or the triage page of the dashboard that collects it, has borg's message.",
                detail: null,
                at: scrapedAt ?? this.now(),
              }
            : null,
        lastDurationMs: ms(nonNegative(f.readDuration)),
        reportedStaleAfterSeconds: nonNegative(f.threshold),
      });
    }
    // Configured repos that no job reports: say so instead of leaving them out.
    const reported = new Set(repos.map((r) => r.id));
    for (const repo of this.config.repos) {
      const id = repoId(repo.site, repo.host);
      if (reported.has(id)) continue;
      const where = configuredLocation(this.config, siteConfig.get(repo.site), repo.host);
      repos.push({
        id,
        host: repo.host,
        site: repo.site,
        location: where?.location ?? id,
        local: where?.local ?? false,
        lastArchive: null,
        archiveCount: null,
        archives: [],
        sizes: null,
        diskUsageBytes: null,
        busy: false,
        encryption: null,
        lastAttemptAt: null,
        lastSuccessAt: null,
        lastError: {
          kind: "other",
          message:
            "Prometheus has no series for this repo: neither a collector beside the storage server nor the host's textfile collector reports it. Check that one of them runs and that Prometheus scrapes it.",
          detail: null,
          at: this.now(),
        },
        lastDurationMs: null,
      });
    }
    return repos.sort((a, b) => a.id.localeCompare(b.id));
  }

  /** node_exporter's filesystem figures for sites configured with `prometheusFilesystem`. */
  private async queryFilesystems(): Promise<Map<string, { size: InstantSample | undefined; avail: InstantSample | undefined }>> {
    const result = new Map<string, { size: InstantSample | undefined; avail: InstantSample | undefined }>();
    await Promise.all(
      this.config.sites
        .filter((s) => s.prometheusFilesystem)
        .map(async (s) => {
          result.set(s.name, await queryFilesystem(this.client, s.prometheusFilesystem!));
        }),
    );
    return result;
  }

  private emptySite(name: string): SiteState {
    const cfg = this.config.sites.find((s) => s.name === name);
    return {
      name,
      ...siteLocation(cfg),
      sizeBytes: null,
      freeBytes: null,
      capacitySource: "unknown",
      sharesFilesystemWith: [],
      checkedAt: null,
      error: null,
    };
  }

  private buildSites(
    size: InstantSample[],
    free: InstantSample[],
    filesystems: Map<string, { size: InstantSample | undefined; avail: InstantSample | undefined }>,
    now: number,
  ): SiteState[] {
    const names = [...this.config.sites.map((s) => s.name)];
    const extra = new Set<string>();
    for (const sample of [...size, ...free, ...this.repos.map((r) => ({ labels: { site: r.site } }))]) {
      const site = siteNameSchema.safeParse(sample.labels.site);
      if (site.success && !names.includes(site.data)) extra.add(site.data);
    }
    names.push(...[...extra].sort());

    // Per site: the exporter instance that reported it and its figures (largest size wins if several).
    const storage = new Map<string, { instance: string; size: number; free: number | null; at: number }>();
    for (const sample of size) {
      const site = sample.labels.site;
      if (!site || !Number.isFinite(sample.value) || sample.value <= 0) continue;
      const instance = `${sample.labels.job ?? ""}/${sample.labels.instance ?? ""}`;
      const match = free.find((f) => f.labels.site === site && f.labels.instance === sample.labels.instance && f.labels.job === sample.labels.job);
      const prev = storage.get(site);
      if (prev && prev.size >= sample.value) continue;
      storage.set(site, {
        instance,
        size: sample.value,
        free: match && Number.isFinite(match.value) && match.value >= 0 ? match.value : null,
        at: sample.at,
      });
    }

    const sites = names.map((name): SiteState => {
      const base = this.emptySite(name);
      const fsFigures = filesystems.get(name);
      if (fsFigures?.size && Number.isFinite(fsFigures.size.value) && fsFigures.size.value > 0) {
        const cfg = this.config.sites.find((s) => s.name === name)!.prometheusFilesystem!;
        return {
          ...base,
          sizeBytes: fsFigures.size.value,
          freeBytes: fsFigures.avail && Number.isFinite(fsFigures.avail.value) ? Math.max(0, fsFigures.avail.value) : null,
          capacitySource: "prometheus",
          checkedAt: fsFigures.size.at,
          error: null,
          // Two sites on one node_exporter instance and mount point share the filesystem exactly.
          sharesFilesystemWith: this.config.sites
            .filter((s) => s.name !== name && s.prometheusFilesystem?.instance === cfg.instance && s.prometheusFilesystem.mountpoint === cfg.mountpoint)
            .map((s) => s.name),
        };
      }
      const reported = storage.get(name);
      if (reported) {
        return { ...base, sizeBytes: reported.size, freeBytes: reported.free, capacitySource: "prometheus", checkedAt: reported.at, error: null };
      }
      const cfg = this.config.sites.find((s) => s.name === name);
      return {
        ...base,
        checkedAt: now,
        error: cfg?.prometheusFilesystem
          ? `node_exporter reports no filesystem ${cfg.prometheusFilesystem.mountpoint} on ${cfg.prometheusFilesystem.instance}`
          : "no collector reports this site's capacity to Prometheus (set prometheusFilesystem for a remote storage server)",
      };
    });

    // Sites reported by the same collector instance with the same size and (nearly) the same free space
    // are on one filesystem: the collector read both with statfs at the same moment. Say so, as the
    // built-in collector does, instead of letting the operator add them up.
    for (const a of sites) {
      const ra = storage.get(a.name);
      if (!ra || a.sharesFilesystemWith.length > 0 || filesystems.get(a.name)?.size) continue;
      a.sharesFilesystemWith = sites
        .filter((b) => {
          const rb = storage.get(b.name);
          if (b.name === a.name || !rb || filesystems.get(b.name)?.size) return false;
          if (rb.instance !== ra.instance || rb.size !== ra.size || ra.free === null || rb.free === null) return false;
          return Math.abs(ra.free - rb.free) <= ra.size * 0.001;
        })
        .map((b) => b.name);
    }
    return sites;
  }

  /** Read 30 days of history with range queries (one point per hour). */
  refreshHistory(): Promise<void> {
    this.historyInFlight ??= this.doRefreshHistory().finally(() => {
      this.historyInFlight = null;
    });
    return this.historyInFlight;
  }

  private async doRefreshHistory(): Promise<void> {
    const end = this.now();
    const start = end - this.historyDays * DAY_MS;
    // ~720 points per series over 30 days; never finer than a minute.
    const step = Math.max(60, Math.round((end - start) / 1000 / 720));
    try {
      const entries = Object.entries(REPO_HISTORY_QUERIES) as [keyof typeof REPO_HISTORY_QUERIES, string][];
      const fsSites = this.config.sites.filter((s) => s.prometheusFilesystem);
      const [repoSeries, siteSize, siteFree, fsSeries] = await Promise.all([
        Promise.all(entries.map(([, expr]) => this.client.queryRange(expr, start, end, step))),
        this.client.queryRange("max by (site) (borg_storage_size_bytes)", start, end, step),
        this.client.queryRange("max by (site) (borg_storage_free_bytes)", start, end, step),
        Promise.all(
          fsSites.map(async (s) => {
            const selector = `{instance=${promString(s.prometheusFilesystem!.instance)},mountpoint=${promString(s.prometheusFilesystem!.mountpoint)}}`;
            const [size, avail] = await Promise.all([
              this.client.queryRange(`max(node_filesystem_size_bytes${selector})`, start, end, step),
              this.client.queryRange(`max(node_filesystem_avail_bytes${selector})`, start, end, step),
            ]);
            return { site: s.name, size: size[0], avail: avail[0] };
          }),
        ),
      ]);

      const repos = new Map<string, Map<number, RepoSample>>();
      const field: Record<keyof typeof REPO_HISTORY_QUERIES, keyof Omit<RepoSample, "at">> = {
        disk: "diskUsageBytes",
        dedup: "deduplicatedBytes",
        original: "originalBytes",
        archives: "archiveCount",
      };
      entries.forEach(([name], i) => {
        for (const series of repoSeries[i]!) {
          const labels = repoLabels(series.labels);
          if (!labels) continue;
          const id = repoId(labels.site, labels.host);
          let byTime = repos.get(id);
          if (!byTime) repos.set(id, (byTime = new Map()));
          for (const point of series.points) {
            if (!Number.isFinite(point.value)) continue;
            let sample = byTime.get(point.at);
            if (!sample)
              byTime.set(point.at, (sample = { at: point.at, diskUsageBytes: null, deduplicatedBytes: null, originalBytes: null, archiveCount: null }));
            sample[field[name]] = point.value;
          }
        }
      });
      this.repoHistory = new Map([...repos].map(([id, byTime]) => [id, [...byTime.values()].sort((a, b) => a.at - b.at)]));

      const sites = new Map<string, Map<number, SiteSample>>();
      const addSite = (site: string, points: { at: number; value: number }[], key: "sizeBytes" | "freeBytes") => {
        let byTime = sites.get(site);
        if (!byTime) sites.set(site, (byTime = new Map()));
        for (const point of points) {
          if (!Number.isFinite(point.value)) continue;
          let sample = byTime.get(point.at);
          if (!sample) byTime.set(point.at, (sample = { at: point.at, sizeBytes: null, freeBytes: null }));
          sample[key] = point.value;
        }
      };
      const fromNode = new Set(fsSeries.filter((f) => f.size).map((f) => f.site));
      for (const series of siteSize) if (series.labels.site && !fromNode.has(series.labels.site)) addSite(series.labels.site, series.points, "sizeBytes");
      for (const series of siteFree) if (series.labels.site && !fromNode.has(series.labels.site)) addSite(series.labels.site, series.points, "freeBytes");
      for (const f of fsSeries) {
        if (f.size) addSite(f.site, f.size.points, "sizeBytes");
        if (f.avail) addSite(f.site, f.avail.points, "freeBytes");
      }
      this.siteHistory = new Map([...sites].map(([site, byTime]) => [site, [...byTime.values()].sort((a, b) => a.at - b.at)]));
      this.lastHistoryAt = end;
    } catch (err) {
      this.log("warn", `cannot read history: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
  }

  getState(): FleetState {
    return {
      repos: this.repos,
      sites: this.sites,
      ...freshnessPolicy(this.config),
      source: "prometheus",
      problems: [],
      collector: {
        lastCycleStartedAt: this.lastRefreshStartedAt,
        lastCycleDurationMs: this.lastRefreshDurationMs,
        running: this.inFlight !== null && this.lastRefreshStartedAt === null,
      },
    };
  }

  getRepoHistory(repoId: string, sinceMs: number): RepoSample[] {
    return (this.repoHistory.get(repoId) ?? []).filter((s) => s.at >= sinceMs);
  }

  getSiteHistory(site: string, sinceMs: number): SiteSample[] {
    return (this.siteHistory.get(site) ?? []).filter((s) => s.at >= sinceMs);
  }
}
