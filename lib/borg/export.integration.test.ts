/**
 * Downloads out of REAL borg archives: bytes and names must come out exactly as they went in,
 * including names that are not UTF-8, and the tar must unpack with GNU tar.
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempRepo, type TempRepo } from "@/test/fixtures/borgRepo";
import {
  AWKWARD_NAME,
  BIG_NAME,
  downloadFixture,
  LATIN1_NAME,
  LONG_DIR,
  LONG_NAME,
  pathKey,
  UTF8_NAME,
  type DownloadFixture,
} from "@/test/fixtures/downloadFiles";
import { BorgError, exportTar, extractToStdout, statArchivePaths, type BorgProcess } from "./index";

const bytes = (p: string | Buffer) => (typeof p === "string" ? Buffer.from(p) : p);

async function readAll(proc: BorgProcess): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of proc.stdout as AsyncIterable<Buffer>) chunks.push(chunk);
  await proc.done;
  return Buffer.concat(chunks);
}

/** Every regular file under dir, keyed by its relative path bytes (latin1 string). */
async function filesUnder(dir: Buffer, rel: Buffer = Buffer.alloc(0), out = new Map<string, Buffer>()): Promise<Map<string, Buffer>> {
  const full = rel.length ? Buffer.concat([dir, Buffer.from("/"), rel]) : dir;
  for (const name of await readdir(full, { encoding: "buffer" })) {
    const childRel = rel.length ? Buffer.concat([rel, Buffer.from("/"), name]) : name;
    const childFull = Buffer.concat([dir, Buffer.from("/"), childRel]);
    const s = await stat(childFull).catch(() => null);
    if (s?.isDirectory()) await filesUnder(dir, childRel, out);
    else if (s?.isFile()) out.set(childRel.toString("latin1"), await readFile(childFull));
  }
  return out;
}

let repo: TempRepo;
let fixture: DownloadFixture;
let scratch: string;

beforeAll(async () => {
  repo = await makeTempRepo();
  fixture = downloadFixture();
  await repo.addArchive("host-2026-01-01", { files: fixture.entries });
  scratch = await mkdtemp(path.join(os.tmpdir(), "borg-fleet-export-"));
});

afterAll(async () => {
  await repo?.cleanup();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe("extractToStdout", () => {
  it.each([
    ["a non-UTF-8 name", LATIN1_NAME],
    ["a UTF-8 name", UTF8_NAME],
    ["a name with newline, quotes, leading dash, pattern and placeholder characters", AWKWARD_NAME],
    ["a path over 100 bytes", LONG_NAME],
    ["a few megabytes of random data", BIG_NAME],
  ])("streams %s byte for byte", async (_what, p) => {
    const out = await readAll(await extractToStdout(repo.target, "host-2026-01-01", bytes(p), repo.opts));
    expect(out.equals(fixture.contents.get(pathKey(p))!)).toBe(true);
  });

  it("does not confuse the UTF-8 and the Latin-1 spelling of the same name", async () => {
    const latin = await readAll(await extractToStdout(repo.target, "host-2026-01-01", LATIN1_NAME, repo.opts));
    expect(latin.toString()).toBe("latin-1 named file\n");
  });

  it("gives nothing for a path that is only a prefix of a file name", async () => {
    const out = await readAll(await extractToStdout(repo.target, "host-2026-01-01", Buffer.from("data/small"), repo.opts));
    expect(out.length).toBe(0);
  });

  it("fails with archive-not-found for an archive that is gone", async () => {
    const proc = await extractToStdout(repo.target, "host-1999-01-01", Buffer.from("data/small.txt"), repo.opts);
    await expect(readAll(proc)).rejects.toMatchObject({ kind: "archive-not-found" });
  });

  it("fails with wrong-passphrase when the passphrase is wrong", async () => {
    const passphraseFile = path.join(scratch, "wrong-passphrase");
    await writeFile(passphraseFile, "wrong\n", { mode: 0o600 });
    const target = { location: repo.location, secrets: { passphraseFile } };
    const proc = await extractToStdout(target, "host-2026-01-01", Buffer.from("data/small.txt"), repo.opts);
    const err = await readAll(proc).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BorgError);
    expect((err as BorgError).kind).toBe("wrong-passphrase");
  });

  it("refuses absolute and .. paths before starting borg", async () => {
    for (const p of ["/etc/passwd", "docs/../../x", "", "docs//x"]) {
      await expect(extractToStdout(repo.target, "host-2026-01-01", Buffer.from(p), repo.opts)).rejects.toBeInstanceOf(BorgError);
    }
  });

  it("stops borg when the signal aborts mid-stream", async () => {
    const controller = new AbortController();
    const proc = await extractToStdout(repo.target, "host-2026-01-01", Buffer.from(BIG_NAME), { ...repo.opts, signal: controller.signal });
    const reader = (proc.stdout as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    expect((await reader.next()).done).toBe(false);
    controller.abort();
    await expect(proc.done).rejects.toMatchObject({ kind: "cancelled" });
    expect(() => process.kill(proc.pid!, 0)).toThrow();
  });
});

describe("exportTar", () => {
  it("writes a GNU tar that unpacks to the same names (non-UTF-8, long, awkward) and bytes", async () => {
    const tar = await readAll(await exportTar(repo.target, "host-2026-01-01", [Buffer.from("docs"), Buffer.from("deep"), Buffer.from(BIG_NAME)], repo.opts));
    const dir = await mkdtemp(path.join(scratch, "tar-"));
    execFileSync("tar", ["-x", "-f", "-", "-C", dir], { input: tar });
    const files = await filesUnder(Buffer.from(dir));
    const expected = [LATIN1_NAME, UTF8_NAME, AWKWARD_NAME, LONG_NAME, BIG_NAME].map(pathKey);
    expect([...files.keys()].sort()).toEqual(expected.sort());
    for (const key of expected) expect(files.get(key)!.equals(fixture.contents.get(key)!), key).toBe(true);
    expect(Buffer.from(LONG_NAME).length).toBeGreaterThan(100);
    // The symlink is in the tar as a symlink, not followed.
    const listing = execFileSync("tar", ["-t", "-v", "-f", "-"], { input: tar }).toString("latin1");
    expect(listing).toMatch(/^l.*docs\/link-outside -> \.\.\/\.\.\/etc\/passwd$/m);
  });

  it("selects a directory and everything below it, and nothing that only shares its prefix", async () => {
    const tar = await readAll(await exportTar(repo.target, "host-2026-01-01", [Buffer.from(LONG_DIR)], repo.opts));
    const names = execFileSync("tar", ["-t", "-f", "-"], { input: tar }).toString("latin1").trim().split("\n");
    expect(names).toEqual([`${LONG_DIR}/`, LONG_NAME]);
  });
});

describe("statArchivePaths", () => {
  it("finds exactly the named items (with type and size) and leaves out missing ones", async () => {
    const items = await statArchivePaths(
      repo.target,
      "host-2026-01-01",
      [LATIN1_NAME, Buffer.from("docs"), Buffer.from(BIG_NAME), Buffer.from("nope/missing")],
      repo.opts,
    );
    const byKey = new Map(items.map((i) => [i.pathBytes.toString("latin1"), i]));
    expect([...byKey.keys()].sort()).toEqual([pathKey(LATIN1_NAME), "docs", BIG_NAME].sort());
    expect(byKey.get("docs")!.type).toBe("d");
    expect(byKey.get(BIG_NAME)!.size).toBe(fixture.contents.get(BIG_NAME)!.length);
  });
});
