/**
 * The archive index on real borg repositories: the index holds exactly what borg lists (awkward and
 * non-UTF-8 names included), synthesises parents borg does not list, sorts and searches, evicts least
 * recently used indexes past the disk budget, survives a crash mid-build, reports borg's failures and
 * builds each archive once however many requests open it.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IndexCatalog } from "@/lib/archives/index/catalog";
import { buildIndexFile } from "@/lib/archives/index/build";
import { createIndexFile, indexPaths, openIndexReader, SORT_INDEX_STATEMENTS } from "@/lib/archives/index/file";
import { buildSearchIndex, searchIndexReady } from "@/lib/archives/index/search";
import { IndexWriter } from "@/lib/archives/index/writer";
import { ArchiveIndexes, type ListSource } from "@/lib/archives/index/manager";
import { IndexReader, SORT_KEYS } from "@/lib/archives/index/reader";
import { execInWorker } from "@/lib/archives/index/sqlWorker";
import type { ArchiveRef } from "@/lib/archives/locate";
import { resolveArchive } from "@/lib/archives/locate";
import { createArchive, listArchives, listContents, type IndexItem } from "@/lib/borg";
import { configSchema } from "@/lib/config/schema";
import { openMemoryDatabase } from "@/lib/db";
import { makeTempRepo, type SourceEntry, type TempRepo } from "../fixtures/borgRepo";

const NON_UTF8 = Buffer.from([0x6e, 0x6f, 0x6e, 0x2d, 0xff, 0xfe, 0x2e, 0x62, 0x69, 0x6e]); // "non-\xff\xfe.bin"
const LONG_DIR = Array.from({ length: 12 }, (_, i) => `level-${i}-${"x".repeat(60)}`).join("/");

const AWKWARD: SourceEntry[] = [
  { path: "srv/data/with space.txt", content: "a" },
  { path: "srv/data/tab\there.txt", content: "bb" },
  { path: "srv/data/new\nline.txt", content: "ccc" },
  { path: 'srv/data/quote\'s "double".txt', content: "dddd" },
  { path: "srv/data/glob*?[.txt", content: "eeeee" },
  { path: "srv/data/-leading-dash", content: "ffffff" },
  { path: "srv/data/MixedCase-Report.PDF", content: "g" },
  { path: Buffer.concat([Buffer.from("srv/data/"), NON_UTF8]), content: "binary name" },
  { path: `srv/data/${LONG_DIR}/deep.txt`, content: "deep" },
  { path: "srv/data/link-out", type: "symlink", target: "/etc/passwd" },
  { path: "srv/data/empty-dir", type: "dir" },
];

let repo: TempRepo;
let sourceDir: string;
const tmpDirs: string[] = [];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(repo.root, "index-"));
  tmpDirs.push(dir);
  return dir;
}

async function refFor(name: string, target = repo.target): Promise<ArchiveRef> {
  const archive = (await listArchives(repo.target, repo.opts)).archives.find((a) => a.name === name)!;
  return { repoId: "onsite/web1", host: "web1", site: "onsite", target, archive: { name: archive.name, id: archive.id, start: archive.start } };
}

function manager(
  options: { dir?: string; diskBudget?: number; list?: ListSource; db?: ReturnType<typeof openMemoryDatabase>; graceMs?: number; maxBuilds?: number } = {},
): ArchiveIndexes {
  return new ArchiveIndexes({
    dir: options.dir ?? tempDir(),
    db: options.db ?? openMemoryDatabase(),
    diskBudget: options.diskBudget ?? 1024 ** 3,
    borg: repo.opts,
    list: options.list,
    evictionGraceMs: options.graceMs ?? 0,
    maxConcurrentBuilds: options.maxBuilds,
  });
}

async function built(indexes: ArchiveIndexes, ref: ArchiveRef): Promise<IndexReader> {
  indexes.open(ref);
  const status = await indexes.whenSettled(ref.archive.id);
  expect(status?.state, status?.error ?? "").toBe("complete");
  return indexes.reader(ref.archive.id)!;
}

/** Every path in the index (implicit parents included), from a walk of the folders. */
function allPaths(reader: IndexReader): Buffer[] {
  const out: Buffer[] = [];
  const walk = (dirPath: Buffer) => {
    const dir = reader.directory(dirPath)!;
    for (const row of reader.list(dir, { sort: "name", order: "asc", offset: 0, limit: 100_000 }).rows) {
      out.push(row.path);
      if (row.type === "d") walk(row.path);
    }
  };
  walk(Buffer.alloc(0));
  return out;
}

function borgJsonLines(archive: string): Array<{ path: string; type: string; size: number; linktarget: string; mode: string }> {
  const out = execFileSync("borg", ["list", "--json-lines", "--bypass-lock", "--", `${repo.location}::${archive}`], {
    env: { ...process.env, BORG_PASSCOMMAND: `cat ${repo.passphraseFile}`, BORG_BASE_DIR: repo.baseDir, TZ: "UTC" },
    maxBuffer: 64 * 1024 * 1024,
  });
  return out
    .toString("utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { path: string; type: string; size: number; linktarget: string; mode: string });
}

beforeAll(async () => {
  repo = await makeTempRepo();
  sourceDir = await repo.writeSources(AWKWARD);
  fs.linkSync(path.join(sourceDir, "srv/data/with space.txt"), path.join(sourceDir, "srv/data/hardlink.txt"));
  // Only srv/data is given to borg: "srv" is never listed, the index must synthesise it.
  await createArchive(repo.target, "awkward", ["srv/data"], { cwd: sourceDir }, repo.opts);
  await repo.addArchive("second", { files: [{ path: "etc/motd", content: "hello" }] });
  await repo.addArchive("third", { files: [{ path: "etc/hosts", content: "127.0.0.1 localhost" }] });
});

afterAll(async () => {
  await repo?.cleanup();
});

describe("archive index: contents", () => {
  let reader: IndexReader;
  let indexes: ArchiveIndexes;

  beforeAll(async () => {
    indexes = manager();
    reader = await built(indexes, await refFor("awkward"));
  });
  afterAll(() => indexes.stop());

  it("holds exactly the entries borg --json-lines lists, plus the parent borg did not list", () => {
    const borg = borgJsonLines("awkward");
    const indexed = allPaths(reader);
    const indexedUtf8 = indexed.filter((p) => Buffer.from(p.toString("utf8"), "utf8").equals(p)).map((p) => p.toString("utf8"));
    // borg's JSON shows the one non-UTF-8 name lossily; it is compared byte-exact in the next test.
    const borgUtf8 = borg.map((e) => e.path).filter((p) => !p.startsWith("srv/data/non-"));
    expect(borg.length - borgUtf8.length).toBe(1);
    expect(indexed.length).toBe(borg.length + 1); // + the synthesised "srv"
    expect(indexedUtf8.sort()).toEqual(["srv", ...borgUtf8].sort());
    for (const entry of borg.filter((e) => borgUtf8.includes(e.path))) {
      const row = reader.entry(Buffer.from(entry.path, "utf8"))!;
      expect(row, entry.path).not.toBeNull();
      expect(row.type).toBe(entry.type);
      expect(row.size).toBe(entry.size);
      if (entry.type === "l") expect(row.linkTarget).toBe(entry.linktarget);
    }
  });

  it("keeps non-UTF-8 names byte-exact", () => {
    const exact = Buffer.concat([Buffer.from("srv/data/"), NON_UTF8]);
    const row = reader.entry(exact);
    expect(row).not.toBeNull();
    expect(row!.path.equals(exact)).toBe(true);
    expect(row!.name.equals(NON_UTF8)).toBe(true);
    expect(row!.size).toBe("binary name".length);
  });

  it("finds names with spaces, tabs, newlines, quotes, glob characters, leading dashes and very long paths", () => {
    for (const entry of AWKWARD) {
      if (typeof entry.path !== "string") continue;
      const row = reader.entry(Buffer.from(entry.path));
      expect(row, JSON.stringify(entry.path)).not.toBeNull();
      expect(row!.type).toBe(entry.type === "dir" ? "d" : entry.type === "symlink" ? "l" : "-");
    }
    expect(reader.entry(Buffer.from("srv/data/link-out"))!.linkTarget).toBe("/etc/passwd");
    expect(reader.entry(Buffer.from("srv/data/nope"))).toBeNull();
  });

  it("records hard links with their target", () => {
    const links = [reader.entry(Buffer.from("srv/data/hardlink.txt"))!, reader.entry(Buffer.from("srv/data/with space.txt"))!];
    const link = links.find((l) => l.hardlinkTarget !== null)!;
    expect(link).toBeDefined();
    expect(["srv/data/hardlink.txt", "srv/data/with space.txt"]).toContain(link.hardlinkTarget);
  });

  it("synthesises parents borg did not list, with child counts and total sizes", () => {
    const srv = reader.entry(Buffer.from("srv"))!;
    expect(srv.implicit).toBe(true);
    expect(srv.type).toBe("d");
    expect(srv.childCount).toBe(1);
    const data = reader.entry(Buffer.from("srv/data"))!;
    expect(data.implicit).toBe(false);
    expect(data.mode).toMatch(/^d/);
    const fileBytes = AWKWARD.reduce((sum, e) => sum + (e.type ? 0 : Buffer.byteLength(e.content ?? "")), 0);
    // borg 1.2 reports size 0 for the second link of a hard-linked file; symlinks count their target length.
    expect(data.totalSize).toBeGreaterThanOrEqual(fileBytes);
    expect(srv.totalSize).toBe(data.totalSize);
    const root = reader.directory(Buffer.alloc(0))!;
    expect(reader.list(root, { sort: "name", order: "asc", offset: 0, limit: 10 }).rows.map((r) => r.path.toString())).toEqual(["srv"]);
  });

  it("sorts a folder by name, size, mtime and type, both ways, with stable paging", () => {
    const dir = reader.directory(Buffer.from("srv/data"))!;
    const page = (sort: "name" | "size" | "mtime" | "type", order: "asc" | "desc", offset = 0, limit = 1000) =>
      reader.list(dir, { sort, order, offset, limit }).rows;
    const byName = page("name", "asc");
    expect(byName.length).toBe(dir.childCount);
    const names = byName.map((r) => r.name);
    expect(names).toEqual([...names].sort(Buffer.compare));
    expect(page("name", "desc").map((r) => r.name)).toEqual([...names].reverse());
    const sizes = page("size", "asc").map((r) => r.size);
    expect(sizes).toEqual([...sizes].sort((a, b) => a - b));
    expect(page("size", "desc").map((r) => r.size)).toEqual([...sizes].sort((a, b) => b - a));
    const mtimes = page("mtime", "desc").map((r) => r.mtime);
    expect(mtimes).toEqual([...mtimes].sort((a, b) => b - a));
    const types = page("type", "asc").map((r) => r.type);
    expect(types).toEqual([...types].sort());
    // Pages of 3 put together are the full listing.
    const paged = [0, 3, 6, 9, 12].flatMap((offset) => page("size", "asc", offset, 3)).map((r) => r.path.toString("latin1"));
    expect(paged).toEqual(page("size", "asc").map((r) => r.path.toString("latin1")));
    expect(reader.list(dir, { sort: "name", order: "asc", offset: 0, limit: 2 }).total).toBe(dir.childCount);
  });

  it("searches names case-insensitively across the whole archive", () => {
    const hits = reader.search("report.pdf", 50);
    expect(hits.rows.map((r) => r.path.toString())).toEqual(["srv/data/MixedCase-Report.PDF"]);
    expect(reader.search("DEEP", 50).rows.map((r) => r.path.toString())).toEqual([`srv/data/${LONG_DIR}/deep.txt`]);
    expect(reader.search("*?[", 50).rows).toHaveLength(1);
    expect(reader.search("%", 50).rows).toHaveLength(0); // not a LIKE pattern
    expect(reader.search('"DOUBLE" AND', 50).rows).toHaveLength(0); // not FTS syntax either
    expect(reader.search('s "double"', 50).rows.map((r) => r.name.toString())).toEqual(['quote\'s "double".txt']);
    expect(reader.search("\t", 50).rows.map((r) => r.name.toString())).toEqual(["tab\there.txt"]); // under 3 characters: a scan
    expect(reader.search("B\tH", 50).rows.map((r) => r.name.toString())).toEqual(["tab\there.txt"]);
    expect(reader.search("-l", 50).rows.map((r) => r.name.toString())).toEqual(["-leading-dash"]);
    expect(reader.search("\\xff\\xfe", 50).rows.map((r) => r.path.equals(Buffer.concat([Buffer.from("srv/data/"), NON_UTF8])))).toEqual([true]);
    const many = reader.search("level-", 5);
    expect(many.rows).toHaveLength(5);
    expect(many.truncated).toBe(true);
    expect(reader.search("no such name", 50)).toEqual({ rows: [], truncated: false });
  });
});

describe("archive index: folders past the writer's cache", () => {
  // The writer remembers 4,096 recent folders; older ones are found in the index itself. A listing in
  // an order borg could produce (folders first, then their files, then a folder seen long ago) with
  // more folders than that, a symlink whose name later appears as a folder, and parents never listed.
  async function* items(): AsyncGenerator<IndexItem> {
    const base = { mode: "drwxr-xr-x", user: "u", group: "g", size: 0, mtime: 0, linkTarget: null, hardlinkTarget: null };
    for (let i = 0; i < 5_000; i++) yield { ...base, type: "d", pathBytes: Buffer.from(`top/d${i}`) };
    for (let i = 0; i < 5_000; i += 7) yield { ...base, type: "-", mode: "-rw-r--r--", size: i, pathBytes: Buffer.from(`top/d${i}/f`) };
    yield { ...base, type: "l", mode: "lrwxrwxrwx", linkTarget: "elsewhere", pathBytes: Buffer.from("top/d0/link") };
    yield { ...base, type: "-", mode: "-rw-r--r--", size: 3, pathBytes: Buffer.from("top/d0/link/under") };
    yield { ...base, type: "-", mode: "-rw-r--r--", size: 5, pathBytes: Buffer.from("never/listed/file") };
    yield { ...base, type: "-", mode: "-rw-r--r--", size: 1, pathBytes: Buffer.from("top/d1/late") };
  }

  it("puts every entry under its one folder row, and adds up the totals", async () => {
    const files = indexPaths(tempDir(), "a".repeat(64));
    const result = await buildIndexFile(items(), files, {});
    expect(result.entries).toBe(5_000 + 715 + 4);
    const reader = new IndexReader(openIndexReader(files.final));
    try {
      const folderRows = reader.db.prepare("SELECT path, count(*) AS n FROM entries WHERE path IS NOT NULL GROUP BY path HAVING n > 1").all();
      expect(folderRows).toEqual([]);
      const top = reader.directory(Buffer.from("top"))!;
      expect(top).toMatchObject({ implicit: true, childCount: 5_000 });
      expect(
        reader.list(reader.directory(Buffer.from("top/d0"))!, { sort: "name", order: "asc", offset: 0, limit: 10 }).rows.map((r) => r.name.toString()),
      ).toEqual(["f", "link"]);
      expect(reader.entry(Buffer.from("top/d0/link/under"))).toMatchObject({ size: 3 });
      expect(reader.directory(Buffer.from("top/d1"))).toMatchObject({ childCount: 1, totalSize: 1 });
      expect(reader.directory(Buffer.from("top/d4999"))).toMatchObject({ childCount: 0, totalSize: 0 });
      expect(reader.directory(Buffer.from("top/d4998"))).toMatchObject({ childCount: 1, totalSize: 4998 });
      expect(reader.directory(Buffer.from("top/d4998/f"))).toBeNull();
      expect(reader.entry(Buffer.from("top/d4998/f"))).toMatchObject({ size: 4998 });
      expect(reader.directory(Buffer.from("never/listed"))).toMatchObject({ implicit: true, childCount: 1, totalSize: 5 });
      let sum = 0;
      for (let i = 0; i < 5_000; i += 7) sum += i;
      // "link/under" is below a symlink: it counts for the link (as a file: its own size), not for top.
      expect(top.totalSize).toBe(sum + 1);
    } finally {
      reader.close();
    }
  });
});

describe("archive index: search index built after the listing", () => {
  const QUERIES = ["report.pdf", "DEEP", 's "double"', "B\tH", "level-", "\\xff\\xfe", "-l", "no such name"];
  const answers = (reader: IndexReader) => QUERIES.map((q) => reader.search(q, 50).rows.map((r) => r.path.toString("latin1")));

  it("answers searches by scanning until the trigram index is built, then the same from the trigram index", async () => {
    const ref = await refFor("awkward");
    const files = indexPaths(tempDir(), ref.archive.id);
    await buildIndexFile(listContents(repo.target, "awkward", repo.opts), files, {});
    const reader = new IndexReader(openIndexReader(files.final));
    try {
      expect(searchIndexReady(reader.db)).toBe(false);
      const trigramRows = () => reader.db.prepare(`SELECT count(*) FROM names_trigrams WHERE names_trigrams MATCH '"rep"'`).pluck().get();
      expect(trigramRows()).toBe(0);
      const before = answers(reader);
      expect(before[0]).toEqual(["srv/data/MixedCase-Report.PDF"]);
      expect(before[5]!.map((p) => Buffer.from(p, "latin1").equals(Buffer.concat([Buffer.from("srv/data/"), NON_UTF8])))).toEqual([true]);

      const stopped = new AbortController();
      stopped.abort();
      expect(await buildSearchIndex(files.final, stopped.signal)).toBe(false);
      expect(searchIndexReady(reader.db)).toBe(false);

      expect(await buildSearchIndex(files.final, new AbortController().signal)).toBe(true);
      expect(searchIndexReady(reader.db)).toBe(true);
      expect(trigramRows()).toBeGreaterThan(0);
      expect(answers(reader)).toEqual(before);
    } finally {
      reader.close();
    }
  });

  it("sorts folders the same before and after the sort indexes are built (in a worker thread)", async () => {
    const ref = await refFor("awkward");
    const files = indexPaths(tempDir(), ref.archive.id);
    await buildIndexFile(listContents(repo.target, "awkward", repo.opts), files, {});
    const sortIndexes = () => {
      const db = openIndexReader(files.final);
      try {
        return db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'entries_by_parent_%' ORDER BY name").pluck().all();
      } finally {
        db.close();
      }
    };
    const pages = () => {
      const reader = new IndexReader(openIndexReader(files.final));
      try {
        const dir = reader.directory(Buffer.from("srv/data"))!;
        return SORT_KEYS.flatMap((sort) =>
          (["asc", "desc"] as const).map((order) => reader.list(dir, { sort, order, offset: 2, limit: 5 }).rows.map((r) => r.path.toString("hex"))),
        );
      } finally {
        reader.close();
      }
    };
    expect(sortIndexes()).toEqual(["entries_by_parent_name"]);
    const before = pages();
    expect(before[0]).toHaveLength(5);
    expect(await execInWorker(files.final, SORT_INDEX_STATEMENTS, new AbortController().signal)).toBe(true);
    expect(sortIndexes()).toEqual(["entries_by_parent_mtime", "entries_by_parent_name", "entries_by_parent_size", "entries_by_parent_type"]);
    expect(pages()).toEqual(before);
    // Aborted before it starts: nothing runs.
    const stopped = new AbortController();
    stopped.abort();
    expect(await execInWorker(files.final, ["DROP INDEX entries_by_parent_size"], stopped.signal)).toBe(false);
    expect(sortIndexes()).toHaveLength(4);
    // A failing statement is reported, not swallowed.
    await expect(execInWorker(files.final, ["CREATE INDEX broken ON no_such_table (x)"], new AbortController().signal)).rejects.toThrow(/no_such_table/);
  });

  it("is built by the manager once the index is complete", async () => {
    const indexes = manager();
    const ref = await refFor("awkward");
    await built(indexes, ref);
    await indexes.whenSearchReady(ref.archive.id);
    const reader = indexes.reader(ref.archive.id)!;
    expect(searchIndexReady(reader.db)).toBe(true);
    expect(answers(reader)[1]).toEqual([`srv/data/${LONG_DIR}/deep.txt`]);
    await indexes.stop();
  });
});

describe("archive index: lifecycle", () => {
  it("evicts the least recently used index past the disk budget, never the one just built", async () => {
    const dir = tempDir();
    const db = openMemoryDatabase();
    const [awkward, second, third] = [await refFor("awkward"), await refFor("second"), await refFor("third")];
    const probe = manager({ dir, db, diskBudget: 1024 ** 3 });
    await built(probe, second);
    const size = probe.catalogRows()[0]!.bytes;
    await probe.stop();
    // Room for two indexes of this size: opening a third evicts the least recently used one.
    const indexes = manager({ dir, db, diskBudget: Math.floor(size * 2.5) });
    await built(indexes, awkward);
    indexes.open(second); // used after "awkward": "awkward" is now the least recently used
    await built(indexes, third);
    const kept = indexes
      .catalogRows()
      .map((r) => r.archiveName)
      .sort();
    expect(kept).toEqual(["second", "third"]);
    expect(fs.existsSync(indexPaths(dir, awkward.archive.id).final)).toBe(false);
    expect(indexes.status(awkward.archive.id)).toBeNull();
    // A budget smaller than one index still keeps the one just built.
    const tiny = manager({ dir, db, diskBudget: 1 });
    await built(tiny, awkward);
    expect(tiny.catalogRows().map((r) => r.archiveName)).toEqual(["awkward"]);
    // An index in use (opened within the grace period) is kept past the budget too.
    const browsing = manager({ dir, db, diskBudget: 1, graceMs: 60_000 });
    await built(browsing, second);
    expect(
      browsing
        .catalogRows()
        .map((r) => r.archiveName)
        .sort(),
    ).toEqual(["awkward", "second"]);
    await indexes.stop();
    await tiny.stop();
    await browsing.stop();
  });

  it("runs no more builds at once than the limit; the others wait their turn", async () => {
    const [a, b] = [await refFor("second"), await refFor("third")];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const gated: ListSource = async function* (r, signal) {
      await gate;
      yield* listContents(r.target, r.archive.name, { ...repo.opts, signal });
    };
    const indexes = manager({ list: gated, maxBuilds: 1 });
    indexes.open(a);
    indexes.open(b);
    await expect.poll(() => indexes.status(a.archive.id)?.state).toBe("building");
    expect(indexes.status(b.archive.id)?.state).toBe("queued");
    release();
    expect((await indexes.whenSettled(a.archive.id))?.state).toBe("complete");
    expect((await indexes.whenSettled(b.archive.id))?.state).toBe("complete");
    await indexes.stop();
  });

  it("after a crash mid-build, drops the partial file and rebuilds", async () => {
    const dir = tempDir();
    const db = openMemoryDatabase();
    const ref = await refFor("awkward");
    // A process that died mid-build leaves a partial file with some committed batches and its catalog
    // row saying "building": write exactly that from the real listing, then drop the connection.
    const files = indexPaths(dir, ref.archive.id);
    const partial = createIndexFile(files.partial);
    const writer = new IndexWriter(partial);
    let seen = 0;
    for await (const item of listContents(ref.target, ref.archive.name, repo.opts)) {
      writer.add(item);
      if (++seen === 4) break;
    }
    writer.flush();
    partial.close();
    new IndexCatalog(db).startBuild({ archiveId: ref.archive.id, repoId: ref.repoId, host: ref.host, archiveName: ref.archive.name });
    expect(fs.existsSync(files.partial)).toBe(true);

    const restarted = manager({ dir, db });
    expect(fs.existsSync(indexPaths(dir, ref.archive.id).partial)).toBe(false);
    expect(restarted.status(ref.archive.id)).toBeNull();
    expect(restarted.reader(ref.archive.id)).toBeNull();
    const reader = await built(restarted, ref);
    expect(reader.entry(Buffer.from("srv/data/glob*?[.txt"))).not.toBeNull();
    await restarted.stop();
  });

  it("cancels a build when stopped, leaving no partial file", async () => {
    const dir = tempDir();
    const ref = await refFor("awkward");
    const slow: ListSource = async function* (r, signal) {
      for await (const item of listContents(r.target, r.archive.name, { ...repo.opts, signal })) {
        yield item;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    };
    const indexes = manager({ dir, list: slow });
    indexes.open(ref);
    await expect.poll(() => indexes.status(ref.archive.id)?.readable).toBe(true);
    // Entries are committed as they come (a few times a second), not only at the end: a reader of the
    // partial index sees them while the listing still runs.
    await expect.poll(() => indexes.reader(ref.archive.id)?.entryCount() ?? 0, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    expect(indexes.status(ref.archive.id)?.state).toBe("building");
    await indexes.stop();
    const status = indexes.status(ref.archive.id)!;
    expect(status.state).toBe("failed");
    expect(status.errorKind).toBe("cancelled");
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it("reports a wrong passphrase as failed with borg's message, and a retry can succeed", async () => {
    const wrongFile = path.join(repo.root, "wrong-pass");
    fs.writeFileSync(wrongFile, "not the passphrase\n", { mode: 0o600 });
    const good = await refFor("second");
    const bad = { ...good, target: { location: repo.location, secrets: { passphraseFile: wrongFile } } };
    const indexes = manager();
    indexes.open(bad);
    const failed = await indexes.whenSettled(good.archive.id);
    expect(failed?.state).toBe("failed");
    expect(failed?.errorKind).toBe("wrong-passphrase");
    expect(failed?.error).toMatch(/passphrase/i);
    // Opened again without asking for a retry: still failed, borg is not asked again.
    expect(indexes.open(good).state).toBe("failed");
    expect(indexes.open(good, { retry: true }).state).toMatch(/queued|building/);
    expect((await indexes.whenSettled(good.archive.id))?.state).toBe("complete");
    await indexes.stop();
  });

  it("fails with borg's message when the archive is gone", async () => {
    const real = await refFor("second");
    const gone = { ...real, archive: { ...real.archive, name: "deleted-meanwhile", id: "ab".repeat(32) } };
    const indexes = manager();
    indexes.open(gone);
    const status = await indexes.whenSettled(gone.archive.id);
    expect(status?.state).toBe("failed");
    expect(status?.errorKind).toBe("archive-not-found");
    expect(status?.error).toBeTruthy();
    await indexes.stop();
  });

  it("shares one build between concurrent openers", async () => {
    let listings = 0;
    const counting: ListSource = (r, signal) => {
      listings++;
      return listContents(r.target, r.archive.name, { ...repo.opts, signal });
    };
    const indexes = manager({ list: counting });
    const ref = await refFor("third");
    const statuses = Array.from({ length: 5 }, () => indexes.open(ref));
    expect(statuses.every((s) => s.state === "queued" || s.state === "building")).toBe(true);
    const settled = await Promise.all(Array.from({ length: 5 }, () => indexes.whenSettled(ref.archive.id)));
    expect(settled.every((s) => s?.state === "complete")).toBe(true);
    expect(indexes.open(ref).state).toBe("complete");
    expect(listings).toBe(1);
    await indexes.stop();
  });

  it("resolves no archive for a name that is not in the repo", async () => {
    const config = configSchema.parse({
      dataDir: path.join(repo.root, "data"),
      sites: [{ name: "onsite", root: path.join(repo.root, "no-such-root"), discover: false }],
      repos: [{ host: "web1", site: "onsite", location: repo.location, secrets: { passphraseFile: repo.passphraseFile } }],
    });
    expect(await resolveArchive("web1", "onsite", "no-such-archive", { config })).toBeNull();
    expect(await resolveArchive("web1", "onsite", "-leading", { config })).toBeNull();
    expect(await resolveArchive("web1", "offsite", "second", { config })).toBeNull();
    expect((await resolveArchive("web1", "onsite", "second", { config }))?.archive.name).toBe("second");
  });
});
