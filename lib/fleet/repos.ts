/**
 * Where the fleet's repos are: the explicit list from the config plus `<root>/<host>` directories of
 * local sites that are borg repos (a `config` file whose first section is `[repository]`), each with
 * its id, location, effective secrets and whether it is local to this machine. The collector, the
 * Prometheus source and the archive request code all ask here, so they agree on every repo.
 *
 * Discovery reads the directories each time it is asked (the collector asks every cycle), so a new
 * server's repo shows up without a restart.
 */
import fs from "node:fs/promises";
import path from "node:path";
import { isLocalLocation } from "@/lib/borg/location";
import type { FleetConfig, Secrets, SiteConfig } from "@/lib/config/schema";
import { hostNameSchema } from "@/lib/config/schema";

export interface RepoTarget {
  /** `${site}/${host}`, the key of the repo everywhere (fleet state, history, metrics). */
  id: string;
  host: string;
  site: string;
  location: string;
  /** On this machine's filesystem (a path or file:// URL), as opposed to ssh://. */
  local: boolean;
  secrets: Secrets | undefined;
}

export function repoId(site: string, host: string): string {
  return `${site}/${host}`;
}

/** Field-wise merge: a repo's own secrets win over its site's, which win over the global default. */
export function effectiveSecrets(...layers: Array<Secrets | undefined>): Secrets | undefined {
  const merged: Secrets = {};
  for (const layer of layers) {
    if (!layer) continue;
    for (const [k, v] of Object.entries(layer) as Array<[keyof Secrets, string | undefined]>) {
      if (v !== undefined && merged[k] === undefined) merged[k] = v;
    }
  }
  // passcommand and passphraseFile are alternatives: the most specific layer's choice wins.
  const firstWithPass = layers.find((l) => l?.passcommand || l?.passphraseFile);
  if (firstWithPass) {
    merged.passcommand = firstWithPass.passcommand;
    merged.passphraseFile = firstWithPass.passphraseFile;
  }
  return Object.keys(merged).length > 0 ? merged : undefined;
}

/** `<site root or remote>/<host>`: where a host's repo is when the config does not say. */
export function defaultLocation(site: SiteConfig, host: string): string {
  if (site.root) return path.join(site.root, host);
  return `${site.remote!.replace(/\/+$/, "")}/${host}`;
}

/** The one local-vs-remote decision for a location: paths and file:// URLs are local, ssh:// is not. */
export { isLocalLocation };

/** A site's storage location (its root or remote base) and whether it is on this machine. */
export function siteLocation(site: SiteConfig | undefined): { location: string; local: boolean } {
  const location = site?.root ?? site?.remote ?? "";
  return { location, local: Boolean(site?.root) };
}

export async function isBorgRepoDir(dir: string): Promise<boolean> {
  try {
    const handle = await fs.open(path.join(dir, "config"), "r");
    try {
      const buf = Buffer.alloc(64);
      const { bytesRead } = await handle.read(buf, 0, 64, 0);
      return buf.subarray(0, bytesRead).toString("utf8").trimStart().startsWith("[repository]");
    } finally {
      await handle.close();
    }
  } catch {
    return false;
  }
}

/** The repo the config lists for this site and host, or null when it lists none. */
export function configuredRepo(config: FleetConfig, site: SiteConfig, host: string): RepoTarget | null {
  const repo = config.repos.find((r) => r.site === site.name && r.host === host);
  if (!repo) return null;
  const location = repo.location ?? defaultLocation(site, host);
  return {
    id: repoId(site.name, host),
    host,
    site: site.name,
    location,
    local: isLocalLocation(location),
    secrets: effectiveSecrets(repo.secrets, site.secrets, config.secrets),
  };
}

/** A discovered repo: `<root>/<host>` of a local site with discovery on. */
function discoveredRepo(config: FleetConfig, site: SiteConfig, host: string, dir: string): RepoTarget {
  return { id: repoId(site.name, host), host, site: site.name, location: dir, local: true, secrets: effectiveSecrets(site.secrets, config.secrets) };
}

/** Every repo of the fleet (explicit, then discovered), sorted by id. */
export async function fleetRepos(config: FleetConfig, warn: (msg: string) => void = () => {}): Promise<RepoTarget[]> {
  const targets = new Map<string, RepoTarget>();
  const sites = new Map(config.sites.map((s) => [s.name, s]));

  for (const repo of config.repos) {
    const target = configuredRepo(config, sites.get(repo.site)!, repo.host)!;
    targets.set(target.id, target);
  }

  for (const site of config.sites) {
    if (!site.root || !site.discover) continue;
    let entries: import("node:fs").Dirent[];
    try {
      entries = await fs.readdir(site.root, { withFileTypes: true });
    } catch (err) {
      warn(`site ${site.name}: cannot read ${site.root}: ${(err as NodeJS.ErrnoException).code ?? err}`);
      continue;
    }
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      const id = repoId(site.name, entry.name);
      if (targets.has(id)) continue;
      const dir = path.join(site.root, entry.name);
      if (!(await isBorgRepoDir(dir))) continue;
      if (!hostNameSchema.safeParse(entry.name).success) {
        warn(`site ${site.name}: skipping repo directory with an unusable host name: ${JSON.stringify(entry.name)}`);
        continue;
      }
      targets.set(id, discoveredRepo(config, site, entry.name, dir));
    }
  }
  return [...targets.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/**
 * The repos of one host, one per site, in the config's site order (explicit, or discovered under the
 * site root). Empty for an unknown host or a name that is not a host name.
 */
export async function hostRepoTargets(config: FleetConfig, host: string): Promise<RepoTarget[]> {
  if (!hostNameSchema.safeParse(host).success) return [];
  const found: RepoTarget[] = [];
  for (const site of config.sites) {
    const explicit = configuredRepo(config, site, host);
    if (explicit) {
      found.push(explicit);
      continue;
    }
    if (!site.root || !site.discover) continue;
    const dir = path.join(site.root, host);
    // The host name is DNS-like (no "/" or ".." component), so dir stays inside the site root.
    if (
      !(await fs.stat(dir).then(
        (s) => s.isDirectory(),
        () => false,
      )) ||
      !(await isBorgRepoDir(dir))
    )
      continue;
    found.push(discoveredRepo(config, site, host, dir));
  }
  return found;
}
