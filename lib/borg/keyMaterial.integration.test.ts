/**
 * The chunk id function computed in Node against borg's own, on REAL repositories of every encryption
 * mode: `borg debug id-hash REPO FILE` prints borg's `key.id_hash` of a file's bytes, and ours must
 * give the same id for the same bytes, fed in pieces. Also: a wrong passphrase, a passcommand run the
 * way borg runs it (and one that fails), a key that belongs to another repo, an unknown mode.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeTempRepo, type TempRepo } from "@/test/fixtures/borgRepo";
import { listArchives, type EncryptionMode } from "./commands";
import { BorgError } from "./errors";
import { chunkIdAlgorithm, exportedKey, loadChunkIdHash, localRepoKey } from "./keyMaterial";

const repos: TempRepo[] = [];
afterAll(async () => {
  for (const r of repos) await r.cleanup();
});

/** borg's own id of `file`'s bytes. */
function borgIdHash(repo: TempRepo, file: string): string {
  return execFileSync("borg", ["debug", "id-hash", "--", repo.location, file], {
    env: {
      NODE_ENV: "test",
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      BORG_BASE_DIR: repo.baseDir,
      BORG_PASSPHRASE: repo.passphrase,
      BORG_SELFTEST: "disabled",
    },
    encoding: "utf8",
  }).trim();
}

const MODES: EncryptionMode[] = ["none", "authenticated", "authenticated-blake2", "repokey", "repokey-blake2", "keyfile", "keyfile-blake2"];

describe("loadChunkIdHash", () => {
  it.each(MODES)("computes borg's chunk ids for a %s repo", async (mode) => {
    const repo = await makeTempRepo({ encryption: mode });
    repos.push(repo);
    const { repositoryId, encryption } = await listArchives(repo.target, repo.opts);
    expect(encryption).toBe(mode);
    const idHash = await loadChunkIdHash(repo.target, encryption, repositoryId, repo.opts);
    expect(idHash.algorithm).toBe(chunkIdAlgorithm(mode));
    const hasher = await idHash.createHasher();
    for (const data of [Buffer.alloc(0), Buffer.from("hello\n"), randomBytes(3 * 1024 * 1024 + 17)]) {
      const file = path.join(repo.root, "chunk.bin");
      await writeFile(file, data);
      hasher.reset();
      for (let at = 0; at < data.length; at += 100_000) hasher.update(data.subarray(at, at + 100_000));
      expect(hasher.digest().toString("hex")).toBe(borgIdHash(repo, file));
    }
  });

  it("reads a local repo's key blob from its config file, the same bytes borg key export prints; keyfile repos have none there", async () => {
    for (const mode of ["repokey-blake2", "authenticated"] as const) {
      const repo = await makeTempRepo({ encryption: mode });
      repos.push(repo);
      const { repositoryId } = await listArchives(repo.target, repo.opts);
      const fromConfig = await localRepoKey(repo.location, repositoryId);
      expect(fromConfig).not.toBeNull();
      expect(fromConfig).toEqual(await exportedKey(repo.target, repositoryId, repo.opts));
    }
    const keyfile = await makeTempRepo({ encryption: "keyfile" });
    repos.push(keyfile);
    expect(await localRepoKey(keyfile.location, null)).toBeNull();
    expect(await localRepoKey("ssh://borg@example.org/srv/borg/h", null)).toBeNull();
  });

  it("refuses a wrong passphrase with a clear error that does not contain it", async () => {
    const repo = await makeTempRepo({ encryption: "repokey-blake2" });
    repos.push(repo);
    const { repositoryId } = await listArchives(repo.target, repo.opts);
    const wrongFile = path.join(repo.root, "wrong-passphrase");
    await writeFile(wrongFile, "not the passphrase\n");
    const wrong = { location: repo.location, secrets: { passphraseFile: wrongFile } };
    const err = await loadChunkIdHash(wrong, "repokey-blake2", repositoryId, repo.opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BorgError);
    expect((err as BorgError).kind).toBe("wrong-passphrase");
    expect((err as BorgError).userMessage).toMatch(/passphrase does not open the key/);
    expect(JSON.stringify(err)).not.toContain("not the passphrase");
  });

  it("runs a passcommand as borg does (split like a shell, no shell), and explains one that fails without its words", async () => {
    const repo = await makeTempRepo({ encryption: "repokey" });
    repos.push(repo);
    const { repositoryId } = await listArchives(repo.target, repo.opts);
    // A quoted path with a space: only a correct split finds the file.
    const spaced = path.join(repo.root, "pass phrase");
    await writeFile(spaced, `${repo.passphrase}\n`);
    const viaCommand = await loadChunkIdHash({ location: repo.location, secrets: { passcommand: `cat '${spaced}'` } }, "repokey", repositoryId, repo.opts);
    const viaFile = await loadChunkIdHash(repo.target, "repokey", repositoryId, repo.opts);
    const [a, b] = [await viaCommand.createHasher(), await viaFile.createHasher()];
    for (const h of [a, b]) {
      h.reset();
      h.update(Buffer.from("same bytes"));
    }
    expect(a.digest()).toEqual(b.digest());

    const failing = await loadChunkIdHash(
      { location: repo.location, secrets: { passcommand: "sh -c 'exit 3' secret-word" } },
      "repokey",
      repositoryId,
      repo.opts,
    ).catch((e: unknown) => e);
    expect(failing).toBeInstanceOf(BorgError);
    expect((failing as BorgError).userMessage).toMatch(/exited with status 3/);
    expect(JSON.stringify(failing)).not.toContain("secret-word");
  });

  it("refuses a key that belongs to another repository, and a mode it does not know", async () => {
    const repo = await makeTempRepo({ encryption: "repokey-blake2" });
    repos.push(repo);
    await expect(loadChunkIdHash(repo.target, "repokey-blake2", "00".repeat(32), repo.opts)).rejects.toThrow(/belongs to another repository/);
    await expect(loadChunkIdHash(repo.target, "passphrase", null, repo.opts)).rejects.toThrow(/not known/);
  });
});
