/**
 * Capacity of each storage site: statfs of its local root. `free` is the space available to
 * unprivileged users (f_bavail), which is what a borg serve account can actually fill, not f_bfree.
 */
import fs from "node:fs/promises";
import type { SiteConfig } from "@/lib/config/schema";
import { siteLocation } from "@/lib/fleet/repos";
import { queryFilesystem } from "@/lib/fleet/nodeFilesystem";
import type { PrometheusClient } from "@/lib/fleet/prometheusClient";
import type { SiteState } from "@/lib/fleet/types";

export async function readSiteCapacity(
  site: SiteConfig,
  now: number,
  prometheus: PrometheusClient | null = null,
): Promise<SiteState & { device: number | null }> {
  const base: SiteState & { device: number | null } = {
    name: site.name,
    ...siteLocation(site),
    sizeBytes: null,
    freeBytes: null,
    capacitySource: "unknown",
    sharesFilesystemWith: [],
    checkedAt: now,
    error: null,
    device: null,
  };
  if (!site.root) return readRemoteCapacity(site, base, prometheus);
  try {
    const [fsStats, dirStat] = await Promise.all([fs.statfs(site.root, { bigint: true }), fs.stat(site.root)]);
    return {
      ...base,
      sizeBytes: Number(fsStats.blocks * fsStats.bsize),
      freeBytes: Number(fsStats.bavail * fsStats.bsize),
      capacitySource: "statfs",
      device: dirStat.dev,
    };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ...base, error: code === "ENOENT" ? `storage root ${site.root} does not exist` : `cannot read capacity: ${code ?? String(err)}` };
  }
}

/** Mark sites whose roots live on the same filesystem, so the UI does not add their capacity twice. */
export function markSharedFilesystems(sites: Array<SiteState & { device: number | null }>): SiteState[] {
  return sites.map(({ device, ...site }) => ({
    ...site,
    sharesFilesystemWith: device === null ? [] : sites.filter((other) => other.name !== site.name && other.device === device).map((o) => o.name),
  }));
}

/** Remote sites: node_exporter's figures through Prometheus when configured, else unknown (never 0). */
async function readRemoteCapacity<T extends SiteState>(site: SiteConfig, base: T, prometheus: PrometheusClient | null): Promise<T> {
  if (!site.prometheusFilesystem || !prometheus) return base;
  try {
    const { size, avail } = await queryFilesystem(prometheus, site.prometheusFilesystem);
    if (!size || !avail) {
      return { ...base, error: `no node_filesystem series for ${site.prometheusFilesystem.instance} ${site.prometheusFilesystem.mountpoint} in Prometheus` };
    }
    return { ...base, sizeBytes: size.value, freeBytes: avail.value, capacitySource: "prometheus" };
  } catch (err) {
    return { ...base, error: `cannot read capacity from Prometheus: ${err instanceof Error ? err.message : String(err)}` };
  }
}
