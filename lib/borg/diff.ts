/**
 * `borg diff --json-lines`: what changed between two archives of one repository, streamed.
 *
 * borg 1.2 prints one JSON object per changed item: {"path": ..., "changes": [{"type": ...}, ...]}
 * with these change types (borg/item.pyx ItemDiff, checked against borg 1.2.4's real output):
 *   "added" / "removed" {size}            a regular file appeared / disappeared (size in bytes)
 *   "added <kind>" / "removed <kind>"     a directory, link, fifo, chrdev or blkdev appeared / disappeared
 *   "modified" {added, removed}           file content: bytes of chunks added / removed (0 / 0 when
 *                                         only metadata changed: dropped here)
 *   "changed link"                        a symlink's target changed (borg does not print the targets)
 *   "mode" {old_mode, new_mode}           as `ls -l` prints it ("-rw-r--r--"); a file that became a
 *                                         directory shows up as a mode change
 *   "owner" {old_user, old_group, new_user, new_group}   names, null for an id without a name
 *   "ctime" / "mtime" {old_*, new_*}      naive UTC timestamps (we run borg with TZ=UTC)
 * Paths: JSON with ensure_ascii, where bytes that are not UTF-8 arrive as lone surrogates
 * U+DC80..U+DCFF (Python's surrogateescape). Turning those back into the bytes they stand for gives
 * the exact path (archivePaths.ts bytesFromBorgPath), so a non-UTF-8 name is not lost.
 *
 * Memory stays bounded: lines are parsed as they arrive and handed to the consumer one entry at a
 * time; borg pauses while the consumer does.
 */
import { bytesFromBorgPath } from "./archivePaths";
import { z } from "zod";
import { READ_FLAGS, type BorgTarget } from "./commands";
import { BorgError } from "./errors";
import { archiveArg } from "./location";
import { abandonBorg, startBorg, type BorgCallOptions } from "./run";

export type DiffItemKind = "file" | "directory" | "link" | "fifo" | "chrdev" | "blkdev";

const size = z.number().int().nonnegative();
const stamp = z.string().nullable().optional();
const rawChangeSchema = z.union([
  z.object({ type: z.literal("modified"), added: size, removed: size }),
  z.object({ type: z.enum(["added", "removed"]), size }),
  z.object({ type: z.string().regex(/^(added|removed) (directory|link|fifo|chrdev|blkdev)$/) }),
  z.object({ type: z.literal("changed link") }),
  z.object({ type: z.literal("mode"), old_mode: z.string(), new_mode: z.string() }),
  z.object({
    type: z.literal("owner"),
    old_user: z.string().nullable(),
    old_group: z.string().nullable(),
    new_user: z.string().nullable(),
    new_group: z.string().nullable(),
  }),
  z.object({ type: z.literal("ctime"), old_ctime: stamp, new_ctime: stamp }),
  z.object({ type: z.literal("mtime"), old_mtime: stamp, new_mtime: stamp }),
  // A change type a later borg may add: kept, shown by name.
  z.object({ type: z.string().min(1) }),
]);
const rawLineSchema = z.object({ path: z.string(), changes: z.array(rawChangeSchema) });

export type DiffChange =
  | { type: "added" | "removed"; kind: DiffItemKind; size: number | null }
  | { type: "modified"; added: number; removed: number }
  | { type: "link" }
  | { type: "mode"; oldMode: string; newMode: string }
  | { type: "owner"; oldUser: string | null; oldGroup: string | null; newUser: string | null; newGroup: string | null }
  | { type: "ctime" | "mtime"; old: string | null; new: string | null }
  | { type: "other"; name: string };

export interface DiffEntry {
  /** The path as borg printed it (non-UTF-8 bytes as lone surrogates); for display use pathBytes. */
  path: string;
  /** The exact path bytes. */
  pathBytes: Buffer;
  /** added: the item is only in the newer archive; removed: only in the older one; changed: in both. */
  status: "added" | "removed" | "changed";
  changes: DiffChange[];
  /** Bytes borg counts as added / removed (file size for added/removed files, chunk sizes for modified). */
  bytesAdded: number;
  bytesRemoved: number;
}

function toChange(raw: z.infer<typeof rawChangeSchema>): DiffChange {
  const r = raw as Record<string, unknown> & { type: string };
  switch (r.type) {
    case "modified":
      return { type: "modified", added: r.added as number, removed: r.removed as number };
    case "added":
    case "removed":
      return { type: r.type, kind: "file", size: r.size as number };
    case "changed link":
      return { type: "link" };
    case "mode":
      return { type: "mode", oldMode: r.old_mode as string, newMode: r.new_mode as string };
    case "owner":
      return {
        type: "owner",
        oldUser: r.old_user as string | null,
        oldGroup: r.old_group as string | null,
        newUser: r.new_user as string | null,
        newGroup: r.new_group as string | null,
      };
    case "ctime":
    case "mtime":
      return { type: r.type, old: (r[`old_${r.type}`] as string | null | undefined) ?? null, new: (r[`new_${r.type}`] as string | null | undefined) ?? null };
  }
  const presence = /^(added|removed) (directory|link|fifo|chrdev|blkdev)$/.exec(r.type);
  if (presence) return { type: presence[1] as "added" | "removed", kind: presence[2] as DiffItemKind, size: null };
  return { type: "other", name: r.type };
}

/** One line of `borg diff --json-lines` as a DiffEntry (throws BorgError on a malformed line). */
export function parseDiffLine(line: string): DiffEntry {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new BorgError({ kind: "other", userMessage: "borg diff printed a line that is not JSON.", borgMessage: line.slice(0, 200) });
  }
  const parsed = rawLineSchema.safeParse(value);
  if (!parsed.success) {
    throw new BorgError({
      kind: "other",
      userMessage: `borg diff printed an entry we do not understand: ${parsed.error.issues[0]?.message ?? "invalid"}.`,
      borgMessage: line.slice(0, 200),
    });
  }
  // borg 1.2 prints "modified" with 0 B added / 0 B removed for a file whose chunks are all the same
  // (only its metadata changed): not a content change, so it is left out.
  const changes = parsed.data.changes.map(toChange).filter((c) => !(c.type === "modified" && c.added === 0 && c.removed === 0));
  let bytesAdded = 0;
  let bytesRemoved = 0;
  let status: DiffEntry["status"] = "changed";
  for (const c of changes) {
    if (c.type === "added") {
      status = "added";
      bytesAdded += c.size ?? 0;
    } else if (c.type === "removed") {
      status = "removed";
      bytesRemoved += c.size ?? 0;
    } else if (c.type === "modified") {
      bytesAdded += c.added;
      bytesRemoved += c.removed;
    }
  }
  return { path: parsed.data.path, pathBytes: bytesFromBorgPath(parsed.data.path), status, changes, bytesAdded, bytesRemoved };
}

/** True when `path` is `prefix` or below it (whole components, like borg's pp: patterns). */
function underPrefix(path: Buffer, prefix: Buffer): boolean {
  if (prefix.length === 0) return true;
  if (!path.subarray(0, prefix.length).equals(prefix)) return false;
  return path.length === prefix.length || path[prefix.length] === 0x2f;
}

/** Archive paths have no leading or trailing "/" (borg strips them). */
function normalizePrefix(p: Buffer): Buffer {
  let start = 0;
  let end = p.length;
  while (start < end && p[start] === 0x2f) start++;
  while (end > start && p[end - 1] === 0x2f) end--;
  return p.subarray(start, end);
}

/**
 * The path borg can be given: the leading components that are valid UTF-8 (argv is text; a
 * non-UTF-8 component cannot be passed exactly), so borg compares no more than needed; the exact
 * filter is applied to borg's output afterwards.
 */
function borgPrefix(p: Buffer): string {
  const parts = p.toString("latin1").split("/");
  const ok: string[] = [];
  for (const part of parts) {
    const bytes = Buffer.from(part, "latin1");
    const text = bytes.toString("utf8");
    if (!Buffer.from(text, "utf8").equals(bytes)) break;
    ok.push(text);
  }
  return ok.join("/");
}

export interface DiffArchivesOptions extends BorgCallOptions {
  /** Only items at or below these paths (exact bytes, no leading "/"). */
  paths?: Buffer[];
  /** Longest line accepted from borg (a path is at most a few KiB): default 1 MiB. */
  maxLineBytes?: number;
}

/**
 * Stream the differences between two archives of one repo, older `from` first, newer `to` second, in
 * borg's order. Breaking out of the loop, the AbortSignal or the timeout stop borg.
 */
export async function* diffArchives(
  target: BorgTarget,
  fromArchive: string,
  toArchive: string,
  opts: DiffArchivesOptions = {},
): AsyncGenerator<DiffEntry, void, undefined> {
  const prefixes = (opts.paths ?? []).map(normalizePrefix);
  for (const p of prefixes) {
    if (p.includes(0)) throw new BorgError({ kind: "other", userMessage: "A path filter contains a NUL byte." });
  }
  // The whole archive is compared when any prefix is the root (or reduces to it for borg).
  const borgPaths = prefixes.map(borgPrefix);
  const borgArgs = borgPaths.some((p) => p === "") ? [] : borgPaths.map((p) => `pp:${p}`);
  // archiveArg validates the first name; the second is a bare name, checked the same way.
  archiveArg(target.location, toArchive);
  const proc = await startBorg(
    {
      args: ["diff", "--json-lines", ...READ_FLAGS, "--", archiveArg(target.location, fromArchive), toArchive, ...borgArgs],
      secrets: target.secrets,
      location: target.location,
    },
    opts,
  );
  const maxLine = opts.maxLineBytes ?? 1024 * 1024;
  let pending: Buffer[] = [];
  let pendingSize = 0;
  let finished = false;
  const wanted = (e: DiffEntry) => prefixes.length === 0 || prefixes.some((p) => underPrefix(e.pathBytes, p));
  try {
    try {
      reading: for await (const chunk of proc.stdout as AsyncIterable<Buffer>) {
        let start = 0;
        for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
          pending.push(chunk.subarray(start, nl));
          const line = Buffer.concat(pending).toString("utf8").trim();
          pending = [];
          pendingSize = 0;
          start = nl + 1;
          if (proc.stopReason) break reading;
          if (!line) continue;
          const entry = parseDiffLine(line);
          if (wanted(entry)) yield entry;
        }
        if (start < chunk.length) {
          pending.push(chunk.subarray(start));
          pendingSize += chunk.length - start;
          if (pendingSize > maxLine) throw new BorgError({ kind: "other", userMessage: `borg diff printed a line longer than ${maxLine} bytes.` });
        }
      }
    } catch (err) {
      if (!proc.stopReason) throw err;
    }
    await proc.done;
    const rest = Buffer.concat(pending).toString("utf8").trim();
    if (rest) {
      const entry = parseDiffLine(rest);
      if (wanted(entry)) yield entry;
    }
    finished = true;
  } finally {
    // The consumer stopped early, or reading failed: stop borg and wait until it (and ssh) are gone.
    if (!finished) await abandonBorg(proc);
  }
}
