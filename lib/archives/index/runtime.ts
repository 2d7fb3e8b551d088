/**
 * The server's one ArchiveIndexes, created on first use from the loaded config and the runtime DB.
 * Lives on globalThis because Next.js may load this module in several bundles of one process.
 */
import path from "node:path";
import { database } from "@/lib/db/current";
import { getCurrentConfig } from "@/lib/config/current";
import { archiveIndexDir } from "@/lib/config/dirs";
import { ArchiveIndexes } from "./manager";
import { processGlobal } from "@/lib/processGlobal";

const archiveIndexes = processGlobal<ArchiveIndexes>("archive-indexes");

/** Builds running at once across the server: each is one borg process plus SQLite inserts. */
const MAX_CONCURRENT_BUILDS = 2;

export function getArchiveIndexes(): ArchiveIndexes | null {
  const existing = archiveIndexes.get();
  if (existing) return existing;
  const config = getCurrentConfig();
  if (!config) return null;
  const db = database();
  const indexes = new ArchiveIndexes({
    dir: archiveIndexDir(config),
    db,
    diskBudget: config.archiveIndex.diskBudget,
    maxConcurrentBuilds: MAX_CONCURRENT_BUILDS,
    // The same borg base dir as the collector (lib/collector/collector.ts): one borg cache per server.
    borg: { baseDir: path.join(config.dataDir, "borg") },
  });
  // Stopping the process stops the builds (borg itself is killed by lib/borg's own exit hook); their
  // partial files are removed at the next start.
  archiveIndexes.set(indexes);
  process.once("exit", () => void indexes.stop());
  return indexes;
}

/** Server shutdown: cancel running builds (their partial files are removed). */
export async function stopArchiveIndexes(): Promise<void> {
  const indexes = archiveIndexes.get();
  archiveIndexes.set(undefined);
  await indexes?.stop();
}
