/**
 * Failures, locks, timeouts and cancellation with REAL borg: the classification of real failures,
 * and that stopping a call leaves no borg (or ssh, or passcommand) process behind.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempRepo, type TempRepo } from "@/test/fixtures/borgRepo";
import {
  archiveInfo,
  BorgError,
  createArchive,
  isRepoLockedLocally,
  listArchives,
  listContents,
  newestArchive,
  readRepoLock,
  repoInfo,
  type ArchiveItem,
} from "./index";
import { KILL_GRACE_MS } from "./run";

/** Live processes whose command line contains `marker` (zombies have an empty cmdline and do not count). */
async function processesMentioning(marker: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir("/proc")) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      const cmd = (await readFile(`/proc/${pid}/cmdline`)).toString().replace(/\0/g, " ").trim();
      if (cmd.includes(marker)) found.push(`${pid}: ${cmd}`);
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

async function caught(p: Promise<unknown>): Promise<BorgError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof BorgError) return err;
    throw err;
  }
  throw new Error("expected a BorgError");
}

/** A passcommand that blocks for a long time; its unique argument makes the process findable. */
function slowPasscommand(): { passcommand: string; marker: string } {
  const marker = `3${Math.floor(Math.random() * 1e6)
    .toString()
    .padStart(6, "0")}.5`;
  return { passcommand: `sleep ${marker}`, marker };
}

let repo: TempRepo;
beforeAll(async () => {
  repo = await makeTempRepo();
  // Big enough that a listing is still running when we stop reading it.
  const files = Array.from({ length: 3000 }, (_, i) => ({ path: `many/dir-${i % 30}/file-${i}.txt`, content: `${i}` }));
  await repo.addArchive("big", { files });
  await repo.addArchive("small");
}, 180_000);
afterAll(async () => {
  await repo?.cleanup();
});

describe("failures are classified", () => {
  it("wrong passphrase", async () => {
    const wrong = path.join(repo.root, "wrong-passphrase");
    await writeFile(wrong, "not it\n");
    const err = await caught(listArchives({ location: repo.location, secrets: { passphraseFile: wrong } }, repo.opts));
    expect(err).toMatchObject({ kind: "wrong-passphrase", msgid: "PassphraseWrong", exitCode: 2 });
    expect(err.userMessage).toMatch(/not the repository's passphrase/);
    expect(JSON.stringify(err)).not.toContain("not it");
  });

  it("no passphrase configured: borg does not prompt, it fails at once", async () => {
    const started = Date.now();
    const err = await caught(listArchives({ location: repo.location }, { ...repo.opts, timeoutMs: 30_000 }));
    expect(err).toMatchObject({ kind: "wrong-passphrase", msgid: "PassphraseWrong" });
    expect(err.userMessage).toMatch(/no passphrase .* is configured/);
    expect(Date.now() - started).toBeLessThan(25_000);
  });

  it("a passcommand that fails: its words and its stderr stay out of the error", async () => {
    const err = await caught(
      listArchives({ location: repo.location, secrets: { passcommand: "sh -c 'echo hunter2-secret >&2; exit 3' hunter2-arg" } }, repo.opts),
    );
    expect(err).toMatchObject({ kind: "wrong-passphrase", msgid: "PasscommandFailure" });
    expect(err.borgMessage).toMatch(/exited with status 3/);
    const all = JSON.stringify(err) + err.message + String(err.stack);
    expect(all).not.toContain("hunter2");
  });

  it("unreadable passphrase file: a clear error, borg not started", async () => {
    const err = await caught(listArchives({ location: repo.location, secrets: { passphraseFile: path.join(repo.root, "missing") } }, repo.opts));
    expect(err.kind).toBe("other");
    expect(err.userMessage).toMatch(/could not be read/);
  });

  it("missing repository, and a directory that is not one", async () => {
    expect(await caught(listArchives({ location: path.join(repo.root, "nope") }, repo.opts))).toMatchObject({
      kind: "repo-not-found",
      msgid: "Repository.DoesNotExist",
    });
    expect(await caught(repoInfo({ location: repo.root }, repo.opts))).toMatchObject({ kind: "repo-not-found", msgid: "Repository.InvalidRepository" });
  });

  it("missing archive", async () => {
    expect(await caught(archiveInfo(repo.target, "not-there", repo.opts))).toMatchObject({ kind: "archive-not-found", msgid: "Archive.DoesNotExist" });
    const contents = listContents(repo.target, "not-there", repo.opts);
    expect(await caught(contents.next())).toMatchObject({ kind: "archive-not-found" });
  });

  it("borg missing, or a missing working directory, say so", async () => {
    const saved = process.env.BORG_FLEET_BORG_BINARY;
    process.env.BORG_FLEET_BORG_BINARY = path.join(repo.root, "no-borg-here");
    try {
      expect((await caught(listArchives(repo.target, repo.opts))).userMessage).toMatch(/borg is not installed/);
    } finally {
      if (saved === undefined) delete process.env.BORG_FLEET_BORG_BINARY;
      else process.env.BORG_FLEET_BORG_BINARY = saved;
    }
    const err = await caught(createArchive(repo.target, "x", ["."], { cwd: path.join(repo.root, "no-such-dir") }, repo.opts));
    expect(err.userMessage).toMatch(/no-such-dir .* does not exist/);
  });

  it("ssh connection refused", async () => {
    const err = await caught(listArchives({ location: "ssh://borg@127.0.0.1:1/srv/borg/web01", secrets: { passphraseFile: repo.passphraseFile } }, repo.opts));
    expect(err.kind).toBe("connection-failed");
    expect(err.msgid).toBe("ConnectionClosedWithHint");
  });
});

describe("a repo locked by a running writer", () => {
  let holder: ChildProcess | undefined;
  beforeAll(async () => {
    // `borg with-lock REPO sleep 30` holds the exclusive lock the way a running `borg create` does.
    holder = spawn("borg", ["with-lock", repo.location, "sleep", "30"], {
      env: { NODE_ENV: "test", PATH: process.env.PATH, BORG_BASE_DIR: repo.baseDir, BORG_PASSPHRASE: repo.passphrase, LANG: "C.UTF-8" },
      stdio: "ignore",
      detached: true,
    });
    const locked = await eventually(() => isRepoLockedLocally(repo.location), 20_000);
    expect(locked).toBe(true);
  }, 30_000);
  afterAll(async () => {
    if (holder?.pid) {
      try {
        process.kill(-holder.pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
    await eventually(async () => !(await isRepoLockedLocally(repo.location)), 15_000);
  });

  it("isRepoLockedLocally and readRepoLock see the writer", async () => {
    expect(await isRepoLockedLocally(repo.location)).toBe(true);
    const state = await readRepoLock(repo.location);
    expect(state.locked).toBe(true);
    expect(state.exclusive).toHaveLength(1);
    expect(state.exclusive[0]!.pid).toBe(holder!.pid);
    expect(await isRepoLockedLocally("ssh://borg@backup/srv/borg/x")).toBe(false);
  });

  it("a locking command fails as busy (LockTimeout), not as an error", async () => {
    const err = await caught(repo.addArchive("while-locked"));
    expect(err).toMatchObject({ kind: "busy", msgid: "LockTimeout", exitCode: 2 });
    expect(err.userMessage).toMatch(/locked by another borg process/);
  });

  it("read-only calls bypass the lock and still work, without disturbing the writer", async () => {
    expect((await listArchives(repo.target, repo.opts)).archives.map((a) => a.name)).toEqual(["big", "small"]);
    expect(await newestArchive(repo.target, repo.opts)).toMatchObject({ name: "small" });
    expect((await repoInfo(repo.target, repo.opts)).stats.uniqueCsize).toBeGreaterThan(0);
    const items: ArchiveItem[] = [];
    for await (const item of listContents(repo.target, "small", repo.opts)) items.push(item);
    expect(items.map((i) => i.path)).toContain("hello.txt");
    // Our reads took no lock: the writer still holds it alone.
    expect((await readRepoLock(repo.location)).exclusive).toHaveLength(1);
    expect(await isRepoLockedLocally(repo.location)).toBe(true);
  });
});

describe("isRepoLockedLocally on an idle repo", () => {
  it("is false, and stays false after our reads", async () => {
    expect(await isRepoLockedLocally(repo.location)).toBe(false);
    await listArchives(repo.target, repo.opts);
    expect(await isRepoLockedLocally(repo.location)).toBe(false);
    expect(await isRepoLockedLocally(path.join(repo.root, "no-such-repo"))).toBe(false);
  });
});

describe("timeouts and cancellation stop borg and everything it started", () => {
  it("timeout: a call stuck in its passcommand is stopped, nothing left running", async () => {
    const { passcommand, marker } = slowPasscommand();
    const started = Date.now();
    const err = await caught(listArchives({ location: repo.location, secrets: { passcommand } }, { ...repo.opts, timeoutMs: 1500 }));
    expect(err.kind).toBe("timeout");
    expect(err.userMessage).toMatch(/did not finish after 2 s/);
    expect(Date.now() - started).toBeLessThan(1500 + KILL_GRACE_MS + 5000);
    expect(await processesMentioning(marker)).toEqual([]);
    expect(await processesMentioning(repo.location)).toEqual([]);
  });

  it("AbortSignal: cancelling stops borg and its passcommand", async () => {
    const { passcommand, marker } = slowPasscommand();
    const controller = new AbortController();
    const call = listArchives({ location: repo.location, secrets: { passcommand } }, { ...repo.opts, signal: controller.signal });
    expect(await eventually(async () => (await processesMentioning(marker)).length > 0)).toBe(true);
    controller.abort();
    const err = await caught(call);
    expect(err.kind).toBe("cancelled");
    expect(await processesMentioning(marker)).toEqual([]);
    expect(await processesMentioning(repo.location)).toEqual([]);
  });

  it("an already aborted signal starts nothing", async () => {
    const err = await caught(listArchives(repo.target, { ...repo.opts, signal: AbortSignal.abort() }));
    expect(err.kind).toBe("cancelled");
  });

  it("listContents: aborting mid-stream stops borg", async () => {
    const controller = new AbortController();
    let seen = 0;
    const err = await caught(
      (async () => {
        for await (const _item of listContents(repo.target, "big", { ...repo.opts, signal: controller.signal })) {
          seen++;
          if (seen === 1) controller.abort();
          // A slow consumer: borg must wait for us (bounded memory) and still be stoppable.
          await new Promise((r) => setTimeout(r, 1));
        }
      })(),
    );
    expect(err.kind).toBe("cancelled");
    expect(seen).toBeLessThan(3000);
    expect(await processesMentioning(repo.location)).toEqual([]);
  });

  it("listContents: breaking out of the loop stops borg, without an error", async () => {
    const first: string[] = [];
    for await (const item of listContents(repo.target, "big", repo.opts)) {
      first.push(item.path);
      if (first.length === 5) break;
    }
    expect(first).toHaveLength(5);
    expect(await processesMentioning(repo.location)).toEqual([]);
  });

  it("listContents: the full listing of 3000 files streams through", async () => {
    let count = 0;
    let files = 0;
    for await (const item of listContents(repo.target, "big", repo.opts)) {
      count++;
      if (item.type === "-") files++;
    }
    expect(files).toBe(3000);
    expect(count).toBe(3000 + 30 + 2); // files, 30 dirs, "many" and "."
  });

  it("a timeout while the consumer is slow stops borg too", async () => {
    const err = await caught(
      (async () => {
        for await (const _item of listContents(repo.target, "big", { ...repo.opts, timeoutMs: 1000 })) {
          await new Promise((r) => setTimeout(r, 50));
        }
      })(),
    );
    expect(err.kind).toBe("timeout");
    expect(await processesMentioning(repo.location)).toEqual([]);
  });

  it("createArchive is cancellable too", async () => {
    const controller = new AbortController();
    const { passcommand, marker } = slowPasscommand();
    const call = createArchive(
      { location: repo.location, secrets: { passcommand } },
      "never",
      ["."],
      { cwd: repo.root },
      { ...repo.opts, signal: controller.signal },
    );
    expect(await eventually(async () => (await processesMentioning(marker)).length > 0)).toBe(true);
    controller.abort();
    expect((await caught(call)).kind).toBe("cancelled");
    expect(await processesMentioning(marker)).toEqual([]);
    expect(await isRepoLockedLocally(repo.location)).toBe(false);
  });
});
