/**
 * The borg operations the dashboard needs, each one borg call with typed, validated results.
 *
 * Read-only calls (list, info, archive contents) always pass --bypass-lock. Why: a reader without it
 * takes borg's shared repository lock, and a `borg create` that starts while we hold it waits only
 * --lock-wait (1 s by default) for the exclusive lock and then FAILS: monitoring would break the
 * backup it watches. With --bypass-lock borg opens the repository with lock=False (repository.py
 * `open`), so we never hold the repo lock. borg allows it only for read commands (archiver.py:
 * check/diff/export-tar/extract/info/list/mount).
 * The price: a read can see the repo mid-change and fail (e.g. a segment compacted away under it);
 * that shows as a failed read and is retried, the backup is unaffected. A lock-less reader that starts
 * exactly between a writer's commit tag and its index write would replay the new segments into an
 * index itself, so the collector checks isRepoLockedLocally() first and does not read a local repo
 * while a writer holds it. --lock-wait on reads then only applies to the dashboard's OWN cache lock
 * (borg info locks the cache in BORG_BASE_DIR even with --bypass-lock): two dashboard tasks reading
 * one repo wait for each other instead of failing.
 *
 * Writers (init, create) never bypass the lock.
 */
import type { Secrets } from "@/lib/config/schema";
import { ContentsRecordSplitter, CONTENTS_FORMAT, INDEX_CONTENTS_FORMAT, IndexRecordSplitter, type ArchiveItem, type IndexItem } from "./contents";
import { BorgError } from "./errors";
import { archiveArg, normalizeLocation, repoArg } from "./location";
import { abandonBorg, parseBorgJson, runBorg, startBorg, type BorgCallOptions } from "./run";
import {
  archiveInfoOutputSchema,
  createOutputSchema,
  listArchivesOutputSchema,
  repoInfoOutputSchema,
  type ArchiveInfoOutput,
  type CreateOutput,
} from "./schemas";
import { formatBorgTimestampArg } from "./time";

/** A repository and how to open it. */
export interface BorgTarget {
  /** Local path or ssh:// URL. */
  location: string;
  secrets?: Secrets;
}

export interface ArchiveSummary {
  name: string;
  /** Archive id (hex): stable for the archive's life, the key for anything cached per archive. */
  id: string;
  /** Start time, epoch ms (UTC). */
  start: number;
}

export interface ArchiveList {
  repositoryId: string;
  /** Location as borg reports it (absolute path or URL). */
  location: string;
  /** "repokey-blake2", "none", ... null when borg did not say. */
  encryption: string | null;
  /** Oldest first. */
  archives: ArchiveSummary[];
}

/** Repository-wide figures (`cache.stats`), in bytes / chunk counts. */
export interface RepoStats {
  /** Sum of the original sizes of all archives. */
  totalSize: number;
  /** Sum of the compressed sizes of all archives. */
  totalCsize: number;
  /** Deduplicated size (what the repo would hold uncompressed). */
  uniqueSize: number;
  /** Deduplicated compressed size: what the repo really stores (the seed's "repo size"). */
  uniqueCsize: number;
  totalChunks: number;
  totalUniqueChunks: number;
}

export interface RepoInfo {
  repositoryId: string;
  location: string;
  encryption: string | null;
  /** When the repo last changed (borg's manifest timestamp), epoch ms, if borg said. */
  lastModified: number | null;
  stats: RepoStats;
}

export interface ArchiveStats {
  originalSize: number;
  compressedSize: number;
  /** Bytes only this archive references, at the time of the call (changes as other archives come and go). */
  deduplicatedSize: number;
  nfiles: number;
}

export interface ArchiveDetails extends ArchiveSummary {
  /** End time, epoch ms (UTC). */
  end: number | null;
  durationSeconds: number;
  stats: ArchiveStats;
  hostname: string | null;
  username: string | null;
  comment: string | null;
}

/** One archive with its figures flattened (the shape lib/collector's BorgReader uses). */
export interface DetailedArchive extends ArchiveSummary {
  end: number | null;
  durationSeconds: number;
  originalSize: number;
  compressedSize: number;
  deduplicatedSize: number;
  nfiles: number;
}

/**
 * Note: borg 1.2's `create --json` stats include the archive's own metadata stream, so
 * stats.originalSize/compressedSize are a little larger than what archiveInfo reports later for the
 * same archive (info counts file data only). nfiles is the same.
 */
export interface CreatedArchive extends ArchiveDetails {
  /** Repository figures right after the archive was written. */
  repoStats: RepoStats;
  /** Warnings borg logged (exit code 1: e.g. a file vanished or was unreadable); the archive exists. */
  warnings: string[];
}

/** borg's own cache lock (in BORG_BASE_DIR) is the only lock a --bypass-lock read waits for. Used by export.ts too. */
const READ_LOCK_WAIT_SECONDS = 60;
export const READ_FLAGS = ["--bypass-lock", `--lock-wait=${READ_LOCK_WAIT_SECONDS}`];

function toRepoStats(out: ArchiveInfoOutput | CreateOutput | { cache: ArchiveInfoOutput["cache"] }): RepoStats {
  const s = out.cache.stats;
  return {
    totalSize: s.total_size,
    totalCsize: s.total_csize,
    uniqueSize: s.unique_size,
    uniqueCsize: s.unique_csize,
    totalChunks: s.total_chunks,
    totalUniqueChunks: s.total_unique_chunks,
  };
}

function toArchiveDetails(a: ArchiveInfoOutput["archives"][number]): ArchiveDetails {
  return {
    name: a.name,
    id: a.id,
    start: a.start,
    end: a.end ?? null,
    durationSeconds: a.duration,
    stats: {
      originalSize: a.stats.original_size,
      compressedSize: a.stats.compressed_size,
      deduplicatedSize: a.stats.deduplicated_size,
      nfiles: a.stats.nfiles,
    },
    hostname: a.hostname ?? null,
    username: a.username ?? null,
    comment: a.comment ? a.comment : null,
  };
}

function flatten(a: ArchiveDetails): DetailedArchive {
  return { name: a.name, id: a.id, start: a.start, end: a.end, durationSeconds: a.durationSeconds, ...a.stats };
}

/** Sort oldest first; borg already does (--sort-by timestamp), this keeps it true for ties and future versions. */
function oldestFirst<T extends { start: number }>(items: T[]): T[] {
  return items
    .map((a, i) => ({ a, i }))
    .sort((x, y) => x.a.start - y.a.start || x.i - y.i)
    .map(({ a }) => a);
}

// --- reads ------------------------------------------------------------------------------------------

/** All archives of a repo, oldest first (`borg list --json`). */
export async function listArchives(target: BorgTarget, opts: BorgCallOptions = {}): Promise<ArchiveList> {
  const run = await runBorg(
    { args: ["list", "--json", ...READ_FLAGS, "--", repoArg(target.location)], secrets: target.secrets, location: target.location },
    opts,
  );
  const out = parseBorgJson(run.stdout, listArchivesOutputSchema, "borg list");
  return {
    repositoryId: out.repository.id,
    location: out.repository.location,
    encryption: out.encryption?.mode ?? null,
    archives: oldestFirst(out.archives.map((a) => ({ name: a.name, id: a.id, start: a.start }))),
  };
}

/** The newest archive (by start time), or null for an empty repo: cheap change detection (`borg list --json --last 1`). */
export async function newestArchive(target: BorgTarget, opts: BorgCallOptions = {}): Promise<ArchiveSummary | null> {
  const run = await runBorg(
    { args: ["list", "--json", "--last=1", ...READ_FLAGS, "--", repoArg(target.location)], secrets: target.secrets, location: target.location },
    opts,
  );
  const out = parseBorgJson(run.stdout, listArchivesOutputSchema, "borg list --last 1");
  const a = out.archives.at(-1);
  return a ? { name: a.name, id: a.id, start: a.start } : null;
}

/** Repository-wide figures (`borg info --json REPO`). Syncs the dashboard's borg cache first if the repo changed. */
export async function repoInfo(target: BorgTarget, opts: BorgCallOptions = {}): Promise<RepoInfo> {
  const run = await runBorg(
    { args: ["info", "--json", ...READ_FLAGS, "--", repoArg(target.location)], secrets: target.secrets, location: target.location },
    opts,
  );
  const out = parseBorgJson(run.stdout, repoInfoOutputSchema, "borg info");
  return {
    repositoryId: out.repository.id,
    location: out.repository.location,
    encryption: out.encryption?.mode ?? null,
    lastModified: out.repository.last_modified ?? null,
    stats: toRepoStats(out),
  };
}

/** Just the repository-wide figures (BorgReader.repoStats). */
export async function repoStats(target: BorgTarget, opts: BorgCallOptions = {}): Promise<RepoStats> {
  return (await repoInfo(target, opts)).stats;
}

/** One archive's details (`borg info --json REPO::ARCHIVE`). */
export async function archiveInfo(target: BorgTarget, archiveName: string, opts: BorgCallOptions = {}): Promise<ArchiveDetails> {
  const run = await runBorg(
    { args: ["info", "--json", ...READ_FLAGS, "--", archiveArg(target.location, archiveName)], secrets: target.secrets, location: target.location },
    opts,
  );
  const out = parseBorgJson(run.stdout, archiveInfoOutputSchema, "borg info (archive)");
  const a = out.archives[0];
  if (!a) throw new BorgError({ kind: "archive-not-found", userMessage: `borg returned no archive named ${JSON.stringify(archiveName)}.` });
  return toArchiveDetails(a);
}

/**
 * Repository figures plus details of the newest `last` archives, in one borg call
 * (`borg info --json --last N REPO`), oldest first. BorgReader.archivesInfo.
 */
export async function archivesInfo(target: BorgTarget, last: number, opts: BorgCallOptions = {}): Promise<{ stats: RepoStats; archives: DetailedArchive[] }> {
  if (!Number.isInteger(last) || last < 1) throw new RangeError(`last must be a positive integer, got ${last}`);
  const run = await runBorg(
    { args: ["info", "--json", `--last=${last}`, ...READ_FLAGS, "--", repoArg(target.location)], secrets: target.secrets, location: target.location },
    opts,
  );
  const out = parseBorgJson(run.stdout, archiveInfoOutputSchema, "borg info --last");
  return { stats: toRepoStats(out), archives: oldestFirst(out.archives.map((a) => flatten(toArchiveDetails(a)))) };
}

export interface ListContentsOptions extends BorgCallOptions {
  /** Only list these paths (and everything below them); archive paths have no leading "/". */
  paths?: string[];
}

/**
 * Stream the items of an archive as borg lists them (archive order: a directory before its contents).
 * Memory stays bounded: borg's output is read as the consumer iterates (a slow consumer pauses borg).
 * Breaking out of the loop, the AbortSignal, or the timeout stop borg; always finish or break the
 * for-await loop so borg is not left waiting.
 */
export function listContents(target: BorgTarget, archiveName: string, opts: ListContentsOptions = {}): AsyncGenerator<ArchiveItem, void, undefined> {
  return streamContents(target, archiveName, opts, CONTENTS_FORMAT, new ContentsRecordSplitter());
}

/**
 * listContents for the archive index: the same stream in a leaner format (INDEX_CONTENTS_FORMAT, only
 * the fields the index stores), so borg spends less per entry and we parse less.
 */
export function listIndexContents(target: BorgTarget, archiveName: string, opts: ListContentsOptions = {}): AsyncGenerator<IndexItem, void, undefined> {
  return streamContents(target, archiveName, { ...opts, readAheadBytes: INDEX_READ_AHEAD_BYTES }, INDEX_CONTENTS_FORMAT, new IndexRecordSplitter());
}

/** The index commits in bursts of ~10 ms; borg's listing must not wait for each (see readAheadBytes). */
const INDEX_READ_AHEAD_BYTES = 4 * 2 ** 20;

async function* streamContents<T>(
  target: BorgTarget,
  archiveName: string,
  opts: ListContentsOptions & { readAheadBytes?: number },
  format: string,
  splitter: { push(chunk: Buffer): T[]; end(): void },
): AsyncGenerator<T, void, undefined> {
  // "pp:" makes each path a plain path prefix, whatever characters it has (no pattern syntax).
  const prefixes = (opts.paths ?? []).map((p) => {
    if (p.includes("\0")) throw new BorgError({ kind: "other", userMessage: "A path filter contains a NUL byte." });
    return `pp:${p}`;
  });
  const proc = await startBorg(
    {
      args: ["list", `--format=${format}`, ...READ_FLAGS, "--", archiveArg(target.location, archiveName), ...prefixes],
      secrets: target.secrets,
      location: target.location,
      unicodeEscape: true,
      readAheadBytes: opts.readAheadBytes,
    },
    opts,
  );
  let finished = false;
  try {
    try {
      reading: for await (const chunk of proc.stdout as AsyncIterable<Buffer>) {
        for (const item of splitter.push(chunk)) {
          // Stopped (timeout, signal): no more items, even those already read.
          if (proc.stopReason) break reading;
          yield item;
        }
      }
    } catch (err) {
      // The stream was torn down because borg was stopped: report why (below), not the stream error.
      if (!proc.stopReason) throw err;
    }
    await proc.done; // throws BorgError when borg failed, was cancelled or timed out
    splitter.end();
    finished = true;
  } finally {
    // The consumer stopped early, or reading failed: stop borg and wait until it (and ssh) are gone.
    if (!finished) await abandonBorg(proc);
  }
}

// --- writes (tests, the demo seeder, restore features) ------------------------------------------------

export type EncryptionMode = "none" | "authenticated" | "authenticated-blake2" | "repokey" | "repokey-blake2" | "keyfile" | "keyfile-blake2";

export interface InitRepoOptions {
  encryption: EncryptionMode;
  /** Passphrase of the new key (encrypted modes). */
  passphrase?: string;
  /** For keyfile modes: where borg writes the key (BORG_KEY_FILE); else borg's keys dir in baseDir. */
  keyFile?: string;
  appendOnly?: boolean;
  makeParentDirs?: boolean;
}

/** Create a repository (`borg init`). */
export async function initRepo(location: string, options: InitRepoOptions, opts: BorgCallOptions = {}): Promise<void> {
  const args = ["init", `--encryption=${options.encryption}`];
  if (options.appendOnly) args.push("--append-only");
  if (options.makeParentDirs) args.push("--make-parent-dirs");
  args.push("--", repoArg(location));
  await runBorg(
    {
      args,
      // No passphrase for an encrypted mode: empty, so borg refuses or accepts it, but never prompts.
      newPassphrase: options.encryption === "none" ? undefined : (options.passphrase ?? ""),
      secrets: options.keyFile ? { keyFile: options.keyFile } : undefined,
      location,
    },
    opts,
  );
}

export interface CreateArchiveOptions {
  /** Directory the source paths are relative to (archive paths are stored as given, minus a leading "/"). */
  cwd?: string;
  /** Archive time instead of now (borg create --timestamp, written as UTC). */
  timestamp?: Date;
  /** borg compression spec, e.g. "lz4", "zstd,3". */
  compression?: string;
  /** borg exclude patterns (borg's pattern syntax, e.g. "sh:**\/*.tmp"). */
  excludes?: string[];
  comment?: string;
  /** Seconds to wait for the repository lock (borg's --lock-wait; borg's default is 1). */
  lockWait?: number;
}

/** Create an archive (`borg create --json`). Exit code 1 (warnings) still means the archive exists. */
export async function createArchive(
  target: BorgTarget,
  archiveName: string,
  sourcePaths: string[],
  options: CreateArchiveOptions = {},
  opts: BorgCallOptions = {},
): Promise<CreatedArchive> {
  if (sourcePaths.length === 0) throw new BorgError({ kind: "other", userMessage: "createArchive needs at least one source path." });
  // "--opt=value" keeps values that start with "-" from being read as options.
  const args = ["create", "--json"];
  if (options.timestamp) args.push(`--timestamp=${formatBorgTimestampArg(options.timestamp)}`);
  if (options.compression) args.push(`--compression=${options.compression}`);
  for (const pattern of options.excludes ?? []) args.push(`--exclude=${pattern}`);
  if (options.lockWait !== undefined) args.push(`--lock-wait=${Math.max(0, Math.floor(options.lockWait))}`);
  if (options.comment !== undefined) args.push(`--comment=${options.comment.replace(/[{}]/g, (c) => c + c)}`);
  args.push("--", archiveArg(target.location, archiveName, "create"), ...sourcePaths);
  const run = await runBorg({ args, secrets: target.secrets, location: target.location, cwd: options.cwd }, opts);
  const out = parseBorgJson(run.stdout, createOutputSchema, "borg create");
  return { ...toArchiveDetails(out.archive), repoStats: toRepoStats(out), warnings: run.warnings };
}

// --- misc -----------------------------------------------------------------------------------------------

/** The installed borg's version, e.g. "1.2.4". */
export async function borgVersion(opts: BorgCallOptions = {}): Promise<string> {
  const run = await runBorg({ args: ["--version"] }, opts);
  const text = run.stdout.toString("utf8").trim();
  const m = /(\d+\.\d+\.\d+\S*)/.exec(text);
  if (!m) throw new BorgError({ kind: "other", userMessage: "Could not read borg's version.", borgMessage: text.slice(0, 200) || null });
  return m[1]!;
}

/** Absolute form of a location as borg will be given it (local paths resolved). */
export { normalizeLocation };
