/**
 * What the archive browser's route handlers answer (JSON shapes shared with components/archive), and
 * the request parameters they accept. Paths travel pathParam-encoded (lib/archives/pathParam.ts).
 */
import { z } from "zod";
import { getFleetState } from "@/lib/fleet/store";
import type { ArchiveRef } from "../locate";
import { archiveFieldsSchema, folderPathSchema } from "../params";
import { displayPath, encodePathParam } from "../pathParam";
import type { IndexStatus } from "./manager";
import { SORT_KEYS, type IndexEntry } from "./reader";

/** An index entry as JSON: the byte paths become display text and pathParam-encoded strings. */
export type EntryJson = Omit<IndexEntry, "id" | "path" | "name"> & {
  /** Display name (invalid UTF-8 bytes as \xNN). */
  name: string;
  /** Full path, pathParam-encoded: for links, selection, restore and download. */
  path: string;
  /** The folder holding it, pathParam-encoded ("" for the archive's top level): where a search hit opens. */
  parent: string;
  /** The full path for display. */
  display: string;
};

export interface IndexStatusJson {
  state: IndexStatus["state"];
  entries: number;
  /** Files in the archive according to borg info (fleet state), when known: the progress bar's 100 %. */
  expected: number | null;
  error: string | null;
  errorKind: string | null;
}

export interface Crumb {
  name: string;
  path: string;
}

export interface DirectoryJson {
  status: IndexStatusJson;
  /** The folder exists in the index; false while it has not arrived yet or when it does not exist. */
  found: boolean;
  folder: EntryJson | null;
  breadcrumbs: Crumb[];
  total: number;
  offset: number;
  rows: EntryJson[];
}

export interface SearchJson {
  status: IndexStatusJson;
  rows: EntryJson[];
  truncated: boolean;
}

export function entryJson(entry: IndexEntry): EntryJson {
  return {
    name: displayPath(entry.name),
    path: encodePathParam(entry.path),
    parent: encodePathParam(entry.path.subarray(0, Math.max(0, entry.path.lastIndexOf(0x2f)))),
    display: displayPath(entry.path),
    type: entry.type,
    mode: entry.mode,
    user: entry.user,
    group: entry.group,
    size: entry.size,
    mtime: entry.mtime,
    linkTarget: entry.linkTarget,
    hardlinkTarget: entry.hardlinkTarget,
    implicit: entry.implicit,
    childCount: entry.childCount,
    totalSize: entry.totalSize,
  };
}

/** Breadcrumbs of a folder path (bytes): each ancestor with its own pathParam. */
export function breadcrumbs(dirPath: Buffer): Crumb[] {
  const crumbs: Crumb[] = [];
  let start = 0;
  for (let i = 0; i <= dirPath.length; i++) {
    if (i === dirPath.length || dirPath[i] === 0x2f) {
      if (i > start) crumbs.push({ name: displayPath(dirPath.subarray(start, i)), path: encodePathParam(dirPath.subarray(0, i)) });
      start = i + 1;
    }
  }
  return crumbs;
}

/** The archive's file count from fleet state (borg info, cached per archive id), when known. */
export function expectedEntries(ref: ArchiveRef): number | null {
  const repo = getFleetState().repos.find((r) => r.id === ref.repoId);
  return repo?.archives.find((a) => a.id === ref.archive.id)?.stats?.files ?? null;
}

export function statusJson(status: IndexStatus, expected: number | null): IndexStatusJson {
  return { state: status.state, entries: status.entries, expected, error: status.error, errorKind: status.errorKind };
}

// --- request parameters ----------------------------------------------------------------------------

/**
 * Which archive (lib/archives/params.ts). index-status reads nothing else, but a `path` sent along
 * (the browser's current folder) is checked like on every archive route: a ".." is bad input anywhere.
 */
export const archiveParamsSchema = archiveFieldsSchema.extend({ path: folderPathSchema.optional() });

export const entriesParamsSchema = archiveParamsSchema.extend({
  path: folderPathSchema.default(Buffer.alloc(0)),
  sort: z.enum(SORT_KEYS).default("name"),
  order: z.enum(["asc", "desc"]).default("asc"),
  offset: z.coerce.number().int().min(0).max(100_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  q: z.string().trim().min(1).max(256).optional(),
});

/** URLSearchParams as a plain object for zod (empty values count as absent). */
export function searchParamsObject(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of params) if (value !== "" && !(key in out)) out[key] = value;
  return out;
}
