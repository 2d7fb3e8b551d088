/**
 * The slice of lib/borg the collector needs, as an interface so unit tests can drive the collector's
 * scheduling logic with a fake while integration tests use the real borg (see collector tests).
 */
import type { Secrets } from "@/lib/config/schema";

export interface ReaderTarget {
  location: string;
  secrets?: Secrets;
}

export interface ReaderCallOptions {
  baseDir?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ListedArchive {
  name: string;
  id: string;
  start: number;
}

export interface DetailedArchive extends ListedArchive {
  end: number | null;
  durationSeconds: number;
  originalSize: number;
  compressedSize: number;
  deduplicatedSize: number;
  nfiles: number;
}

export interface RepoCacheStats {
  totalSize: number;
  totalCsize: number;
  uniqueCsize: number;
}

export interface BorgReader {
  newestArchive(target: ReaderTarget, opts: ReaderCallOptions): Promise<ListedArchive | null>;
  listArchives(target: ReaderTarget, opts: ReaderCallOptions): Promise<{ archives: ListedArchive[]; encryption: string | null }>;
  /** Repo-wide cache stats plus the newest `last` archives with their stats, in one borg call. */
  archivesInfo(
    target: ReaderTarget,
    last: number,
    opts: ReaderCallOptions,
  ): Promise<{ stats: RepoCacheStats; archives: DetailedArchive[] }>;
  repoStats(target: ReaderTarget, opts: ReaderCallOptions): Promise<RepoCacheStats>;
  isRepoLockedLocally(repoPath: string): Promise<boolean>;
}
