/** Directories the dashboard writes to, with their defaults under dataDir (paths already resolved by load.ts). */
import path from "node:path";
import type { FleetConfig } from "./schema";

/** Where per-archive file indexes live (one SQLite file per archive id). */
export function archiveIndexDir(config: Pick<FleetConfig, "dataDir" | "archiveIndex">): string {
  return config.archiveIndex.dir ?? path.join(config.dataDir, "archive-index");
}

/** The restore staging root: jobs extract into `<root>/<host>/<archive>/<job>`. */
export function restoreRoot(config: Pick<FleetConfig, "dataDir" | "restore">): string {
  return config.restore.root ?? path.join(config.dataDir, "restores");
}
