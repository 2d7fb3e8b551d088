/**
 * "Monitoring must never make a backup fail." A loop runs real `borg create` on a repo every few
 * seconds, as a backup client would (borg's default --lock-wait of 1 s), while the collector reads the
 * same repo as fast as it can for over a minute. Every backup must succeed, and the collector must
 * report the repo as busy (never as failed) while a backup holds it.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "@/lib/config/load";
import { openMemoryDatabase } from "@/lib/db";
import { Collector } from "@/lib/collector/collector";
import { realBorgReader } from "@/lib/collector/realBorgReader";

const DURATION_MS = Number(process.env.STRESS_DURATION_MS || 65_000);
const PASSPHRASE = "stress-test-passphrase";

let dir: string;
let repo: string;
const clientEnv = () => ({
  ...process.env,
  BORG_PASSPHRASE: PASSPHRASE,
  BORG_BASE_DIR: path.join(dir, "client-home"),
  BORG_RELOCATED_REPO_ACCESS_IS_OK: "yes",
});

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "bf-stress-"));
  repo = path.join(dir, "srv", "borg", "web-01");
  fs.mkdirSync(path.dirname(repo), { recursive: true });
  fs.mkdirSync(path.join(dir, "src"));
  await execa("borg", ["init", "--encryption=repokey-blake2", repo], { env: clientEnv() });
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("collector under a backup loop", () => {
  it(
    "never makes a backup fail and shows busy, not failed",
    async () => {
      const config = parseConfig(
        `dataDir: ${dir}/data\ncollector: { concurrency: 1, busyRetry: 1 }\nsites:\n  - name: onsite\n    root: ${path.dirname(repo)}\nsecrets: { passcommand: "printf %s ${PASSPHRASE}" }\n`,
        `${dir}/fleet.yml`,
      );
      const collector = new Collector({ config, db: openMemoryDatabase(), borg: realBorgReader, log: () => {} });
      const deadline = Date.now() + DURATION_MS;

      const backups: Array<{ exitCode: number | undefined; stderr: string }> = [];
      const backupLoop = (async () => {
        let n = 0;
        while (Date.now() < deadline) {
          // New content each time so borg has real work to do while it holds the lock.
          fs.writeFileSync(path.join(dir, "src", `data-${n % 3}.bin`), randomBytes(24 * 1024 * 1024));
          const result = await execa("borg", ["create", "--stats", `${repo}::backup-${n}`, "src"], {
            cwd: dir,
            env: clientEnv(),
            reject: false,
          });
          backups.push({ exitCode: result.exitCode, stderr: result.stderr });
          n++;
          await new Promise((r) => setTimeout(r, 1500 + Math.random() * 1500));
        }
      })();

      const observed = { reads: 0, busy: 0, failed: 0, errors: [] as string[] };
      const pollLoop = (async () => {
        while (Date.now() < deadline) {
          await collector.refreshRepo("onsite/web-01");
          const state = collector.getState().repos[0]!;
          observed.reads++;
          if (state.busy) observed.busy++;
          if (state.lastError) {
            observed.failed++;
            observed.errors.push(`${state.lastError.kind}: ${state.lastError.detail ?? state.lastError.message}`);
          }
        }
      })();

      await Promise.all([backupLoop, pollLoop]);
      collector.stop();

      const failedBackups = backups.filter((b) => b.exitCode !== 0);
      console.log(
        `stress: ${backups.length} backups (${failedBackups.length} failed), ${observed.reads} collector reads, ${observed.busy} busy, ${observed.failed} failed`,
      );
      expect(failedBackups.map((b) => b.stderr)).toEqual([]);
      expect(backups.length).toBeGreaterThanOrEqual(10);
      expect(observed.errors).toEqual([]);
      expect(observed.busy).toBeGreaterThan(0);
      expect(observed.reads).toBeGreaterThan(backups.length);
      // And it really read the repo between backups, not only skipped it.
      expect(observed.reads - observed.busy).toBeGreaterThanOrEqual(5);

      // The collector's final view agrees with borg on the archive count.
      await collector.refreshRepo("onsite/web-01");
      const listed = await execa("borg", ["list", "--short", repo], { env: clientEnv() });
      expect(collector.getState().repos[0]!.archiveCount).toBe(listed.stdout.split("\n").filter(Boolean).length);
    },
    DURATION_MS + 120_000,
  );
});
