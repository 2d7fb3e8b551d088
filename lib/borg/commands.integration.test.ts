/**
 * lib/borg against REAL borg repositories in temp dirs. Figures are compared with what the borg CLI
 * itself prints for the same repo (run directly, not through lib/borg).
 */
import { execFileSync } from "node:child_process";
import { link, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { daysAgo, makeTempRepo, type SourceEntry, type TempRepo } from "@/test/fixtures/borgRepo";
import { localRepoTransaction } from "./lock";
import {
  archiveInfo,
  archivesInfo,
  borgVersion,
  createArchive,
  initRepo,
  listArchives,
  listContents,
  listIndexContents,
  newestArchive,
  repoInfo,
  repoStats,
  type ArchiveItem,
} from "./index";

/** The borg CLI on the same repo, same base dir, same passphrase. */
function borgCli(repo: TempRepo, args: string[]): unknown {
  const out = execFileSync("borg", args, {
    env: {
      NODE_ENV: "test",
      PATH: process.env.PATH,
      TZ: "UTC",
      LANG: "C.UTF-8",
      LC_ALL: "C.UTF-8",
      BORG_BASE_DIR: repo.baseDir,
      BORG_PASSPHRASE: repo.passphrase,
    },
    stdio: ["ignore", "pipe", "ignore"],
  });
  return JSON.parse(out.toString());
}

async function collect<T = ArchiveItem>(iter: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iter) out.push(item);
  return out;
}

const JAN1 = new Date(Date.UTC(2024, 0, 1, 2, 30, 0));
const JAN2 = new Date(Date.UTC(2024, 0, 2, 2, 30, 0));

describe("reads match the borg CLI", () => {
  let repo: TempRepo;
  beforeAll(async () => {
    repo = await makeTempRepo();
    // Created out of order: the listing must still come back oldest first.
    await repo.addArchive("web01-2024-01-02", {
      at: JAN2,
      files: [
        { path: "etc/motd", content: "two\n" },
        { path: "var/log/big.log", content: "x".repeat(50_000) },
      ],
    });
    await repo.addArchive("web01-2024-01-01", { at: JAN1, files: [{ path: "etc/motd", content: "one\n" }] });
  });
  afterAll(async () => {
    await repo?.cleanup();
  });

  it("borgVersion", async () => {
    expect(await borgVersion(repo.opts)).toMatch(/^1\.2\.\d+/);
  });

  it("listArchives: names, ids and start times, oldest first", async () => {
    const ours = await listArchives(repo.target, repo.opts);
    const cli = borgCli(repo, ["list", "--json", repo.location]) as { archives: Array<{ name: string; id: string }>; repository: { id: string } };
    expect(ours.archives.map((a) => a.name)).toEqual(["web01-2024-01-01", "web01-2024-01-02"]);
    expect(ours.archives.map((a) => a.start)).toEqual([JAN1.getTime(), JAN2.getTime()]);
    expect(new Set(ours.archives.map((a) => a.id))).toEqual(new Set(cli.archives.map((a) => a.id)));
    expect(ours.repositoryId).toBe(cli.repository.id);
    expect(ours.location).toBe(repo.location);
    expect(ours.encryption).toBe("repokey-blake2");
  });

  it("newestArchive is the newest by start time", async () => {
    const newest = await newestArchive(repo.target, repo.opts);
    expect(newest).toMatchObject({ name: "web01-2024-01-02", start: JAN2.getTime() });
  });

  it("repoInfo: the cache figures borg info --json prints", async () => {
    const ours = await repoInfo(repo.target, repo.opts);
    const cli = borgCli(repo, ["info", "--json", repo.location]) as { cache: { stats: Record<string, number> }; repository: { id: string } };
    expect(ours.stats).toEqual({
      totalSize: cli.cache.stats.total_size,
      totalCsize: cli.cache.stats.total_csize,
      uniqueSize: cli.cache.stats.unique_size,
      uniqueCsize: cli.cache.stats.unique_csize,
      totalChunks: cli.cache.stats.total_chunks,
      totalUniqueChunks: cli.cache.stats.total_unique_chunks,
    });
    expect(ours.stats.uniqueCsize).toBeGreaterThan(0);
    expect(ours.repositoryId).toBe(cli.repository.id);
    expect(await repoStats(repo.target, repo.opts)).toEqual(ours.stats);
  });

  it("archiveInfo: the archive figures borg info --json REPO::ARCHIVE prints", async () => {
    const ours = await archiveInfo(repo.target, "web01-2024-01-02", repo.opts);
    const cli = (
      borgCli(repo, ["info", "--json", `${repo.location}::web01-2024-01-02`]) as {
        archives: Array<Record<string, unknown> & { stats: Record<string, number> }>;
      }
    ).archives[0]!;
    expect(ours.id).toBe(cli.id);
    expect(ours.start).toBe(JAN2.getTime());
    expect(ours.end).toBeGreaterThanOrEqual(ours.start);
    expect(ours.durationSeconds).toBe(cli.duration);
    expect(ours.stats).toEqual({
      originalSize: cli.stats.original_size,
      compressedSize: cli.stats.compressed_size,
      deduplicatedSize: cli.stats.deduplicated_size,
      nfiles: cli.stats.nfiles,
    });
    expect(ours.stats.nfiles).toBe(2);
    expect(ours.stats.originalSize).toBe(50_004);
  });

  it("archivesInfo: repo figures plus the newest N archives in one call", async () => {
    const info = await archivesInfo(repo.target, 5, repo.opts);
    expect(info.archives.map((a) => a.name)).toEqual(["web01-2024-01-01", "web01-2024-01-02"]);
    expect(info.archives[1]).toMatchObject({ nfiles: 2, originalSize: 50_004, start: JAN2.getTime() });
    expect(info.stats).toEqual((await repoInfo(repo.target, repo.opts)).stats);
    expect((await archivesInfo(repo.target, 1, repo.opts)).archives.map((a) => a.name)).toEqual(["web01-2024-01-02"]);
  });

  it("createArchive returns the stats borg create --json reports", async () => {
    const created = await repo.addArchive("web01-extra", {
      at: daysAgo(400),
      files: [
        { path: "a", content: "aaa" },
        { path: "b", content: "bbbb" },
      ],
    });
    const info = await archiveInfo(repo.target, "web01-extra", repo.opts);
    expect(created).toMatchObject({ name: "web01-extra", id: info.id, start: info.start, warnings: [] });
    expect(created.stats.nfiles).toBe(info.stats.nfiles);
    expect(info.stats.originalSize).toBe(7);
    // borg 1.2's create --json counts the archive's own metadata stream too; info counts file data only.
    expect(created.stats.originalSize).toBeGreaterThanOrEqual(info.stats.originalSize);
    expect(created.repoStats.uniqueCsize).toBeGreaterThan(0);
  });

  it("localRepoTransaction moves with every commit (how the collector tells a torn lock-free read)", async () => {
    const before = await localRepoTransaction(repo.target.location);
    expect(before).not.toBeNull();
    await repo.addArchive("web01-transaction", { at: daysAgo(300), files: [{ path: "t", content: "t" }] });
    expect(await localRepoTransaction(repo.target.location)).toBeGreaterThan(before!);
    expect(await localRepoTransaction("ssh://backup.example.com/srv/borg/x")).toBeNull();
  });

  it("createArchive reports borg's warnings (exit code 1) and still returns the archive", async () => {
    const dir = await repo.writeSources([{ path: "present", content: "here" }]);
    const created = await createArchive(repo.target, "with-warning", ["present", "missing-file"], { cwd: dir }, repo.opts);
    expect(created.warnings.join("\n")).toMatch(/missing-file/);
    expect(created.stats.nfiles).toBe(1);
  });
});

describe("awkward archive names round-trip", () => {
  const NAMES = [
    "with space",
    "tab\there",
    "new\nline",
    "trailing newline\n",
    'quote\'s "double"',
    "-leading-dash",
    "--looks-like-an-option",
    "ünïcødé ✓ 😀",
    "{hostname}-{now}",
    "percent %s %d",
    "back\\slash",
    "star*?[x]",
    "semi;colon|pipe&$(echo no)`x`",
    ":leading-colon",
    "trailing-colon:",
  ];
  let repo: TempRepo;
  beforeAll(async () => {
    repo = await makeTempRepo();
    // One timestamp per name, a minute apart, so the expected order is known.
    for (const [i, name] of NAMES.entries()) {
      await repo.addArchive(name, { at: new Date(Date.UTC(2024, 5, 1, 0, i)), files: [{ path: `file-${i}`, content: name }] });
    }
  }, 180_000);
  afterAll(async () => {
    await repo?.cleanup();
  });

  it("listArchives gives every name back exactly, in order", async () => {
    const list = await listArchives(repo.target, repo.opts);
    expect(list.archives.map((a) => a.name)).toEqual(NAMES);
  });

  it.each(NAMES.map((n) => [JSON.stringify(n), n]))("archiveInfo finds %s", async (_label, name) => {
    const info = await archiveInfo(repo.target, name, repo.opts);
    expect(info.name).toBe(name);
    expect(info.stats.nfiles).toBe(1);
    expect(info.start).toBe(Date.UTC(2024, 5, 1, 0, NAMES.indexOf(name)));
  });

  it.each(["new\nline", "--looks-like-an-option", "{hostname}-{now}", "ünïcødé ✓ 😀"].map((n) => [JSON.stringify(n), n]))(
    "listContents opens %s",
    async (_label, name) => {
      const items = await collect(listContents(repo.target, name, repo.opts));
      expect(items.map((i) => i.path)).toEqual([".", `file-${NAMES.indexOf(name)}`]);
    },
  );

  it("a name that cannot exist is archive-not-found, without running borg on it", async () => {
    await expect(archiveInfo(repo.target, "a/b", repo.opts)).rejects.toMatchObject({ kind: "archive-not-found" });
    await expect(archiveInfo(repo.target, "no such archive", repo.opts)).rejects.toMatchObject({ kind: "archive-not-found", msgid: "Archive.DoesNotExist" });
  });
});

describe("listContents: exact names for every byte", () => {
  const asciiAll = Buffer.from(Array.from({ length: 126 }, (_, i) => i + 1).filter((b) => b !== 0x2f));
  const highAll = Buffer.from(Array.from({ length: 128 }, (_, i) => i + 128));
  const ENTRIES: SourceEntry[] = [
    { path: "dir with space/new\nline.txt", content: "nl" },
    { path: "dir with space/tab\tname", content: "tab" },
    { path: "dir with space/cr\rname", content: "cr" },
    { path: "-leading-dash", content: "dash" },
    { path: "--rf", content: "dash2" },
    { path: "glob*?[chars]", content: "glob" },
    { path: "back\\slash \\x41 \\n", content: "escapes that must stay text" },
    { path: "quotes ' \" `", content: "q" },
    { path: "ünïcødé 😀 𝄞", content: "u" },
    { path: "{NUL}{NL}", content: "format keys as names" },
    { path: Buffer.concat([Buffer.from("latin1-"), Buffer.from([0xe9, 0xff, 0xfe])]), content: "not utf-8" },
    { path: Buffer.concat([Buffer.from("nested/"), Buffer.from([0x80, 0x0a, 0xc3])]), content: "bad utf-8 and newline" },
    { path: Buffer.concat([Buffer.from("all/"), asciiAll]), content: "every ascii byte" },
    { path: Buffer.concat([Buffer.from("all/"), highAll]), content: "every high byte" },
    { path: "links/target.txt", content: "target" },
    { path: "links/sym", type: "symlink", target: "target.txt" },
    { path: "links/dangling\nlink", type: "symlink", target: "../nowhere\nat all" },
    { path: "empty-dir", type: "dir" },
  ];
  let repo: TempRepo;
  let expected: string[];
  beforeAll(async () => {
    repo = await makeTempRepo();
    const dir = await repo.writeSources(ENTRIES);
    await link(path.join(dir, "links/target.txt"), path.join(dir, "links/hardlink"));
    await createArchive(repo.target, "awkward", ["."], { cwd: dir }, repo.opts);
    // Every file, directory and link borg should list, as hex of the exact bytes.
    const all = new Set<string>([".", "links/hardlink"].map((p) => Buffer.from(p).toString("hex")));
    for (const e of ENTRIES) {
      let p = typeof e.path === "string" ? Buffer.from(e.path) : e.path;
      all.add(p.toString("hex"));
      for (let slash = p.lastIndexOf(0x2f); slash > 0; slash = p.lastIndexOf(0x2f)) {
        p = p.subarray(0, slash);
        all.add(p.toString("hex"));
      }
    }
    expected = [...all].sort();
  });
  afterAll(async () => {
    await repo?.cleanup();
  });

  it("yields every entry with its exact path bytes", async () => {
    const items = await collect(listContents(repo.target, "awkward", repo.opts));
    expect(items.map((i) => i.pathBytes.toString("hex")).sort()).toEqual(expected);
    const byPath = new Map(items.map((i) => [i.pathBytes.toString("hex"), i]));
    const get = (p: string | Buffer) => byPath.get((typeof p === "string" ? Buffer.from(p) : p).toString("hex"))!;

    expect(get("dir with space/new\nline.txt")).toMatchObject({ type: "-", size: 2, path: "dir with space/new\nline.txt", linkTarget: null });
    expect(get("empty-dir")).toMatchObject({ type: "d", size: 0 });
    expect(get("links/sym")).toMatchObject({ type: "l", linkTarget: "target.txt" });
    expect(get("links/dangling\nlink")).toMatchObject({ type: "l", linkTarget: "../nowhere\nat all" });
    const latin = get(Buffer.concat([Buffer.from("latin1-"), Buffer.from([0xe9, 0xff, 0xfe])]));
    expect(latin.size).toBe(9);
    expect(latin.path).toBe("latin1-\ufffd\ufffd\ufffd");
    // Hard links: borg 1.2 lists the second one as "h..." pointing at the first (which one is first depends on directory order).
    const hard = [get("links/hardlink"), get("links/target.txt")];
    expect(hard.filter((h) => h.mode.startsWith("h"))).toHaveLength(1);
    expect(hard.find((h) => h.mode.startsWith("h"))!.hardlinkTarget).toMatch(/^links\/(hardlink|target\.txt)$/);
  });

  it("listIndexContents (the index's leaner format) gives the same entries, field for field", async () => {
    const full = await collect(listContents(repo.target, "awkward", repo.opts));
    const lean = await collect(listIndexContents(repo.target, "awkward", repo.opts));
    const strip = ({ path: _path, uid: _uid, gid: _gid, ...rest }: (typeof full)[number]) => rest;
    expect(lean).toEqual(full.map(strip));
    expect(lean.map((i) => i.pathBytes.toString("hex")).sort()).toEqual(expected);
  });

  it("mtime, owner and mode are filled in", async () => {
    const items = await collect(listContents(repo.target, "awkward", repo.opts));
    const file = items.find((i) => i.path === "-leading-dash")!;
    expect(file.mode).toBe("-rw-r--r--");
    expect(file.uid).toBe(process.getuid?.() ?? file.uid);
    expect(typeof file.user).toBe("string");
    expect(Math.abs(file.mtime - Date.now())).toBeLessThan(10 * 60_000);
  });

  it("path prefixes limit the listing, taken literally (no pattern syntax)", async () => {
    const sub = await collect(listContents(repo.target, "awkward", { ...repo.opts, paths: ["dir with space"] }));
    expect(sub.map((i) => i.path).sort()).toEqual(["dir with space", "dir with space/cr\rname", "dir with space/new\nline.txt", "dir with space/tab\tname"]);
    const glob = await collect(listContents(repo.target, "awkward", { ...repo.opts, paths: ["glob*?[chars]", "-leading-dash"] }));
    expect(glob.map((i) => i.path).sort()).toEqual(["-leading-dash", "glob*?[chars]"]);
    expect(await collect(listContents(repo.target, "awkward", { ...repo.opts, paths: ["gl"] }))).toEqual([]);
  });
});

describe("unencrypted repositories", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), "borg-fleet-plain-"));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("readable with the base dir that created them; refused as unknown elsewhere unless allowed", async () => {
    const location = path.join(root, "plain");
    const ownBase = { baseDir: path.join(root, "base-a") };
    await initRepo(location, { encryption: "none" }, ownBase);
    await createArchive({ location }, "one", ["."], { cwd: root, excludes: ["sh:**/base-*", "sh:plain"] }, ownBase);
    expect((await listArchives({ location }, ownBase)).encryption).toBe("none");

    const otherBase = { baseDir: path.join(root, "base-b") };
    await expect(listArchives({ location }, otherBase)).rejects.toMatchObject({ kind: "other", msgid: "Cache.CacheInitAbortedError" });
    expect((await listArchives({ location }, { ...otherBase, allowUnknownUnencrypted: true })).archives).toHaveLength(1);
    // Known from now on:
    expect((await listArchives({ location }, otherBase)).archives).toHaveLength(1);
  });

  it("an empty repo has no newest archive", async () => {
    const location = path.join(root, "empty");
    const opts = { baseDir: path.join(root, "base-a") };
    await initRepo(location, { encryption: "none" }, opts);
    expect(await newestArchive({ location }, opts)).toBeNull();
    expect((await listArchives({ location }, opts)).archives).toEqual([]);
    expect((await repoInfo({ location }, opts)).stats.totalChunks).toBe(0);
  });
});
