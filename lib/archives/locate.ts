/**
 * From what a request names (host, optional site, archive name) to the repository and archive that
 * really exist. Every archive page, server action and route handler goes through here AFTER the policy
 * check, so a forged host, site or archive name ends as "not found" before borg is asked to read it.
 *
 * The archive must be in the repo: first looked up in fleet state (no borg call), then, for an archive
 * newer than the last collector cycle, with one `borg list` of that repo.
 */
import fs from "node:fs/promises";
import path from "node:path";
import { listArchives, type BorgTarget } from "@/lib/borg";
import { archiveNameProblem } from "@/lib/borg/location";
import { defaultLocation, effectiveSecrets, isBorgRepoDir, repoId } from "@/lib/collector/discovery";
import { getCurrentConfig } from "@/lib/config/current";
import { hostNameSchema, type FleetConfig } from "@/lib/config/schema";
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
export function archiveNameAcceptable(name: string): boolean {
  return name.length <= 1024 && archiveNameProblem(name) === null;
}

/** The repos of one host, one per site, in the config's site order. Empty for an unknown host. */
export async function hostRepos(host: string, config: FleetConfig | undefined = getCurrentConfig()): Promise<HostRepo[]> {
  if (!config || !hostNameSchema.safeParse(host).success) return [];
  const found: HostRepo[] = [];
  for (const site of config.sites) {
    const explicit = config.repos.find((r) => r.site === site.name && r.host === host);
    if (explicit) {
      found.push({
        repoId: repoId(site.name, host),
        host,
        site: site.name,
        target: { location: explicit.location ?? defaultLocation(site, host), secrets: effectiveSecrets(explicit.secrets, site.secrets, config.secrets) },
      });
      continue;
    }
    if (!site.root || !site.discover) continue;
    const dir = path.join(site.root, host);
    // The host name is DNS-like (no "/" or ".." component), so dir stays inside the site root.
    if (!(await fs.stat(dir).then((s) => s.isDirectory(), () => false)) || !(await isBorgRepoDir(dir))) continue;
    found.push({ repoId: repoId(site.name, host), host, site: site.name, target: { location: dir, secrets: effectiveSecrets(site.secrets, config.secrets) } });
  }
  return found;
}

/** One repo of a host: the given site's, or the first site's when none is given. */
export async function hostRepo(host: string, site?: string | null, config?: FleetConfig): Promise<HostRepo | null> {
  const repos = await hostRepos(host, config);
  if (site) return repos.find((r) => r.site === site) ?? null;
  return repos[0] ?? null;
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
