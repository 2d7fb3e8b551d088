/**
 * deploy/client/borg-backup.sh on real filesystems with real borg: a btrfs filesystem on a loop device
 * with nested subvolumes (snapshots bind-mounted into the backup mount, removed afterwards, also when
 * borg fails or the run is interrupted), a non-btrfs root backed up directly, the run lock, the run
 * reports (Healthchecks-style pings), and prune keeping exactly the 7/4/6 GFS set.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kept, SEED_POLICY } from "@/lib/retention/gfs";
import { borgEnv, makeTmpDirs, ROOT, run, waitFor } from "./helpers";

import { SKIP_OUTSIDE_CI } from "../fixtures/ci";

const SCRIPT = path.join(ROOT, "deploy/client/borg-backup.sh");
const isRoot = process.getuid?.() === 0;
const tmp = makeTmpDirs();

interface Ping {
  path: string;
  body: string;
}

/** A stand-in for the dashboard's /ping endpoint: records every request. */
async function pingServer(): Promise<{ url: string; pings: Ping[]; close: () => Promise<void> }> {
  const pings: Ping[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      pings.push({ path: req.url ?? "", body });
      res.end("OK");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}/ping/test-token`, pings, close: () => new Promise((r) => server.close(() => r())) };
}

async function initRepo(base: string): Promise<string> {
  const repo = path.join(tmp.make("repo"), "repo");
  const r = await run("borg", ["init", "-e", "none", repo], { env: borgEnv(base) });
  expect(r.code, r.stderr).toBe(0);
  return repo;
}

const listArchive = async (base: string, repo: string) => {
  const last = await run("borg", ["list", "--short", "--last", "1", repo], { env: borgEnv(base) });
  const files = await run("borg", ["list", "--short", `${repo}::${last.stdout.trim()}`], { env: borgEnv(base) });
  expect(files.code, files.stderr).toBe(0);
  return files.stdout.split("\n").filter(Boolean);
};

function scriptEnv(base: string, extra: Record<string, string>): Record<string, string> {
  return borgEnv(base, { BACKUP_LOCK_FILE: path.join(base, "backup.lock"), DUMP_DATABASES: "no", ...extra });
}

const mountsUnder = (dir: string) =>
  fs
    .readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[4] ?? "")
    .filter((mp) => mp === dir || mp.startsWith(`${dir}/`));

describe.skipIf(SKIP_OUTSIDE_CI && !isRoot)("on btrfs (loop device) with nested subvolumes", () => {
  let dir = "";
  let loop = "";
  let top = "";
  let live = "";
  const subvolumes = async () => (await run("btrfs", ["subvolume", "list", top])).stdout;

  beforeAll(async () => {
    dir = tmp.make("btrfs");
    const image = path.join(dir, "fs.img");
    fs.writeFileSync(image, "");
    fs.truncateSync(image, 300 * 1024 * 1024);
    const l = await run("losetup", ["--find", "--show", image]);
    expect(l.code, l.stderr).toBe(0);
    loop = l.stdout.trim();
    expect((await run("mkfs.btrfs", ["-q", loop])).code).toBe(0);
    top = path.join(dir, "top");
    live = path.join(dir, "live");
    fs.mkdirSync(top);
    fs.mkdirSync(live);
    expect((await run("mount", [loop, top])).code).toBe(0);
    // A typical layout: the root is subvolume @, mounted on its own; /home/alice and
    // /home/alice/projects are nested subvolumes (a snapshot of @ holds them as empty directories).
    await run("btrfs", ["subvolume", "create", path.join(top, "@")]);
    fs.mkdirSync(path.join(top, "@/home"));
    await run("btrfs", ["subvolume", "create", path.join(top, "@/home/alice")]);
    await run("btrfs", ["subvolume", "create", path.join(top, "@/home/alice/projects")]);
    expect((await run("mount", ["-o", "subvol=@", loop, live])).code).toBe(0);
    fs.mkdirSync(path.join(live, "etc"));
    fs.writeFileSync(path.join(live, "etc/hostname"), "web1\n");
    fs.writeFileSync(path.join(live, "home/alice/notes.txt"), "alice's notes\n");
    fs.writeFileSync(path.join(live, "home/alice/projects/plan.md"), "# plan\n");
    for (const d of ["proc", "tmp", "var/cache/apt", "home/alice/.cache"]) {
      fs.mkdirSync(path.join(live, d), { recursive: true });
      fs.writeFileSync(path.join(live, d, "junk"), "not backed up\n");
    }
  });

  afterAll(async () => {
    for (const mp of [...mountsUnder(dir)].reverse()) {
      if ((await run("umount", [mp])).code !== 0) await run("umount", ["--lazy", mp]);
    }
    if (loop) await run("losetup", ["-d", loop]);
  });

  it("the archive holds the nested subvolumes' files; mounts and snapshots are gone afterwards", async () => {
    const base = tmp.make("base");
    const repo = await initRepo(base);
    const mountDir = path.join(dir, "backup");
    const pings = await pingServer();
    try {
      const r = await run("bash", [SCRIPT], { env: scriptEnv(base, { BORG_REPO: repo, BACKUP_ROOT: live, BACKUP_MOUNT: mountDir, PING_URL: pings.url }) });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`snapshot of ${live}/home/alice/projects mounted on ${mountDir}/home/alice/projects`);
      const files = await listArchive(base, repo);
      expect(files).toEqual(expect.arrayContaining(["etc/hostname", "home/alice/notes.txt", "home/alice/projects/plan.md", "proc", "tmp", "var/cache"]));
      for (const excluded of ["proc/junk", "tmp/junk", "var/cache/apt", "home/alice/.cache/junk"]) expect(files).not.toContain(excluded);
      expect(files.some((f) => f.includes("backup-snapshot"))).toBe(false);
      const plan = await run(
        "borg",
        [
          "extract",
          "--stdout",
          `${repo}::${(await run("borg", ["list", "--short", repo], { env: borgEnv(base) })).stdout.trim()}`,
          "home/alice/projects/plan.md",
        ],
        { env: borgEnv(base) },
      );
      expect(plan.stdout).toBe("# plan\n");
      expect(mountsUnder(mountDir)).toEqual([]);
      expect(await subvolumes()).not.toContain("backup-snapshot");
      expect(pings.pings.map((p) => p.path)).toEqual(["/ping/test-token/start", "/ping/test-token/0"]);
      expect(pings.pings[1]!.body).toContain("terminating with success status");
      expect(pings.pings[1]!.body).toMatch(/exit status 0 after \d+s\n$/);
    } finally {
      await pings.close();
    }
  });

  it("also from the filesystem's top level (subvolume id 5), whose subvolume paths are not prefixed", async () => {
    const base = tmp.make("base");
    const repo = await initRepo(base);
    const mountDir = path.join(dir, "backup-top");
    const r = await run("bash", [SCRIPT], { env: scriptEnv(base, { BORG_REPO: repo, BACKUP_ROOT: top, BACKUP_MOUNT: mountDir }) });
    expect(r.code, r.stderr).toBe(0);
    const files = await listArchive(base, repo);
    expect(files).toEqual(expect.arrayContaining(["@/etc/hostname", "@/home/alice/notes.txt", "@/home/alice/projects/plan.md"]));
    expect(mountsUnder(mountDir)).toEqual([]);
    expect(await subvolumes()).not.toContain("backup-snapshot");
  });

  it("cleans up and reports the failure with its log when borg fails mid-run", async () => {
    const base = tmp.make("base");
    const mountDir = path.join(dir, "backup-fail");
    const pings = await pingServer();
    try {
      // No repository there: borg create fails after the snapshots are mounted.
      const r = await run("bash", [SCRIPT], {
        env: scriptEnv(base, { BORG_REPO: path.join(base, "missing-repo"), BACKUP_ROOT: live, BACKUP_MOUNT: mountDir, PING_URL: pings.url }),
      });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("mounted on");
      expect(r.stderr).toContain("borg create failed (rc 2)");
      expect(mountsUnder(mountDir)).toEqual([]);
      expect(await subvolumes()).not.toContain("backup-snapshot");
      expect(pings.pings.map((p) => p.path)).toEqual(["/ping/test-token/start", "/ping/test-token/2"]);
      expect(pings.pings[1]!.body).toContain("does not exist");
      expect(pings.pings[1]!.body).toContain("borg create failed (rc 2)");
    } finally {
      await pings.close();
    }
  });

  it("cleans up when the run is interrupted (SIGTERM to the unit's processes) while borg runs", async () => {
    const base = tmp.make("base");
    const mountDir = path.join(dir, "backup-term");
    const fakeBorg = path.join(base, "slow-borg");
    fs.writeFileSync(fakeBorg, "#!/bin/bash\necho 'fake borg: running' >&2\nexec sleep 60\n", { mode: 0o755 });
    const child = spawn("bash", [SCRIPT], {
      env: scriptEnv(base, { BORG_REPO: "/nonexistent", BORG_BIN: fakeBorg, BACKUP_ROOT: live, BACKUP_MOUNT: mountDir }) as NodeJS.ProcessEnv,
      detached: true,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    await waitFor("borg to start", async () => (stderr.includes("fake borg: running") ? true : undefined));
    expect(mountsUnder(mountDir).length).toBe(3);
    process.kill(-child.pid!, "SIGTERM"); // what systemd does on stop: the whole control group
    expect(await exited).toBe(143);
    expect(mountsUnder(mountDir)).toEqual([]);
    expect(await subvolumes()).not.toContain("backup-snapshot");
  });

  it("a second run while one holds the lock does not start", async () => {
    const base = tmp.make("base");
    const lock = path.join(base, "backup.lock");
    const holder = spawn("flock", [lock, "sleep", "30"], { stdio: "ignore" });
    try {
      await waitFor("the lock", async () => (fs.existsSync(lock) ? true : undefined));
      await new Promise((r) => setTimeout(r, 200));
      const r = await run("bash", [SCRIPT], {
        env: scriptEnv(base, { BORG_REPO: "/nonexistent", BACKUP_ROOT: live, BACKUP_MOUNT: path.join(dir, "backup-lock") }),
      });
      expect(r.code).toBe(75);
      expect(r.stderr).toContain("another backup is running");
      expect(mountsUnder(path.join(dir, "backup-lock"))).toEqual([]);
    } finally {
      holder.kill();
    }
  });
});

describe("on a root that is not btrfs", () => {
  it("backs the root up directly, without snapshots or mounts", async () => {
    const base = tmp.make("base");
    const repo = await initRepo(base);
    const root = tmp.make("plain-root");
    fs.mkdirSync(path.join(root, "etc"));
    fs.writeFileSync(path.join(root, "etc/motd"), "hello\n");
    fs.mkdirSync(path.join(root, "proc"));
    fs.writeFileSync(path.join(root, "proc/junk"), "x");
    const mountDir = path.join(base, "backup");
    const r = await run("bash", [SCRIPT], {
      env: scriptEnv(base, { BORG_REPO: repo, BACKUP_ROOT: root, BACKUP_MOUNT: mountDir, BACKUP_LOCK_FILE: path.join(base, "lock") }),
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("is not a btrfs subvolume: backing it up directly");
    const files = await listArchive(base, repo);
    expect(files).toEqual(expect.arrayContaining(["etc/motd", "proc"]));
    expect(files).not.toContain("proc/junk");
    expect(fs.existsSync(mountDir)).toBe(false);
  });
});

describe("prune", () => {
  it("keeps exactly the 7 daily / 4 weekly / 6 monthly set on a generated history", async () => {
    const base = tmp.make("base");
    const repo = await initRepo(base);
    const empty = tmp.make("empty");
    const host = os.hostname();
    const now = new Date();
    const day = (n: number, hour = 3) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - n, hour, 0, 0));
    // Every day of the last 12 days (twice on some), then two a week for 6 weeks, then two a month
    // for 9 months (mid-month and last day): more than the policy keeps in every period.
    const history: Date[] = [];
    for (let n = 1; n <= 12; n++) history.push(day(n));
    history.push(day(1, 1), day(2, 1));
    for (let n = 14; n < 56; n += 7) history.push(day(n), day(n + 3));
    for (let m = 2; m <= 10; m++) {
      history.push(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - m, 15, 3)));
      history.push(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - m + 1, 0, 3)));
    }
    const fmt = (d: Date) => d.toISOString().slice(0, 19);
    // On some dates a weekly and a monthly slot fall on the same day (6 December: day 52 is 15 October);
    // borg refuses a second archive of that name, so each moment is archived once.
    const unique = [...new Map(history.map((d) => [d.getTime(), d])).values()];
    history.splice(0, history.length, ...unique);
    for (const ts of history) {
      const r = await run("borg", ["create", "--timestamp", fmt(ts), `${repo}::${host}-${fmt(ts)}`, empty], { env: borgEnv(base), cwd: empty });
      expect(r.code, r.stderr).toBe(0);
    }
    // The run itself is today's archive; then it prunes with the defaults (7/4/6) and compacts.
    const today = new Date(Math.min(Date.now() - 60_000, day(0, 3).getTime()));
    const r = await run("bash", [SCRIPT], {
      env: scriptEnv(base, { BORG_REPO: repo, BACKUP_PATHS: empty, BORG_BACKUP_TIMESTAMP: fmt(today) }),
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.match(/terminating with success status/g)).toHaveLength(3); // create, prune, compact
    const list = await run("borg", ["list", "--format", "{start:%Y-%m-%dT%H:%M:%S}{NL}", repo], { env: borgEnv(base) });
    const remaining = list.stdout.split("\n").filter(Boolean).sort();
    const expected = kept(
      [...history, today].map((ts) => ({ ts })),
      SEED_POLICY,
    )
      .map((a) => fmt(a.ts))
      .sort();
    expect(expected).toHaveLength(17); // the seed: 7 + 4 + 6
    expect(remaining).toEqual(expected);
  }, 300_000);
});
