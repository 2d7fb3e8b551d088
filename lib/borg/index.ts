/**
 * lib/borg: the one module in the app that runs borg. Everything else imports from here.
 *
 * - commands.ts: the operations (list, info, archive contents, init, create, version)
 * - run.ts:      starting borg (argv only, env, timeout, cancellation, process-group kill)
 * - errors.ts:   BorgError and the classifier (msgids from --log-json, exit codes)
 * - schemas.ts:  zod schemas for borg's JSON; time.ts: borg's naive-UTC timestamps
 * - contents.ts + unicodeEscape.ts: the exact (byte-for-byte) archive listing
 * - lock.ts:     reading a local repo's lock without taking it
 * - diff.ts:     `borg diff --json-lines` between two archives, streamed
 * - extract.ts:  restores (borg extract with progress, the patterns file, the symlink safety scan)
 * - archivePaths.ts: archive paths as borg sees them; patterns files selecting exactly those paths
 * - check.ts:    `borg check` (repository / archives), for lib/verify
 * - export.ts:   streaming files out of an archive (extract --stdout, export-tar) for downloads
 */
export {
  listArchives,
  newestArchive,
  repoInfo,
  repoStats,
  archiveInfo,
  archivesInfo,
  listContents,
  listIndexContents,
  initRepo,
  createArchive,
  borgVersion,
  normalizeLocation,
  type BorgTarget,
  type ArchiveSummary,
  type ArchiveList,
  type RepoStats,
  type RepoInfo,
  type ArchiveStats,
  type ArchiveDetails,
  type DetailedArchive,
  type CreatedArchive,
  type ListContentsOptions,
  type EncryptionMode,
  type InitRepoOptions,
  type CreateArchiveOptions,
} from "./commands";
export type { ArchiveItem, IndexItem } from "./contents";
export { diffArchives, parseDiffLine, type DiffEntry, type DiffChange, type DiffItemKind, type DiffArchivesOptions } from "./diff";
export { BorgError, classifyBorgFailure, isBorgError, type BorgErrorKind, type ClassifyInput } from "./errors";
export { isRepoLockedLocally, localRepoTransaction, readRepoLock, type RepoLockState, type LockHolder } from "./lock";
export { isLocalLocation } from "./location";
export { DEFAULT_TIMEOUT_MS, type BorgCallOptions } from "./run";
export { defaultBaseDir } from "./env";
export { parseBorgTimestamp } from "./time";
export {
  extractArchive,
  extractPatterns,
  writeExtractPatterns,
  scanExtract,
  ExtractProgressTracker,
  type ExtractProgress,
  type ExtractOptions,
  type ExtractScan,
} from "./extract";
export { extractToStdout, extractFilesToStdout, exportTar, statArchivePaths, DOWNLOAD_TIMEOUT_MS, type StreamOptions } from "./export";
export { openStdoutSocket, type StdoutReads, type StdoutSocket } from "./stdoutSocket";
export type { BorgProcess } from "./run";
export { checkRepo, checkArgs, CHECK_KINDS, type CheckKind, type CheckRepoOptions, type CheckRepoResult } from "./check";
export { archivePathProblem, borgPathCodePoints, bytesFromBorgPath, pathsRegex, selectionPatterns } from "./archivePaths";
