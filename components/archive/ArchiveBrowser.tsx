"use client";

import { useCallback, useEffect, useMemo, useState } from "react";
import type { EntryJson, IndexStatusJson, SearchJson } from "@/lib/archives/index/api";
import { formatBytes, formatCount, formatUtc, plural } from "@/lib/format";
import { DownloadButton } from "./DownloadButton";
import { EntryDetails, TYPE_NAMES } from "./EntryDetails";
import { IndexProgress } from "./IndexProgress";
import { RestoreButton } from "./RestoreButton";
import { apiQuery, describeResponse, useFolder, type ArchiveKey } from "./useFolder";
import { VirtualRows } from "./VirtualRows";

const ROW_HEIGHT = 34;
const VIEW_HEIGHT = 560;
const POLL_MS = 700;
type Sort = "name" | "size" | "mtime" | "type";
type Order = "asc" | "desc";

const GRID = "grid grid-cols-[2rem_minmax(0,1fr)_7rem_11rem_7rem_8rem_2.5rem] items-center gap-2 px-2";

/** The parent folder of a pathParam-encoded path, as the API gives it: the breadcrumb before the last. */
function pageUrl(key: ArchiveKey, path: string, q: string): string {
  const params = new URLSearchParams({ site: key.site });
  if (path) params.set("path", path);
  if (q) params.set("q", q);
  return `/hosts/${encodeURIComponent(key.host)}/archives/${encodeURIComponent(key.archive)}?${params}`;
}

export function ArchiveBrowser({
  host,
  site,
  archive,
  initialStatus,
  initialPath,
  initialQuery,
}: {
  host: string;
  site: string;
  archive: string;
  initialStatus: IndexStatusJson;
  initialPath: string;
  initialQuery: string;
}) {
  const key = useMemo<ArchiveKey>(() => ({ host, site, archive }), [host, site, archive]);
  const [status, setStatus] = useState(initialStatus);
  const [path, setPath] = useState(initialPath);
  const [query, setQuery] = useState(initialQuery);
  const [draft, setDraft] = useState(initialQuery);
  const [sort, setSort] = useState<Sort>("name");
  const [order, setOrder] = useState<Order>("asc");
  const [selected, setSelected] = useState<Map<string, EntryJson>>(new Map());
  const [details, setDetails] = useState<EntryJson | null>(null);
  const [generation, setGeneration] = useState(0);
  const building = status.state === "queued" || status.state === "building";

  const onStatus = useCallback((next: IndexStatusJson) => setStatus((prev) => (prev.state === next.state && prev.entries === next.entries ? prev : next)), []);
  const folder = useFolder(key, path, sort, order, generation, onStatus);

  // While the index is being built: poll its progress, and refresh the folder as entries arrive (the
  // poll that sees "complete" refreshes it one last time, with folder totals).
  useEffect(() => {
    if (!building) return;
    const timer = setInterval(async () => {
      const response = await fetch(`/api/archives/index-status?${apiQuery(key)}`).catch(() => null);
      if (!response?.ok) return;
      const next = (await response.json()) as IndexStatusJson;
      onStatus(next);
      setGeneration((g) => g + 1);
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [building, key, onStatus]);

  // Back/forward: the URL is the state.
  useEffect(() => {
    const onPop = () => {
      const params = new URLSearchParams(window.location.search);
      setPath(params.get("path") ?? "");
      setQuery(params.get("q") ?? "");
      setDraft(params.get("q") ?? "");
    };
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, []);

  const navigate = useCallback(
    (nextPath: string, nextQuery = "") => {
      setPath(nextPath);
      setQuery(nextQuery);
      setDraft(nextQuery);
      setDetails(null);
      // The page itself is not reloaded: folders come from the API, the URL is kept shareable.
      window.history.pushState(null, "", pageUrl(key, nextPath, nextQuery));
    },
    [key],
  );

  const retry = useCallback(async () => {
    const response = await fetch(`/api/archives/index-status?${apiQuery(key)}`, { method: "POST" }).catch(() => null);
    if (response?.ok) onStatus((await response.json()) as IndexStatusJson);
  }, [key, onStatus]);

  const toggle = (entry: EntryJson) =>
    setSelected((prev) => {
      const next = new Map(prev);
      if (next.has(entry.path)) next.delete(entry.path);
      else next.set(entry.path, entry);
      return next;
    });

  const loaded = folder.loadedRows();
  const allLoadedSelected = loaded.length > 0 && loaded.every((e) => selected.has(e.path));
  const toggleAll = () =>
    setSelected((prev) => {
      const next = new Map(prev);
      for (const entry of loaded) {
        if (allLoadedSelected) next.delete(entry.path);
        else next.set(entry.path, entry);
      }
      return next;
    });

  const sortBy = (column: Sort) => {
    if (column === sort) setOrder(order === "asc" ? "desc" : "asc");
    else {
      setSort(column);
      setOrder(column === "name" || column === "type" ? "asc" : "desc");
    }
  };

  const header = (column: Sort, label: string, className = "") => (
    <div role="columnheader" aria-sort={sort === column ? (order === "asc" ? "ascending" : "descending") : "none"} className={className}>
      <button type="button" onClick={() => sortBy(column)} className="font-medium uppercase tracking-wide hover:text-zinc-900 dark:hover:text-zinc-100">
        {label}
        {sort === column ? (order === "asc" ? " ▲" : " ▼") : ""}
      </button>
    </div>
  );

  const renderRow = (index: number) => {
    const entry = folder.row(index);
    if (!entry)
      return (
        <div className={`${GRID} h-full text-zinc-400`} role="cell">
          …
        </div>
      );
    const isDir = entry.type === "d";
    return (
      <div
        className={`${GRID} h-full border-b border-zinc-100 text-sm hover:bg-zinc-50 dark:border-zinc-800 dark:hover:bg-zinc-800/40 ${selected.has(entry.path) ? "bg-sky-50 dark:bg-sky-950/30" : ""}`}
      >
        <div role="cell">
          <input type="checkbox" aria-label={`Select ${entry.name}`} checked={selected.has(entry.path)} onChange={() => toggle(entry)} />
        </div>
        <div role="cell" className="truncate font-mono text-xs">
          <button
            type="button"
            className={`max-w-full truncate text-left ${isDir ? "text-sky-700 hover:underline dark:text-sky-300" : "hover:underline"}`}
            title={entry.display}
            onClick={() => (isDir ? navigate(entry.path) : setDetails(entry))}
          >
            {isDir ? <FolderIcon /> : entry.type === "l" ? <span aria-hidden="true">↪ </span> : null}
            {entry.name}
            {isDir ? "/" : ""}
          </button>
          {entry.linkTarget !== null ? <span className="ml-2 text-zinc-500">→ {entry.linkTarget}</span> : null}
        </div>
        <div role="cell" className="text-right tabular-nums">
          {isDir ? (entry.childCount !== null ? plural(entry.childCount, "item") : "") : formatBytes(entry.size)}
        </div>
        <div role="cell" className="whitespace-nowrap tabular-nums text-xs">
          {entry.implicit ? "—" : formatUtc(entry.mtime)}
        </div>
        <div role="cell" className="font-mono text-xs">
          {entry.implicit ? "" : entry.mode}
        </div>
        <div role="cell" className="truncate text-xs" title={`${entry.user}:${entry.group}`}>
          {entry.user}
          {entry.group ? `:${entry.group}` : ""}
        </div>
        <div role="cell">
          <button
            type="button"
            aria-label={`Details of ${entry.name}`}
            onClick={() => setDetails(entry)}
            className="text-zinc-500 hover:text-zinc-900 dark:hover:text-zinc-100"
          >
            <InfoIcon />
          </button>
        </div>
      </div>
    );
  };

  return (
    <div className="space-y-3">
      <IndexProgress status={status} onRetry={retry} />

      <form
        role="search"
        className="flex flex-wrap items-center gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          navigate(path, draft.trim());
        }}
      >
        <label htmlFor="archive-search" className="text-sm font-medium">
          Search names
        </label>
        <input
          id="archive-search"
          type="search"
          value={draft}
          maxLength={256}
          onChange={(e) => setDraft(e.target.value)}
          placeholder="part of a file or folder name"
          className="w-72 rounded-md border border-zinc-300 px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900"
        />
        <button type="submit" className="rounded-md bg-sky-700 px-3 py-1 text-sm font-medium text-white hover:bg-sky-800 dark:bg-sky-500 dark:text-zinc-950">
          Search
        </button>
        {query ? (
          <button type="button" onClick={() => navigate(path)} className="text-sm text-sky-700 hover:underline dark:text-sky-300">
            Back to the folder
          </button>
        ) : null}
      </form>

      {selected.size > 0 ? (
        <div
          role="region"
          aria-label="Selection"
          className="sticky top-0 z-10 flex flex-wrap items-center gap-3 rounded-md border border-sky-200 bg-sky-50 px-3 py-2 text-sm dark:border-sky-900 dark:bg-sky-950/60"
        >
          <span className="font-medium">{formatCount(selected.size)} selected</span>
          <RestoreButton host={host} site={site} archive={archive} paths={[...selected.keys()]} />
          <DownloadButton host={host} site={site} archive={archive} paths={[...selected.keys()]} />
          <button type="button" onClick={() => setSelected(new Map())} className="text-sky-700 hover:underline dark:text-sky-300">
            Clear selection
          </button>
        </div>
      ) : null}

      <div className="grid gap-4 lg:grid-cols-[minmax(0,1fr)_20rem]">
        <div className="min-w-0">
          {query ? (
            <SearchResults
              key={query}
              archiveKey={key}
              query={query}
              generation={status.state === "complete" ? 1 : 0}
              onOpen={navigate}
              onDetails={setDetails}
            />
          ) : (
            <>
              <nav aria-label="Folder" className="mb-2 flex flex-wrap items-center gap-1 font-mono text-sm">
                <button type="button" onClick={() => navigate("")} className="text-sky-700 hover:underline dark:text-sky-300">
                  {archive}
                </button>
                {folder.breadcrumbs.map((crumb, i) => (
                  <span key={crumb.path} className="flex items-center gap-1">
                    <span aria-hidden="true" className="text-zinc-400">
                      /
                    </span>
                    {i === folder.breadcrumbs.length - 1 ? (
                      <span aria-current="location" className="break-all">
                        {crumb.name}
                      </span>
                    ) : (
                      <button type="button" onClick={() => navigate(crumb.path)} className="break-all text-sky-700 hover:underline dark:text-sky-300">
                        {crumb.name}
                      </button>
                    )}
                  </span>
                ))}
              </nav>
              {folder.error ? (
                <p role="alert" className="text-sm text-red-700 dark:text-red-300">
                  {folder.error}
                </p>
              ) : folder.found === false ? (
                <p className="rounded-md border border-dashed border-zinc-300 px-4 py-8 text-center text-sm text-zinc-600 dark:border-zinc-700 dark:text-zinc-400">
                  {building ? "This folder has not been read yet; it appears as the listing arrives." : "This archive has no such folder."}
                </p>
              ) : (
                <div
                  role="table"
                  aria-label="Folder contents"
                  aria-rowcount={folder.total + 1}
                  className="rounded-lg border border-zinc-200 dark:border-zinc-800"
                >
                  <div
                    role="row"
                    className={`${GRID} border-b border-zinc-200 bg-zinc-50 py-2 text-xs text-zinc-600 dark:border-zinc-800 dark:bg-zinc-800/50 dark:text-zinc-400`}
                  >
                    <div role="columnheader">
                      <input type="checkbox" aria-label="Select all in view" checked={allLoadedSelected} onChange={toggleAll} disabled={loaded.length === 0} />
                    </div>
                    {header("name", "Name")}
                    {header("size", "Size", "text-right")}
                    {header("mtime", "Modified (UTC)")}
                    {header("type", "Mode")}
                    <div role="columnheader" className="font-medium uppercase tracking-wide">
                      Owner
                    </div>
                    <div role="columnheader">
                      <span className="sr-only">Details</span>
                    </div>
                  </div>
                  {folder.found === null ? (
                    <p className="px-3 py-6 text-sm text-zinc-500">Loading…</p>
                  ) : folder.total === 0 ? (
                    <p className="px-3 py-6 text-sm text-zinc-500">{building ? "Nothing here yet…" : "This folder is empty."}</p>
                  ) : (
                    <VirtualRows
                      key={`${path}|${sort}|${order}`}
                      label="Entries"
                      count={folder.total}
                      rowHeight={ROW_HEIGHT}
                      height={VIEW_HEIGHT}
                      renderRow={renderRow}
                      onRange={folder.need}
                    />
                  )}
                </div>
              )}
              {folder.found ? (
                <p className="mt-1 text-xs text-zinc-500 dark:text-zinc-400">
                  {formatCount(folder.total)} {folder.total === 1 ? "entry" : "entries"}
                  {folder.folder?.totalSize != null ? `, ${formatBytes(folder.folder.totalSize)} in total` : ""}
                </p>
              ) : null}
            </>
          )}
        </div>
        {details ? <EntryDetails entry={details} onClose={() => setDetails(null)} /> : null}
      </div>
    </div>
  );
}

/** Name search over the whole archive; each hit opens its folder. */
function SearchResults({
  archiveKey,
  query,
  generation,
  onOpen,
  onDetails,
}: {
  archiveKey: ArchiveKey;
  query: string;
  generation: number;
  onOpen: (path: string) => void;
  onDetails: (entry: EntryJson) => void;
}) {
  const [result, setResult] = useState<SearchJson | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    fetch(`/api/archives/entries?${apiQuery(archiveKey, { q: query })}`)
      .then(async (response) => {
        if (!live) return;
        if (!response.ok) setError(await describeResponse(response));
        else setResult((await response.json()) as SearchJson);
      })
      .catch(() => live && setError("The server could not be reached."));
    return () => {
      live = false;
    };
  }, [archiveKey, query, generation]);

  if (error)
    return (
      <p role="alert" className="text-sm text-red-700 dark:text-red-300">
        {error}
      </p>
    );
  if (!result) return <p className="text-sm text-zinc-500">Searching…</p>;
  const parentOf = (entry: EntryJson) => (entry.type === "d" ? entry.path : null);
  return (
    <section aria-label="Search results">
      <p className="mb-2 text-sm text-zinc-600 dark:text-zinc-400">
        {result.rows.length === 0
          ? `No name contains “${query}”.`
          : `${formatCount(result.rows.length)}${result.truncated ? "+" : ""} ${result.rows.length === 1 ? "match" : "matches"} for “${query}”${result.truncated ? " (the first ones; refine the search)" : ""}.`}
        {result.status.state !== "complete" ? " The archive is still being read: more may match." : ""}
      </p>
      <ul className="divide-y divide-zinc-100 rounded-lg border border-zinc-200 dark:divide-zinc-800 dark:border-zinc-800">
        {result.rows.map((entry) => (
          <li key={entry.path} className="flex items-center gap-3 px-3 py-1.5 text-sm">
            <span className="w-20 shrink-0 text-xs text-zinc-500">{TYPE_NAMES[entry.type] ?? entry.type}</span>
            <button
              type="button"
              onClick={() => onOpen(parentOf(entry) ?? entry.parent)}
              className="min-w-0 flex-1 truncate text-left font-mono text-xs text-sky-700 hover:underline dark:text-sky-300"
              title={entry.display}
            >
              {entry.display}
            </button>
            <span className="shrink-0 tabular-nums text-xs">{entry.type === "d" ? "" : formatBytes(entry.size)}</span>
            <button
              type="button"
              aria-label={`Details of ${entry.name}`}
              onClick={() => onDetails(entry)}
              className="text-zinc-500 hover:text-zinc-900 dark:hover:text-zinc-100"
            >
              <InfoIcon />
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Inline SVG icons: no icon font or emoji font needed (servers and kiosks often have neither). */
function FolderIcon() {
  return (
    <svg aria-hidden="true" viewBox="0 0 16 16" className="mr-1 inline h-3.5 w-3.5 align-[-2px]" fill="currentColor">
      <path d="M1.5 3A1.5 1.5 0 0 1 3 1.5h3.1l1.5 1.5H13A1.5 1.5 0 0 1 14.5 4.5v8A1.5 1.5 0 0 1 13 14H3a1.5 1.5 0 0 1-1.5-1.5z" />
    </svg>
  );
}

function InfoIcon() {
  return (
    <svg aria-hidden="true" viewBox="0 0 16 16" className="h-4 w-4" fill="none" stroke="currentColor" strokeWidth="1.5">
      <circle cx="8" cy="8" r="6.5" />
      <path d="M8 7v4.5M8 4.6v.1" strokeLinecap="round" />
    </svg>
  );
}
