/**
 * From what a request names (host, optional site, archive name) to the repository and archive that
 * really exist. Every archive page, server action and route handler goes through here AFTER the policy
 * check, so a forged host, site or archive name ends as "not found" before borg is asked to read it.
 *
 * The archive must be in the repo: first looked up in fleet state (no borg call), then, for an archive
 * newer than the last collector cycle, with one `borg list` of that repo.
 */
import { listArchives, type BorgTarget } from "@/lib/borg";
import { archiveNameProblem } from "@/lib/borg/location";
import { getCurrentConfig } from "@/lib/config/current";
import type { FleetConfig } from "@/lib/config/schema";
import { hostRepoTargets } from "@/lib/fleet/repos";
import { getFleetState } from "@/lib/fleet/store";

export interface HostRepo {
  /** `${site}/${host}` as in fleet state. */
  repoId: string;
  host: string;
  site: string;
  target: BorgTarget;
}

export interface ArchiveRef extends HostRepo {
  archive: {
    name: string;
    /** Archive id (hex): the key of everything cached per archive (its file index). */
    id: string;
    /** Start time, epoch ms (UTC). */
    start: number;
  };
}

/** Archive names we accept from a request: what borg could have created, and not absurdly long. */
function archiveNameAcceptable(name: string): boolean {
  return name.length <= 1024 && archiveNameProblem(name) === null;
}

/** The repos of one host, one per site, in the config's site order. Empty for an unknown host. */
export async function hostRepos(host: string, config: FleetConfig | undefined = getCurrentConfig()): Promise<HostRepo[]> {
  if (!config) return [];
  return (await hostRepoTargets(config, host)).map((t) => ({ repoId: t.id, host: t.host, site: t.site, target: { location: t.location, secrets: t.secrets } }));
}

/**
 * The archive a request names, or null when the host, site or archive does not exist. Without a site,
 * the host's repos are tried in site order and the first one holding the archive wins.
 */
export async function resolveArchive(
  host: string,
  site: string | null | undefined,
  archiveName: string,
  options: { config?: FleetConfig; signal?: AbortSignal } = {},
): Promise<ArchiveRef | null> {
  if (!archiveNameAcceptable(archiveName)) return null;
  const repos = (await hostRepos(host, options.config ?? getCurrentConfig())).filter((r) => !site || r.site === site);
  const state = getFleetState();
  for (const repo of repos) {
    const known = state.repos.find((r) => r.id === repo.repoId)?.archives.find((a) => a.name === archiveName);
    if (known) return { ...repo, archive: { name: known.name, id: known.id, start: known.start } };
  }
  for (const repo of repos) {
    try {
      const list = await listArchives(repo.target, { signal: options.signal, timeoutMs: 120_000 });
      const found = list.archives.find((a) => a.name === archiveName);
      if (found) return { ...repo, archive: { name: found.name, id: found.id, start: found.start } };
    } catch {
      // An unreadable repo holds no archive we can serve; the host page explains why it is unreadable.
    }
  }
  return null;
}
