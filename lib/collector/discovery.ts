/**
 * Which repos to watch: the explicit list from the config, plus `<root>/<host>` directories of local
 * sites that are borg repos (a `config` file whose first section is `[repository]`). Discovery runs
 * every cycle, so a new server's repo shows up without a restart.
 */
import fs from "node:fs/promises";
import path from "node:path";
import type { FleetConfig, Secrets, SiteConfig } from "@/lib/config/schema";
import { hostNameSchema } from "@/lib/config/schema";

export interface RepoTarget {
  id: string;
  host: string;
  site: string;
  location: string;
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

export function defaultLocation(site: SiteConfig, host: string): string {
  if (site.root) return path.join(site.root, host);
  return `${site.remote!.replace(/\/+$/, "")}/${host}`;
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

export async function discoverRepos(config: FleetConfig, warn: (msg: string) => void = () => {}): Promise<RepoTarget[]> {
  const targets = new Map<string, RepoTarget>();
  const sites = new Map(config.sites.map((s) => [s.name, s]));

  for (const repo of config.repos) {
    const site = sites.get(repo.site)!;
    const location = repo.location ?? defaultLocation(site, repo.host);
    targets.set(repoId(site.name, repo.host), {
      id: repoId(site.name, repo.host),
      host: repo.host,
      site: site.name,
      location,
      local: !location.startsWith("ssh://"),
      secrets: effectiveSecrets(repo.secrets, site.secrets, config.secrets),
    });
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
      targets.set(id, {
        id,
        host: entry.name,
        site: site.name,
        location: dir,
        local: true,
        secrets: effectiveSecrets(site.secrets, config.secrets),
      });
    }
  }
  return [...targets.values()].sort((a, b) => a.id.localeCompare(b.id));
}
