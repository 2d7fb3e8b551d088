/**
 * A month of compliance-report history for the demo (lib/db/archivesSeen.ts). A dashboard that had
 * watched this fleet for the last weeks would have recorded every nightly archive, including the ones
 * the 7/4/6 pruning has deleted since. The archives borg still lists are recorded by the collector
 * itself on its first read (with their real ids); this adds the pruned ones of the last 62 days, from
 * the same daily history the seeder pruned (scripts/seed/fleet.ts), so the report shows them on the
 * days they existed, and the days a host missed (web-02, the stale jira) as gaps. Idempotent.
 */
import fs from "node:fs";
import path from "node:path";
import { parseConfig } from "../../lib/config/load";
import { openDatabase } from "../../lib/db";
import { recordArchivesSeen } from "../../lib/db/archivesSeen";
import { DAY_MS } from "@/lib/retention/gfs";
import { archiveName, fullHistory, HOSTS, type SiteName } from "./fleet";

/** Two months: the report of this month and of the previous one is complete. */
const HISTORY_DAYS = 62;

export interface SeededRepos {
  createdAt: string;
  hosts: Record<string, { repos: { site: SiteName; archives: { name: string }[] }[] }>;
}

export function seedReportHistory(dir: string, marker: SeededRepos): number {
  const configFile = path.join(dir, "fleet.yml");
  const config = parseConfig(fs.readFileSync(configFile, "utf8"), configFile);
  const db = openDatabase(config.dataDir);
  const seededAt = new Date(marker.createdAt);
  const since = seededAt.getTime() - HISTORY_DAYS * DAY_MS;
  let added = 0;
  try {
    for (const host of HOSTS) {
      for (const repo of marker.hosts[host.name]?.repos ?? []) {
        const listed = new Set(repo.archives.map((a) => a.name));
        const pruned = fullHistory(host, seededAt, repo.site)
          .filter((ts) => ts.getTime() >= since && !listed.has(archiveName(host.name, ts)))
          .map((ts) => ({ id: `pruned:${archiveName(host.name, ts)}`, name: archiveName(host.name, ts), start: ts.getTime(), end: null }));
        recordArchivesSeen(db, { id: `${repo.site}/${host.name}`, host: host.name, site: repo.site }, pruned, seededAt.getTime());
        added += pruned.length;
      }
    }
  } finally {
    db.close();
  }
  return added;
}
