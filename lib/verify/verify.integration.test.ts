/**
 * Integrity checks and restore drills on REAL borg repositories (test/fixtures/borgRepo.ts):
 * a corrupted segment fails the check with borg's message; a check never runs while a backup holds
 * the lock, and a backup started during a check waits (the client kit's --lock-wait) and succeeds;
 * a drill finds a restored file that differs and one that is missing; its scratch space is gone after
 * success, failure and a kill.
 */
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, unlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArchiveIndexes } from "@/lib/archives/index/manager";
import { createArchive, listArchives, readRepoLock } from "@/lib/borg";
import { dumpArchiveItems } from "@/lib/borg/itemDump";
import { configSchema, type FleetConfigInput } from "@/lib/config/schema";
import { openDatabase, openMemoryDatabase, type Db } from "@/lib/db";
import { prng } from "@/lib/random";
import { makeTempRepo, type SourceEntry, type TempRepo } from "@/test/fixtures/borgRepo";
import { scratchRecorder } from "@/test/fixtures/slowExtract";
import { chooseSample, runDrill, type DrillOptions } from "./drill";
import { indexedListing } from "./indexedListing";
import { MaintenanceScheduler, type MaintenanceDeps, type MaintenanceRepo } from "./scheduler";
import type { SampledFile } from "./sample";
import { lastCheckRuns, lastDrillRuns } from "./store";

const roots: string[] = [];
const repos: TempRepo[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "borg-fleet-verify-"));
  roots.push(dir);
  return dir;
}

afterAll(async () => {
  for (const r of repos) await r.cleanup();
  for (const d of roots) await rm(d, { recursive: true, force: true });
});

function repoOf(repo: TempRepo): MaintenanceRepo {
  return { repoId: "s/h", host: "h", site: "s", target: repo.target };
}

async function schedulerFor(
  repo: TempRepo,
  overrides: Partial<FleetConfigInput> = {},
  db: Db = openMemoryDatabase(),
  hooks = {},
  indexes: ArchiveIndexes | null = null,
) {
  const dataDir = await tempDir();
  const config = configSchema.parse({ dataDir, sites: [{ name: "s", root: dataDir, discover: false }], ...overrides });
  const scheduler = new MaintenanceScheduler({
    db,
    config,
    baseDir: repo.baseDir,
    repos: async () => [repoOf(repo)],
    drillHooks: hooks,
    archiveIndexes: () => indexes,
    log: () => {},
  });
  return { scheduler, db, config, scratchRoot: path.join(dataDir, "drills") };
}

/** The kit's default BORG_LOCK_WAIT, read from the script itself so the test follows the kit. */
async function kitLockWait(): Promise<number> {
  const script = await readFile(path.join(process.cwd(), "deploy/client/borg-backup.sh"), "utf8");
  const m = /lock_wait=\$\{BORG_LOCK_WAIT:-(\d+)\}/.exec(script);
  if (!m) throw new Error("deploy/client/borg-backup.sh no longer sets lock_wait");
  return Number(m[1]);
}

async function waitFor(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe("integrity checks", () => {
  it("passes on a sound repo and fails on a corrupted segment with borg's message recorded", async () => {
    const repo = await makeTempRepo({ archives: [{ name: "a1", files: [{ path: "data.bin", content: randomBytes(2_000_000) }] }] });
    repos.push(repo);
    const { scheduler, db } = await schedulerFor(repo);

    const sound = await scheduler.runCheck(repoOf(repo), "repository", null);
    expect(sound).toMatchObject({ status: "done", outcome: "ok" });
    expect(await scheduler.runCheck(repoOf(repo), "archives", null)).toMatchObject({ status: "done", outcome: "ok" });

    // Overwrite bytes in the middle of the largest segment (the one holding the file's data).
    const dir = path.join(repo.location, "data/0");
    const sized = await Promise.all((await readdir(dir)).map(async (name) => ({ name, bytes: await readFile(path.join(dir, name)) })));
    const { name, bytes } = sized.sort((a, b) => b.bytes.length - a.bytes.length)[0]!;
    const segment = path.join(dir, name);
    bytes.write("CORRUPTED-BY-TEST", 1000);
    await writeFile(segment, bytes);

    const broken = await scheduler.runCheck(repoOf(repo), "repository", "alice");
    expect(broken).toMatchObject({ status: "done", outcome: "failed" });
    const { last, lastVerdict } = lastCheckRuns(db, "s/h", "repository");
    expect(last?.outcome).toBe("failed");
    expect(lastVerdict?.id).toBe(last?.id);
    expect(last?.message).toMatch(/Data integrity error/);
    expect(last?.message).toMatch(/errors found/);
    expect(last?.requestedBy).toBe("alice");
    const auditRow = db.prepare("SELECT * FROM audit_log WHERE action = 'repo:check' ORDER BY id DESC LIMIT 1").get() as { username: string; outcome: string };
    expect(auditRow).toMatchObject({ username: "alice", outcome: "failed" });
  });

  it("does not run while a backup holds the lock, and the backup succeeds", async () => {
    const repo = await makeTempRepo({ archives: [{ name: "a1" }] });
    repos.push(repo);
    const { scheduler, db } = await schedulerFor(repo);
    const source = await repo.writeSources([{ path: "big.bin", content: randomBytes(150 * 1024 * 1024) }]);
    const backup = createArchive(repo.target, "a2", ["."], { cwd: source, compression: "none", lockWait: await kitLockWait() }, repo.opts);
    await waitFor(async () => (await readRepoLock(repo.location)).locked, "the backup to take the lock");

    const attempt = await scheduler.runCheck(repoOf(repo), "repository", null);
    expect(attempt.status).toBe("busy");
    expect(lastCheckRuns(db, "s/h", "repository").last).toBeNull();
    expect(scheduler.dueJob(repoOf(repo), Date.now())).not.toBe("repository"); // retried only after busyRetry

    const created = await backup;
    expect(created.name).toBe("a2");
    expect(await scheduler.runCheck(repoOf(repo), "repository", null)).toMatchObject({ status: "done", outcome: "ok" });
  });

  it("a backup started while a check holds the lock waits for it (the kit's --lock-wait) and succeeds", async () => {
    const repo = await makeTempRepo({ archives: [{ name: "a1", files: [{ path: "big.bin", content: randomBytes(60 * 1024 * 1024) }] }] });
    repos.push(repo);
    const { scheduler } = await schedulerFor(repo, { checks: { archives: { every: "30d", verifyData: true } } });
    const check = scheduler.runCheck(repoOf(repo), "archives", null);
    await waitFor(async () => (await readRepoLock(repo.location)).locked, "the check to take the lock");
    const source = await repo.writeSources([{ path: "new.txt", content: "written during a check\n" }]);
    const backup = createArchive(repo.target, "a2", ["."], { cwd: source, lockWait: await kitLockWait() }, repo.opts);
    const [checked, created] = await Promise.all([check, backup]);
    expect(checked).toMatchObject({ status: "done", outcome: "ok" });
    expect(created.name).toBe("a2");
    expect(created.stats.nfiles).toBe(1);
  });
});

/** Every drill test runs with both ways of checking the restored files (lib/verify/drill.ts). */
describe.each([{ method: "chunk-ids" as const }, { method: "stream" as const }])("restore drills checked by $method", ({ method }) => {
  /** The test hooks of a drill checked by `method` (chunk ids are the default). */
  const hooks = (extra: Omit<NonNullable<MaintenanceDeps["drillHooks"]>, "method"> = {}) => (method === "stream" ? { ...extra, method } : extra);
  let repo: TempRepo;
  beforeAll(async () => {
    repo = await makeTempRepo({
      archives: [
        {
          name: "h-1",
          files: [
            { path: "etc/hosts", content: "127.0.0.1 localhost\n" },
            { path: "var/backups/app.sql", content: `-- dump\n${"INSERT INTO t VALUES (1);\n".repeat(2000)}` },
            { path: "home/u/notes.txt", content: randomBytes(50_000) },
            { path: "home/u/photo.jpg", content: randomBytes(300_000) },
            { path: "empty", content: "" },
          ],
        },
      ],
    });
    repos.push(repo);
  });

  it("restores a sample, finds it identical, records it and removes the scratch copy", async () => {
    const { scheduler, db, scratchRoot } = await schedulerFor(repo, {}, undefined, hooks());
    const result = await scheduler.runDrill(repoOf(repo), null);
    expect(result).toMatchObject({ status: "done", outcome: "ok" });
    const { last } = lastDrillRuns(db, "s/h");
    expect(last).toMatchObject({ outcome: "ok", archive: "h-1", files: 5, mismatched: 0, missing: 0 });
    expect(last!.bytes).toBe(20 + 8 + 26 * 2000 + 50_000 + 300_000);
    expect(existsSync(last!.scratchDir!)).toBe(false);
    expect(await readdir(scratchRoot)).toEqual([]);
  });

  it("removes each restored file once it is checked and the extract has moved on to the next", async () => {
    const recorder = scratchRecorder();
    const { scheduler, scratchRoot } = await schedulerFor(repo, {}, undefined, hooks({ beforeCompare: recorder.beforeCompare }));
    const result = await scheduler.runDrill(repoOf(repo), null);
    expect(result).toMatchObject({ status: "done", outcome: "ok" });
    expect(recorder.held).toHaveLength(5);
    expect(recorder.leftBehind(recorder.held.map((h) => h.checking))).toEqual([]);
    expect(await readdir(scratchRoot)).toEqual([]);
  });

  it("chooses the sample from the archive's complete file index instead of listing it, in borg's extract order", async () => {
    const archive = (await listArchives(repo.target, repo.opts)).archives.at(-1)!;
    const indexes = new ArchiveIndexes({ dir: await tempDir(), db: openMemoryDatabase(), diskBudget: 1024 ** 3, borg: repo.opts, evictionGraceMs: 0 });
    try {
      indexes.open({ ...repoOf(repo), archive: { name: archive.name, id: archive.id, start: archive.start } });
      expect((await indexes.whenSettled(archive.id))?.state).toBe("complete");
      const { scheduler, db, scratchRoot } = await schedulerFor(repo, {}, undefined, hooks(), indexes);
      expect(await scheduler.runDrill(repoOf(repo), null)).toMatchObject({ status: "done", outcome: "ok" });
      const { last } = lastDrillRuns(db, "s/h");
      expect(last).toMatchObject({ outcome: "ok", files: 5, mismatched: 0, missing: 0 });
      expect(last!.bytes).toBe(20 + 8 + 26 * 2000 + 50_000 + 300_000);
      expect(last!.message).toMatch(/sample chosen from the archive's file index/);
      expect(await readdir(scratchRoot)).toEqual([]);

      // The same files in the same (archive) order as from borg's listing.
      const limits = { maxBytes: 2 ** 30, maxFiles: 100, ...repo.opts };
      const fromIndex = await chooseSample(repo.target, archive.name, { ...limits, indexed: indexedListing(indexes, archive.id) });
      const fromListing = await chooseSample(repo.target, archive.name, limits);
      expect(fromIndex.source).toBe("index");
      expect(fromListing.source).toBe("listing");
      expect(fromIndex.files.map((f) => f.path)).toEqual(fromListing.files.map((f) => f.path));

      // An index closed under the walk (evicted) falls back to listing the archive.
      const walk = indexedListing(indexes, archive.id);
      indexes.reader(archive.id)!.close();
      const fallback = await chooseSample(repo.target, archive.name, { ...limits, indexed: walk });
      expect(fallback.source).toBe("listing");
      expect(fallback.files.map((f) => f.path)).toEqual(fromListing.files.map((f) => f.path));
    } finally {
      await indexes.stop();
    }
  });

  it("lists the archive when its file index is not complete", async () => {
    const archive = (await listArchives(repo.target, repo.opts)).archives.at(-1)!;
    const indexes = new ArchiveIndexes({ dir: await tempDir(), db: openMemoryDatabase(), diskBudget: 1024 ** 3, borg: repo.opts });
    try {
      expect(indexedListing(indexes, archive.id)).toBeNull(); // never opened: no index at all
      const { scheduler, db } = await schedulerFor(repo, {}, undefined, hooks(), indexes);
      expect(await scheduler.runDrill(repoOf(repo), null)).toMatchObject({ status: "done", outcome: "ok" });
      expect(lastDrillRuns(db, "s/h").last!.message).not.toMatch(/file index/);
    } finally {
      await indexes.stop();
    }
  });

  it("detects a restored file that differs and one that is missing, and still removes the scratch copy", async () => {
    let tree = "";
    const { scheduler, db, scratchRoot } = await schedulerFor(
      repo,
      {},
      undefined,
      hooks({
        // Runs for each file once the extract has written it, before the comparison reads it back.
        beforeCompare: async (dir: string, file: SampledFile) => {
          tree = dir;
          if (file.path === "home/u/notes.txt") {
            const notes = path.join(dir, file.path);
            const bytes = await readFile(notes);
            bytes[100] = bytes[100]! ^ 0xff; // one flipped byte, same size
            await writeFile(notes, bytes);
          }
          if (file.path === "var/backups/app.sql") await unlink(path.join(dir, file.path));
        },
      }),
    );
    const result = await scheduler.runDrill(repoOf(repo), "bob");
    expect(result).toMatchObject({ status: "done", outcome: "failed" });
    const { last } = lastDrillRuns(db, "s/h");
    expect(last).toMatchObject({ outcome: "failed", mismatched: 1, missing: 1, requestedBy: "bob" });
    expect(last!.details).toEqual({ mismatched: ["home/u/notes.txt"], missing: ["var/backups/app.sql"], method });
    expect(tree).not.toBe("");
    expect(existsSync(tree)).toBe(false);
    expect(await readdir(scratchRoot)).toEqual([]);
  });

  it("removes the scratch copy when the drill fails half way", async () => {
    const { scheduler, db, scratchRoot } = await schedulerFor(
      repo,
      {},
      undefined,
      hooks({
        beforeCompare: async () => {
          throw new Error("disk went away");
        },
      }),
    );
    expect(await scheduler.runDrill(repoOf(repo), null)).toMatchObject({ status: "done", outcome: "failed", message: "disk went away" });
    expect(lastDrillRuns(db, "s/h").last?.outcome).toBe("failed");
    expect(await readdir(scratchRoot)).toEqual([]);
  });

  it("stops a drill at its time limit (the whole drill, not each borg call) and removes the scratch copy", async () => {
    let tree = "";
    const { scheduler, db } = await schedulerFor(
      repo,
      { drills: { timeout: 60 } },
      undefined,
      hooks({
        // Past the drill's deadline by the time this returns; no borg call runs after it.
        beforeCompare: async (dir: string) => {
          if (tree) return;
          tree = dir;
          await new Promise((r) => setTimeout(r, 61_000));
        },
      }),
    );
    expect(await scheduler.runDrill(repoOf(repo), null)).toMatchObject({ status: "done", outcome: "timeout" });
    expect(lastDrillRuns(db, "s/h").last?.message).toMatch(/time limit/);
    expect(tree).not.toBe("");
    expect(existsSync(tree)).toBe(false);
  });

  it("a drill killed half way leaves its scratch copy to the next start, which removes it and marks the run interrupted", async () => {
    const dataDir = await tempDir();
    // node itself (tsx as a loader), not the tsx wrapper: SIGKILL must reach the process running the drill,
    // not a parent that would leave it running as an orphan.
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "test/fixtures/drillChild.ts", dataDir, repo.location, repo.passphraseFile, repo.baseDir, method],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    const tree = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const m = /EXTRACTED (.+)\n/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.on("exit", (code) => reject(new Error(`drill child exited (${code}) before extracting: ${out}`)));
    });
    expect(existsSync(path.join(tree, "etc/hosts"))).toBe(true);
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
    expect(existsSync(tree)).toBe(true); // nobody cleaned up: the process died

    const db = openDatabase(dataDir);
    const { scheduler } = await schedulerFor(repo, { dataDir } as Partial<FleetConfigInput>, db);
    await scheduler.recover();
    expect(existsSync(path.join(dataDir, "drills"))).toBe(true);
    expect(await readdir(path.join(dataDir, "drills"))).toEqual([]);
    expect(lastDrillRuns(db, "s/h").last?.outcome).toBe("interrupted");
    db.close();
  });
});

/**
 * Drills on repos of three encryption modes (three id functions: sha256, HMAC-SHA256, BLAKE2b-256),
 * both methods, with a file of several chunks, an empty file, a hard link and a symlink in the archive.
 */
describe.each([{ encryption: "none" as const }, { encryption: "repokey" as const }, { encryption: "repokey-blake2" as const }])(
  "restore drills of a $encryption repo",
  ({ encryption }) => {
    let repo: TempRepo;
    const big = randomBytes(12 * 1024 * 1024); // over borg's largest chunk (8 MiB): at least two chunks
    beforeAll(async () => {
      repo = await makeTempRepo({
        encryption,
        archives: [
          {
            name: "h-1",
            files: [
              { path: "data/big.bin", content: big },
              { path: "data/empty", content: "" },
              { path: "links/a", content: "linked content\n" },
              { path: "links/b", type: "hardlink", target: "links/a" },
              { path: "links/sym", type: "symlink", target: "a" },
              { path: "etc/motd", content: "hello\n" },
            ],
          },
        ],
      });
      repos.push(repo);
    });

    it("the big file has several chunks in the archive", async () => {
      const chunks: number[] = [];
      const workDir = await tempDir();
      for await (const item of dumpArchiveItems(repo.target, "h-1", { ...repo.opts, workDir, withChunks: (p) => p.toString() === "data/big.bin" })) {
        if (item.chunks) chunks.push(item.chunks.length);
      }
      expect(chunks.length).toBe(1);
      expect(chunks[0]).toBeGreaterThan(1);
    });

    it.each([{ method: "chunk-ids" as const }, { method: "stream" as const }])(
      "checked by $method: identical, then a byte changed in a later chunk",
      async ({ method }) => {
        const methodHook = method === "stream" ? { method } : {};
        const { scheduler, db, scratchRoot } = await schedulerFor(repo, {}, undefined, methodHook);
        expect(await scheduler.runDrill(repoOf(repo), null)).toMatchObject({ status: "done", outcome: "ok" });
        const { last } = lastDrillRuns(db, "s/h");
        // big, empty, motd and the first of the two hard links (borg stores the data with it); no symlink.
        expect(last).toMatchObject({ outcome: "ok", files: 4, bytes: big.length + 15 + 6, mismatched: 0, missing: 0 });
        expect(last!.details?.method).toBe(method);
        expect(last!.message).toMatch(
          method === "chunk-ids" ? /checked them against the chunk ids the archive recorded: identical/ : /compared them with borg's stream: identical/,
        );

        const tampered = await schedulerFor(repo, {}, undefined, {
          ...methodHook,
          beforeCompare: async (dir: string, file: SampledFile) => {
            if (file.path !== "data/big.bin") return;
            const where = path.join(dir, file.path);
            const bytes = await readFile(where);
            bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0x01;
            await writeFile(where, bytes);
          },
        });
        expect(await tampered.scheduler.runDrill(repoOf(repo), null)).toMatchObject({ status: "done", outcome: "failed" });
        expect(lastDrillRuns(tampered.db, "s/h").last).toMatchObject({
          mismatched: 1,
          missing: 0,
          details: { mismatched: ["data/big.bin"], missing: [], method },
        });
        expect(await readdir(scratchRoot)).toEqual([]);
        expect(await readdir(tampered.scratchRoot)).toEqual([]);
      },
    );
  },
);

describe("restore drills of a file with many chunks", () => {
  it("checks a file of 48 chunks (a chunk list of more than 15 entries) and finds a byte changed in one of them", async () => {
    const repo = await makeTempRepo({ encryption: "repokey-blake2" });
    repos.push(repo);
    const source = await repo.writeSources([{ path: "many.bin", content: randomBytes(48 * 64 * 1024) }]);
    // borg's fixed-size chunker at 64 KiB: 48 chunks (the default chunker would make one or two).
    execFileSync("borg", ["create", "--chunker-params=fixed,65536", "--", `${repo.location}::h-1`, "."], {
      cwd: source,
      env: { NODE_ENV: "test", PATH: process.env.PATH, BORG_BASE_DIR: repo.baseDir, BORG_PASSPHRASE: repo.passphrase },
      stdio: "ignore",
    });
    const { repositoryId, encryption } = await listArchives(repo.target, repo.opts);
    const drill = async (beforeCompare?: DrillOptions["beforeCompare"]) =>
      runDrill(repo.target, "h-1", {
        ...repo.opts,
        scratchDir: path.join(await tempDir(), "drill"),
        maxBytes: 2 ** 30,
        maxFiles: 10,
        repository: { encryption, id: repositoryId },
        beforeCompare,
      });
    expect(await drill()).toMatchObject({ files: 1, method: "chunk-ids", mismatchedCount: 0, missingCount: 0 });
    const tampered = await drill(async (dir, file) => {
      const where = path.join(dir, file.path);
      const bytes = await readFile(where);
      bytes[40 * 64 * 1024 + 5] = bytes[40 * 64 * 1024 + 5]! ^ 0x80; // in the 41st chunk
      await writeFile(where, bytes);
    });
    expect(tampered).toMatchObject({ method: "chunk-ids", mismatched: ["many.bin"] });
  });
});

describe("a drill's sample from borg's item dump", () => {
  it("is the sample a listing gives, with every file's chunk list, in one pass", async () => {
    const files: SourceEntry[] = [
      // More files than dumpSample.ts keeps chunk lists for before it prunes them to the candidates.
      ...Array.from({ length: 1200 }, (_, i) => ({ path: `d${i % 4}/f${i}.txt`, content: randomBytes(100 + i) })),
      { path: "var/backups/db.sql", content: randomBytes(5000) },
      { path: "links/a", content: randomBytes(10) },
      { path: "links/b", type: "hardlink", target: "links/a" },
    ];
    const repo = await makeTempRepo({ archives: [{ name: "h-1", files }] });
    repos.push(repo);
    // Few files in the sample, so candidates are replaced and the kept chunk lists pruned on the way.
    const limits = { maxBytes: 2 ** 20, maxFiles: 6, ...repo.opts };
    const fromDump = await chooseSample(repo.target, "h-1", { ...limits, random: prng(7), dumpDir: await tempDir() });
    const fromListing = await chooseSample(repo.target, "h-1", { ...limits, random: prng(7) });
    expect(fromDump.source).toBe("dump");
    expect(fromListing.source).toBe("listing");
    // The same files for the same reasons (positions may be shifted by items one of them leaves out).
    const withoutSeq = (files: SampledFile[]) => files.map(({ seq: _seq, ...f }) => f);
    expect(withoutSeq(fromDump.files)).toEqual(withoutSeq(fromListing.files));
    expect(fromDump.chunkLists).toHaveLength(6);
    fromDump.files.forEach((f, i) => expect(fromDump.chunkLists![i]!.reduce((n, c) => n + c.size, 0)).toBe(f.size));
  });
});

describe("restore drills that cannot check chunk ids", () => {
  /** One drill of archive h-1 with the given repository info; the scratch directory must be gone after it. */
  async function drill(repo: TempRepo, repository: { encryption: string | null; id: string }) {
    const scratchDir = path.join(await tempDir(), "drill");
    const report = await runDrill(repo.target, "h-1", { ...repo.opts, scratchDir, maxBytes: 2 ** 20, maxFiles: 10, repository });
    expect(existsSync(scratchDir)).toBe(false);
    return report;
  }

  it("fall back to borg's stream and say why", async () => {
    const repo = await makeTempRepo({ archives: [{ name: "h-1", files: [{ path: "f.txt", content: "fallback\n" }] }] });
    repos.push(repo);
    const { repositoryId } = await listArchives(repo.target, repo.opts);
    const report = await drill(repo, { encryption: "passphrase", id: repositoryId });
    expect(report).toMatchObject({ files: 1, mismatchedCount: 0, missingCount: 0, method: "stream" });
    expect(report.fallbackReason).toMatch(/encryption mode "passphrase" is not known/);
  });

  it("fall back to borg's stream while a backup holds the lock (the item dump would take it), and still pass", async () => {
    const repo = await makeTempRepo({ archives: [{ name: "h-1", files: [{ path: "f.txt", content: "locked\n" }] }] });
    repos.push(repo);
    const { repositoryId, encryption } = await listArchives(repo.target, repo.opts);
    const holder = spawn("borg", ["with-lock", "--", repo.location, "sleep", "60"], {
      env: { NODE_ENV: "test", PATH: process.env.PATH, BORG_BASE_DIR: repo.baseDir, BORG_PASSPHRASE: repo.passphrase },
      stdio: "ignore",
      detached: true,
    });
    try {
      await waitFor(async () => (await readRepoLock(repo.location)).locked, "the lock holder");
      const report = await drill(repo, { encryption, id: repositoryId });
      expect(report).toMatchObject({ files: 1, mismatchedCount: 0, missingCount: 0, method: "stream", fallbackReason: "a backup held the repository lock" });
    } finally {
      process.kill(-holder.pid!, "SIGTERM");
    }
  });

  it("a wrong passphrase fails the drill with borg's explanation and leaves no scratch copy", async () => {
    const repo = await makeTempRepo({ archives: [{ name: "h-1" }] });
    repos.push(repo);
    const wrongFile = path.join(repo.root, "wrong");
    await writeFile(wrongFile, "zebra-9931-not-it\n");
    const { scheduler, db, scratchRoot } = await schedulerFor(repo);
    const target = { location: repo.location, secrets: { passphraseFile: wrongFile } };
    expect(await scheduler.runDrill({ ...repoOf(repo), target }, null)).toMatchObject({ status: "done", outcome: "failed" });
    const { last } = lastDrillRuns(db, "s/h");
    expect(last!.message).toMatch(/passphrase/i);
    expect(last!.message).not.toContain("zebra-9931");
    expect(existsSync(scratchRoot) ? await readdir(scratchRoot) : []).toEqual([]);
  });
});
