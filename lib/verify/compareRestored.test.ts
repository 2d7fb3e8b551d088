/**
 * The drill's comparison on real files, with a stand-in for `borg extract` that writes the restored
 * tree slowly, in pieces, while the reference stream is read: the comparison must wait for the bytes,
 * read them back across its 1 MiB windows and tell same / mismatched / missing apart.
 * (verify.integration.test.ts runs it with real borg on both sides.)
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { checkReleasingFiles, restoreCases, sampledFile, slowExtract } from "@/test/fixtures/slowExtract";
import { BorgError } from "@/lib/borg/errors";
import { compareWithRestored } from "./compareRestored";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tree(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "borg-fleet-compare-"));
  dirs.push(dir);
  return dir;
}

/** The reference: the files' bytes back to back, in odd-sized chunks. */
function stream(contents: Buffer[]): Readable {
  const all = Buffer.concat(contents);
  const chunks: Buffer[] = [];
  for (let at = 0; at < all.length; at += 77_777) chunks.push(all.subarray(at, at + 77_777));
  return Readable.from(chunks);
}

describe("compareWithRestored", () => {
  it("tells identical, differing (past the first window), short, long, symlinked, fifo and missing files apart", async () => {
    const dir = await tree();
    const cases = restoreCases();
    const sample = cases.map((c, i) => sampledFile(c.path, c.content.length, i + 1));
    const done = { finished: false };
    const extract = slowExtract(dir, cases, done);
    const verdicts = compareWithRestored(stream(cases.map((c) => c.content)), sample, { tree: dir, extractFinished: () => done.finished });
    await extract;
    expect(await verdicts).toEqual(cases.map((c) => c.expected));
  });

  it("removes each compared file once the extract has moved past it: the files before the previous one are gone", async () => {
    const outcome = await checkReleasingFiles(await tree(), (cases, sample, options) =>
      compareWithRestored(stream(cases.map((c) => c.content)), sample, options),
    );
    expect(outcome.verdicts).toEqual(outcome.expected);
    expect(outcome.hooked).toBe(outcome.expected.length - 2);
    expect(outcome.leftBehind).toEqual([]);
    // The last file waits for the drill's removal of the whole scratch directory.
    expect(outcome.left).toEqual(["c/last.bin"]);
  });

  it("throws when borg's stream is shorter or longer than the listing says", async () => {
    const dir = await tree();
    const content = randomBytes(1000);
    await writeFile(path.join(dir, "f"), content);
    const options = { tree: dir, extractFinished: () => true };
    await expect(compareWithRestored(stream([content.subarray(0, 999)]), [sampledFile("f", 1000, 1)], options)).rejects.toThrow(BorgError);
    await expect(compareWithRestored(stream([content, Buffer.from("!")]), [sampledFile("f", 1000, 1)], options)).rejects.toThrow(/1 bytes too many/);
  });

  it("stops waiting for the extract when the drill is cancelled", async () => {
    const dir = await tree();
    const controller = new AbortController();
    const verdicts = compareWithRestored(stream([Buffer.from("abc")]), [sampledFile("never-written", 3, 1)], {
      tree: dir,
      extractFinished: () => false, // an extract that hangs
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 50);
    await expect(verdicts).rejects.toThrow(/abort/i);
  });
});
