/**
 * The repos the maintenance scheduler looks after: every host the collector knows, located with
 * lib/archives/locate.ts (the same lookup archive pages use, so checks open what the pages open).
 */
import { hostRepos } from "@/lib/archives/locate";
import type { FleetConfig } from "@/lib/config/schema";
import { getFleetState } from "@/lib/fleet/store";
import type { MaintenanceRepo } from "./scheduler";

export async function fleetMaintenanceRepos(config: FleetConfig): Promise<MaintenanceRepo[]> {
  const hosts = [...new Set(getFleetState().repos.map((r) => r.host))];
  const found: MaintenanceRepo[] = [];
  for (const host of hosts) {
    for (const repo of await hostRepos(host, config)) found.push({ repoId: repo.repoId, host: repo.host, site: repo.site, target: repo.target });
  }
  return found;
}
