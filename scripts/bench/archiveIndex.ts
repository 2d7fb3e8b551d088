/**
 * `npm run bench -- archive-index [--entries=N]`: the archive index against borg on the same REAL
 * archive (generated once, cached under .bench/archive-index/<N>/; default 1,000,000 entries).
 *
 * Measured in one run: raw `borg list --json-lines`, the names-only `borg list --format={bpath}{NUL}`,
 * borg alone in the index's own listing format and borg's item metadata dump (wall times); our build (in a
 * child process, the way the server builds: lib/archives/index/source.ts → SQLite) to the first folder shown and to a complete index, its
 * peak RSS over idle and the worst event-loop delay; folder views (p50/p95 over 200 random folders,
 * random sort, plus deep pages of the 100,000-entry folder); name search p50/p95; index size on disk.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { openIndexReader } from "@/lib/archives/index/file";
import { INDEX_CONTENTS_FORMAT } from "@/lib/borg/contents";
import { IndexReader, SORT_KEYS, type SortOrder } from "@/lib/archives/index/reader";
import { ensureBenchArchive, benchArchiveDir } from "./archiveFixture";
import { ms, percentile, s } from "./util";

const MB = 2 ** 20;

function entriesFlag(): number {
  const arg = process.argv.find((a) => a.startsWith("--entries="));
  const n = Number(arg ? arg.slice("--entries=".length) : process.env.BENCH_ARCHIVE_ENTRIES || 1_000_000);
  if (!Number.isInteger(n) || n < 1000) throw new Error("--entries must be an integer ≥ 1000");
  return n;
}

/** Wall time of a command reading all of its stdout (counted, not kept). */
function timeCommand(cmd: string, args: string[], env: Record<string, string>, cwd?: string): Promise<{ ms: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], cwd });
    let bytes = 0;
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (bytes += d.length));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve({ ms: performance.now() - t0, bytes }) : reject(new Error(`${cmd} exited ${code}: ${stderr.slice(0, 500)}`)),
    );
  });
}

interface WorkerResult {
  archiveId: string;
  file: string;
  entries: number;
  completeMs: number;
  completeCpuMs: number;
  searchReadyMs: number;
  firstDirMs: number | null;
  idleRss: number;
  peakRss: number;
  vmHwm: number;
  loopDelayMaxMs: number;
  loopDelayP99Ms: number;
  indexBytes: number;
  gc: { count: number; totalMs: number; maxMs: number };
}

function runWorker(root: string, entries: number, indexDir: string): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      path.join(root, "node_modules", ".bin", "tsx"),
      [path.join(root, "scripts", "bench", "archiveIndexWorker.ts"), root, String(entries), indexDir],
      {
        cwd: root,
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`index worker exited ${code}: ${out.slice(-2000)}`));
      resolve(JSON.parse(out.trim().split("\n").at(-1)!) as WorkerResult);
    });
  });
}

/**
 * An idle Node process measuring its own event-loop delay while the index is built: on this shared
 * 2-core machine borg, SQLite and other work compete for the CPU, and the control shows how much of
 * the indexing process's delay is the machine rather than the indexer.
 */
const CONTROL_SOURCE = `
const { monitorEventLoopDelay } = require("node:perf_hooks");
const h = monitorEventLoopDelay({ resolution: 10 });
h.enable();
setInterval(() => {}, 1000);
process.on("SIGTERM", () => {
  h.disable();
  process.stdout.write(JSON.stringify({ p99: h.percentile(99) / 1e6, max: h.max / 1e6 }) + "\\n", () => process.exit(0));
});
`;

function startControl(): { stop(): Promise<{ p99: number; max: number }> } {
  const child = spawn(process.execPath, ["-e", CONTROL_SOURCE], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  return {
    stop: () =>
      new Promise((resolve) => {
        child.on("close", () => resolve(JSON.parse(out.trim() || '{"p99":null,"max":null}') as { p99: number; max: number }));
        child.kill("SIGTERM");
      }),
  };
}

function timed<T>(fn: () => T): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

export async function benchArchiveIndex(root: string): Promise<Record<string, unknown>> {
  const entries = entriesFlag();
  console.log(`archive index: a real borg archive with ${entries.toLocaleString("en")} entries`);
  const bench = await ensureBenchArchive(root, entries);
  const borgEnv = {
    BORG_BASE_DIR: bench.opts.baseDir!,
    BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK: "yes",
    BORG_RELOCATED_REPO_ACCESS_IS_OK: "yes",
    TZ: "UTC",
  };
  const archiveArg = `${bench.target.location}::${bench.archive}`;

  // Three raw listings, one after another, before our build: --json-lines; the leanest --format that
  // still carries every byte of every name ({bpath}, unicode_escape like ours); and our own format.
  const raw = await timeCommand("borg", ["list", "--json-lines", "--bypass-lock", "--", archiveArg], borgEnv);
  console.log(`  raw borg list --json-lines:       ${s(raw.ms)} (${(raw.bytes / MB).toFixed(0)} MiB of output)`);
  const escapeEnv = { ...borgEnv, PYTHONIOENCODING: "unicode_escape", BORG_SELFTEST: "disabled" };
  const lean = await timeCommand("borg", ["list", "--format={bpath}{NUL}", "--bypass-lock", "--", archiveArg], escapeEnv);
  console.log(`  raw borg list --format={bpath}{NUL}: ${s(lean.ms)} (${(lean.bytes / MB).toFixed(0)} MiB of output; names only)`);
  const ours = await timeCommand("borg", ["list", `--format=${INDEX_CONTENTS_FORMAT}`, "--bypass-lock", "--", archiveArg], escapeEnv);
  console.log(`  raw borg list, the index's format: ${s(ours.ms)} (${(ours.bytes / MB).toFixed(0)} MiB of output)`);
  // What the index reads for a local repo (lib/archives/index/source.ts): borg's item metadata dump.
  const dumpDir = fs.mkdtempSync(path.join(benchArchiveDir(root, entries), "dump-"));
  const dump = await timeCommand("borg", ["debug", "dump-archive-items", "--", archiveArg], borgEnv, dumpDir);
  const dumpBytes = fs.readdirSync(dumpDir).reduce((sum, f) => sum + fs.statSync(path.join(dumpDir, f)).size, 0);
  fs.rmSync(dumpDir, { recursive: true, force: true });
  console.log(`  raw borg debug dump-archive-items: ${s(dump.ms)} (${(dumpBytes / MB).toFixed(0)} MiB of item metadata; what the index reads)`);

  const indexDir = path.join(benchArchiveDir(root, entries), "index");
  const control = startControl();
  const built = await runWorker(root, entries, indexDir);
  const controlDelay = await control.stop();
  console.log(`  our index, first folder shown:    ${built.firstDirMs === null ? "n/a" : ms(built.firstDirMs)}`);
  console.log(
    `  our index, complete:              ${s(built.completeMs)}, ${built.entries.toLocaleString("en")} entries: ` +
      `${(built.completeMs / raw.ms).toFixed(2)}× --json-lines (target ≤ 0.6), ${(built.completeMs / lean.ms).toFixed(2)}× the names-only --format (target ≤ 1.2), ` +
      `${(built.completeMs / ours.ms).toFixed(2)}× borg alone in the index's format, ${(built.completeMs / dump.ms).toFixed(1)}× borg's item dump`,
  );
  console.log(`  CPU time of the indexing process: ${s(built.completeCpuMs)} until complete (below the wall time: it waited for borg or for a CPU)`);
  console.log(`  sort + search indexes ready:      ${s(built.searchReadyMs)} (built after; until then folders sort when read, search scans names)`);
  console.log(
    `  indexing process RSS:             idle ${(built.idleRss / MB).toFixed(0)} MiB, peak ${(built.peakRss / MB).toFixed(0)} MiB (+${((built.peakRss - built.idleRss) / MB).toFixed(0)} MiB over idle; VmHWM ${(built.vmHwm / MB).toFixed(0)} MiB)`,
  );
  console.log(
    `  event-loop delay while indexing:  p99 ${ms(built.loopDelayP99Ms)}, max ${ms(built.loopDelayMaxMs)} (an idle control process meanwhile: p99 ${ms(controlDelay.p99)}, max ${ms(controlDelay.max)})`,
  );
  console.log(`  GC while indexing:                ${built.gc.count} pauses, ${ms(built.gc.totalMs)} in total, longest ${ms(built.gc.maxMs)}`);
  console.log(`  index size on disk:               ${(built.indexBytes / MB).toFixed(1)} MiB`);

  const reader = new IndexReader(openIndexReader(built.file));
  const dirs = reader.db.prepare("SELECT path FROM entries WHERE type = 'd' AND path IS NOT NULL").pluck().all() as Buffer[];
  const big = Buffer.from("bench/big");
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const viewTimes: number[] = [];
  for (let i = 0; i < 200; i++) {
    const dirPath = dirs[Math.floor(random() * dirs.length)]!;
    const sort = SORT_KEYS[Math.floor(random() * SORT_KEYS.length)]!;
    const order: SortOrder = random() < 0.5 ? "asc" : "desc";
    viewTimes.push(timed(() => reader.list(reader.directory(dirPath)!, { sort, order, offset: 0, limit: 200 })));
  }
  const bigTimes: number[] = [];
  const bigDir = reader.directory(big);
  if (bigDir) {
    for (let i = 0; i < 50; i++) {
      const sort = SORT_KEYS[i % SORT_KEYS.length]!;
      const offset = Math.floor(random() * Math.max(1, (bigDir.childCount ?? 0) - 200));
      bigTimes.push(timed(() => reader.list(reader.directory(big)!, { sort, order: i % 2 ? "asc" : "desc", offset, limit: 200 })));
    }
  }
  console.log(`  folder view (200 random folders): p50 ${ms(percentile(viewTimes, 50))}, p95 ${ms(percentile(viewTimes, 95))} (target p95 ≤ 50 ms)`);
  if (bigTimes.length) console.log(`  100,000-entry folder, random page: p50 ${ms(percentile(bigTimes, 50))}, p95 ${ms(percentile(bigTimes, 95))}`);

  const queries = ["file-0999", "f0042", "-7.txt", "D0123", "big", "file-", "no-such-name", "f9999", "0", "x.dat"];
  const searchTimes: number[] = [];
  for (let round = 0; round < 3; round++) for (const q of queries) searchTimes.push(timed(() => reader.search(q, 500)));
  console.log(
    `  name search (${queries.length} queries × 3):     p50 ${ms(percentile(searchTimes, 50))}, p95 ${ms(percentile(searchTimes, 95))} (target ≤ 200 ms)`,
  );
  reader.close();

  return {
    entries: built.entries,
    rawJsonLinesMs: raw.ms,
    rawJsonLinesBytes: raw.bytes,
    rawLeanFormatMs: lean.ms,
    rawIndexFormatMs: ours.ms,
    rawItemDumpMs: dump.ms,
    searchReadyMs: built.searchReadyMs,
    indexCompleteMs: built.completeMs,
    indexCompleteCpuMs: built.completeCpuMs,
    firstFolderMs: built.firstDirMs,
    idleRssBytes: built.idleRss,
    peakRssBytes: built.peakRss,
    loopDelayMaxMs: built.loopDelayMaxMs,
    loopDelayP99Ms: built.loopDelayP99Ms,
    gcPauses: built.gc,
    controlLoopDelayP99Ms: controlDelay.p99,
    controlLoopDelayMaxMs: controlDelay.max,
    indexBytes: built.indexBytes,
    folderViewP50Ms: percentile(viewTimes, 50),
    folderViewP95Ms: percentile(viewTimes, 95),
    bigFolderPageP50Ms: percentile(bigTimes, 50),
    bigFolderPageP95Ms: percentile(bigTimes, 95),
    searchP50Ms: percentile(searchTimes, 50),
    searchP95Ms: percentile(searchTimes, 95),
  };
}
