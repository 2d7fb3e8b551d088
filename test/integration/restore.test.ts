/**
 * Restore jobs on real borg repositories: the bytes that come back, awkward names, symlinks that point
 * outside, a full filesystem, cancel, a dashboard killed mid-restore, the queue limit, and a repo
 * locked by a running backup.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodePathParam } from "@/lib/archives/pathParam";
import { configSchema, type FleetConfig } from "@/lib/config/schema";
import { openDatabase, openMemoryDatabase, type Db } from "@/lib/db";
import { queryAudit } from "@/lib/audit/log";
import { RestoreRunner, type RestoreSource, type RestoreSubmission } from "@/lib/restore/runner";
import { getJob, insertJob, jobLog } from "@/lib/restore/store";
import { SKIP_OUTSIDE_CI } from "@/test/fixtures/ci";
import { makeTempRepo, type SourceEntry, type TempRepo } from "@/test/fixtures/borgRepo";
import { run, waitFor } from "@/test/fixtures/processes";

const ROOT = path.resolve(__dirname, "..", "..");

function configFor(dataDir: string, restoreRootDir: string, concurrency = 2): FleetConfig {
  return configSchema.parse({ dataDir, sites: [{ name: "onsite", root: dataDir, discover: false }], restore: { root: restoreRootDir, concurrency } });
}

/** The repo of the describe block running (set in its beforeAll). */
let currentTarget: TempRepo["target"];

/** A submission and its source (target and checked path bytes), as the restore action hands them over. */
function request(archive: string, paths: Array<string | Buffer>, extra: Partial<RestoreSubmission> = {}): [RestoreSubmission, RestoreSource] {
  return [
    { host: "web1", site: "onsite", repoId: "onsite/web1", archive, archiveId: "0".repeat(64), stripComponents: 0, requestedBy: "alice", ...extra },
    { target: currentTarget, paths: paths.map((p) => (typeof p === "string" ? Buffer.from(p) : p)) },
  ];
}

function runnerFor(db: Db, repo: TempRepo, restoreRootDir: string, concurrency = 2): RestoreRunner {
  return new RestoreRunner({ db, config: configFor(repo.root, restoreRootDir, concurrency), borg: repo.opts, progressIntervalMs: 100 });
}

async function finished(runner: RestoreRunner, db: Db, id: number) {
  await runner.whenIdle();
  return getJob(db, id)!;
}

function borgEnv(repo: TempRepo): NodeJS.ProcessEnv {
  return { ...process.env, BORG_BASE_DIR: repo.baseDir, BORG_PASSPHRASE: repo.passphrase, LANG: "C.UTF-8" };
}

/** Every file below dir, as relative path bytes (latin1 text) -> content or link target. */
async function tree(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: Buffer, rel: string) => {
    for (const name of (await readdir(d, { encoding: "buffer" })) as Buffer[]) {
      const full = Buffer.concat([d, Buffer.from("/"), name]);
      const r = rel ? `${rel}/${name.toString("latin1")}` : name.toString("latin1");
      const st = await lstat(full);
      if (st.isDirectory()) await walk(full, r);
      else if (st.isSymbolicLink()) out.set(r, `-> ${(await readlink(full, { encoding: "buffer" })).toString("latin1")}`);
      else out.set(r, (await readFile(full)).toString("latin1"));
    }
  };
  await walk(Buffer.from(dir), "");
  return out;
}

const AWKWARD: SourceEntry[] = [
  { path: "data/with space.txt", content: "space" },
  { path: "data/tab\there", content: "tab" },
  { path: "data/new\nline", content: "newline" },
  { path: `data/quotes "double" 'single'`, content: "quotes" },
  { path: "data/glob*?[x]", content: "glob" },
  { path: "data/-leading-dash", content: "dash" },
  { path: "data/ trailing and leading blank ", content: "blanks" },
  { path: "data/#hash", content: "hash" },
  { path: "data/re:not-a-regex", content: "re" },
  { path: Buffer.from([0x64, 0x61, 0x74, 0x61, 0x2f, 0x6e, 0x6f, 0x6e, 0xff, 0xfe, 0x75, 0x74, 0x66]), content: "non-utf8" },
  { path: "data/ünïcødé €", content: "unicode" },
  { path: `data/${"long-directory-name-".repeat(10)}/${"x".repeat(200)}/${"y".repeat(200)}/file`, content: "long" },
  { path: "data/other.txt", content: "not selected" },
];

describe("restore jobs (real borg)", () => {
  let repo: TempRepo;
  let work: string;
  const outside = path.join(os.tmpdir(), `borg-fleet-outside-${process.pid}`);

  beforeAll(async () => {
    repo = await makeTempRepo({ encryption: "repokey-blake2" });
    currentTarget = repo.target;
    work = await mkdtemp(path.join(os.tmpdir(), "borg-fleet-restore-"));
    await repo.addArchive("web1-2026-01-01", {
      files: [
        { path: "etc/motd", content: "hello\n" },
        { path: "etc/app/config.yml", content: randomBytes(100_000) },
        { path: "var/lib/db.bin", content: randomBytes(300_000) },
        { path: "etc/link-out", type: "symlink", target: outside },
        ...AWKWARD,
      ],
    });
    await rm(outside, { recursive: true, force: true });
    await mkdir(outside);
  });

  afterAll(async () => {
    await repo?.cleanup();
    await rm(work, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  it("restores selected paths byte for byte into <root>/<host>/<archive>/<job>, audited", async () => {
    const db = openMemoryDatabase();
    const root = path.join(work, "r1");
    const runner = runnerFor(db, repo, root);
    const job = runner.submit(...request("web1-2026-01-01", ["etc", "var/lib/db.bin"]));
    expect(job.destination).toBe(path.join(root, "web1", "web1-2026-01-01", String(job.id)));
    const done = await finished(runner, db, job.id);
    expect(done.state, done.error ?? "").toBe("succeeded");
    expect(done.percent).toBe(100);
    expect(done.bytesTotal).toBe(6 + 100_000 + 300_000 + outside.length); // a symlink's size is its target's length
    const source = (await readdir(repo.root)).find((d) => d.startsWith("src-"))!;
    for (const f of ["etc/motd", "etc/app/config.yml", "var/lib/db.bin"]) {
      expect((await readFile(path.join(done.destination, f))).equals(await readFile(path.join(repo.root, source, f))), f).toBe(true);
    }
    expect(existsSync(path.join(done.destination, "data"))).toBe(false); // not selected
    expect((await lstat(done.destination)).mode & 0o777).toBe(0o700);
    const rows = queryAudit(db, { action: "archive:restore" });
    expect(rows.map((r) => r.reason)).toEqual([`restore job ${job.id} succeeded`, `restore job ${job.id} queued`]);
    expect(rows[1]!.paths).toContain("var/lib/db.bin");
    expect(
      jobLog(db, job.id)
        .map((l) => l.message)
        .join("\n"),
    ).toContain("6 items"); // etc, etc/motd, etc/app, etc/app/config.yml, etc/link-out, var/lib/db.bin
  });

  it("restores awkward names exactly (spaces, tabs, newlines, quotes, *?[, dashes, non-UTF-8, long paths)", async () => {
    const db = openMemoryDatabase();
    const runner = runnerFor(db, repo, path.join(work, "r2"));
    const selected = AWKWARD.filter((e) => e.content !== "not selected").map((e) => e.path);
    const job = runner.submit(...request("web1-2026-01-01", selected));
    const done = await finished(runner, db, job.id);
    expect(done.state, done.error ?? "").toBe("succeeded");
    const got = await tree(done.destination);
    const want = new Map(
      AWKWARD.filter((e) => e.content !== "not selected").map((e) => [
        Buffer.from(e.path as string | Buffer).toString("latin1"),
        Buffer.from(e.content as string).toString("latin1"),
      ]),
    );
    expect(got).toEqual(want);
  });

  it("restores a symlink pointing outside as a link, and writes nothing outside the job directory", async () => {
    const db = openMemoryDatabase();
    const runner = runnerFor(db, repo, path.join(work, "r3"));
    const job = runner.submit(...request("web1-2026-01-01", ["etc/link-out"]));
    const done = await finished(runner, db, job.id);
    expect(done.state, done.error ?? "").toBe("succeeded");
    expect(await readlink(path.join(done.destination, "etc/link-out"))).toBe(outside);
    expect(await readdir(outside)).toEqual([]);
  });

  it("refuses a crafted archive where a file lies below a symlink to outside (borg would follow it)", async () => {
    // A tar with `d -> <outside>` then `d/file`: plain borg 1.2 extract writes <outside>/file.
    const tarFile = path.join(work, "evil.tar");
    const py = `import tarfile, io
t = tarfile.open(${JSON.stringify(tarFile)}, 'w')
i = tarfile.TarInfo('d'); i.type = tarfile.SYMTYPE; i.linkname = ${JSON.stringify(outside)}; t.addfile(i)
data = b'pwned'; i = tarfile.TarInfo('d/file'); i.size = len(data); t.addfile(i, io.BytesIO(data))
t.close()`;
    expect((await run("python3", ["-c", py])).code).toBe(0);
    const imported = await run("borg", ["import-tar", "--", `${repo.location}::evil`, tarFile], { env: borgEnv(repo) });
    expect(imported.code, imported.stderr).toBe(0);

    const db = openMemoryDatabase();
    const runner = runnerFor(db, repo, path.join(work, "r4"));
    const job = runner.submit(...request("evil", ["d"]));
    const done = await finished(runner, db, job.id);
    expect(done.state).toBe("failed");
    expect(done.error).toMatch(/outside the job directory/);
    expect(await readdir(outside)).toEqual([]);
    expect(await readdir(done.destination)).toEqual([]);
    expect(queryAudit(db, { action: "archive:restore", outcome: "failed" })).toHaveLength(1);
  });

  it("keeps the archive name a single safe directory name ('..', '/'-free, no escape)", async () => {
    const dotdot = await repo.addArchive("..", { files: [{ path: "x", content: "dots" }] });
    const db = openMemoryDatabase();
    const root = path.join(work, "r5");
    const runner = runnerFor(db, repo, root);
    const job = runner.submit(...request(dotdot.name, ["x"]));
    expect(path.relative(path.join(root, "web1"), job.destination).split(path.sep)).toEqual(["%2E.", String(job.id)]);
    const done = await finished(runner, db, job.id);
    expect(done.state, done.error ?? "").toBe("succeeded");
    expect(await readFile(path.join(done.destination, "x"), "utf8")).toBe("dots");
  });

  it("queues past the concurrency limit (FIFO) and runs the third job when a slot frees", async () => {
    const db = openMemoryDatabase();
    const runner = runnerFor(db, repo, path.join(work, "r6"), 2);
    const a = runner.submit(...request("web1-2026-01-01", ["var"], { requestedBy: "alice" }));
    const b = runner.submit(...request("web1-2026-01-01", ["etc"], { requestedBy: "bob" }));
    const c = runner.submit(...request("web1-2026-01-01", ["etc/motd"], { requestedBy: "alice" }));
    expect([getJob(db, a.id)!.state, getJob(db, b.id)!.state, getJob(db, c.id)!.state]).toEqual(["running", "running", "queued"]);
    await runner.whenIdle();
    for (const j of [a, b, c]) expect(getJob(db, j.id)!.state).toBe("succeeded");
    expect(getJob(db, c.id)!.startedAt!).toBeGreaterThanOrEqual(Math.min(getJob(db, a.id)!.finishedAt!, getJob(db, b.id)!.finishedAt!));
  });

  it("fails a queued row this process was not given (no repo target, no checked paths) instead of resolving it again", async () => {
    const db = openMemoryDatabase();
    const runner = runnerFor(db, repo, path.join(work, "r-foreign"), 1);
    // A row as another process would have left it: only the stored fields, none of the request layer's source.
    const row = insertJob(db, {
      ...request("web1-2026-01-01", ["etc/motd"])[0],
      paths: [encodePathParam(Buffer.from("etc/motd"))],
      destinationFor: (id) => path.join(work, "r-foreign", `job-${id}`),
    });
    runner.pump();
    const done = await finished(runner, db, row.id);
    expect(done.state).toBe("failed");
    expect(done.error).toBe(`Restore job ${row.id} was not submitted to this dashboard process; retry it.`);
  });

  it("cancels a queued job at once, and retries it as a new job with the same inputs", async () => {
    const db = openMemoryDatabase();
    const runner = runnerFor(db, repo, path.join(work, "r7"), 1);
    const a = runner.submit(...request("web1-2026-01-01", ["var"]));
    const b = runner.submit(...request("web1-2026-01-01", ["etc/motd"], { stripComponents: 1 }));
    const cancelled = await runner.cancel(b.id, "bob");
    expect(cancelled.state).toBe("cancelled");
    await runner.whenIdle();
    expect(getJob(db, a.id)!.state).toBe("succeeded");
    const again = runner.retry(b.id, request("web1-2026-01-01", ["etc/motd"])[1], "carol");
    expect(again.retryOf).toBe(b.id);
    expect(again.paths).toEqual(b.paths);
    const done = await finished(runner, db, again.id);
    expect(done.state, done.error ?? "").toBe("succeeded");
    expect(await readFile(path.join(done.destination, "motd"), "utf8")).toBe("hello\n"); // strip-components 1
    expect(() => runner.retry(a.id, request("web1-2026-01-01", ["var"])[1], "carol")).toThrow(/only failed, cancelled or interrupted/);
  });

  it("restores while a backup holds the repository lock (borg with-lock), thanks to --bypass-lock", async () => {
    const holder = spawn("borg", ["with-lock", "--", repo.location, "sleep", "60"], { env: borgEnv(repo), stdio: "ignore", detached: true });
    try {
      await waitFor("the repo lock", async () => ((await readdir(repo.location)).includes("lock.exclusive") ? true : undefined));
      const db = openMemoryDatabase();
      const runner = runnerFor(db, repo, path.join(work, "r8"));
      const job = runner.submit(...request("web1-2026-01-01", ["etc/motd"]));
      const done = await finished(runner, db, job.id);
      expect(done.state, done.error ?? "").toBe("succeeded");
      expect(holder.exitCode).toBeNull(); // the "backup" still holds its lock, undisturbed
    } finally {
      const exited = new Promise((r) => holder.once("exit", r));
      process.kill(-holder.pid!, "SIGTERM");
      await exited;
    }
  });
});

describe("restore jobs on big data (cancel, a killed dashboard)", () => {
  let repo: TempRepo;
  let work: string;

  beforeAll(async () => {
    repo = await makeTempRepo({ encryption: "none" });
    currentTarget = repo.target;
    work = await mkdtemp(path.join(os.tmpdir(), "borg-fleet-restore-big-"));
    // Incompressible data, several files, so extract takes seconds and reports progress on the way.
    const files: SourceEntry[] = [];
    for (let i = 0; i < 6; i++) files.push({ path: `big/part-${i}.bin`, content: randomBytes(64 * 1024 * 1024) });
    await repo.addArchive("big", { files });
  });

  afterAll(async () => {
    await repo?.cleanup();
    await rm(work, { recursive: true, force: true });
  });

  it("cancels a running restore: borg's process group is gone, state cancelled, partial files said", async () => {
    const db = openMemoryDatabase();
    const runner = runnerFor(db, repo, path.join(work, "c1"));
    const job = runner.submit(...request("big", ["big"]));
    const pid = await waitFor(
      "extract progress",
      async () => {
        const j = getJob(db, job.id)!;
        return j.pid && j.bytesDone > 0 ? j.pid : undefined;
      },
      60_000,
    );
    const cancelled = await runner.cancel(job.id, "bob");
    expect(cancelled.state).toBe("cancelled");
    expect(cancelled.error).toContain(job.destination);
    expect(existsSync(`/proc/${pid}`)).toBe(false);
    const rows = queryAudit(db, { action: "archive:restore" });
    expect(rows[0]!.reason).toBe(`restore job ${job.id} cancelled by bob`);
    expect(rows[0]!.username).toBe("bob");
  });

  it("marks a job interrupted after the dashboard was SIGKILLed mid-restore, and stops the orphaned borg", async () => {
    const dataDir = path.join(work, "k1");
    await mkdir(dataDir, { recursive: true });
    const spec = {
      dataDir,
      restoreRoot: path.join(dataDir, "restores"),
      target: repo.target,
      borg: repo.opts,
      request: request("big", ["big"]).map((part) => ("paths" in part ? { ...part, paths: part.paths.map(encodePathParam) } : part)),
    };
    // One process (tsx as a loader, not its CLI, which would run the script in a second process).
    const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "test/integration/restoreChild.ts"), JSON.stringify(spec)], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "inherit"],
    });
    const db = openDatabase(dataDir);
    try {
      const pid = await waitFor(
        "the child's borg extract",
        async () => {
          const j = db.prepare("SELECT pid, bytes_done FROM restore_jobs WHERE id = 1").get() as { pid: number | null; bytes_done: number } | undefined;
          return j?.pid && j.bytes_done > 0 ? j.pid : undefined;
        },
        90_000,
      );
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
      expect(existsSync(`/proc/${pid}`)).toBe(true); // borg outlived the dashboard

      const runner = new RestoreRunner({ db, config: configFor(dataDir, spec.restoreRoot), borg: repo.opts });
      expect(await runner.recoverInterrupted()).toBe(1);
      const job = getJob(db, 1)!;
      expect(job.state, job.error ?? "").toBe("interrupted");
      expect(job.error).toMatch(/stopped while this job was running.*was still running and was stopped/);
      await waitFor("the orphan to exit", async () => (existsSync(`/proc/${pid}`) ? undefined : true), 15_000);
      // Retry works on the same database.
      const again = runner.retry(1, request("big", ["big"])[1], "alice");
      const done = await finished(runner, db, again.id);
      expect(done.state, done.error ?? "").toBe("succeeded");
    } finally {
      child.kill("SIGKILL");
      db.close();
    }
  });
});

describe.skipIf(SKIP_OUTSIDE_CI && process.getuid?.() !== 0)("restore into a full filesystem (tmpfs, root only)", () => {
  let repo: TempRepo;
  let mountPoint: string;

  beforeAll(async () => {
    repo = await makeTempRepo({ encryption: "none" });
    currentTarget = repo.target;
    await repo.addArchive("fill", {
      files: [
        { path: "big.bin", content: randomBytes(6 * 1024 * 1024) },
        { path: "small.txt", content: "small" },
      ],
    });
    mountPoint = await mkdtemp(path.join(os.tmpdir(), "borg-fleet-tmpfs-"));
    const mounted = await run("mount", ["-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", mountPoint]);
    expect(mounted.code, mounted.stderr).toBe(0);
  });

  afterAll(async () => {
    if (mountPoint) {
      await run("umount", [mountPoint]);
      await rm(mountPoint, { recursive: true, force: true });
    }
    await repo?.cleanup();
  });

  it("fails the job with a clear 'no space left' message; the next job works", async () => {
    const db = openMemoryDatabase();
    const runner = runnerFor(db, repo, mountPoint);
    const job = runner.submit(...request("fill", ["big.bin"]));
    const done = await finished(runner, db, job.id);
    expect(done.state).toBe("failed");
    expect(done.error).toMatch(/No space left on device/);
    await rm(done.destination, { recursive: true, force: true }); // the operator frees space
    const next = runner.submit(...request("fill", ["small.txt"]));
    const ok = await finished(runner, db, next.id);
    expect(ok.state, ok.error ?? "").toBe("succeeded");
    expect(await readFile(path.join(ok.destination, "small.txt"), "utf8")).toBe("small");
  });
});
