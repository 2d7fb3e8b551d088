"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import type { Crumb, DirectoryJson, EntryJson, IndexStatusJson } from "@/lib/archives/index/api";

const PAGE_SIZE = 200;
/** How long the view must rest before its rows are fetched. */
const SETTLE_MS = 80;

export interface ArchiveKey {
  host: string;
  site: string;
  archive: string;
}

export function apiQuery(key: ArchiveKey, extra: Record<string, string | number> = {}): string {
  const params = new URLSearchParams({ host: key.host, site: key.site, archive: key.archive });
  for (const [name, value] of Object.entries(extra)) params.set(name, String(value));
  return params.toString();
}

/** Why a request failed, in words for the page. */
export async function describeResponse(response: Response): Promise<string> {
  if (response.status === 401) return "Your session has ended: sign in again.";
  if (response.status === 403) return "You may not browse this host's archives.";
  const body = (await response.json().catch(() => null)) as { error?: string } | null;
  return body?.error ?? `The server answered ${response.status}.`;
}

export interface FolderState {
  total: number;
  found: boolean | null;
  folder: EntryJson | null;
  breadcrumbs: Crumb[];
  error: string | null;
  /** Row at index, if its page is loaded. */
  row(index: number): EntryJson | undefined;
  loadedRows(): EntryJson[];
  /** Ask for the rows in [start, end). */
  need(start: number, end: number): void;
}

/**
 * One folder of the archive, fetched page by page as rows come into view. `generation` changes while
 * the index is still being built, so what is shown refreshes as more entries arrive.
 */
export function useFolder(
  key: ArchiveKey,
  path: string,
  sort: string,
  order: string,
  generation: number,
  onStatus: (status: IndexStatusJson) => void,
): FolderState {
  const pages = useRef(new Map<number, EntryJson[]>());
  const inFlight = useRef(new Set<number>());
  const range = useRef<[number, number]>([0, PAGE_SIZE]);
  // Bumped when a page arrives: the rows live in a ref, this makes React draw them.
  const [, setVersion] = useState(0);
  const [meta, setMeta] = useState<{ total: number; found: boolean | null; folder: EntryJson | null; breadcrumbs: Crumb[]; error: string | null }>({
    total: 0,
    found: null,
    folder: null,
    breadcrumbs: [],
    error: null,
  });
  const folderKey = `${key.host}|${key.site}|${key.archive}|${path}|${sort}|${order}`;
  const view = `${folderKey}|${generation}`;
  const viewRef = useRef(view);
  const folderRef = useRef(folderKey);

  const fetchPage = useCallback(
    async (page: number, forView: string) => {
      if (inFlight.current.has(page)) return;
      inFlight.current.add(page);
      try {
        const response = await fetch(`/api/archives/entries?${apiQuery(key, { path, sort, order, offset: page * PAGE_SIZE, limit: PAGE_SIZE })}`);
        if (viewRef.current !== forView) return;
        if (!response.ok && response.status !== 404) {
          const error = await describeResponse(response);
          setMeta((m) => ({ ...m, error }));
          return;
        }
        const body = (await response.json()) as DirectoryJson;
        if (viewRef.current !== forView) return;
        onStatus(body.status);
        pages.current.set(page, body.rows);
        setMeta({ total: body.total, found: body.found, folder: body.folder, breadcrumbs: body.breadcrumbs, error: null });
        setVersion((v) => v + 1);
      } catch {
        if (viewRef.current === forView) setMeta((m) => ({ ...m, error: "The server could not be reached." }));
      } finally {
        inFlight.current.delete(page);
      }
    },
    [key, path, sort, order, onStatus],
  );

  // Rows are fetched for where the scrolling settles, not for every position flown past: dragging
  // the scrollbar through 100,000 rows would otherwise queue hundreds of requests ahead of the ones
  // for the rows finally in view (measured: the last rows stayed empty for seconds).
  const settle = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (settle.current) clearTimeout(settle.current);
    },
    [],
  );
  const need = useCallback(
    (start: number, end: number) => {
      range.current = [start, end];
      if (settle.current) clearTimeout(settle.current);
      settle.current = setTimeout(() => {
        const [from, to] = range.current;
        const first = Math.floor(from / PAGE_SIZE);
        const last = Math.floor(Math.max(from, to - 1) / PAGE_SIZE);
        for (let page = first; page <= last; page++) if (!pages.current.has(page)) void fetchPage(page, viewRef.current);
      }, SETTLE_MS);
    },
    [fetchPage],
  );

  useEffect(() => {
    // A new folder, sort or index generation: start over from the rows in view.
    viewRef.current = view;
    if (folderRef.current !== folderKey) {
      folderRef.current = folderKey;
      range.current = [0, PAGE_SIZE];
    }
    pages.current = new Map();
    inFlight.current = new Set();
    const [start, end] = range.current;
    const first = Math.floor(start / PAGE_SIZE);
    const last = Math.floor(Math.max(start, end - 1) / PAGE_SIZE);
    for (let page = first; page <= last; page++) void fetchPage(page, view);
  }, [view, folderKey, fetchPage]);

  return {
    ...meta,
    row: (index: number) => pages.current.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE],
    loadedRows: () => [...pages.current.entries()].sort((a, b) => a[0] - b[0]).flatMap(([, rows]) => rows),
    need,
  };
}
