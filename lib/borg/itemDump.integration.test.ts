/**
 * borg's item metadata dump, decoded, against `borg list` on real archives: every entry must come out
 * field for field as the listing says (the archive index builds from either), chunk lists must be the
 * file's real chunks, and the work directory must be gone however the dump ends.
 */
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempRepo, type TempRepo } from "@/test/fixtures/borgRepo";
import { createArchive, listIndexContents, type IndexItem } from "@/lib/borg";
import { dumpArchiveItems, dumpIndexContents } from "./itemDump";
import { indexEntries } from "@/lib/archives/index/source";
import type { ArchiveRef } from "@/lib/archives/locate";

// Larger than borg's biggest chunk (8 MiB): always several chunks.
const BIG = randomBytes(20 * 1024 * 1024);

/** An archive with every kind of entry whose listing has a rule of its own. */
async function awkwardArchive(repo: TempRepo): Promise<void> {
  const src = await repo.writeSources([
    { path: "plain.txt", content: "hello" },
    { path: "empty", content: "" },
    { path: "big.bin", content: BIG },
    { path: Buffer.from([0x6e, 0xff, 0xfe, 0x2e, 0x74]), content: "not utf-8" },
    { path: "dir/ünïcödé 名前.txt", content: "x" },
    { path: "dir/link", type: "symlink", target: "../plain.txt" },
    { path: "dir/odd-link", type: "symlink", target: Buffer.from([0x74, 0xc3, 0x28, 0xe2, 0x82, 0x41, 0xf0, 0x9f, 0x98, 0x80]) },
    { path: "setuid", content: "s" },
    { path: "sticky", type: "dir" },
    { path: "owned-by-nobody-known", content: "u" },
  ]);
  fs.linkSync(path.join(src, "plain.txt"), path.join(src, "dir", "hardlink"));
  await execa("mkfifo", [path.join(src, "fifo")]);
  fs.chmodSync(path.join(src, "setuid"), 0o6744);
  fs.chmodSync(path.join(src, "sticky"), 0o1777);
  fs.chownSync(path.join(src, "owned-by-nobody-known"), 54321, 54322);
  // Nanosecond mtimes at Python's rounding edges (half a microsecond, just below a second).
  await execa("touch", ["-d", "@1700000000.0000005", path.join(src, "plain.txt")]);
  await execa("touch", ["-d", "@1700000000.999999999", path.join(src, "empty")]);
  await execa("touch", ["-h", "-d", "@1600000000.123456789", path.join(src, "dir", "link")]);
  await createArchive(repo.target, "awkward", ["."], { cwd: src }, repo.opts);
  // The same tree cut by borg's fixed-size chunker at 64 KiB: chunk lists of 16 and more entries
  // (msgpack array 16/32), which the default chunker never makes for files this small. Without the files
  // cache, or borg would reuse the first archive's chunk lists for the unchanged files.
  await execa("borg", ["create", "--chunker-params=fixed,65536", "--files-cache=disabled", "--", `${repo.location}::awkward-fixed`, "."], {
    cwd: src,
    env: { PATH: process.env.PATH, BORG_BASE_DIR: repo.baseDir, BORG_PASSPHRASE: repo.passphrase, BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK: "yes" },
  });
}

async function collect(items: AsyncIterable<IndexItem>): Promise<IndexItem[]> {
  const out: IndexItem[] = [];
  for await (const item of items) out.push({ ...item, pathBytes: Buffer.from(item.pathBytes) });
  return out;
}

describe.each(["none", "repokey-blake2"] as const)("dumpIndexContents (%s repo)", (encryption) => {
  let repo: TempRepo;
  beforeAll(async () => {
    repo = await makeTempRepo({ encryption });
    await awkwardArchive(repo);
  }, 120_000);
  afterAll(() => repo.cleanup());

  it.each(["awkward", "awkward-fixed"])("yields exactly the entries borg list yields, in the same order (%s)", async (archive) => {
    const workDir = path.join(repo.root, "work");
    const dumped = await collect(dumpIndexContents(repo.target, archive, { ...repo.opts, workDir }));
    const listed = await collect(listIndexContents(repo.target, archive, repo.opts));
    expect(dumped.length).toBe(listed.length);
    expect(dumped.length).toBeGreaterThanOrEqual(14);
    for (let i = 0; i < listed.length; i++) expect(dumped[i], listed[i]!.pathBytes.toString("utf8")).toEqual(listed[i]);
    // The cases are really there.
    const byName = new Map(dumped.map((item) => [item.pathBytes.toString("latin1"), item]));
    expect(byName.get("setuid")!.mode).toBe("-rwsr-Sr--");
    expect(byName.get("sticky")!.mode).toBe("drwxrwxrwt");
    expect(byName.get("fifo")!.type).toBe("p");
    expect(byName.get("dir/hardlink")!.mode.startsWith("h") || byName.get("plain.txt")!.mode.startsWith("h")).toBe(true);
    expect(byName.get("owned-by-nobody-known")!.user).toBe("54321");
    expect(byName.get("big.bin")!.size).toBe(BIG.length);
    expect(fs.readdirSync(workDir)).toEqual([]);
  });

  it.each(["awkward", "awkward-fixed"])("hands out a file's chunk list when asked: the chunks are the file's bytes, in order (%s)", async (archive) => {
    const workDir = path.join(repo.root, "work-chunks");
    let big: { chunks: Array<{ id: Buffer; size: number }> | null; size: number } | undefined;
    let others = 0;
    for await (const item of dumpArchiveItems(repo.target, archive, { ...repo.opts, workDir, withChunks: (p) => p.toString() === "big.bin" })) {
      if (item.pathBytes.toString() === "big.bin") big = item;
      else if (item.chunks !== null) others++;
    }
    expect(others).toBe(0);
    expect(big!.chunks!.length).toBeGreaterThan(1);
    if (archive === "awkward-fixed") expect(big!.chunks!.length).toBe(BIG.length / 65536);
    expect(big!.chunks!.reduce((sum, c) => sum + c.size, 0)).toBe(BIG.length);
    if (encryption === "none") {
      // Unencrypted repos use sha256 of the plaintext as the chunk id: check each piece.
      let offset = 0;
      for (const chunk of big!.chunks!) {
        expect(
          createHash("sha256")
            .update(BIG.subarray(offset, offset + chunk.size))
            .digest(),
        ).toEqual(chunk.id);
        offset += chunk.size;
      }
    } else {
      for (const chunk of big!.chunks!) expect(chunk.id.length).toBe(32);
    }
  });

  it("removes its work directory and stops borg when the consumer stops early", async () => {
    const workDir = path.join(repo.root, "work-early");
    for await (const item of dumpIndexContents(repo.target, "awkward", { ...repo.opts, workDir })) {
      expect(item.pathBytes.length).toBeGreaterThan(0);
      break;
    }
    expect(fs.readdirSync(workDir)).toEqual([]);
  });

  it("fails with borg's message for an archive that is not there, leaving nothing behind", async () => {
    const workDir = path.join(repo.root, "work-missing");
    await expect(collect(dumpIndexContents(repo.target, "no-such-archive", { ...repo.opts, workDir }))).rejects.toMatchObject({ kind: "archive-not-found" });
    expect(fs.readdirSync(workDir)).toEqual([]);
  });
});

describe("indexEntries (which source the archive index reads)", () => {
  let repo: TempRepo;
  let ref: ArchiveRef;
  beforeAll(async () => {
    repo = await makeTempRepo();
    await awkwardArchive(repo);
    ref = { repoId: "site/host", host: "host", site: "site", target: repo.target, archive: { name: "awkward", id: "0".repeat(64), start: 0 } };
  }, 120_000);
  afterAll(() => repo.cleanup());

  it("dumps a local repo nobody writes to", async () => {
    const indexDir = path.join(repo.root, "index-free");
    const items = await collect(indexEntries(ref, { ...repo.opts, indexDir }));
    expect(items.length).toBeGreaterThanOrEqual(14);
    expect(fs.readdirSync(path.join(indexDir, "dumps"))).toEqual([]);
  });

  it("lists (never waits for the lock) while a writer holds the repo, with the same entries", async () => {
    const indexDir = path.join(repo.root, "index-locked");
    const env = { ...process.env, BORG_BASE_DIR: repo.baseDir, BORG_PASSPHRASE: repo.passphrase };
    const holder = execa("borg", ["with-lock", repo.location, "sleep", "30"], { env, reject: false });
    try {
      await expect.poll(() => fs.existsSync(path.join(repo.location, "lock.exclusive")), { timeout: 15_000 }).toBe(true);
      const items = await collect(indexEntries(ref, { ...repo.opts, indexDir }));
      const listed = await collect(listIndexContents(repo.target, "awkward", repo.opts));
      expect(items).toEqual(listed);
      // The dump never started: it would have made its work directory.
      expect(fs.existsSync(path.join(indexDir, "dumps"))).toBe(false);
    } finally {
      holder.kill("SIGTERM");
      await holder;
    }
  });
});
