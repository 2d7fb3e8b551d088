/**
 * The chunk-id check on real files, with a stand-in for `borg extract` that writes the restored tree
 * slowly, in pieces, while the check reads: it must wait for the bytes, hash each chunk across its 1 MiB
 * read windows and tell same / mismatched / missing apart. The id function is the `none` mode's
 * (sha256, no borg needed); verify.integration.test.ts runs the check with real borg and keyed modes.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkReleasingFiles, restoreCases, sampledFile, slowExtract, type RestoreCase } from "@/test/fixtures/slowExtract";
import { loadChunkIdHash } from "@/lib/borg/keyMaterial";
import { checkAgainstChunkIds, type ChunkIdReference, type ChunkRef } from "./chunkIdCheck";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tree(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "borg-fleet-chunkids-"));
  dirs.push(dir);
  return dir;
}

/** The chunk list borg would record for `content` cut at `sizes` (sha256 ids: the `none` mode). */
function chunksOf(content: Buffer, sizes: number[]): ChunkRef[] {
  let at = 0;
  return sizes.map((size) => {
    const id = createHash("sha256")
      .update(content.subarray(at, at + size))
      .digest();
    at += size;
    return { id, size };
  });
}

async function reference(chunkLists: ChunkRef[][]): Promise<ChunkIdReference> {
  const idHash = await loadChunkIdHash({ location: "/nowhere" }, "none", null);
  return { algorithm: idHash.algorithm, hasher: await idHash.createHasher(), chunkLists };
}

describe("checkAgainstChunkIds", () => {
  it("tells identical, differing (in a later chunk), short, long, symlinked, fifo and missing files apart", async () => {
    const dir = await tree();
    const cases = restoreCases();
    const sample = cases.map((c, i) => sampledFile(c.path, c.content.length, i + 1));
    // The big files in three chunks that straddle the 1 MiB read windows (the flipped byte is in the
    // second), the last one in two, the others in one (none for the empty file).
    const sizesOf = (c: RestoreCase) =>
      c.content.length > 1_000_000
        ? [700_000, 1_500_000, c.content.length - 2_200_000]
        : c.path === "c/last.bin"
          ? [1000, 4000]
          : c.content.length
            ? [c.content.length]
            : [];
    const chunkLists = cases.map((c) => chunksOf(c.content, sizesOf(c)));
    const done = { finished: false };
    const extract = slowExtract(dir, cases, done);
    const verdicts = checkAgainstChunkIds(sample, await reference(chunkLists), { tree: dir, extractFinished: () => done.finished });
    await extract;
    expect(await verdicts).toEqual(cases.map((c) => c.expected));
  });

  it("removes each checked file once the extract has moved past it: the files before the previous one are gone", async () => {
    const outcome = await checkReleasingFiles(await tree(), async (cases, sample, options) =>
      checkAgainstChunkIds(sample, await reference(cases.map((c) => chunksOf(c.content, c.content.length ? [c.content.length] : []))), options),
    );
    expect(outcome.verdicts).toEqual(outcome.expected);
    expect(outcome.hooked).toBe(outcome.expected.length - 2);
    expect(outcome.leftBehind).toEqual([]);
    // The last file waits for the drill's removal of the whole scratch directory.
    expect(outcome.left).toEqual(["c/last.bin"]);
  });

  it("finds a file whose bytes are right but cut at other chunk boundaries than the recorded ones", async () => {
    const dir = await tree();
    const content = randomBytes(10_000);
    await writeFile(path.join(dir, "f"), content);
    // Same total size, same bytes, other boundaries: the ids are of other pieces.
    const recorded = chunksOf(content, [4000, 6000]).map((c, i, all) => ({ id: c.id, size: all[1 - i]!.size }));
    const verdicts = await checkAgainstChunkIds([sampledFile("f", 10_000, 1)], await reference([recorded]), { tree: dir, extractFinished: () => true });
    expect(verdicts).toEqual(["mismatched"]);
  });

  it("stops waiting for the extract when the drill is cancelled", async () => {
    const dir = await tree();
    const controller = new AbortController();
    const verdicts = checkAgainstChunkIds([sampledFile("never-written", 3, 1)], await reference([chunksOf(Buffer.from("abc"), [3])]), {
      tree: dir,
      extractFinished: () => false, // an extract that hangs
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 50);
    await expect(verdicts).rejects.toThrow(/abort/i);
  });
});
