/**
 * Reading files out of an archive as a stream: one file's bytes (`borg extract --stdout`), a selection
 * as a tar (`borg export-tar`), and a lookup of what the selected paths are (`borg list`).
 *
 * Paths are BYTES and need not be valid UTF-8. They cannot go into argv exactly: Node encodes every
 * argument as UTF-8 (a lone surrogate becomes U+FFFD), and borg reads a --patterns-from file with the
 * locale's strict UTF-8 decoder. So each selection becomes ONE `re:` pattern written in pure ASCII:
 * borg holds a path as the str `bytes.decode("utf-8", "surrogateescape")` (Item.path), and Python's re
 * understands `\uXXXX` escapes, including the lone surrogates U+DC80..U+DCFF that stand for undecodable
 * bytes. No character of a user's path reaches borg unescaped, so nothing in it is pattern syntax,
 * a placeholder (`{now}`) or an option. The paths of a selection are merged into a trie-shaped regex
 * (common prefixes once), so 10,000 selected paths cost one regex match per archive item, not 10,000.
 *
 * export-tar: borg 1.2.4 has no --tar-format option; it always writes GNU format (tarfile.GNU_FORMAT,
 * archiver.py `_export_tar`), which stores names over 100 bytes as ././@LongLink records and writes
 * names as their raw bytes (tarfile encodes with surrogateescape), so long and non-UTF-8 names survive
 * (tested in export.integration.test.ts with GNU tar).
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { READ_FLAGS, type BorgTarget } from "./commands";
import { ContentsRecordSplitter, CONTENTS_FORMAT, type ArchiveItem } from "./contents";
import { BorgError } from "./errors";
import { archiveArg } from "./location";
import { startBorg, type BorgCallOptions, type BorgProcess } from "./run";

/** Downloads can be long (gigabytes over a slow link); a client that goes away stops borg sooner. */
export const DOWNLOAD_TIMEOUT_MS = 12 * 60 * 60 * 1000;

// --- paths as borg sees them ----------------------------------------------------------------------------

/** Length of the valid UTF-8 sequence starting at i (as Python's strict decoder accepts it), or 0. */
function utf8SequenceLength(bytes: Buffer, i: number): number {
  const b0 = bytes[i]!;
  if (b0 < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < bytes.length && bytes[i + k]! >= lo && bytes[i + k]! <= hi;
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    // No overlongs (E0 80..9F) and no encoded surrogates (ED A0..BF): Python rejects both.
    const [lo, hi] = b0 === 0xe0 ? [0xa0, 0xbf] : b0 === 0xed ? [0x80, 0x9f] : [0x80, 0xbf];
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const [lo, hi] = b0 === 0xf0 ? [0x90, 0xbf] : b0 === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/**
 * The code points of the str borg holds for these path bytes: `bytes.decode("utf-8", "surrogateescape")`,
 * where every byte that is not part of a valid sequence becomes U+DC00 + byte.
 */
export function borgPathCodePoints(bytes: Buffer): number[] {
  const out: number[] = [];
  let i = 0;
  while (i < bytes.length) {
    const len = utf8SequenceLength(bytes, i);
    if (len === 0) {
      out.push(0xdc00 + bytes[i]!);
      i += 1;
    } else {
      out.push(bytes.subarray(i, i + len).toString("utf8").codePointAt(0)!);
      i += len;
    }
  }
  return out;
}

/** One code point as a Python regex atom in pure ASCII. */
function regexAtom(cp: number): string {
  if ((cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a) || cp === 0x5f || cp === 0x2f) {
    return String.fromCharCode(cp);
  }
  return cp <= 0xffff ? `\\u${cp.toString(16).padStart(4, "0")}` : `\\U${cp.toString(16).padStart(8, "0")}`;
}

interface TrieNode {
  children: Map<number, TrieNode>;
  terminal: boolean;
}

/**
 * A Python regex matching exactly these paths ("exact") or these paths and everything below them
 * ("prefix"), built as a trie so shared prefixes are matched once.
 */
export function pathsRegex(paths: readonly Buffer[], mode: "exact" | "prefix"): string {
  if (paths.length === 0) throw new RangeError("pathsRegex needs at least one path");
  const root: TrieNode = { children: new Map(), terminal: false };
  for (const p of paths) {
    let node = root;
    for (const cp of borgPathCodePoints(p)) {
      let next = node.children.get(cp);
      if (!next) node.children.set(cp, (next = { children: new Map(), terminal: false }));
      node = next;
    }
    node.terminal = true;
  }
  const end = mode === "exact" ? "$" : "(?:/|$)";
  // Recursion only at branch points; single-child chains are walked in a loop.
  const render = (start: TrieNode): string => {
    let out = "";
    let node = start;
    while (!node.terminal && node.children.size === 1) {
      const [cp, child] = node.children.entries().next().value as [number, TrieNode];
      out += regexAtom(cp);
      node = child;
    }
    const alternatives = [...node.children].map(([cp, child]) => regexAtom(cp) + render(child));
    if (node.terminal) alternatives.push(end);
    return alternatives.length === 1 ? out + alternatives[0] : `${out}(?:${alternatives.join("|")})`;
  };
  return `^${render(root)}`;
}

/** Archive paths we accept: relative, no empty, "." or ".." component, no NUL, at most 4096 bytes. */
export function archivePathProblem(bytes: Buffer): string | null {
  if (bytes.length === 0) return "the path is empty";
  if (bytes.length > 4096) return "the path is longer than 4096 bytes";
  if (bytes.includes(0)) return "the path contains a NUL byte";
  if (bytes[0] === 0x2f) return "the path is absolute";
  for (const part of bytes.toString("latin1").split("/")) {
    if (part === "" || part === "." || part === "..") return 'the path has an empty, "." or ".." component';
  }
  return null;
}

// --- patterns files ----------------------------------------------------------------------------------------

/**
 * Writes a --patterns-from file that selects `paths` and nothing else, in a private temp dir.
 * The last line excludes everything not matched above (borg's fallback without PATH arguments is "include").
 */
async function writePatternsFile(paths: readonly Buffer[], mode: "exact" | "prefix"): Promise<{ file: string; remove: () => Promise<void> }> {
  for (const p of paths) {
    const problem = archivePathProblem(p);
    if (problem) throw new BorgError({ kind: "other", userMessage: `Invalid archive path: ${problem}.` });
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), "borg-fleet-patterns-"));
  const file = path.join(dir, `${randomBytes(6).toString("hex")}.lst`);
  await writeFile(file, `+ re:${pathsRegex(paths, mode)}\n- re:^\n`, { mode: 0o600 });
  return { file, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Starts borg with a patterns file and removes the file once borg is gone. */
async function startWithPatterns(
  target: BorgTarget,
  paths: readonly Buffer[],
  mode: "exact" | "prefix",
  buildArgs: (patternsFile: string) => string[],
  opts: BorgCallOptions & { unicodeEscape?: boolean },
): Promise<BorgProcess> {
  const patterns = await writePatternsFile(paths, mode);
  let proc: BorgProcess;
  try {
    proc = await startBorg(
      { args: buildArgs(patterns.file), secrets: target.secrets, location: target.location, unicodeEscape: opts.unicodeEscape },
      { timeoutMs: DOWNLOAD_TIMEOUT_MS, ...opts },
    );
  } catch (err) {
    await patterns.remove();
    throw err;
  }
  const done = proc.done.finally(() => patterns.remove());
  done.catch(() => {});
  return {
    stdout: proc.stdout,
    done,
    stop: proc.stop,
    pid: proc.pid,
    get stopReason() {
      return proc.stopReason;
    },
  };
}

// --- the operations ----------------------------------------------------------------------------------------

/**
 * The archive items at exactly these paths (not what is below them), in archive order; paths not in
 * the archive are simply absent. One `borg list` pass over the archive's metadata.
 */
export async function statArchivePaths(target: BorgTarget, archiveName: string, paths: readonly Buffer[], opts: BorgCallOptions = {}): Promise<ArchiveItem[]> {
  const proc = await startWithPatterns(
    target,
    paths,
    "exact",
    (file) => ["list", `--format=${CONTENTS_FORMAT}`, ...READ_FLAGS, `--patterns-from=${file}`, "--", archiveArg(target.location, archiveName)],
    { timeoutMs: 30 * 60 * 1000, ...opts, unicodeEscape: true },
  );
  const splitter = new ContentsRecordSplitter();
  const items: ArchiveItem[] = [];
  try {
    for await (const chunk of proc.stdout as AsyncIterable<Buffer>) items.push(...splitter.push(chunk));
  } catch (err) {
    if (!proc.stopReason) {
      proc.stop("cancelled");
      await proc.done.catch(() => {});
      throw err;
    }
  }
  await proc.done;
  splitter.end();
  return items;
}

/**
 * One file's bytes on the returned process's stdout (`borg extract --stdout`). Read stdout (or stop
 * the process); `done` rejects with a BorgError when borg failed. A path that is not in the archive
 * gives no bytes and exit code 1 ("finished with warnings"): look the path up first (statArchivePaths).
 */
export function extractToStdout(target: BorgTarget, archiveName: string, pathBytes: Buffer, opts: BorgCallOptions = {}): Promise<BorgProcess> {
  return startWithPatterns(
    target,
    [pathBytes],
    "exact",
    (file) => ["extract", "--stdout", ...READ_FLAGS, `--patterns-from=${file}`, "--", archiveArg(target.location, archiveName)],
    opts,
  );
}

/** A GNU tar of these paths and everything below them on stdout (`borg export-tar REPO::ARCHIVE -`). */
export function exportTar(target: BorgTarget, archiveName: string, paths: readonly Buffer[], opts: BorgCallOptions = {}): Promise<BorgProcess> {
  return startWithPatterns(
    target,
    paths,
    "prefix",
    // Output "-": --tar-filter=auto picks no compression (it only compresses for .tar.gz-like names).
    (file) => ["export-tar", ...READ_FLAGS, `--patterns-from=${file}`, "--", archiveArg(target.location, archiveName), "-"],
    opts,
  );
}
