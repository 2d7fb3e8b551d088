/**
 * On-disk bytes of a directory tree (allocated blocks, like `du -s --block-size=1`), walked with
 * async fs calls so a large repo never blocks the event loop that serves pages.
 */
import fs from "node:fs/promises";
import path from "node:path";

export async function diskUsageBytes(root: string, signal?: AbortSignal): Promise<number> {
  let total = 0;
  const seenInodes = new Set<string>();
  const stack: string[] = [root];
  while (stack.length > 0) {
    signal?.throwIfAborted();
    const dir = stack.pop()!;
    let entries: import("node:fs").Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      // A segment can vanish under us while borg compacts; that is not an error for a size figure.
      if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw err;
    }
    const dirStat = await fs.lstat(dir).catch(() => null);
    if (dirStat) total += dirStat.blocks * 512;
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        stack.push(full);
        continue;
      }
      const st = await fs.lstat(full).catch(() => null);
      if (!st) continue;
      // Hard links are counted once, as du does.
      if (st.nlink > 1) {
        const key = `${st.dev}:${st.ino}`;
        if (seenInodes.has(key)) continue;
        seenInodes.add(key);
      }
      total += st.blocks * 512;
    }
  }
  return total;
}
