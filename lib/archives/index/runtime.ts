/**
 * The server's one ArchiveIndexes, created on first use from the loaded config and the runtime DB.
 * Lives on globalThis because Next.js may load this module in several bundles of one process.
 */
import path from "node:path";
import { getAuthDb } from "@/lib/auth/store";
import { getCurrentConfig } from "@/lib/config/current";
import { archiveIndexDir } from "@/lib/config/dirs";
import { ArchiveIndexes } from "./manager";

const KEY = Symbol.for("borg-fleet.archive-indexes");
type GlobalWithIndexes = typeof globalThis & { [KEY]?: ArchiveIndexes };

/** Builds running at once across the server: each is one borg process plus SQLite inserts. */
const MAX_CONCURRENT_BUILDS = 2;

export function getArchiveIndexes(): ArchiveIndexes | null {
  const g = globalThis as GlobalWithIndexes;
  if (g[KEY]) return g[KEY];
  const config = getCurrentConfig();
  const db = getAuthDb();
  if (!config || !db) return null;
  g[KEY] = new ArchiveIndexes({
    dir: archiveIndexDir(config),
    db,
    diskBudget: config.archiveIndex.diskBudget,
    maxConcurrentBuilds: MAX_CONCURRENT_BUILDS,
    // The same borg base dir as the collector (lib/collector/collector.ts): one borg cache per server.
    borg: { baseDir: path.join(config.dataDir, "borg") },
  });
  // Stopping the process stops the builds (borg itself is killed by lib/borg's own exit hook); their
  // partial files are removed at the next start.
  const indexes = g[KEY];
  process.once("exit", () => void indexes.stop());
  return indexes;
}

/** Server shutdown: cancel running builds (their partial files are removed). */
export async function stopArchiveIndexes(): Promise<void> {
  const g = globalThis as GlobalWithIndexes;
  const indexes = g[KEY];
  g[KEY] = undefined;
  await indexes?.stop();
}
