/**
 * The benchmark's archive: a REAL borg archive with `entries` entries, generated once and cached under
 * .bench/archive-index/<entries>/ (the repo, plus a marker with the archive name once it is complete).
 * Layout: `bench/big/` with 100,000 empty files (the "one huge folder" case), the rest in
 * `bench/tree/dNNNN/` folders of 1,000 empty files each. Creating the source tree takes a while and
 * `borg create` of a million files takes minutes on a small machine: progress is printed.
 */
import fs from "node:fs";
import path from "node:path";
import { createArchive, initRepo, listArchives, type BorgCallOptions, type BorgTarget } from "@/lib/borg";

export interface BenchArchive {
  target: BorgTarget;
  opts: BorgCallOptions;
  archive: string;
  entries: number;
}

const BIG_DIR_CHILDREN = 100_000;
const FILES_PER_DIR = 1_000;

export function benchArchiveDir(root: string, entries: number): string {
  return path.join(root, ".bench", "archive-index", String(entries));
}

/** Writes the source tree (empty files) and returns how many entries the archive will hold. */
function writeSourceTree(src: string, entries: number): number {
  fs.rmSync(src, { recursive: true, force: true });
  // Entry budget: "bench", "bench/big", "bench/tree" are entries too; each tree folder is one.
  let remaining = entries - 3;
  const bigChildren = Math.min(BIG_DIR_CHILDREN, Math.floor(remaining / 2));
  fs.mkdirSync(path.join(src, "bench", "big"), { recursive: true });
  fs.mkdirSync(path.join(src, "bench", "tree"), { recursive: true });
  let written = 3;
  const writeEmpty = (file: string) => fs.closeSync(fs.openSync(file, "w"));
  for (let i = 0; i < bigChildren; i++) writeEmpty(path.join(src, "bench", "big", `file-${String(i).padStart(6, "0")}.dat`));
  written += bigChildren;
  remaining -= bigChildren;
  let dir = 0;
  while (remaining > 1) {
    const name = path.join(src, "bench", "tree", `d${String(dir).padStart(4, "0")}`);
    fs.mkdirSync(name);
    const files = Math.min(FILES_PER_DIR, remaining - 1);
    for (let i = 0; i < files; i++) writeEmpty(path.join(name, `f${String(i).padStart(4, "0")}-${(i * 7919) % 1000}.txt`));
    written += files + 1;
    remaining -= files + 1;
    dir++;
    if (dir % 100 === 0) process.stdout.write(`  source tree: ${written.toLocaleString("en")} entries\r`);
  }
  process.stdout.write(`  source tree: ${written.toLocaleString("en")} entries\n`);
  return written;
}

/** The cached archive, creating it first when missing. */
export async function ensureBenchArchive(root: string, entries: number): Promise<BenchArchive> {
  const dir = benchArchiveDir(root, entries);
  const repo = path.join(dir, "repo");
  const marker = path.join(dir, "archive.json");
  const opts: BorgCallOptions = { baseDir: path.join(dir, "borg-base"), timeoutMs: 6 * 3600_000, allowUnknownUnencrypted: true };
  const target: BorgTarget = { location: repo };
  if (fs.existsSync(marker)) {
    const saved = JSON.parse(fs.readFileSync(marker, "utf8")) as { archive: string; entries: number };
    return { target, opts, archive: saved.archive, entries: saved.entries };
  }
  console.log(`Generating a real borg archive with ~${entries.toLocaleString("en")} entries in ${dir} (cached for later runs)`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const src = path.join(dir, "src");
  const t0 = Date.now();
  const written = writeSourceTree(src, entries);
  console.log(`  source tree written in ${((Date.now() - t0) / 1000).toFixed(0)} s; borg create (this takes minutes) …`);
  await initRepo(repo, { encryption: "none" }, opts);
  const t1 = Date.now();
  const ticker = setInterval(() => process.stdout.write(`  borg create running: ${((Date.now() - t1) / 1000).toFixed(0)} s\r`), 5000);
  try {
    await createArchive(target, "bench-archive", ["bench"], { cwd: src, compression: "lz4" }, opts);
  } finally {
    clearInterval(ticker);
  }
  console.log(`\n  borg create took ${((Date.now() - t1) / 1000).toFixed(0)} s`);
  const list = await listArchives(target, opts);
  if (!list.archives.some((a) => a.name === "bench-archive")) throw new Error("the bench archive was not created");
  fs.rmSync(src, { recursive: true, force: true });
  fs.writeFileSync(marker, JSON.stringify({ archive: "bench-archive", entries: written }));
  return { target, opts, archive: "bench-archive", entries: written };
}
