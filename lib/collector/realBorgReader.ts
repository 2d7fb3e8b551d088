/** The collector's view of lib/borg: the real borg binary. */
import { archivesInfo, isRepoLockedLocally, listArchives, localRepoTransaction, newestArchive, repoStats } from "@/lib/borg";
import type { BorgReader } from "./borgReader";

export const realBorgReader: BorgReader = {
  newestArchive,
  listArchives,
  archivesInfo,
  repoStats,
  isRepoLockedLocally,
  localRepoTransaction,
};
