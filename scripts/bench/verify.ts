/**
 * Integrity checks and restore drills (lib/verify) next to raw borg on the same data, in the same run,
 * alternated, BENCH_VERIFY_RUNS runs each (default 3), medians compared.
 *
 *   1. `borg check --repository-only` and `--archives-only` of the 1M-entry archive's repo
 *      (scripts/bench/archiveFixture.ts; BENCH_VERIFY_ENTRIES overrides the size): ours (checkRepo)
 *      against the same command typed by hand. Target: ≤ 1.05× raw.
 *   2. A restore drill on the same archive (default sample limits): ours (sample + extract + check +
 *      delete) against raw `borg extract` of the same paths.
 *   3. The same drill with the sample chosen from the archive's file index (lib/archives/index, built
 *      once and cached under .bench/verify/index-<entries>/) instead of a `borg list`.
 *   4. A restore drill of a 1 GiB sample (BENCH_DRILL_MB, random data in 64 MiB files, cached under
 *      .bench/verify/; repokey-blake2, or BENCH_DRILL_ENCRYPTION): ours against raw `borg extract` of the
 *      same paths. Target: ≤ 1.1× raw.
 *
 * Each drill line also gives a like-for-like reference: raw `borg extract` of the same paths while
 * each file is deleted once the next one exists, as the drill deletes its checked files. Raw extract
 * keeps its output; on this VM the page cache that grows by the sample's size costs it about 2 sys
 * seconds per GiB, which the drill (reusing the pages of the files it deleted) does not pay.
 *
 * Drills check the restored files against the archive's chunk ids (the scheduler's default);
 * BENCH_DRILL_METHOD=stream measures the comparison with `borg extract --stdout` instead. Each drill
 * line says which method ran.
 *
 * BENCH_VERIFY_ONLY=checks,drillBig,drillBigIndexed,drill1g (any of them, comma-separated) runs only
 * those parts. The machine is shared: the load average before and after is printed with the figures.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ArchiveIndexes } from "@/lib/archives/index/manager";
import {
  checkArgs,
  checkRepo,
  createArchive,
  initRepo,
  listArchives,
  type BorgCallOptions,
  type BorgTarget,
  type CheckKind,
  type EncryptionMode,
} from "@/lib/borg";
import { selectionPatterns } from "@/lib/borg/archivePaths";
import { prng } from "@/lib/random";
import { openDatabase } from "@/lib/db";
import { chooseSample, runDrill, type DrillOptions } from "@/lib/verify/drill";
import { indexedListing } from "@/lib/verify/indexedListing";
import { ensureBenchArchive } from "./archiveFixture";
import { median } from "./util";

interface Repo {
  target: BorgTarget;
  opts: BorgCallOptions;
  archive: string;
  passphrase?: string;
}

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Raw borg as an operator would type it. */
function rawBorg(repo: Repo, args: string[], cwd?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn("borg", args, {
      cwd,
      stdio: ["ignore", "ignore", "pipe"],
      env: {
        ...process.env,
        BORG_BASE_DIR: repo.opts.baseDir,
        BORG_PASSPHRASE: repo.passphrase ?? "",
        BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK: "yes",
        LANG: "C.UTF-8",
        LC_ALL: "C.UTF-8",
      },
    });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`borg ${args[0]} exited ${code}: ${err.slice(-500)}`))));
  });
}

/**
 * CPU seconds this process and its waited-for children (borg) used so far, from /proc/self/stat
 * (utime, stime, cutime, cstime): a figure the other helpers' load does not inflate.
 */
function cpuSeconds(): number {
  const fields = fs.readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ");
  const ticks = [11, 12, 13, 14].reduce((n, i) => n + Number(fields[i]), 0); // fields 14-17 of proc(5)
  return ticks / 100; // USER_HZ
}

/**
 * Medians of `runs` rounds of `ours` and `raw` (and `alsoRaw`, a second reference, when given), each
 * round in another order so that neither always runs first.
 */
async function alternate(
  runs: number,
  ours: () => Promise<number>,
  raw: () => Promise<number>,
  alsoRaw?: () => Promise<number>,
): Promise<{ ours: number; raw: number; ratio: number; oursCpu: number; rawCpu: number; alsoRaw?: number }> {
  const times: number[][] = [[], [], []];
  const cpu: number[][] = [[], [], []];
  const tasks = alsoRaw ? [ours, raw, alsoRaw] : [ours, raw];
  for (let i = 0; i < runs; i++) {
    for (let k = 0; k < tasks.length; k++) {
      const which = (i % 2 === 0 ? k : tasks.length - 1 - k) % tasks.length;
      const before = cpuSeconds();
      times[which]!.push(await tasks[which]!());
      cpu[which]!.push(cpuSeconds() - before);
    }
  }
  const [a, b, c] = times.map((t) => (t.length ? median(t) : 0));
  return { ours: a!, raw: b!, ratio: a! / b!, oursCpu: median(cpu[0]!), rawCpu: median(cpu[1]!), ...(alsoRaw ? { alsoRaw: c! } : {}) };
}

/**
 * Deletes each restored file of `paths` (archive order) under `dir` once the next one exists, as the
 * drill does with its scratch tree, until `done` resolves: for raw extract's like-for-like reference.
 */
async function deleteBehind(dir: string, paths: readonly Buffer[], done: Promise<unknown>): Promise<void> {
  let finished = false;
  void done.finally(() => (finished = true));
  const where = (p: Buffer) => Buffer.concat([Buffer.from(`${dir}/`), p]);
  for (let i = 0; i + 1 < paths.length && !finished;) {
    if (fs.existsSync(where(paths[i + 1]!))) fs.rmSync(where(paths[i++]!), { force: true });
    else await new Promise((r) => setTimeout(r, 5));
  }
}

async function timed(task: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await task();
  return performance.now() - started;
}

async function benchChecks(repo: Repo, runs: number) {
  const out: Record<string, unknown> = {};
  for (const kind of ["repository", "archives"] as CheckKind[]) {
    const r = await alternate(
      runs,
      () =>
        timed(async () => {
          const result = await checkRepo(repo.target, { kind, ...repo.opts });
          if (!result.ok) throw new Error(`check found errors: ${result.messages.join("; ")}`);
        }),
      () => rawBorg(repo, checkArgs(repo.target.location, { kind })),
    );
    console.log(
      `  borg check ${kind.padEnd(10)}  ours ${sec(r.ours)}   raw ${sec(r.raw)}   ratio ${r.ratio.toFixed(3)} (target ≤ 1.05)   CPU ours ${r.oursCpu.toFixed(1)} s, raw ${r.rawCpu.toFixed(1)} s`,
    );
    out[kind] = r;
  }
  return out;
}

async function benchDrill(
  label: string,
  repo: Repo,
  limits: { maxBytes: number; maxFiles: number },
  runs: number,
  scratchRoot: string,
  /** The archive's entries from its file index (the drill then samples from it instead of listing). */
  indexed?: () => DrillOptions["indexed"],
) {
  const random = () => prng(42);
  // What the scheduler passes (it lists the archives first): the repo's encryption mode and id.
  const listing = await listArchives(repo.target, repo.opts);
  const repository = { encryption: listing.encryption, id: listing.repositoryId };
  const method = process.env.BENCH_DRILL_METHOD === "stream" ? ("stream" as const) : undefined;
  const methods = new Set<string>();
  const { files: sample } = await chooseSample(repo.target, repo.archive, { ...limits, random: random(), indexed: indexed?.(), ...repo.opts });
  const bytes = sample.reduce((n, f) => n + f.size, 0);
  fs.mkdirSync(scratchRoot, { recursive: true });
  const patternsFile = path.join(scratchRoot, "raw.patterns");
  fs.writeFileSync(
    patternsFile,
    selectionPatterns(
      sample.map((f) => f.pathBytes),
      "exact",
    ),
  );
  let n = 0;
  /** Raw `borg extract` of the sample; with `deleting`, each file is deleted once the next one exists. */
  const rawExtract = async (deleting: boolean) => {
    const dir = path.join(scratchRoot, `raw-${n++}`);
    fs.mkdirSync(dir);
    try {
      const extract = rawBorg(repo, ["extract", "--bypass-lock", `--patterns-from=${patternsFile}`, "--", `${repo.target.location}::${repo.archive}`], dir);
      if (deleting)
        await deleteBehind(
          dir,
          sample.map((f) => f.pathBytes),
          extract,
        );
      return await extract;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
  const r = await alternate(
    runs,
    () =>
      timed(async () => {
        const report = await runDrill(repo.target, repo.archive, {
          ...repo.opts,
          ...limits,
          random: random(),
          indexed: indexed?.(),
          scratchDir: path.join(scratchRoot, `ours-${n++}`),
          repository,
          method,
        });
        if (report.mismatchedCount + report.missingCount > 0 || report.files !== sample.length)
          throw new Error(`drill failed: ${JSON.stringify(report).slice(0, 300)}`);
        methods.add(report.fallbackReason ? `${report.method} (chunk ids not used: ${report.fallbackReason})` : report.method);
      }),
    () => rawExtract(false),
    () => rawExtract(true),
  );
  console.log(
    `  drill ${label}: ${sample.length} files, ${(bytes / 2 ** 20).toFixed(1)} MiB   ours ${sec(r.ours)}   raw extract ${sec(r.raw)}   ratio ${r.ratio.toFixed(3)}   CPU ours ${r.oursCpu.toFixed(1)} s, raw ${r.rawCpu.toFixed(1)} s   checked by ${[...methods].join(", ")}`,
  );
  console.log(
    `    like for like: raw extract deleting each file once the next one is written, as the drill does, ${sec(r.alsoRaw!)}: ours ${(r.ours / r.alsoRaw!).toFixed(3)}× that (a growing page cache costs raw extract the difference)`,
  );
  return { files: sample.length, bytes, methods: [...methods], ...r };
}

/** The archive browser's file index of the big archive (lib/archives/index), built once and cached. */
async function benchIndex(root: string, repo: Repo, entries: number): Promise<{ indexes: ArchiveIndexes; archiveId: string }> {
  const dir = path.join(root, ".bench", "verify", `index-${entries}`);
  fs.mkdirSync(dir, { recursive: true });
  const indexes = new ArchiveIndexes({ dir: path.join(dir, "indexes"), db: openDatabase(dir), diskBudget: 2 ** 40, borg: repo.opts });
  const archive = (await listArchives(repo.target, repo.opts)).archives.find((a) => a.name === repo.archive)!;
  const started = performance.now();
  const status = indexes.open({
    repoId: "bench/big",
    host: "big",
    site: "bench",
    target: repo.target,
    archive: { name: archive.name, id: archive.id, start: archive.start },
  });
  if (status.state !== "complete") console.log("  building the archive's file index (cached for later runs) …");
  const settled = await indexes.whenSettled(archive.id);
  if (settled?.state !== "complete") throw new Error(`archive index: ${settled?.error ?? "not built"}`);
  if (status.state !== "complete") console.log(`  archive index built in ${sec(performance.now() - started)}`);
  return { indexes, archiveId: archive.id };
}

/**
 * A repo with `mb` MiB of random data in 64 MiB files, cached. Encryption repokey-blake2 (BLAKE2b-256
 * chunk ids, the costliest to check) unless BENCH_DRILL_ENCRYPTION names another mode (e.g. repokey:
 * HMAC-SHA256 ids), cached separately.
 */
export async function drillFixture(root: string, mb: number): Promise<Repo> {
  const encryption = drillEncryption();
  const dir = path.join(root, ".bench", "verify", encryption === "repokey-blake2" ? `${mb}mb` : `${mb}mb-${encryption}`);
  const passphrase = "bench verify passphrase";
  const passphraseFile = path.join(dir, "passphrase");
  const repo: Repo = {
    target: { location: path.join(dir, "repo"), secrets: { passphraseFile } },
    opts: { baseDir: path.join(dir, "borg-base"), timeoutMs: 3_600_000 },
    archive: "bench-drill",
    passphrase,
  };
  if (fs.existsSync(path.join(dir, "ready"))) return repo;
  console.log(`  building the cached drill archive (${mb} MiB of random data) in ${dir} …`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(passphraseFile, `${passphrase}\n`, { mode: 0o600 });
  await initRepo(repo.target.location, { encryption, passphrase: encryption === "none" ? undefined : passphrase }, repo.opts);
  const src = path.join(dir, "src");
  for (let i = 0; i * 64 < mb; i++) {
    const file = path.join(src, "data", `part-${String(i).padStart(3, "0")}.bin`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const fd = fs.openSync(file, "w");
    for (let m = 0; m < Math.min(64, mb - i * 64); m++) fs.writeSync(fd, randomBytes(1024 * 1024));
    fs.closeSync(fd);
  }
  await createArchive(repo.target, repo.archive, ["data"], { cwd: src, compression: "none" }, repo.opts);
  fs.rmSync(src, { recursive: true, force: true });
  fs.writeFileSync(path.join(dir, "ready"), "");
  return repo;
}

const ENCRYPTION_MODES = ["none", "authenticated", "authenticated-blake2", "repokey", "repokey-blake2", "keyfile", "keyfile-blake2"] as const;

function drillEncryption(): EncryptionMode {
  const mode = process.env.BENCH_DRILL_ENCRYPTION?.trim() || "repokey-blake2";
  const known = ENCRYPTION_MODES.find((m) => m === mode);
  if (!known) throw new Error(`BENCH_DRILL_ENCRYPTION: unknown mode ${mode} (modes: ${ENCRYPTION_MODES.join(", ")})`);
  return known;
}

/** The parts of this bench; BENCH_VERIFY_ONLY=<part>[,<part>] runs only those (default: all). */
const PARTS = ["checks", "drillBig", "drillBigIndexed", "drill1g"] as const;
type Part = (typeof PARTS)[number];

function wantedParts(): Set<Part> {
  const only = process.env.BENCH_VERIFY_ONLY?.trim();
  if (!only) return new Set(PARTS);
  const names = only.split(",").map((s) => s.trim());
  const unknown = names.filter((n) => !(PARTS as readonly string[]).includes(n));
  if (unknown.length > 0) throw new Error(`BENCH_VERIFY_ONLY: unknown part ${unknown.join(", ")} (parts: ${PARTS.join(", ")})`);
  return new Set(names as Part[]);
}

export async function benchVerify(root: string): Promise<Record<string, unknown>> {
  const runs = Number(process.env.BENCH_VERIFY_RUNS) || 3;
  const entries = Number(process.env.BENCH_VERIFY_ENTRIES) || 1_000_000;
  const drillMb = Number(process.env.BENCH_DRILL_MB) || 1024;
  const parts = wantedParts();
  const scratch = path.join(root, ".bench", "verify", "scratch");
  fs.rmSync(scratch, { recursive: true, force: true });
  console.log(`Integrity checks and restore drills vs raw borg (${runs} runs each, medians; parts: ${[...parts].join(", ")}); load average ${load()}`);
  const loadBefore = load();
  const results: Record<string, unknown> = { runs };
  if (parts.has("checks") || parts.has("drillBig") || parts.has("drillBigIndexed")) {
    const big = await ensureBenchArchive(root, entries);
    const bigRepo: Repo = { target: big.target, opts: big.opts, archive: big.archive };
    console.log(`  archive with ${big.entries.toLocaleString("en")} entries`);
    results.entries = big.entries;
    if (parts.has("checks")) results.checks = await benchChecks(bigRepo, runs);
    if (parts.has("drillBig"))
      results.drillBig = await benchDrill(
        `on the ${big.entries.toLocaleString("en")}-entry archive (default limits)`,
        bigRepo,
        { maxBytes: 256 * 2 ** 20, maxFiles: 500 },
        runs,
        path.join(scratch, "big"),
      );
    if (parts.has("drillBigIndexed")) {
      const { indexes, archiveId } = await benchIndex(root, bigRepo, big.entries);
      try {
        results.drillBigIndexed = await benchDrill(
          `on the ${big.entries.toLocaleString("en")}-entry archive, sample from its file index`,
          bigRepo,
          { maxBytes: 256 * 2 ** 20, maxFiles: 500 },
          runs,
          path.join(scratch, "big-indexed"),
          () => indexedListing(indexes, archiveId),
        );
      } finally {
        await indexes.stop();
      }
    }
  }
  if (parts.has("drill1g")) {
    const drillRepo = await drillFixture(root, drillMb);
    results.drill1g = await benchDrill(
      `of a ${drillMb} MiB sample`,
      drillRepo,
      { maxBytes: drillMb * 2 ** 20 + 1, maxFiles: 500 },
      runs,
      path.join(scratch, "1g"),
    );
    console.log(`  target for the ${drillMb} MiB drill: ≤ 1.1× raw extract`);
  }
  const loadAfter = load();
  console.log(`  load average before ${loadBefore}, after ${loadAfter} (the machine is shared)`);
  fs.rmSync(scratch, { recursive: true, force: true });
  return { ...results, loadBefore, loadAfter };
}
