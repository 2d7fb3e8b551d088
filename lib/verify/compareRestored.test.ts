/**
 * The drill's comparison on real files, with a stand-in for `borg extract` that writes the restored
 * tree slowly, in pieces, while the reference stream is read: the comparison must wait for the bytes,
 * read them back across its 1 MiB windows and tell same / mismatched / missing apart.
 * (verify.integration.test.ts runs it with real borg on both sides.)
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFile, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { BorgError } from "@/lib/borg/errors";
import { compareWithRestored } from "./compareRestored";
import type { SampledFile } from "./sample";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tree(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "borg-fleet-compare-"));
  dirs.push(dir);
  return dir;
}

const file = (p: string, size: number, seq: number): SampledFile => ({ path: p, pathBytes: Buffer.from(p), size, mtime: 0, seq, reason: "random" });

/** The reference: the files' bytes back to back, in odd-sized chunks. */
function stream(contents: Buffer[]): Readable {
  const all = Buffer.concat(contents);
  const chunks: Buffer[] = [];
  for (let at = 0; at < all.length; at += 77_777) chunks.push(all.subarray(at, at + 77_777));
  return Readable.from(chunks);
}

/** A slow extract: writes each file in 300 KiB pieces with pauses; `restored` says what lands on disk. */
async function slowExtract(dir: string, files: Array<{ path: string; restored: Buffer | null | "symlink" | "fifo" }>, done: { finished: boolean }) {
  for (const f of files) {
    const where = path.join(dir, f.path);
    await mkdir(path.dirname(where), { recursive: true });
    if (f.restored === null) continue;
    if (f.restored === "symlink") {
      await symlink("/etc/hostname", where);
      continue;
    }
    if (f.restored === "fifo") {
      execFileSync("mkfifo", [where]); // opening it for reading must not block the comparison
      continue;
    }
    await writeFile(where, "");
    for (let at = 0; at < f.restored.length; at += 300 * 1024) {
      await appendFile(where, f.restored.subarray(at, at + 300 * 1024));
      await new Promise((r) => setTimeout(r, 2));
    }
  }
  done.finished = true;
}

describe("compareWithRestored", () => {
  it("tells identical, differing (past the first window), short, long, symlinked, fifo and missing files apart", async () => {
    const dir = await tree();
    const big = randomBytes(3 * 1024 * 1024 + 123);
    const flipped = Buffer.from(big);
    flipped[1_500_000] = flipped[1_500_000]! ^ 1; // in the second 1 MiB window
    const small = randomBytes(5000);
    const sample = [
      file("a/same.bin", big.length, 1),
      file("a/empty", 0, 2),
      file("a/flipped.bin", big.length, 3),
      file("b/short.bin", small.length, 4),
      file("b/long.bin", small.length, 5),
      file("b/link", small.length, 6),
      file("c/missing.bin", small.length, 7),
      file("c/fifo", small.length, 8),
      file("c/last.bin", small.length, 9),
    ];
    const done = { finished: false };
    const extract = slowExtract(
      dir,
      [
        { path: "a/same.bin", restored: big },
        { path: "a/empty", restored: Buffer.alloc(0) },
        { path: "a/flipped.bin", restored: flipped },
        { path: "b/short.bin", restored: small.subarray(0, 4999) },
        { path: "b/long.bin", restored: Buffer.concat([small, Buffer.from("x")]) },
        { path: "b/link", restored: "symlink" },
        { path: "c/missing.bin", restored: null },
        { path: "c/fifo", restored: "fifo" },
        { path: "c/last.bin", restored: small },
      ],
      done,
    );
    const verdicts = compareWithRestored(stream([big, Buffer.alloc(0), big, small, small, small, small, small, small]), sample, {
      tree: dir,
      extractFinished: () => done.finished,
    });
    await extract;
    expect(await verdicts).toEqual(["same", "same", "mismatched", "mismatched", "mismatched", "mismatched", "missing", "mismatched", "same"]);
  });

  it("throws when borg's stream is shorter or longer than the listing says", async () => {
    const dir = await tree();
    const content = randomBytes(1000);
    await writeFile(path.join(dir, "f"), content);
    const options = { tree: dir, extractFinished: () => true };
    await expect(compareWithRestored(stream([content.subarray(0, 999)]), [file("f", 1000, 1)], options)).rejects.toThrow(BorgError);
    await expect(compareWithRestored(stream([content, Buffer.from("!")]), [file("f", 1000, 1)], options)).rejects.toThrow(/1 bytes too many/);
  });

  it("stops waiting for the extract when the drill is cancelled", async () => {
    const dir = await tree();
    const controller = new AbortController();
    const verdicts = compareWithRestored(stream([Buffer.from("abc")]), [file("never-written", 3, 1)], {
      tree: dir,
      extractFinished: () => false, // an extract that hangs
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 50);
    await expect(verdicts).rejects.toThrow(/abort/i);
  });
});
