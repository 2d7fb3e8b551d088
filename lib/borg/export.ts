/**
 * Reading files out of an archive as a stream: one file's bytes (`borg extract --stdout`), a selection
 * as a tar (`borg export-tar`), and a lookup of what the selected paths are (`borg list`).
 *
 * Paths are bytes and reach borg in a patterns file that selects exactly them (archivePaths.ts).
 *
 * export-tar: borg 1.2.4 has no --tar-format option; it always writes GNU format (tarfile.GNU_FORMAT,
 * archiver.py `_export_tar`), which stores names over 100 bytes as ././@LongLink records and writes
 * names as their raw bytes (tarfile encodes with surrogateescape), so long and non-UTF-8 names survive
 * (tested in export.integration.test.ts with GNU tar).
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { Socket } from "node:net";
import os from "node:os";
import path from "node:path";
import { READ_FLAGS, type BorgTarget } from "./commands";
import { ContentsRecordSplitter, CONTENTS_FORMAT, type ArchiveItem } from "./contents";
import { BorgError } from "./errors";
import { archiveArg } from "./location";
import { archivePathProblem, selectionPatterns } from "./archivePaths";
import { startBorg, type BorgCallOptions, type BorgProcess } from "./run";

/** Options of the streaming calls: `stdoutTo` sends borg's output to a socket instead of BorgProcess.stdout (stdoutSocket.ts). */
export type StreamOptions = BorgCallOptions & { stdoutTo?: Socket };

/** Downloads can be long (gigabytes over a slow link); a client that goes away stops borg sooner. */
export const DOWNLOAD_TIMEOUT_MS = 12 * 60 * 60 * 1000;

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
  await writeFile(file, selectionPatterns(paths, mode), { mode: 0o600 });
  return { file, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Starts borg with a patterns file and removes the file once borg is gone. */
async function startWithPatterns(
  target: BorgTarget,
  paths: readonly Buffer[],
  mode: "exact" | "prefix",
  buildArgs: (patternsFile: string) => string[],
  opts: StreamOptions & { unicodeEscape?: boolean },
): Promise<BorgProcess> {
  const patterns = await writePatternsFile(paths, mode);
  let proc: BorgProcess;
  try {
    proc = await startBorg(
      { args: buildArgs(patterns.file), secrets: target.secrets, location: target.location, unicodeEscape: opts.unicodeEscape, stdoutTo: opts.stdoutTo },
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
export function extractToStdout(target: BorgTarget, archiveName: string, pathBytes: Buffer, opts: StreamOptions = {}): Promise<BorgProcess> {
  return startWithPatterns(
    target,
    [pathBytes],
    "exact",
    (file) => ["extract", "--stdout", ...READ_FLAGS, `--patterns-from=${file}`, "--", archiveArg(target.location, archiveName)],
    opts,
  );
}

/**
 * Several files' bytes back to back on stdout, in archive order (`borg extract --stdout` with a patterns
 * file selecting exactly these paths). The caller splits the stream by the sizes the listing gave
 * (restore drills, lib/verify/drill.ts). Pass regular files only.
 */
export function extractFilesToStdout(target: BorgTarget, archiveName: string, paths: readonly Buffer[], opts: BorgCallOptions = {}): Promise<BorgProcess> {
  return startWithPatterns(
    target,
    paths,
    "exact",
    (file) => ["extract", "--stdout", ...READ_FLAGS, `--patterns-from=${file}`, "--", archiveArg(target.location, archiveName)],
    opts,
  );
}

/** A GNU tar of these paths and everything below them on stdout (`borg export-tar REPO::ARCHIVE -`). */
export function exportTar(target: BorgTarget, archiveName: string, paths: readonly Buffer[], opts: StreamOptions = {}): Promise<BorgProcess> {
  return startWithPatterns(
    target,
    paths,
    "prefix",
    // Output "-": --tar-filter=auto picks no compression (it only compresses for .tar.gz-like names).
    (file) => ["export-tar", ...READ_FLAGS, `--patterns-from=${file}`, "--", archiveArg(target.location, archiveName), "-"],
    opts,
  );
}
