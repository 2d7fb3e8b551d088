/**
 * Restore throughput: our restore job (safety scan + `borg extract --progress` + progress writes to
 * SQLite) against raw `borg extract` of the same paths from the same archive, in the same run,
 * alternated, BENCH_RESTORE_RUNS runs each (default 3), medians compared. Target: ours ≥ 0.95× raw.
 *
 * The archive (BENCH_RESTORE_MB of incompressible data, default 1536, in 96 MiB files, repokey-blake2)
 * is built once and cached under .bench/restore/ (gitignored).
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { createArchive, initRepo, type BorgCallOptions, type BorgTarget } from "@/lib/borg";
import { configSchema } from "@/lib/config/schema";
import { openMemoryDatabase } from "@/lib/db";
import { RestoreRunner } from "@/lib/restore/runner";
import { getJob } from "@/lib/restore/store";
import { median } from "./util";

const ARCHIVE = "bench-restore";
const FILE_MB = 96;

interface Fixture {
  dir: string;
  target: BorgTarget;
  opts: BorgCallOptions;
  passphrase: string;
  bytes: number;
}

async function fixture(root: string, totalMb: number): Promise<Fixture> {
  const dir = path.join(root, ".bench", "restore", `${totalMb}mb`);
  const passphraseFile = path.join(dir, "passphrase");
  const passphrase = "bench restore passphrase";
  const target: BorgTarget = { location: path.join(dir, "repo"), secrets: { passphraseFile } };
  const opts: BorgCallOptions = { baseDir: path.join(dir, "borg-base"), timeoutMs: 3_600_000 };
  const ready = path.join(dir, "ready.json");
  if (fs.existsSync(ready)) return { dir, target, opts, passphrase, ...(JSON.parse(fs.readFileSync(ready, "utf8")) as { bytes: number }) };

  console.log(`  building the cached archive (${totalMb} MiB of random data) in ${dir} …`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(passphraseFile, `${passphrase}\n`, { mode: 0o600 });
  await initRepo(target.location, { encryption: "repokey-blake2", passphrase }, opts);
  const src = path.join(dir, "src");
  const files = Math.max(1, Math.round(totalMb / FILE_MB));
  let bytes = 0;
  for (let i = 0; i < files; i++) {
    const file = path.join(src, "data", `part-${String(i).padStart(3, "0")}.bin`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const fd = fs.openSync(file, "w");
    for (let mb = 0; mb < FILE_MB; mb++) fs.writeSync(fd, randomBytes(1024 * 1024));
    fs.closeSync(fd);
    bytes += FILE_MB * 1024 * 1024;
  }
  fs.writeFileSync(path.join(src, "data", "small.txt"), "a small file next to the big ones\n");
  bytes += 34;
  await createArchive(target, ARCHIVE, ["data"], { cwd: src }, opts);
  fs.rmSync(src, { recursive: true, force: true });
  fs.writeFileSync(ready, JSON.stringify({ bytes }));
  return { dir, target, opts, passphrase, bytes };
}

/** Raw borg, as an operator would type it (no progress, no scan): `borg extract REPO::ARCHIVE data`. */
function rawExtract(f: Fixture, cwd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn("borg", ["extract", "--bypass-lock", "--", `${f.target.location}::${ARCHIVE}`, "data"], {
      cwd,
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, BORG_BASE_DIR: f.opts.baseDir, BORG_PASSPHRASE: f.passphrase, LANG: "C.UTF-8", LC_ALL: "C.UTF-8" },
    });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`borg extract exited ${code}: ${err}`))));
  });
}

async function ourExtract(f: Fixture, restoreRootDir: string): Promise<{ ms: number; destination: string }> {
  const db = openMemoryDatabase();
  const config = configSchema.parse({
    dataDir: f.dir,
    sites: [{ name: "bench", root: f.dir, discover: false }],
    restore: { root: restoreRootDir, concurrency: 1 },
  });
  const runner = new RestoreRunner({ db, config, borg: f.opts });
  const started = performance.now();
  const job = runner.submit(
    {
      host: "bench",
      site: "bench",
      repoId: "bench/bench",
      archive: ARCHIVE,
      archiveId: "-",
      stripComponents: 0,
      requestedBy: "bench",
    },
    { target: f.target, paths: [Buffer.from("data")] },
  );
  await runner.whenIdle();
  const ms = performance.now() - started;
  const done = getJob(db, job.id)!;
  if (done.state !== "succeeded") throw new Error(`restore job ${done.state}: ${done.error}`);
  db.close();
  return { ms, destination: done.destination };
}

function sync(): Promise<void> {
  return new Promise((resolve) => spawn("sync", [], { stdio: "ignore" }).on("exit", () => resolve()));
}

export async function benchRestore(root: string): Promise<Record<string, unknown>> {
  const totalMb = Number(process.env.BENCH_RESTORE_MB) || 1536;
  const runs = Number(process.env.BENCH_RESTORE_RUNS) || 3;
  console.log(`restore: ${totalMb} MiB incompressible archive, raw borg extract vs restore job, ${runs} runs each, alternated`);
  const f = await fixture(root, totalMb);
  const out = path.join(f.dir, "out");
  const raw: number[] = [];
  const ours: number[] = [];
  for (let i = 0; i < runs; i++) {
    for (const which of i % 2 === 0 ? (["raw", "ours"] as const) : (["ours", "raw"] as const)) {
      fs.rmSync(out, { recursive: true, force: true });
      fs.mkdirSync(out, { recursive: true });
      await sync();
      if (which === "raw") {
        const t = await rawExtract(f, out);
        raw.push(t);
        console.log(`  run ${i + 1} raw borg extract: ${(t / 1000).toFixed(2)} s`);
      } else {
        const r = await ourExtract(f, out);
        const got = fs.statSync(path.join(r.destination, "data", "small.txt")).size;
        if (got !== 34) throw new Error("restored data is incomplete");
        ours.push(r.ms);
        console.log(`  run ${i + 1} restore job:       ${(r.ms / 1000).toFixed(2)} s`);
      }
    }
  }
  fs.rmSync(out, { recursive: true, force: true });
  const mbps = (msValue: number) => f.bytes / 1024 / 1024 / (msValue / 1000);
  const rawMbps = mbps(median(raw));
  const ourMbps = mbps(median(ours));
  const ratio = ourMbps / rawMbps;
  console.log(`  raw borg extract: median ${(median(raw) / 1000).toFixed(2)} s = ${rawMbps.toFixed(0)} MiB/s`);
  console.log(`  restore job:      median ${(median(ours) / 1000).toFixed(2)} s = ${ourMbps.toFixed(0)} MiB/s`);
  console.log(`  ratio (job / raw throughput): ${ratio.toFixed(3)}× (target ≥ 0.95×)`);
  return { totalMb, runs, rawMs: raw, oursMs: ours, rawMiBps: rawMbps, oursMiBps: ourMbps, ratio };
}
