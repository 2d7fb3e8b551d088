/**
 * The borg calls the demo seeder makes, all through the project's borg module (lib/borg): argument
 * arrays via execa, never a shell, a clean environment, process-group cleanup on cancel.
 * lib/borg has no prune (the dashboard never deletes archives), so `pruneRepo` is built here on
 * its runner.
 */
import { createArchive, initRepo, repoInfo, type BorgCallOptions, type BorgTarget } from "../../lib/borg";
import { runBorg } from "../../lib/borg/run";

export { createArchive, initRepo, type BorgCallOptions, type BorgTarget };

/** `borg prune` with `--keep-*` arguments (see lib/retention/gfs.ts pruneArgs). This deletes archives. */
export async function pruneRepo(target: BorgTarget, keepArgs: string[], opts: BorgCallOptions = {}): Promise<void> {
  if (!keepArgs.every((a) => /^--keep-[a-z]+=\d+$/.test(a))) throw new Error(`unexpected prune arguments: ${keepArgs.join(" ")}`);
  await runBorg({ args: ["prune", ...keepArgs, "--", target.location], secrets: target.secrets, location: target.location }, opts);
}

export interface RepoSizes {
  /** cache.stats.total_size: original size of all archives. */
  originalSize: number;
  /** cache.stats.unique_csize: deduplicated, compressed size (the figure the seed calls "used"). */
  deduplicatedSize: number;
}

/** Repo-wide sizes (`borg info --json`). */
export async function repoSizes(target: BorgTarget, opts: BorgCallOptions = {}): Promise<RepoSizes> {
  const { stats } = await repoInfo(target, opts);
  return { originalSize: stats.totalSize, deduplicatedSize: stats.uniqueCsize };
}
