/**
 * Fleet state: what the collector (or Prometheus, in PROMETHEUS_URL mode) knows about every repo and
 * storage site. Pages and /metrics read only this; no request path runs borg.
 * Times are milliseconds since the epoch (UTC); sizes are bytes.
 */
import type { BorgErrorKind } from "@/lib/borg/errors";

export interface ArchiveSummary {
  name: string;
  id: string;
  /** Archive start time (borg prints naive local time; we run borg with TZ=UTC and parse as UTC). */
  start: number;
  /** Archive end time, when known (from `borg info`, cached per archive id). */
  end: number | null;
  /** Per-archive figures from `borg info <repo>::<archive>`, cached by archive id. */
  stats: ArchiveStats | null;
}

export interface ArchiveStats {
  originalBytes: number;
  compressedBytes: number;
  /** Bytes only this archive references, at the time it was measured; changes as archives come and go. */
  deduplicatedBytes: number;
  files: number;
  durationSeconds: number;
}

interface RepoSizes {
  /** Sum of the original sizes of all archives (cache.stats.total_size). */
  originalBytes: number;
  /** Sum of the compressed sizes of all archives (cache.stats.total_csize). */
  compressedBytes: number;
  /** Deduplicated compressed size of the whole repo (cache.stats.unique_csize), the seed's figure. */
  deduplicatedBytes: number;
}

export interface RepoError {
  kind: BorgErrorKind;
  /** Plain-language explanation for the operator. */
  message: string;
  /** borg's own message, when there is one (never contains secrets: borg does not print them). */
  detail: string | null;
  at: number;
}

export interface RepoState {
  /** `${site}/${host}`: a host can have one repo per site (on-site and off-site copies). */
  id: string;
  host: string;
  site: string;
  /** Repo path or ssh:// URL, as configured (no secrets in it). */
  location: string;
  local: boolean;
  /** Newest archive, or null when the repo has none (never backed up) or was never read. */
  lastArchive: ArchiveSummary | null;
  /** Number of archives, null until the repo was read once. */
  archiveCount: number | null;
  /** All archives, oldest first (names, ids, start times; stats where cached). */
  archives: ArchiveSummary[];
  sizes: RepoSizes | null;
  /** On-disk bytes of the repo directory (local repos only): what the storage bill counts. */
  diskUsageBytes: number | null;
  /** A backup (or other writer) holds the repo's exclusive lock right now. */
  busy: boolean;
  encryption: string | null;
  lastAttemptAt: number | null;
  lastSuccessAt: number | null;
  /** Set when the last attempt failed; cleared by the next success. */
  lastError: RepoError | null;
  /** Duration of the last collection of this repo, in milliseconds. */
  lastDurationMs: number | null;
  /**
   * Staleness threshold reported by the source itself (Prometheus mode: borg_stale_threshold_seconds of
   * the collector that reports the repo); wins over the config rules so the page agrees with the alert.
   */
  reportedStaleAfterSeconds?: number | null;
}

export interface SiteState {
  name: string;
  /** Local root path, or the remote ssh:// base. */
  location: string;
  local: boolean;
  /** Filesystem size (statfs blocks × block size), or null when unknown (never 0 for unknown). */
  sizeBytes: number | null;
  /** Space available to unprivileged users (statfs bavail × block size), or null when unknown. */
  freeBytes: number | null;
  capacitySource: "statfs" | "prometheus" | "unknown";
  /** Sites on the same filesystem share capacity; the UI says so instead of adding them up. */
  sharesFilesystemWith: string[];
  checkedAt: number | null;
  error: string | null;
}

/** One freshness.hosts rule, in seconds. */
export interface HostStaleAfter {
  match: string;
  staleAfterSeconds: number;
}

export type RepoStatus = "fresh" | "stale" | "never" | "busy" | "error" | "pending";

export interface FleetState {
  repos: RepoState[];
  sites: SiteState[];
  /** Threshold in seconds after which a host's last archive is stale (config staleAfter). */
  staleAfterSeconds: number;
  /**
   * Per-host thresholds (config freshness.hosts), first match wins; hosts matching none use
   * staleAfterSeconds. Read through staleAfterSecondsFor() in lib/fleet/freshness.ts, never directly.
   */
  staleAfterHosts?: readonly HostStaleAfter[];
  /** Where this state comes from. */
  source: "collector" | "prometheus";
  /** Problems the operator must fix before the fleet can be shown (a broken config file, ...). */
  problems: string[];
  collector: {
    lastCycleStartedAt: number | null;
    lastCycleDurationMs: number | null;
    running: boolean;
  };
}

/** One stored sample for growth charts and the "full in N days" forecast. */
export interface RepoSample {
  at: number;
  diskUsageBytes: number | null;
  deduplicatedBytes: number | null;
  originalBytes: number | null;
  archiveCount: number | null;
}

export interface SiteSample {
  at: number;
  sizeBytes: number | null;
  freeBytes: number | null;
}
