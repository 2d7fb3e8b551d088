/**
 * The background collector: refreshes every repo on an interval with bounded concurrency, never two
 * borg processes on one repo, and never in a way that could make a backup fail (a repo held by a
 * running backup is "busy" and retried later; reads never take the repo lock).
 *
 * Cheap change detection first (`borg list --last 1`); the expensive `borg info` runs only when the
 * newest archive changed, the repo was never read, or an hourly full refresh is due (so deletions of
 * old archives are noticed too).
 */
import path from "node:path";
import type { FleetConfig } from "@/lib/config/schema";
import type { Db } from "@/lib/db";
import { cacheArchives, cachedArchives, forgetArchivesExcept } from "@/lib/db/archiveStats";
import { recordArchivesSeen } from "@/lib/db/archivesSeen";
import { recordRepoSample, recordSiteSample, repoHistory, siteHistory } from "@/lib/db/history";
import { loadRepoStates, saveRepoState } from "@/lib/db/repoState";
import { freshnessPolicy } from "@/lib/fleet/freshness";
import type { FleetProvider } from "@/lib/fleet/store";
import type { ArchiveSummary, FleetState, RepoError, RepoSample, RepoState, SiteSample, SiteState } from "@/lib/fleet/types";
import type { BorgReader, DetailedArchive } from "./borgReader";
import { describeFailure } from "./failure";
import { diskUsageBytes } from "./diskUsage";
import { fleetRepos, siteLocation, type RepoTarget } from "@/lib/fleet/repos";
import { Semaphore } from "./semaphore";
import { PeriodicTask } from "@/lib/fleet/periodic";
import { PrometheusClient } from "@/lib/fleet/prometheusClient";
import { markSharedFilesystems, readSiteCapacity } from "./storage";
import { metricsStateChanged } from "@/lib/metrics/stateChanged";

/** Even without a new archive, re-read the whole archive list this often. */
const FULL_REFRESH_MS = 60 * 60 * 1000;
/** Fetch stats for at most this many uncached archives per repo per cycle (the rest follow). */
const MAX_ARCHIVE_INFO_PER_CYCLE = 200;

export interface CollectorDeps {
  config: FleetConfig;
  db: Db;
  borg: BorgReader;
  now?: () => number;
  log?: (level: "info" | "warn" | "error", message: string) => void;
  /**
   * The process's borg slots, shared with integrity checks and restore drills (lib/verify), so that
   * collector.concurrency bounds all background borg work together. Default: the collector's own.
   */
  semaphore?: Semaphore;
}

export interface CycleReport {
  startedAt: number;
  durationMs: number;
  repos: number;
  failed: number;
  busy: number;
}

export class Collector implements FleetProvider {
  private readonly config: FleetConfig;
  private readonly db: Db;
  private readonly borg: BorgReader;
  private readonly now: () => number;
  private readonly log: NonNullable<CollectorDeps["log"]>;
  private readonly semaphore: Semaphore;
  private readonly borgBaseDir: string;

  private targets = new Map<string, RepoTarget>();
  private readonly states = new Map<string, RepoState>();
  private sites: SiteState[] = [];
  private readonly inFlight = new Map<string, Promise<RepoState>>();
  private readonly lastFullRefresh = new Map<string, number>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  private readonly cycles: PeriodicTask;
  /** For remote sites' capacity (config capacityPrometheusUrl); null when not configured. */
  private readonly capacityPrometheus: PrometheusClient | null;
  private cycleInFlight: Promise<CycleReport> | null = null;
  private lastCycleStartedAt: number | null = null;
  private lastCycleDurationMs: number | null = null;

  constructor(deps: CollectorDeps) {
    this.config = deps.config;
    this.db = deps.db;
    this.borg = deps.borg;
    this.now = deps.now ?? Date.now;
    this.log = deps.log ?? ((level, message) => console[level === "info" ? "log" : level](`[collector] ${message}`));
    this.semaphore = deps.semaphore ?? new Semaphore(deps.config.collector.concurrency);
    // Our own borg cache/config/security dir: never share (and lock) a backup client's cache.
    this.borgBaseDir = path.join(deps.config.dataDir, "borg");
    for (const [id, state] of loadRepoStates(this.db)) this.states.set(id, { ...state, busy: false });
    this.capacityPrometheus = deps.config.capacityPrometheusUrl ? new PrometheusClient(deps.config.capacityPrometheusUrl) : null;
    this.cycles = new PeriodicTask(
      async () => void (await this.runCycle()),
      deps.config.collector.interval * 1000,
      (err) => this.log("error", `cycle failed: ${err instanceof Error ? err.message : String(err)}`),
      this.now,
    );
  }

  /** Start periodic cycles (first one immediately). Idempotent. */
  start(): void {
    this.cycles.start();
  }

  stop(): void {
    this.cycles.stop();
    for (const timer of this.retryTimers.values()) clearTimeout(timer);
    this.retryTimers.clear();
  }

  /** One pass over every repo and site. Concurrent callers share the running cycle. */
  runCycle(): Promise<CycleReport> {
    this.cycleInFlight ??= this.doCycle().finally(() => {
      this.cycleInFlight = null;
    });
    return this.cycleInFlight;
  }

  private async doCycle(): Promise<CycleReport> {
    const startedAt = this.now();
    this.lastCycleStartedAt = startedAt;
    const targets = await fleetRepos(this.config, (m) => this.log("warn", m));
    this.targets = new Map(targets.map((t) => [t.id, t]));
    for (const id of [...this.states.keys()]) if (!this.targets.has(id)) this.states.delete(id);
    metricsStateChanged();

    const [results] = await Promise.all([Promise.all(targets.map((t) => this.collectRepo(t.id))), this.collectSites()]);
    const durationMs = this.now() - startedAt;
    this.lastCycleDurationMs = durationMs;
    metricsStateChanged();
    return {
      startedAt,
      durationMs,
      repos: results.length,
      failed: results.filter((r) => r.lastError).length,
      busy: results.filter((r) => r.busy).length,
    };
  }

  private async collectSites(): Promise<void> {
    const now = this.now();
    const raw = await Promise.all(this.config.sites.map((s) => readSiteCapacity(s, now, this.capacityPrometheus)));
    this.sites = markSharedFilesystems(raw);
    metricsStateChanged();
    for (const site of this.sites) {
      if (site.capacitySource === "unknown") continue;
      recordSiteSample(this.db, site.name, { at: now, sizeBytes: site.sizeBytes, freeBytes: site.freeBytes });
    }
  }

  /** Refresh one repo now (the "Refresh now" action). Shares a refresh already in flight. */
  async refreshRepo(id: string): Promise<void> {
    await this.collectRepo(id, { force: true });
  }

  /** The repo's target, discovering repos again if it is new since the last cycle. */
  private async targetFor(id: string): Promise<RepoTarget> {
    if (!this.targets.has(id)) {
      const targets = await fleetRepos(this.config, (m) => this.log("warn", m));
      this.targets = new Map(targets.map((t) => [t.id, t]));
    }
    const target = this.targets.get(id);
    if (!target) throw new Error(`unknown repo ${id}`);
    return target;
  }

  /** Never two borg processes on one repo: a second request joins the one in flight. */
  collectRepo(id: string, options: { force?: boolean } = {}): Promise<RepoState> {
    const existing = this.inFlight.get(id);
    if (existing) return existing;
    const run = this.targetFor(id)
      .then((target) => this.semaphore.run(() => this.readRepo(target, options.force ?? false)))
      .finally(() => this.inFlight.delete(id));
    this.inFlight.set(id, run);
    return run;
  }

  private emptyState(target: RepoTarget): RepoState {
    return {
      id: target.id,
      host: target.host,
      site: target.site,
      location: target.location,
      local: target.local,
      lastArchive: null,
      archiveCount: null,
      archives: [],
      sizes: null,
      diskUsageBytes: null,
      busy: false,
      encryption: null,
      lastAttemptAt: null,
      lastSuccessAt: null,
      lastError: null,
      lastDurationMs: null,
    };
  }

  private async readRepo(target: RepoTarget, force: boolean, isRetry = false): Promise<RepoState> {
    const id = target.id;
    const prev = this.states.get(id) ?? this.emptyState(target);
    const startedAt = this.now();
    const call = { baseDir: this.borgBaseDir, timeoutMs: this.config.collector.timeout * 1000 };
    const borgTarget = { location: target.location, secrets: target.secrets };
    let next: RepoState = { ...prev, location: target.location, local: target.local, lastAttemptAt: startedAt };
    let transactionBefore: number | null | undefined; // undefined: the read never started

    try {
      // A writer holds the exclusive lock: a backup is running. Do not touch the repo; come back soon.
      if (target.local && (await this.borg.isRepoLockedLocally(target.location))) {
        next = { ...next, busy: true, diskUsageBytes: await this.safeDiskUsage(target, prev.diskUsageBytes) };
        this.scheduleBusyRetry(id);
        return this.commit(next, startedAt, false);
      }
      transactionBefore = await this.repoTransaction(target);

      // Skip the cheap probe when a full read is due anyway: it would only cost another borg start.
      const lastFull = this.lastFullRefresh.get(id) ?? 0;
      let fullDue = force || prev.sizes === null || prev.archiveCount === null || startedAt - lastFull > FULL_REFRESH_MS;
      if (!fullDue) {
        const newest = await this.borg.newestArchive(borgTarget, call);
        fullDue = (newest?.id ?? null) !== (prev.lastArchive?.id ?? null);
      }
      if (fullDue) {
        next = { ...next, ...(await this.readFull(target, borgTarget, call)) };
        this.lastFullRefresh.set(id, startedAt);
      }
      // A backup that started while we were reading holds the lock now: say so (it is running).
      const busyNow = target.local && (await this.borg.isRepoLockedLocally(target.location));
      if (busyNow) this.scheduleBusyRetry(id);
      next = {
        ...next,
        busy: busyNow,
        lastError: null,
        lastSuccessAt: this.now(),
        diskUsageBytes: await this.safeDiskUsage(target, prev.diskUsageBytes),
      };
      return this.commit(next, startedAt, true);
    } catch (err) {
      const failure: RepoError = describeFailure(err, this.now());
      if (failure.kind === "busy") {
        // Locked by someone else (remote repos report it this way): busy, not failed.
        this.scheduleBusyRetry(id);
        return this.commit({ ...next, busy: true }, startedAt, false);
      }
      // Reads take no lock (--bypass-lock), so a backup that starts and commits during the read can
      // move segments under it and borg fails with a generic error. When a writer holds the repo now,
      // or committed since the read began, that failure says nothing about the repo: read once more
      // (a writer still at work then shows as busy).
      if (failure.kind === "other" && !isRetry && (await this.writerChangedRepo(target, transactionBefore))) {
        return this.readRepo(target, force, true);
      }
      this.log("warn", `${id}: ${failure.message}${failure.detail ? ` (${failure.detail})` : ""}`);
      return this.commit({ ...next, busy: false, lastError: failure }, startedAt, false);
    }
  }

  private async repoTransaction(target: RepoTarget): Promise<number | null> {
    return target.local && this.borg.localRepoTransaction ? this.borg.localRepoTransaction(target.location) : null;
  }

  private async writerChangedRepo(target: RepoTarget, transactionBefore: number | null | undefined): Promise<boolean> {
    if (!target.local) return false;
    if (await this.borg.isRepoLockedLocally(target.location)) return true;
    return transactionBefore !== undefined && (await this.repoTransaction(target)) !== transactionBefore;
  }

  private async readFull(
    target: RepoTarget,
    borgTarget: { location: string; secrets: RepoTarget["secrets"] },
    call: { baseDir: string; timeoutMs: number },
  ): Promise<Partial<RepoState>> {
    const listing = await this.borg.listArchives(borgTarget, call);
    const cache = cachedArchives(this.db, target.id);
    const archives = listing.archives; // oldest first
    let stats;
    if (archives.length === 0) {
      stats = await this.borg.repoStats(borgTarget, call);
    } else {
      // How many of the newest archives we must ask about: up to the oldest one without cached stats.
      const oldestMissing = archives.findIndex((a) => !cache.has(a.id));
      const needed = oldestMissing === -1 ? 1 : archives.length - oldestMissing;
      const info = await this.borg.archivesInfo(borgTarget, Math.min(needed, MAX_ARCHIVE_INFO_PER_CYCLE), call);
      stats = info.stats;
      const fresh = info.archives.filter((a) => !cache.has(a.id)).map(toCached);
      cacheArchives(this.db, target.id, fresh, this.now());
      for (const a of fresh) cache.set(a.archiveId, a);
      forgetArchivesExcept(
        this.db,
        target.id,
        archives.map((a) => a.id),
      );
    }
    const summaries: ArchiveSummary[] = archives.map((a) => {
      const cached = cache.get(a.id);
      return { name: a.name, id: a.id, start: a.start, end: cached?.end ?? null, stats: cached?.stats ?? null };
    });
    // The compliance report's history: kept after prune deletes the archive.
    recordArchivesSeen(this.db, target, summaries, this.now());
    return {
      archives: summaries,
      archiveCount: summaries.length,
      lastArchive: summaries.at(-1) ?? null,
      encryption: listing.encryption,
      sizes: { originalBytes: stats.totalSize, compressedBytes: stats.totalCsize, deduplicatedBytes: stats.uniqueCsize },
    };
  }

  private async safeDiskUsage(target: RepoTarget, previous: number | null): Promise<number | null> {
    if (!target.local) return null;
    try {
      return await diskUsageBytes(target.location);
    } catch {
      return previous;
    }
  }

  private scheduleBusyRetry(id: string): void {
    if (this.cycles.isStopped || this.retryTimers.has(id)) return;
    const timer = setTimeout(() => {
      this.retryTimers.delete(id);
      if (!this.cycles.isStopped) void this.collectRepo(id);
    }, this.config.collector.busyRetry * 1000);
    timer.unref();
    this.retryTimers.set(id, timer);
  }

  private commit(state: RepoState, startedAt: number, succeeded: boolean): RepoState {
    const now = this.now();
    const final = { ...state, lastDurationMs: now - startedAt };
    this.states.set(final.id, final);
    metricsStateChanged();
    saveRepoState(this.db, final, now);
    if (succeeded) {
      recordRepoSample(this.db, final.id, {
        at: now,
        diskUsageBytes: final.diskUsageBytes,
        deduplicatedBytes: final.sizes?.deduplicatedBytes ?? null,
        originalBytes: final.sizes?.originalBytes ?? null,
        compressedBytes: final.sizes?.compressedBytes ?? null,
        archiveCount: final.archiveCount,
      });
    }
    return final;
  }

  getState(): FleetState {
    // Every known repo is listed: the ones not read yet as "pending", so a first cycle still in
    // progress never hides a repo.
    const repos = [...this.states.values()].filter((r) => this.targets.size === 0 || this.targets.has(r.id));
    for (const target of this.targets.values()) if (!this.states.has(target.id)) repos.push(this.emptyState(target));
    return {
      repos: repos.sort((a, b) => a.id.localeCompare(b.id)),
      sites: this.sites.length > 0 ? this.sites : this.config.sites.map((s) => placeholderSite(s.name, siteLocation(s))),
      ...freshnessPolicy(this.config),
      source: "collector",
      problems: [],
      collector: {
        lastCycleStartedAt: this.lastCycleStartedAt,
        lastCycleDurationMs: this.lastCycleDurationMs,
        running: this.cycleInFlight !== null,
      },
    };
  }

  getRepoHistory(repoId: string, sinceMs: number): RepoSample[] {
    return repoHistory(this.db, repoId, sinceMs);
  }

  getSiteHistory(site: string, sinceMs: number): SiteSample[] {
    return siteHistory(this.db, site, sinceMs);
  }
}

function placeholderSite(name: string, { location, local }: { location: string; local: boolean }): SiteState {
  return {
    name,
    location,
    local,
    sizeBytes: null,
    freeBytes: null,
    capacitySource: "unknown",
    sharesFilesystemWith: [],
    checkedAt: null,
    error: null,
  };
}

function toCached(a: DetailedArchive) {
  return {
    archiveId: a.id,
    name: a.name,
    start: a.start,
    end: a.end,
    stats: {
      originalBytes: a.originalSize,
      compressedBytes: a.compressedSize,
      deduplicatedBytes: a.deduplicatedSize,
      files: a.nfiles,
      durationSeconds: a.durationSeconds,
    },
  };
}
