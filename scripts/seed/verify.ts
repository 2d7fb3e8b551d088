/**
 * The demo's integrity-check and restore-drill situations (issue 11), on top of the seeded fleet:
 *
 *   - a corrupted repo: bytes in the middle of the largest data segment of CORRUPT_REPO are
 *     overwritten, so the dashboard's scheduled `borg check --repository-only` fails with borg's
 *     "Data integrity error" (the collector's reads only touch metadata and keep working);
 *   - an overdue drill: OVERDUE_DRILL_HOST's last passed restore drill is recorded 20 days ago. That
 *     host is the one whose fleet.yml passphrase is out of date, so the drills the dashboard runs now
 *     fail too, and BorgRestoreDrillOverdue fires.
 *
 * Both are done once per demo directory (a marker file each), so a reused demo is not corrupted twice.
 */
import fs from "node:fs";
import path from "node:path";
import { openDatabase } from "../../lib/db";
import { finishDrillRun, startDrillRun } from "../../lib/verify/store";

export const CORRUPT_REPO = { host: "git", site: "offsite" } as const;
export const OVERDUE_DRILL_HOST = { host: "monitor", site: "onsite" } as const;
const DAY = 86_400_000;

/** Overwrites 64 bytes in the middle of the repo's largest segment (a data segment). */
export function corruptLargestSegment(repoDir: string): string {
  const dataDir = path.join(repoDir, "data");
  let largest: { file: string; size: number } | null = null;
  for (const sub of fs.readdirSync(dataDir)) {
    for (const name of fs.readdirSync(path.join(dataDir, sub))) {
      const file = path.join(dataDir, sub, name);
      const size = fs.statSync(file).size;
      if (!largest || size > largest.size) largest = { file, size };
    }
  }
  if (!largest) throw new Error(`${repoDir} has no segment to corrupt`);
  const fd = fs.openSync(largest.file, "r+");
  try {
    fs.writeSync(fd, Buffer.alloc(64, 0x5a), 0, 64, Math.floor(largest.size / 2));
  } finally {
    fs.closeSync(fd);
  }
  return largest.file;
}

export function seedVerifyScenarios(dir: string, now: Date, log: (message: string) => void): void {
  const corruptedMarker = path.join(dir, ".seed", "corrupted-segment");
  if (!fs.existsSync(corruptedMarker)) {
    const repoDir = path.join(dir, CORRUPT_REPO.site, "srv", "borg", CORRUPT_REPO.host);
    const file = corruptLargestSegment(repoDir);
    fs.writeFileSync(corruptedMarker, `${path.relative(dir, file)}\n`);
    log(`corrupted ${path.relative(dir, file)} on purpose (the demo's failed integrity check)`);
  }
  const db = openDatabase(path.join(dir, "data"));
  try {
    const repo = { repoId: `${OVERDUE_DRILL_HOST.site}/${OVERDUE_DRILL_HOST.host}`, ...OVERDUE_DRILL_HOST };
    const seeded = db.prepare("SELECT COUNT(*) AS n FROM drill_runs WHERE repo_id = ?").get(repo.repoId) as { n: number };
    if (seeded.n === 0) {
      const at = now.getTime() - 20 * DAY - 40_000;
      const id = startDrillRun(db, repo, null, at);
      finishDrillRun(
        db,
        id,
        "ok",
        { files: 42, bytes: 3_145_728, mismatched: 0, missing: 0, details: { mismatched: [], missing: [], method: "chunk-ids" } },
        "Seeded by the demo: the last drill that passed, 20 days ago.",
        at + 40_000,
      );
      log(`recorded a restore drill of ${OVERDUE_DRILL_HOST.host} 20 days ago (the demo's overdue drill)`);
    }
  } finally {
    db.close();
  }
}
