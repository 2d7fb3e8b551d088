/**
 * `npm run bench -- archive-index-stages`: where the archive index's build time goes, stage by stage,
 * on the same cached archive as `archive-index` (scripts/bench/archiveFixture.ts).
 *
 * borg alone (output counted, not kept) with the index's format and with fields taken away, to see
 * what each costs borg; then our side alone, fed from a saved copy of borg's output so borg's CPU is
 * out of the picture: the pipe's read-and-decode, the parse into items, and the SQLite build (with
 * the directory totals, the sort indexes and the search index timed as separate steps).
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { buildIndexFile } from "@/lib/archives/index/build";
import { INDEX_CONTENTS_FORMAT, CONTENTS_FORMAT, IndexRecordSplitter, type IndexItem } from "@/lib/borg/contents";
import { UnicodeEscapeDecoder } from "@/lib/borg/unicodeEscape";
import { buildSearchIndex } from "@/lib/archives/index/search";
import { SORT_INDEX_STATEMENTS } from "@/lib/archives/index/file";
import { execInWorker } from "@/lib/archives/index/sqlWorker";
import { ensureBenchArchive, benchArchiveDir } from "./archiveFixture";
import { s } from "./util";

const MB = 2 ** 20;
const READ_CHUNK = 64 * 1024;

/** Wall time of borg writing its listing to a file (or /dev/null). */
function timeBorg(args: string[], env: Record<string, string>, outFile: string): Promise<{ ms: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const out = fs.openSync(outFile, "w");
    const t0 = performance.now();
    const child = spawn("borg", args, { env: { ...process.env, ...env }, stdio: ["ignore", out, "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => {
      fs.closeSync(out);
      if (code !== 0) return reject(new Error(`borg exited ${code}: ${stderr.slice(0, 500)}`));
      resolve({ ms: performance.now() - t0, bytes: fs.statSync(outFile).size });
    });
  });
}

async function* chunksOf(file: string): AsyncGenerator<Buffer> {
  const fd = fs.openSync(file, "r");
  try {
    for (;;) {
      const buf = Buffer.allocUnsafe(READ_CHUNK);
      const n = fs.readSync(fd, buf, 0, READ_CHUNK, null);
      if (n === 0) return;
      yield buf.subarray(0, n);
    }
  } finally {
    fs.closeSync(fd);
  }
}

async function* itemsOf(file: string): AsyncGenerator<IndexItem> {
  const decoder = new UnicodeEscapeDecoder();
  const splitter = new IndexRecordSplitter();
  for await (const chunk of chunksOf(file)) yield* splitter.push(decoder.write(chunk));
  splitter.push(decoder.end());
  splitter.end();
}

function cpu<T>(fn: () => Promise<T>): Promise<{ value: T; wallMs: number; cpuMs: number }> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  return fn().then((value) => {
    const c = process.cpuUsage(c0);
    return { value, wallMs: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 };
  });
}

export async function benchArchiveIndexStages(root: string): Promise<Record<string, unknown>> {
  const entries = Number(process.env.BENCH_ARCHIVE_ENTRIES || 1_000_000);
  const bench = await ensureBenchArchive(root, entries);
  const dir = benchArchiveDir(root, entries);
  const env = {
    BORG_BASE_DIR: bench.opts.baseDir!,
    BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK: "yes",
    BORG_RELOCATED_REPO_ACCESS_IS_OK: "yes",
    TZ: "UTC",
    PYTHONIOENCODING: "unicode_escape",
    BORG_SELFTEST: "disabled",
  };
  const archiveArg = `${bench.target.location}::${bench.archive}`;
  const results: Record<string, unknown> = {};
  console.log(`archive index stages: ${bench.entries.toLocaleString("en")} entries`);

  // 1. borg alone, field by field.
  const formats: Array<[string, string]> = [
    ["names only {bpath}", "{bpath}{NUL}"],
    ["the old 10-field format", CONTENTS_FORMAT],
    ["8 fields (no uid, gid)", "{type}{NUL}{mode}{NUL}{user}{NUL}{group}{NUL}{size}{NUL}{isomtime}{NUL}{bpath}{NUL}{source}{NUL}"],
    ["the index's format (5 fields)", INDEX_CONTENTS_FORMAT],
    ["index format without isomtime", INDEX_CONTENTS_FORMAT.replace(" {isomtime}", "")],
    ["index format without size", INDEX_CONTENTS_FORMAT.replace("{size} ", "")],
    ["index format without user, group", INDEX_CONTENTS_FORMAT.replace("{user}{NUL}{group}{NUL}", "")],
  ];

  const saved = path.join(dir, "listing.escaped");
  // BENCH_STAGES=node: our side only, from the listing a previous run kept (BENCH_KEEP_LISTING=1).
  const borgStages = process.env.BENCH_STAGES !== "node" || !fs.existsSync(saved);
  for (const [label, format] of borgStages ? formats : []) {
    const out = format === INDEX_CONTENTS_FORMAT ? saved : "/dev/null";
    const t = await timeBorg(["list", `--format=${format}`, "--bypass-lock", "--", archiveArg], env, out);
    const bytes = out === "/dev/null" ? "" : ` (${(t.bytes / MB).toFixed(0)} MiB)`;
    console.log(`  borg alone, ${label.padEnd(34)} ${s(t.ms)}${bytes}`);
    results[`borg ${label}`] = t.ms;
  }

  // 2. Our side alone, from the saved output.
  const read = await cpu(async () => {
    let n = 0;
    for await (const chunk of chunksOf(saved)) n += chunk.length;
    return n;
  });
  console.log(`  read the saved listing:           ${s(read.wallMs)}`);
  const decode = await cpu(async () => {
    const decoder = new UnicodeEscapeDecoder();
    let n = 0;
    for await (const chunk of chunksOf(saved)) n += decoder.write(chunk).length;
    return n;
  });
  console.log(`  + unicode_escape decode:          ${s(decode.wallMs)}`);
  const parse = await cpu(async () => {
    let n = 0;
    for await (const _item of itemsOf(saved)) n++;
    return n;
  });
  console.log(`  + split into items:               ${s(parse.wallMs)} (${parse.value.toLocaleString("en")} items)`);
  const files = { partial: path.join(dir, "stages.sqlite.partial"), final: path.join(dir, "stages.sqlite") };
  fs.rmSync(files.final, { force: true });
  const stages: Record<string, number> = {};
  const build = await cpu(() =>
    buildIndexFile(
      itemsOf(saved),
      files,
      {},
      () => {},
      () => {},
      stages,
    ),
  );
  console.log(`  + SQLite build (complete index):  ${s(build.wallMs)} wall, ${s(build.cpuMs)} CPU of this thread`);
  for (const [stage, ms] of Object.entries(stages)) console.log(`      ${stage.padEnd(30)} ${s(ms)}`);
  const sort = await cpu(() => execInWorker(files.final, SORT_INDEX_STATEMENTS, new AbortController().signal));
  console.log(`  sort indexes afterwards (worker): ${s(sort.wallMs)}`);
  const search = await cpu(() => buildSearchIndex(files.final, new AbortController().signal));
  console.log(`  search index afterwards:          ${s(search.wallMs)}`);
  Object.assign(results, {
    readMs: read.wallMs,
    decodeMs: decode.wallMs,
    parseMs: parse.wallMs,
    buildMs: build.wallMs,
    buildStages: stages,
    sortIndexesMs: sort.wallMs,
    searchMs: search.wallMs,
  });
  fs.rmSync(files.final, { force: true });
  if (!process.env.BENCH_KEEP_LISTING) fs.rmSync(saved, { force: true });
  return results;
}
