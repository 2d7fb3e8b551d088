/**
 * The slice of lib/borg the collector needs, as an interface so unit tests can drive the collector's
 * scheduling logic with a fake while integration tests use the real borg (see realBorgReader.ts).
 */
import type { ArchiveSummary, BorgCallOptions, BorgTarget, DetailedArchive, RepoStats } from "@/lib/borg";

export type { DetailedArchive };
export type ListedArchive = ArchiveSummary;
/** The repo-wide figures the collector keeps (a subset of borg's cache.stats). */
type RepoCacheStats = Pick<RepoStats, "totalSize" | "totalCsize" | "uniqueCsize">;

export interface BorgReader {
  newestArchive(target: BorgTarget, opts: BorgCallOptions): Promise<ListedArchive | null>;
  listArchives(target: BorgTarget, opts: BorgCallOptions): Promise<{ archives: ListedArchive[]; encryption: string | null }>;
  /** Repo-wide cache stats plus the newest `last` archives with their stats, in one borg call. */
  archivesInfo(target: BorgTarget, last: number, opts: BorgCallOptions): Promise<{ stats: RepoCacheStats; archives: DetailedArchive[] }>;
  repoStats(target: BorgTarget, opts: BorgCallOptions): Promise<RepoCacheStats>;
  isRepoLockedLocally(repoPath: string): Promise<boolean>;
  /** The last committed transaction of a local repo (lib/borg/lock.ts); optional for fakes. */
  localRepoTransaction?(repoPath: string): Promise<number | null>;
}
