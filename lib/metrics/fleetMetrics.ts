/**
 * Fleet gauges, computed from fleet state at scrape time (no borg runs during a scrape).
 * Names and labels are a contract (DESIGN.md "Metric contract"): alert rules and Grafana rely on them.
 * Raw byte counts and Unix seconds only.
 *
 * When the fleet state comes from Prometheus (PROMETHEUS_URL), the per-repo and per-site series are
 * NOT exported again: Prometheus scraping them back would store every figure twice (job "borg-fleet"
 * beside the job that really measured it), and a repo whose real collector stopped would live on as
 * its own echo. Only borg_repo_info (the dashboard_url link of the alerts), borg_stale_threshold_seconds
 * (per repo, the threshold BorgMissingBackup reads) and borg_fleet_source_info{source} (so BorgMetricsAbsent knows the empty export is on purpose) remain,
 * plus borg_collect_duration_seconds as 0 (prom-client always exports a gauge without labels).
 */
import { Gauge, type MetricObjectWithValues, type MetricValue, type Registry } from "prom-client";
import { staleAfterSecondsFor } from "@/lib/fleet/freshness";
import { getFleetState } from "@/lib/fleet/store";
import type { FleetState, RepoState, SiteState } from "@/lib/fleet/types";
import { getPingStore } from "@/lib/ping/store";
import { hostDashboardUrl } from "@/lib/publicUrl";

interface RepoGaugeSpec {
  name: string;
  help: string;
  value: (repo: RepoState, state: FleetState) => number | null;
}

const seconds = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : ms / 1000);

const REPO_GAUGES: RepoGaugeSpec[] = [
  {
    name: "borg_last_archive_timestamp_seconds",
    help: "End time of the newest archive (start time if the end is not known yet), Unix seconds. Absent when the repo has no archive.",
    value: (r) => seconds(r.lastArchive ? (r.lastArchive.end ?? r.lastArchive.start) : null),
  },
  {
    name: "borg_last_archive_start_timestamp_seconds",
    help: "Start time of the newest archive, Unix seconds.",
    value: (r) => seconds(r.lastArchive?.start),
  },
  {
    name: "borg_last_archive_duration_seconds",
    help: "How long the newest archive took to create, seconds.",
    value: (r) => r.lastArchive?.stats?.durationSeconds ?? null,
  },
  { name: "borg_repo_archives", help: "Number of archives in the repo.", value: (r) => r.archiveCount },
  {
    name: "borg_repo_deduplicated_size_bytes",
    help: "Deduplicated, compressed size of all archives (borg cache.stats.unique_csize), bytes.",
    value: (r) => r.sizes?.deduplicatedBytes ?? null,
  },
  {
    name: "borg_repo_original_size_bytes",
    help: "Original size of all archives added up (cache.stats.total_size), bytes.",
    value: (r) => r.sizes?.originalBytes ?? null,
  },
  {
    name: "borg_repo_compressed_size_bytes",
    help: "Compressed size of all archives added up before deduplication (cache.stats.total_csize), bytes.",
    value: (r) => r.sizes?.compressedBytes ?? null,
  },
  {
    name: "borg_repo_disk_usage_bytes",
    help: "Bytes the repo directory occupies on disk (local repos; includes space not yet freed by borg compact).",
    value: (r) => r.diskUsageBytes,
  },
  {
    name: "borg_repo_up",
    help: "1 if the last collection of this repo succeeded (or found it busy), 0 if it failed.",
    value: (r) => (r.lastAttemptAt === null ? null : r.lastError ? 0 : 1),
  },
  { name: "borg_backup_in_progress", help: "1 while a backup holds the repo's lock.", value: (r) => (r.lastAttemptAt === null ? null : r.busy ? 1 : 0) },
  {
    name: "borg_collect_last_success_timestamp_seconds",
    help: "When this repo was last read successfully by the collector, Unix seconds.",
    value: (r) => seconds(r.lastSuccessAt),
  },
  {
    name: "borg_collect_repo_duration_seconds",
    help: "How long the last collection of this repo took, seconds.",
    value: (r) => seconds(r.lastDurationMs),
  },
];

/**
 * A gauge whose series are read straight from fleet state at scrape time. prom-client still writes the
 * exposition (names, escaping, format); two things keep a 1,000-host fleet (16,000 series) fast:
 * no per-series label hashing (values are built, not `set()`), and each repo's labels are one stable
 * object handed to prom-client as `sharedLabels`, which it escapes once and caches (WeakMap) for every
 * gauge and every later scrape, instead of escaping `host` and `site` again for each of 16,000 lines.
 */
type SeriesValue = { value: number; labels: Record<string, never>; sharedLabels: Record<string, string> };

class FleetStateGauge<L extends string> extends Gauge<L> {
  private read: (state: FleetState) => SeriesValue[] = () => [];

  static define<L extends string>(
    registry: Registry,
    options: { name: string; help: string; labelNames: readonly L[] },
    read: (state: FleetState) => SeriesValue[],
  ): FleetStateGauge<L> {
    const gauge = new FleetStateGauge<L>({ ...options, registers: [registry] });
    gauge.read = read;
    return gauge;
  }

  override async get(): Promise<MetricObjectWithValues<MetricValue<L>>> {
    const base = await super.get();
    return { ...base, values: this.read(getFleetState()) as unknown as MetricValue<L>[] };
  }
}

const NO_LABELS: Record<string, never> = Object.freeze({}) as Record<string, never>;
const labelCache = new Map<string, Record<string, string>>();

/** One frozen label object per distinct label set, reused across gauges and scrapes. */
function stableLabels(labels: Record<string, string>): Record<string, string> {
  const key = JSON.stringify(labels);
  let cached = labelCache.get(key);
  if (!cached) {
    // Bounded: a fleet whose repos all changed would otherwise grow the cache for ever.
    if (labelCache.size > 100_000) labelCache.clear();
    cached = Object.freeze({ ...labels });
    labelCache.set(key, cached);
  }
  return cached;
}

const repoLabels = (repo: RepoState) => stableLabels({ host: repo.host, site: repo.site });

export function registerFleetMetrics(registry: Registry): void {
  for (const spec of REPO_GAUGES) {
    FleetStateGauge.define(registry, { name: spec.name, help: spec.help, labelNames: ["host", "site"] as const }, (state) => {
      const values: SeriesValue[] = [];
      if (state.source === "prometheus") return values;
      for (const repo of state.repos) {
        const v = spec.value(repo, state);
        if (v !== null && Number.isFinite(v)) values.push({ value: v, labels: NO_LABELS, sharedLabels: repoLabels(repo) });
      }
      return values;
    });
  }

  FleetStateGauge.define(
    registry,
    {
      name: "borg_repo_info",
      help: "Always 1; carries the link to the host's triage page for alert annotations (join on host, site).",
      labelNames: ["host", "site", "dashboard_url"] as const,
    },
    (state) =>
      state.repos.map((repo) => ({
        value: 1,
        labels: NO_LABELS,
        sharedLabels: stableLabels({ host: repo.host, site: repo.site, dashboard_url: hostDashboardUrl(repo.host) }),
      })),
  );

  // Exported in both modes: BorgMissingBackup reads it, and a Prometheus-mode dashboard's host rules
  // apply to repos whose collector exports none (its own echo is ignored when read back).
  FleetStateGauge.define(
    registry,
    {
      name: "borg_stale_threshold_seconds",
      help: "Age after which the repo's newest archive counts as stale (config staleAfter, or the first freshness.hosts rule matching the host); BorgMissingBackup fires past it.",
      labelNames: ["host", "site"] as const,
    },
    (state) => state.repos.map((repo) => ({ value: staleAfterSecondsFor(state, repo), labels: NO_LABELS, sharedLabels: repoLabels(repo) })),
  );

  const siteGauge = (name: string, help: string, value: (site: SiteState) => number | null) =>
    new Gauge<"site">({
      name,
      help,
      labelNames: ["site"],
      registers: [registry],
      collect() {
        this.reset();
        const state = getFleetState();
        if (state.source === "prometheus") return;
        for (const site of state.sites) {
          const v = value(site);
          if (v !== null) this.set({ site: site.name }, v);
        }
      },
    });
  siteGauge("borg_storage_size_bytes", "Size of the storage site's filesystem (statfs), bytes. Absent when unknown.", (s) => s.sizeBytes);
  siteGauge(
    "borg_storage_free_bytes",
    "Space available to unprivileged users on the storage site's filesystem (statfs f_bavail), bytes. Absent when unknown.",
    (s) => s.freeBytes,
  );

  new Gauge({
    name: "borg_collect_duration_seconds",
    help: "Duration of the collector's last full cycle over all repos, seconds.",
    registers: [registry],
    collect() {
      this.reset();
      const state = getFleetState();
      if (state.source === "prometheus") return;
      const ms = state.collector.lastCycleDurationMs;
      if (ms !== null) this.set(ms / 1000);
    },
  });

  new Gauge<"source">({
    name: "borg_fleet_source_info",
    help: 'Always 1; source is where this dashboard reads fleet state: "collector" (its own, exported above) or "prometheus" (PROMETHEUS_URL: per-repo series are not re-exported).',
    labelNames: ["source"],
    registers: [registry],
    collect() {
      this.reset();
      this.set({ source: getFleetState().source }, 1);
    },
  });

  // Run reports (POST /ping/<token> from the backup script): the newest finished run of every host.
  const runGauge = (name: string, help: string, value: (run: { status: string; endedAt: number | null }) => number | null) =>
    new Gauge<"host">({
      name,
      help,
      labelNames: ["host"],
      registers: [registry],
      collect() {
        this.reset();
        for (const run of getPingStore()?.lastFinishedRuns() ?? []) {
          const v = value(run);
          if (v !== null) this.set({ host: run.host }, v);
        }
      },
    });
  runGauge(
    "borg_backup_last_run_success",
    "1 if the host's last reported backup run (borg-backup.sh, /ping) succeeded, 0 if it failed. Absent until a run reports its end.",
    (run) => (run.status === "success" ? 1 : 0),
  );
  runGauge("borg_backup_last_run_timestamp_seconds", "When the host's last reported backup run ended, Unix seconds.", (run) =>
    run.endedAt === null ? null : run.endedAt / 1000,
  );
}
