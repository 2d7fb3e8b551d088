/**
 * A synthetic, deterministic fleet for UI development and the overview benchmark (1,000 hosts).
 *
 * Two sites: `onsite` (a local storage root, capacity from statfs, on-disk sizes known) and `offsite`
 * (an ssh:// storage server, capacity from Prometheus, on-disk sizes unknown). Hosts are spread over
 * them (some have a copy on both). Statuses are mostly fresh, with some stale repos and exactly one
 * repo that is busy, one with a wrong passphrase and one that was never backed up (when the fleet is
 * big enough to hold them). Archives follow the seed's GFS pruning (7 daily, 4 weekly, 6 monthly).
 *
 * State is built once, eagerly (cheap); history samples (every 6 h for 30 days) are built lazily per
 * repo and per site on first request, then cached.
 */
import { DEFAULT_STALE_AFTER_SECONDS } from "./status";
import type { FleetProvider } from "./store";
import type { ArchiveSummary, FleetState, RepoSample, RepoState, SiteSample, SiteState } from "./types";
import { prng } from "@/lib/random";

export interface SyntheticFleetOptions {
  /** Number of hosts (each has one repo on one or both sites). */
  hosts: number;
  /** Seed for the pseudo-random generator; the same seed gives the same fleet. Default 1. */
  seed?: number;
  /** "Now" in ms since the epoch; default Date.now() at creation. */
  now?: number;
  /** Sites whose capacity is reported as unknown (to exercise the "unknown" UI). */
  unknownCapacitySites?: string[];
}

const SYNTHETIC_SITES = ["onsite", "offsite"] as const;

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const SAMPLE_EVERY_MS = 6 * HOUR_MS;
const HISTORY_DAYS = 30;
const KiB = 1024;
const MiB = KiB * 1024;
const GiB = MiB * 1024;
const TiB = GiB * 1024;

const ROLES = [
  "web",
  "db",
  "mail",
  "build",
  "git",
  "app",
  "cache",
  "proxy",
  "mon",
  "ci",
  "files",
  "auth",
  "dns",
  "queue",
  "search",
  "vpn",
  "wiki",
  "chat",
  "repo",
  "log",
] as const;

function mix(a: number, b: number): number {
  return (Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x7f4a7c15, 0xc2b2ae35)) >>> 0;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** borg's `{hostname}-{now:%Y-%m-%dT%H:%M:%S}` archive name. */
function archiveName(host: string, startMs: number): string {
  const d = new Date(startMs);
  return `${host}-${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}T${pad2(d.getUTCHours())}:${pad2(
    d.getUTCMinutes(),
  )}:${pad2(d.getUTCSeconds())}`;
}

const HEX_BYTES = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** A 64-hex-digit archive id (borg ids are 256-bit). */
function archiveId(rand: () => number): string {
  const parts: string[] = [];
  for (let i = 0; i < 8; i++) {
    const word = (rand() * 4294967296) >>> 0;
    parts.push(HEX_BYTES[word >>> 24]! + HEX_BYTES[(word >>> 16) & 255]! + HEX_BYTES[(word >>> 8) & 255]! + HEX_BYTES[word & 255]!);
  }
  return parts.join("");
}

/** Day number (days since 1970-01-01, UTC) of the Sunday that ends day `d`'s ISO week. */
function isoWeekEnd(d: number): number {
  const weekday = (((d + 4) % 7) + 7) % 7; // 0 = Sunday; day 0 was a Thursday
  return d + ((7 - weekday) % 7);
}

/** Day number of the last day of the month before day `d`'s month (integer civil-calendar maths, no Date). */
function endOfPreviousMonth(d: number): number {
  // Howard Hinnant's civil_from_days: only the day of the month is needed.
  const z = d + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const dayOfMonth = doy - Math.floor((153 * mp + 2) / 5) + 1;
  return d - dayOfMonth;
}

/**
 * Days (newest first) that survive `borg prune --keep-daily 7 --keep-weekly 4 --keep-monthly 6` for
 * one backup a day from `firstDay` to `newestDay`. Like borg, a period whose newest archive is already
 * kept by an earlier rule does not count towards the next rule.
 */
export function gfsKeptDays(newestDay: number, firstDay: number, daily = 7, weekly = 4, monthly = 6): number[] {
  const kept: number[] = [];
  const isKept = (d: number) => kept.includes(d);
  for (let d = newestDay; d >= firstDay && kept.length < daily; d--) kept.push(d);
  let weeks = 0;
  for (let end = newestDay; end >= firstDay && weeks < weekly;) {
    if (!isKept(end)) {
      kept.push(end);
      weeks++;
    }
    end = isoWeekEnd(end) - 7;
  }
  let months = 0;
  for (let end = newestDay; end >= firstDay && months < monthly;) {
    if (!isKept(end)) {
      kept.push(end);
      months++;
    }
    end = endOfPreviousMonth(end);
  }
  return kept.sort((a, b) => b - a);
}

type Special = "busy" | "error" | "never" | "stale" | null;

/** Parameters of one repo's growth model, used to draw history lazily. */
interface RepoModel {
  seed: number;
  /** Growth of the repo per day (fraction). */
  growthPerDay: number;
  /** First day the repo existed (ms); history starts there. */
  createdAt: number;
  dedupNow: number | null;
  diskNow: number | null;
  originalNow: number | null;
  archiveCountNow: number | null;
  /** Ratio on-disk / deduplicated just after a compaction. */
  overhead: number;
}

/** What a host backs up; shared by its repos on every site (an off-site copy holds the same data). */
interface HostProfile {
  dataBytes: number;
  compressRatio: number;
  changePerDay: number;
  growthPerDay: number;
  files: number;
  backupHour: number;
  bytesPerSecond: number;
  filesPerSecond: number;
  ageDays: number;
}

function hostProfile(seed: number, hostIndex: number): HostProfile {
  const rand = prng(mix(seed, hostIndex * 7));
  // Log-uniform-ish between 200 MiB and 3 TiB, most hosts on the small side.
  const dataBytes = Math.exp(Math.log(200 * MiB) + rand() ** 2 * (Math.log(3 * TiB) - Math.log(200 * MiB)));
  const young = rand() < 0.03;
  return {
    dataBytes,
    compressRatio: 0.4 + rand() * 0.45,
    changePerDay: 0.002 + rand() ** 2 * 0.03,
    growthPerDay: rand() ** 3 * 0.012,
    files: Math.round(2_000 + (dataBytes / MiB) * (0.3 + rand() * 8)),
    backupHour: 1 + rand() * 4, // UTC
    bytesPerSecond: (30 + rand() * 90) * MiB,
    filesPerSecond: 5_000 + rand() * 25_000,
    ageDays: young ? 3 + Math.floor(rand() * 25) : 400 + Math.floor(rand() * 600),
  };
}

function buildRepo(
  host: string,
  profile: HostProfile,
  site: (typeof SYNTHETIC_SITES)[number],
  hostIndex: number,
  special: Special,
  seed: number,
  now: number,
): { repo: RepoState; model: RepoModel } {
  const rand = prng(mix(seed, hostIndex * 7 + (site === "onsite" ? 1 : 2)));
  const local = site === "onsite";
  const id = `${site}/${host}`;
  const location = local ? `/srv/borg/${host}` : `ssh://borg@offsite.example.net:22/srv/borg/${host}`;

  const { dataBytes, compressRatio, changePerDay, growthPerDay, files, filesPerSecond, ageDays } = profile;
  // The off-site copy runs after the on-site one, over a slower link.
  const backupHour = profile.backupHour + (local ? 0 : 1 + rand() * 2);
  const bytesPerSecond = profile.bytesPerSecond * (local ? 1 : 0.3);
  const overhead = 1.01 + rand() * 0.2;
  // Connecting, locking and syncing borg's cache take a while even when little changed.
  const startupSeconds = 20 + rand() * 100;
  const staleDays = 2 + Math.floor(rand() * 12);
  const isStale = special === "stale" || (special === null && rand() < 0.04);

  const nowDay = Math.floor(now / DAY_MS);
  // Today's backup counts once it has surely ended (durations stay under 2.5 h).
  let newestDay = now - nowDay * DAY_MS >= (backupHour + 3) * HOUR_MS ? nowDay : nowDay - 1;
  const firstDay = nowDay - ageDays;
  // A stale repo still has archives (a young one at least its first).
  if (isStale) newestDay = Math.max(firstDay, newestDay - staleDays);

  // Archives are walked twice with the same random stream: once now for the totals and the newest
  // archive (cheap: no objects), and once more, lazily, when someone reads `repo.archives`.
  const days = special !== "never" && special !== "error" ? gfsKeptDays(newestDay, firstDay) : [];
  const archiveSeed = mix(seed, hostIndex * 11 + (local ? 3 : 4));
  const walk = (emit: "newest" | "all", newest: ArchiveSummary | null = null) => {
    const arand = prng(archiveSeed);
    const list: ArchiveSummary[] = [];
    let unique = 0;
    let original = 0;
    let compressed = 0;
    for (let i = days.length - 1; i >= 0; i--) {
      const day = days[i]!;
      const older = days[i + 1];
      const daysBack = nowDay - day;
      const originalBytes = Math.round(dataBytes * Math.exp(-growthPerDay * daysBack) * (0.995 + arand() * 0.01));
      const compressedBytes = Math.round(originalBytes * compressRatio);
      const gap = older === undefined ? 1 : day - older;
      // Chunks only this archive references: what changed since the older neighbour that is still kept
      // (more for archives whose neighbours were pruned), and a share of everything for the oldest one.
      const uniqueBytes = older === undefined ? compressedBytes * 0.15 : compressedBytes * changePerDay * Math.sqrt(Math.min(gap, 30)) * (0.6 + arand() * 0.8);
      // borg records times to the microsecond; whole seconds are plenty here.
      const start = Math.floor((day * DAY_MS + backupHour * HOUR_MS + arand() * 300_000) / 1000) * 1000;
      // Unchanged files are skipped by borg's files cache: time goes to changed bytes and stat() calls.
      const work = (originalBytes * changePerDay) / bytesPerSecond + files / filesPerSecond;
      const durationSeconds = Math.round(Math.min(9_000, startupSeconds + work * (0.7 + arand() * 0.6)));
      const statsCached = i < 7 || arand() > 0.35;
      const fileCount = Math.round(files * (0.98 + arand() * 0.04));
      unique += uniqueBytes;
      original += originalBytes;
      compressed += compressedBytes;
      if (emit === "all" && i === 0 && newest) list.push(newest);
      else if (emit === "all" || i === 0)
        list.push({
          name: archiveName(host, start),
          id: archiveId(prng(mix(archiveSeed, day))),
          start,
          end: start + durationSeconds * 1000,
          stats: statsCached ? { originalBytes, compressedBytes, deduplicatedBytes: Math.round(uniqueBytes), files: fileCount, durationSeconds } : null,
        });
    }
    if (days.length) unique += compressed / days.length; // the chunks all archives share
    return { list, unique, original, compressed };
  };
  const totals = walk("newest");
  const uniqueBytes = totals.unique;
  const originalTotal = totals.original;
  const compressedTotal = totals.compressed;

  const lastArchive = totals.list[0] ?? null;
  const attemptAt = now - 60_000 - Math.floor(rand() * 240_000);
  const hasData = special !== "error";
  const sizes = hasData ? { originalBytes: originalTotal, compressedBytes: Math.round(compressedTotal), deduplicatedBytes: Math.round(uniqueBytes) } : null;
  const emptyRepoBytes = 40 * KiB + Math.floor(rand() * 20 * KiB);
  const diskUsageBytes = local ? (days.length ? Math.round(uniqueBytes * (overhead + rand() * 0.05)) : emptyRepoBytes) : null;

  const repo: RepoState = {
    id,
    host,
    site,
    location,
    local,
    lastArchive,
    archiveCount: hasData ? days.length : null,
    archives: [],
    sizes,
    diskUsageBytes: special === "error" && local ? Math.round(dataBytes * compressRatio * 1.3) : diskUsageBytes,
    busy: special === "busy",
    encryption: "repokey-blake2",
    lastAttemptAt: attemptAt,
    lastSuccessAt: special === "error" ? null : special === "busy" ? attemptAt - 300_000 : attemptAt + 800 + Math.floor(rand() * 4000),
    lastError:
      special === "error"
        ? {
            kind: "wrong-passphrase",
            message:
              "The passphrase for this repo is wrong, so borg cannot open it. Check the passphrase source configured for this repo (passcommand or passphraseFile): it may point at an old or another repo's passphrase.",
            detail: "passphrase supplied in BORG_PASSPHRASE, by BORG_PASSCOMMAND or via BORG_PASSPHRASE_FD is incorrect.",
            at: attemptAt,
          }
        : null,
    lastDurationMs: 700 + Math.floor(rand() * 3000),
  };

  if (days.length) {
    Object.defineProperty(repo, "archives", {
      configurable: true,
      enumerable: true,
      get(this: RepoState) {
        const archives = walk("all", lastArchive).list;
        Object.defineProperty(this, "archives", { value: archives, writable: true, enumerable: true, configurable: true });
        return archives;
      },
    });
  }

  const model: RepoModel = {
    seed: mix(seed, hostIndex * 13 + (local ? 5 : 9)),
    growthPerDay,
    createdAt: firstDay * DAY_MS,
    dedupNow: sizes?.deduplicatedBytes ?? null,
    diskNow: repo.diskUsageBytes,
    originalNow: sizes?.originalBytes ?? null,
    archiveCountNow: repo.archiveCount,
    overhead,
  };
  return { repo, model };
}

function sampleTimes(now: number, from: number): number[] {
  const times: number[] = [];
  const last = Math.floor(now / SAMPLE_EVERY_MS) * SAMPLE_EVERY_MS;
  for (let t = last - HISTORY_DAYS * DAY_MS; t <= last; t += SAMPLE_EVERY_MS) if (t >= from) times.push(t);
  return times;
}

function repoHistory(model: RepoModel, now: number): RepoSample[] {
  const rand = prng(model.seed);
  return sampleTimes(now, model.createdAt).map((at) => {
    const daysBack = (now - at) / DAY_MS;
    const ageDays = (at - model.createdAt) / DAY_MS;
    const young = ageDays < 60;
    // A young repo grows with each daily archive; an established one follows its growth rate.
    const factor = young ? Math.min(1, (ageDays + 1) / ((now - model.createdAt) / DAY_MS + 1)) : Math.exp(-model.growthPerDay * daysBack);
    const noise = 1 + (rand() - 0.5) * 0.004;
    const dedup = model.dedupNow === null ? null : Math.round(model.dedupNow * factor * noise);
    // Pruned chunks stay on disk until the weekly `borg compact` (Sundays): on-disk drifts up, then drops.
    const sinceCompact = (((Math.floor(at / DAY_MS) + 4) % 7) + (at % DAY_MS) / DAY_MS) / 7;
    const disk = model.diskNow === null ? null : dedup === null ? model.diskNow : Math.round(dedup * (model.overhead + sinceCompact * 0.08));
    const count = model.archiveCountNow === null ? null : young ? Math.min(model.archiveCountNow, Math.max(1, Math.ceil(ageDays))) : model.archiveCountNow;
    return {
      at,
      diskUsageBytes: disk,
      deduplicatedBytes: dedup,
      originalBytes: model.originalNow === null ? null : Math.round(model.originalNow * factor),
      archiveCount: count,
    };
  });
}

export function createSyntheticFleet(options: SyntheticFleetOptions): FleetProvider {
  const hostCount = Math.max(0, Math.floor(options.hosts));
  const seed = options.seed ?? 1;
  const now = options.now ?? Date.now();
  const unknown = new Set(options.unknownCapacitySites ?? []);

  const repos: RepoState[] = [];
  const models = new Map<string, RepoModel>();
  const specials: Record<number, Special> = { 1: "busy", 2: "error", 3: "never", 4: "stale" };
  for (let i = 0; i < hostCount; i++) {
    const role = ROLES[i % ROLES.length]!;
    const host = `${role}-${pad2(Math.floor(i / ROLES.length) + 1)}`;
    // 60 % on-site only, 30 % on both sites, 10 % off-site only.
    const slot = mix(seed, i) % 10;
    const sites: (typeof SYNTHETIC_SITES)[number][] = slot < 6 ? ["onsite"] : slot < 9 ? ["onsite", "offsite"] : ["offsite"];
    if (specials[i] && !sites.includes("onsite")) sites.unshift("onsite");
    const profile = hostProfile(seed, i);
    for (const site of sites) {
      const special = site === "onsite" ? (specials[i] ?? null) : null;
      const { repo, model } = buildRepo(host, profile, site, i, special, seed, now);
      repos.push(repo);
      models.set(repo.id, model);
    }
  }

  // Site capacity: on-site filled to about 62 %, off-site (smaller, remote) to about 85 %.
  const siteModels = new Map<string, { size: number; other: number }>();
  const sites: SiteState[] = SYNTHETIC_SITES.map((name) => {
    const onSite = repos.filter((r) => r.site === name);
    const used = onSite.reduce((sum, r) => sum + (r.diskUsageBytes ?? (r.sizes?.deduplicatedBytes ?? 0) * 1.08), 0);
    const fill = name === "onsite" ? 0.62 : 0.85;
    const size = Math.max(1, Math.ceil(used / fill / TiB)) * TiB;
    const other = size * 0.01;
    siteModels.set(name, { size, other });
    const known = !unknown.has(name);
    return {
      name,
      location: name === "onsite" ? "/srv/borg" : "ssh://borg@offsite.example.net:22/srv/borg",
      local: name === "onsite",
      sizeBytes: known ? size : null,
      freeBytes: known ? Math.max(0, Math.round(size - used - other)) : null,
      capacitySource: known ? (name === "onsite" ? "statfs" : "prometheus") : "unknown",
      sharesFilesystemWith: [],
      checkedAt: known ? now - 95_000 : null,
      error: known ? null : name === "onsite" ? "statfs /srv/borg: permission denied" : null,
    };
  });

  const state: FleetState = {
    repos,
    sites,
    staleAfterSeconds: DEFAULT_STALE_AFTER_SECONDS,
    source: "collector",
    problems: [],
    collector: { lastCycleStartedAt: now - 95_000, lastCycleDurationMs: 41_200 + hostCount * 12, running: false },
  };

  const repoHistories = new Map<string, RepoSample[]>();
  const siteHistories = new Map<string, SiteSample[]>();

  function historyFor(repoId: string): RepoSample[] {
    let history = repoHistories.get(repoId);
    if (!history) {
      const model = models.get(repoId);
      history = model ? repoHistory(model, now) : [];
      repoHistories.set(repoId, history);
    }
    return history;
  }

  function siteHistoryFor(name: string): SiteSample[] {
    let history = siteHistories.get(name);
    if (history) return history;
    const site = sites.find((s) => s.name === name);
    const siteModel = siteModels.get(name);
    if (!site || !siteModel) return [];
    const rand = prng(mix(seed, name.length * 31 + name.charCodeAt(0)));
    const times = sampleTimes(now, 0);
    const used = new Float64Array(times.length);
    const step = SAMPLE_EVERY_MS / DAY_MS;
    for (const repo of repos) {
      if (repo.site !== name) continue;
      const model = models.get(repo.id)!;
      // Walk back from now: each sample is one growth step (6 h) smaller than the next one.
      const perStep = Math.exp(-model.growthPerDay * step);
      let bytes =
        (repo.diskUsageBytes ?? (repo.sizes?.deduplicatedBytes ?? 0) * 1.08) * Math.exp(-model.growthPerDay * ((now - times[times.length - 1]!) / DAY_MS));
      for (let k = times.length - 1; k >= 0 && times[k]! >= model.createdAt; k--) {
        used[k]! += bytes;
        bytes *= perStep;
      }
    }
    history = times.map((at, k) => {
      const free = Math.max(0, Math.round(siteModel.size - used[k]! - siteModel.other * (1 + (rand() - 0.5) * 0.2)));
      return { at, sizeBytes: site.sizeBytes, freeBytes: site.freeBytes === null ? null : free };
    });
    siteHistories.set(name, history);
    return history;
  }

  return {
    getState: () => state,
    getRepoHistory: (repoId, sinceMs) => historyFor(repoId).filter((s) => s.at >= sinceMs),
    getSiteHistory: (site, sinceMs) => siteHistoryFor(site).filter((s) => s.at >= sinceMs),
    async refreshRepo(repoId) {
      const repo = repos.find((r) => r.id === repoId);
      if (!repo) throw new Error(`unknown repo ${repoId}`);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const at = Date.now();
      repo.lastAttemptAt = at;
      if (!repo.busy && !repo.lastError) repo.lastSuccessAt = at;
      if (repo.lastError) repo.lastError = { ...repo.lastError, at };
    },
  };
}
