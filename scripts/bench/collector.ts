/**
 * One collector cycle over many real small repos, against running the same borg commands one after
 * another in the same run. Both start from a cold borg cache (a new BORG_BASE_DIR each), as a freshly
 * started dashboard would. Target: cycle ≤ (sequential time / concurrency) × 1.2.
 *
 * The repos are generated once into .bench/collector (about two minutes) and reused.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { createArchive, initRepo } from "@/lib/borg";
import { parseConfig } from "@/lib/config/load";
import { Collector } from "@/lib/collector/collector";
import { realBorgReader } from "@/lib/collector/realBorgReader";
import { Semaphore } from "@/lib/collector/semaphore";
import { openMemoryDatabase } from "@/lib/db";
import { s } from "./util";

const PASSPHRASE = "bench-passphrase";
const FORMAT_VERSION = "1";

export interface CollectorBenchResult {
  repos: number;
  concurrency: number;
  sequentialMs: number;
  cycleMs: number;
  targetMs: number;
  unchangedCycleMs: number;
  borgCallsPerRepo: number;
}

async function ensureRepos(root: string, count: number): Promise<string[]> {
  const site = path.join(root, "srv", "borg");
  const marker = path.join(root, `ready-${count}-v${FORMAT_VERSION}`);
  const hosts = Array.from({ length: count }, (_, i) => `host-${String(i + 1).padStart(3, "0")}`);
  if (fs.existsSync(marker)) return hosts;
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(site, { recursive: true });
  const src = path.join(root, "src");
  fs.mkdirSync(path.join(src, "etc"), { recursive: true });
  fs.writeFileSync(path.join(src, "etc", "hostname"), "bench\n");
  fs.writeFileSync(path.join(src, "etc", "data.bin"), Buffer.alloc(64 * 1024, 7));
  const opts = { baseDir: path.join(root, "seed-base"), timeoutMs: 120_000 };
  const started = Date.now();
  const sem = new Semaphore(os.availableParallelism());
  let done = 0;
  await Promise.all(
    hosts.map((host) =>
      sem.run(async () => {
        const location = path.join(site, host);
        await initRepo(location, { encryption: "repokey-blake2", passphrase: PASSPHRASE }, opts);
        const target = { location, secrets: { passcommand: `printf %s ${PASSPHRASE}` } };
        await createArchive(target, `${host}-1`, ["etc"], { cwd: src, timestamp: new Date(Date.now() - 86_400_000) }, opts);
        await createArchive(target, `${host}-2`, ["etc"], { cwd: src }, opts);
        if (++done % 20 === 0) console.log(`  generated ${done}/${count} repos (${s(Date.now() - started)})`);
      }),
    ),
  );
  fs.writeFileSync(marker, new Date().toISOString());
  return hosts;
}

/** The borg commands a cold collector cycle runs per repo (see lib/borg/commands.ts), one after another. */
async function runSequential(site: string, hosts: string[], baseDir: string): Promise<number> {
  // The same environment lib/borg gives borg (BORG_SELFTEST=disabled included), so only scheduling differs.
  const env = { ...process.env, TZ: "UTC", LANG: "C.UTF-8", LC_ALL: "C.UTF-8", BORG_SELFTEST: "disabled", BORG_PASSPHRASE: PASSPHRASE, BORG_BASE_DIR: baseDir };
  const started = performance.now();
  for (const host of hosts) {
    const repo = path.join(site, host);
    await execa("borg", ["list", "--json", "--bypass-lock", "--", repo], { env });
    await execa("borg", ["info", "--json", "--last=2", "--bypass-lock", "--", repo], { env });
  }
  return performance.now() - started;
}

export async function benchCollector(root: string, count = 120): Promise<CollectorBenchResult> {
  const benchDir = path.join(root, ".bench", "collector");
  console.log(`collector: preparing ${count} real repos in ${path.relative(root, benchDir)} ...`);
  const hosts = await ensureRepos(benchDir, count);
  const site = path.join(benchDir, "srv", "borg");
  const concurrency = os.availableParallelism();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "bf-bench-"));
  try {
    const sequentialMs = await runSequential(site, hosts, path.join(scratch, "seq-base"));
    const config = parseConfig(
      `dataDir: ${scratch}/collector\ncollector: { concurrency: ${concurrency} }\nsecrets: { passcommand: "printf %s ${PASSPHRASE}" }\nsites:\n  - name: bench\n    root: ${site}\n`,
      path.join(scratch, "fleet.yml"),
    );
    const collector = new Collector({ config, db: openMemoryDatabase(), borg: realBorgReader, log: () => {} });
    const t0 = performance.now();
    const report = await collector.runCycle();
    const cycleMs = performance.now() - t0;
    if (report.failed > 0) throw new Error(`${report.failed} repos failed during the benchmark cycle`);
    if (report.repos !== count) throw new Error(`collector saw ${report.repos} repos, expected ${count}`);
    const t1 = performance.now();
    await collector.runCycle();
    const unchangedCycleMs = performance.now() - t1;
    collector.stop();
    const targetMs = (sequentialMs / concurrency) * 1.2;
    const result = { repos: count, concurrency, sequentialMs, cycleMs, targetMs, unchangedCycleMs, borgCallsPerRepo: 2 };
    console.log(`collector (${count} real repos, 2 archives each, cold borg cache, concurrency ${concurrency}):`);
    console.log(`  same borg commands one after another: ${s(sequentialMs)} (${(sequentialMs / count / 2).toFixed(0)} ms per borg call)`);
    console.log(
      `  one collector cycle:                  ${s(cycleMs)} (target ≤ ${s(targetMs)} = sequential / ${concurrency} × 1.2) ${cycleMs <= targetMs ? "MET" : "MISSED"}`,
    );
    console.log(`  next cycle, nothing changed:          ${s(unchangedCycleMs)} (one \`borg list --last 1\` per repo)`);
    return result;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
