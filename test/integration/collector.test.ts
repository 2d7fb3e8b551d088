/**
 * The collector against real borg repos: its figures must equal what borg itself reports on the same
 * repo, and failures must come out as the kinds the triage page explains.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "@/lib/config/load";
import { openMemoryDatabase } from "@/lib/db";
import { Collector } from "@/lib/collector/collector";
import { realBorgReader } from "@/lib/collector/realBorgReader";
import { repoStatus } from "@/lib/fleet/status";
import { daysAgo, makeTempRepo, type TempRepo } from "../fixtures/borgRepo";

let good: TempRepo;
let empty: TempRepo;
let dataDir: string;

/** Ask the borg CLI directly (not through lib/borg), as an operator would. */
async function borgJson(repo: TempRepo, args: string[]) {
  const result = await execa("borg", [...args, "--json", repo.location], {
    env: { ...process.env, TZ: "UTC", BORG_PASSPHRASE: repo.passphrase, BORG_BASE_DIR: path.join(repo.root, "cli-base") },
  });
  return JSON.parse(result.stdout);
}

function collectorFor(repos: Array<{ host: string; location: string; passphraseFile?: string }>) {
  const yaml = [
    `dataDir: ${dataDir}`,
    "sites:",
    "  - name: onsite",
    `    root: ${dataDir}/empty-root`,
    "    discover: false",
    "repos:",
    ...repos.map(
      (r) =>
        `  - { host: ${r.host}, site: onsite, location: ${JSON.stringify(r.location)}${r.passphraseFile ? `, secrets: { passphraseFile: ${JSON.stringify(r.passphraseFile)} }` : ""} }`,
    ),
  ].join("\n");
  const config = parseConfig(yaml, path.join(dataDir, "fleet.yml"));
  return new Collector({ config, db: openMemoryDatabase(), borg: realBorgReader, log: () => {} });
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "bf-collector-int-"));
  fs.mkdirSync(path.join(dataDir, "empty-root"));
  good = await makeTempRepo();
  const files = (n: number) => [
    { path: "etc/hostname", content: "web-01\n" },
    { path: "var/backups/db.sql", content: Buffer.alloc(200_000 * n, n) },
    { path: `home/alice/notes ${n}.txt`, content: `note ${n}` },
  ];
  await good.addArchive("web-01-2026-11-20", { at: daysAgo(6), files: files(1) });
  await good.addArchive("web-01-2026-11-24", { at: daysAgo(2), files: files(2) });
  await good.addArchive("web-01 newest", { at: daysAgo(0.5), files: files(3) });
  empty = await makeTempRepo();
});

afterAll(async () => {
  await good?.cleanup();
  await empty?.cleanup();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("collector on real borg repos", () => {
  it("reports the same figures as borg itself", async () => {
    const collector = collectorFor([{ host: "web-01", location: good.location, passphraseFile: good.passphraseFile }]);
    await collector.runCycle();
    const repo = collector.getState().repos[0]!;

    const info = await borgJson(good, ["info"]);
    const list = await borgJson(good, ["list"]);
    const newest = (
      await execa("borg", ["info", "--json", "--last", "1", good.location], {
        env: { ...process.env, TZ: "UTC", BORG_PASSPHRASE: good.passphrase, BORG_BASE_DIR: path.join(good.root, "cli-base") },
      }).then((r) => JSON.parse(r.stdout))
    ).archives[0];

    expect(repo.lastError).toBeNull();
    expect(repo.archiveCount).toBe(list.archives.length);
    expect(repo.archives.map((a) => a.name)).toEqual(list.archives.map((a: { name: string }) => a.name));
    expect(repo.lastArchive!.name).toBe(newest.name);
    expect(repo.lastArchive!.id).toBe(newest.id);
    expect(repo.lastArchive!.start).toBe(Date.parse(`${newest.start}Z`));
    expect(repo.lastArchive!.end).toBe(Date.parse(`${newest.end}Z`));
    expect(repo.sizes).toEqual({
      originalBytes: info.cache.stats.total_size,
      compressedBytes: info.cache.stats.total_csize,
      deduplicatedBytes: info.cache.stats.unique_csize,
    });
    expect(repo.encryption).toBe(info.encryption.mode);
    const du = await execa("du", ["-s", "--block-size=1", good.location]);
    expect(repo.diskUsageBytes).toBe(Number(du.stdout.split("\t")[0]));
    expect(repoStatus(repo, Date.now(), 129600)).toBe("fresh");
    // Per-archive stats are cached and shown for every archive.
    expect(repo.archives.every((a) => a.stats !== null && a.stats.files === 3)).toBe(true);
  });

  it("says never for an initialised repo without archives", async () => {
    const collector = collectorFor([{ host: "new-host", location: empty.location, passphraseFile: empty.passphraseFile }]);
    await collector.runCycle();
    const repo = collector.getState().repos[0]!;
    expect(repo.lastError).toBeNull();
    expect(repo.archiveCount).toBe(0);
    expect(repoStatus(repo, Date.now(), 129600)).toBe("never");
  });

  it("explains a wrong passphrase", async () => {
    const wrong = path.join(dataDir, "wrong.pass");
    fs.writeFileSync(wrong, "not the passphrase\n", { mode: 0o600 });
    const collector = collectorFor([{ host: "web-01", location: good.location, passphraseFile: wrong }]);
    await collector.runCycle();
    const repo = collector.getState().repos[0]!;
    expect(repo.lastError?.kind).toBe("wrong-passphrase");
    expect(repo.lastError?.message).toMatch(/passphrase/i);
    expect(JSON.stringify(repo)).not.toContain("not the passphrase");
    expect(repoStatus(repo, Date.now(), 129600)).toBe("error");
  });

  it("explains a repo that does not exist", async () => {
    const collector = collectorFor([{ host: "gone", location: path.join(dataDir, "no-such-repo"), passphraseFile: good.passphraseFile }]);
    await collector.runCycle();
    const repo = collector.getState().repos[0]!;
    expect(repo.lastError?.kind).toBe("repo-not-found");
    expect(repoStatus(repo, Date.now(), 129600)).toBe("error");
  });

  it("shows a repo locked by a writer as busy, then reads it once the lock is gone", async () => {
    const collector = collectorFor([{ host: "web-01", location: good.location, passphraseFile: good.passphraseFile }]);
    const holder: ResultPromise = execa("borg", ["with-lock", good.location, "sleep", "60"], {
      env: { ...process.env, BORG_PASSPHRASE: good.passphrase, BORG_BASE_DIR: path.join(good.root, "cli-base") },
      reject: false,
    });
    try {
      // Wait until borg has taken the exclusive lock.
      for (let i = 0; i < 100 && !fs.existsSync(path.join(good.location, "lock.exclusive")); i++) await new Promise((r) => setTimeout(r, 100));
      expect(fs.existsSync(path.join(good.location, "lock.exclusive"))).toBe(true);
      await collector.runCycle();
      const busy = collector.getState().repos[0]!;
      expect(busy.busy).toBe(true);
      expect(busy.lastError).toBeNull();
      expect(repoStatus(busy, Date.now(), 129600)).toBe("busy");
    } finally {
      holder.kill("SIGTERM");
      await holder;
    }
    await collector.refreshRepo("onsite/web-01");
    collector.stop();
    const after = collector.getState().repos[0]!;
    expect(after.busy).toBe(false);
    expect(after.archiveCount).toBe(3);
  });
});
