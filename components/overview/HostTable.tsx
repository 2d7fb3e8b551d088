"use client";

import Link from "next/link";
import { useDeferredValue, useId, useMemo, useState } from "react";
import { Bytes } from "@/components/Bytes";
import { StatusBadge } from "@/components/StatusBadge";
import { TimeAgo } from "@/components/TimeAgo";
import { formatGrowthRate } from "@/lib/fleet/growth";
import { formatCount } from "@/lib/format";
import { STATUS_LABELS, STATUS_SEVERITY } from "@/lib/fleet/status";
import type { RepoStatus } from "@/lib/fleet/types";
import { decodeRows, type HostRow, type HostRowTuple } from "@/lib/fleet/overview";

type SortKey = "host" | "site" | "status" | "lastAt" | "disk" | "dedup" | "archives" | "growth";
type Direction = "asc" | "desc";
type StatusFilter = RepoStatus | "all";

const PAGE = 100;
const STATUSES: RepoStatus[] = ["error", "never", "stale", "busy", "fresh", "pending"];

const COLUMNS: { key: SortKey; label: string; numeric?: boolean; firstDirection: Direction; title?: string }[] = [
  { key: "host", label: "Host", firstDirection: "asc" },
  { key: "site", label: "Site", firstDirection: "asc" },
  { key: "status", label: "Status", firstDirection: "asc", title: "Sorted by urgency: errors first" },
  { key: "lastAt", label: "Last archive", firstDirection: "asc", title: "End of the newest archive; sorted oldest first" },
  { key: "disk", label: "On disk", numeric: true, firstDirection: "desc", title: "Bytes of the repo directory (local repos only)" },
  { key: "dedup", label: "Deduplicated", numeric: true, firstDirection: "desc", title: "borg's unique_csize" },
  { key: "archives", label: "Archives", numeric: true, firstDirection: "desc" },
  {
    key: "growth",
    label: "Growth",
    numeric: true,
    firstDirection: "desc",
    title: "Growth of the host's data per day: original size of its archives, straight line over the last 30 days; sorted fastest first",
  },
];

function sortValue(row: HostRow, key: SortKey): number | string | null {
  switch (key) {
    case "host":
      return row.host;
    case "site":
      return row.site;
    case "status":
      return STATUS_SEVERITY[row.status];
    case "lastAt":
      // No archive at all is the oldest there is.
      return row.lastAt ?? -Infinity;
    default:
      return row[key];
  }
}

function compareRows(a: HostRow, b: HostRow, key: SortKey, direction: Direction): number {
  const va = sortValue(a, key);
  const vb = sortValue(b, key);
  let result = 0;
  if (va === null || vb === null) {
    // Unknown values go last in either direction.
    if (va !== vb) return va === null ? 1 : -1;
  } else if (typeof va === "string" && typeof vb === "string") {
    result = va.localeCompare(vb, "en", { numeric: true });
  } else {
    result = (va as number) - (vb as number);
  }
  if (direction === "desc") result = -result;
  if (result !== 0) return result;
  // Ties: the oldest archive first within a status, then by host and site.
  if (key === "status") {
    const age = (a.lastAt ?? -Infinity) - (b.lastAt ?? -Infinity);
    if (age !== 0 && Number.isFinite(age)) return age;
    if (a.lastAt === null && b.lastAt !== null) return -1;
    if (b.lastAt === null && a.lastAt !== null) return 1;
  }
  return a.host.localeCompare(b.host, "en", { numeric: true }) || a.site.localeCompare(b.site);
}

function syncUrl(query: string, status: StatusFilter, site: string) {
  const url = new URL(window.location.href);
  const set = (name: string, value: string) => (value ? url.searchParams.set(name, value) : url.searchParams.delete(name));
  set("q", query.trim());
  set("status", status === "all" ? "" : status);
  set("site", site === "all" ? "" : site);
  window.history.replaceState(null, "", url);
}

export interface HostTableProps {
  /** Compact rows (see HostRowTuple); site indexes point into `sites`. */
  rows: HostRowTuple[];
  sites: string[];
  /** Render time from the server, so relative times match between server and browser. */
  now: number;
  initialQuery?: string;
  initialStatus?: StatusFilter;
  initialSite?: string;
}

/** Every repo of the fleet: filter by text, status and site; sort by any column; 100 rows at a time. */
export function HostTable({ rows: tuples, sites, now, initialQuery = "", initialStatus = "all", initialSite = "all" }: HostTableProps) {
  const rows = useMemo(() => decodeRows(tuples, sites), [tuples, sites]);
  const [query, setQuery] = useState(initialQuery);
  const [status, setStatus] = useState<StatusFilter>(initialStatus);
  const [site, setSite] = useState(initialSite);
  const [sort, setSort] = useState<{ key: SortKey; direction: Direction }>({ key: "status", direction: "asc" });
  const [limit, setLimit] = useState(PAGE);
  const deferredQuery = useDeferredValue(query);
  const ids = useId();

  const counts = useMemo(() => {
    const byStatus: Record<RepoStatus, number> = { fresh: 0, stale: 0, never: 0, busy: 0, error: 0, pending: 0 };
    for (const row of rows) byStatus[row.status]++;
    return byStatus;
  }, [rows]);

  const visible = useMemo(() => {
    const needle = deferredQuery.trim().toLowerCase();
    const filtered = rows.filter(
      (row) =>
        (status === "all" || row.status === status) &&
        (site === "all" || row.site === site) &&
        (!needle || row.host.toLowerCase().includes(needle) || row.id.toLowerCase().includes(needle)),
    );
    return filtered.sort((a, b) => compareRows(a, b, sort.key, sort.direction));
  }, [rows, deferredQuery, status, site, sort]);

  const shown = visible.slice(0, limit);
  const filtering = query.trim() !== "" || status !== "all" || site !== "all";

  function onSort(key: SortKey) {
    const column = COLUMNS.find((c) => c.key === key)!;
    setSort((current) => (current.key === key ? { key, direction: current.direction === "asc" ? "desc" : "asc" } : { key, direction: column.firstDirection }));
  }

  function update(next: { query?: string; status?: StatusFilter; site?: string }) {
    const q = next.query ?? query;
    const s = next.status ?? status;
    const si = next.site ?? site;
    if (next.query !== undefined) setQuery(q);
    if (next.status !== undefined) setStatus(s);
    if (next.site !== undefined) setSite(si);
    setLimit(PAGE);
    syncUrl(q, s, si);
  }

  return (
    <div>
      <div className="mb-3 flex flex-wrap items-end gap-3">
        <div className="flex min-w-56 flex-1 flex-col gap-1 text-sm sm:max-w-sm">
          <label htmlFor={`${ids}-q`} className="font-medium text-zinc-700 dark:text-zinc-300">
            Filter hosts
          </label>
          <input
            id={`${ids}-q`}
            type="search"
            value={query}
            onChange={(e) => update({ query: e.target.value })}
            placeholder="Host name, e.g. web-"
            className="h-9 rounded-md border border-zinc-300 bg-white px-3 text-sm shadow-sm placeholder:text-zinc-400 focus:border-sky-600 focus:outline-2 focus:outline-sky-600/30 dark:border-zinc-700 dark:bg-zinc-900"
          />
        </div>
        <div className="flex flex-col gap-1 text-sm">
          <label htmlFor={`${ids}-status`} className="font-medium text-zinc-700 dark:text-zinc-300">
            Status
          </label>
          <select
            id={`${ids}-status`}
            value={status}
            onChange={(e) => update({ status: e.target.value as StatusFilter })}
            className="h-9 rounded-md border border-zinc-300 bg-white px-2 text-sm shadow-sm focus:border-sky-600 focus:outline-2 focus:outline-sky-600/30 dark:border-zinc-700 dark:bg-zinc-900"
          >
            <option value="all">All statuses ({formatCount(rows.length)})</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {STATUS_LABELS[s]} ({formatCount(counts[s])})
              </option>
            ))}
          </select>
        </div>
        {sites.length > 1 ? (
          <div className="flex flex-col gap-1 text-sm">
            <label htmlFor={`${ids}-site`} className="font-medium text-zinc-700 dark:text-zinc-300">
              Site
            </label>
            <select
              id={`${ids}-site`}
              value={site}
              onChange={(e) => update({ site: e.target.value })}
              className="h-9 rounded-md border border-zinc-300 bg-white px-2 text-sm shadow-sm focus:border-sky-600 focus:outline-2 focus:outline-sky-600/30 dark:border-zinc-700 dark:bg-zinc-900"
            >
              <option value="all">All sites</option>
              {sites.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        {filtering ? (
          <button
            type="button"
            onClick={() => update({ query: "", status: "all", site: "all" })}
            className="h-9 rounded-md px-2 text-sm font-medium text-sky-700 hover:bg-sky-50 focus-visible:outline-2 focus-visible:outline-sky-600 dark:text-sky-300 dark:hover:bg-sky-400/10"
          >
            Clear filters
          </button>
        ) : null}
        <p className="ml-auto self-center pt-5 text-sm text-zinc-600 dark:text-zinc-400" aria-live="polite">
          {visible.length === rows.length ? `${formatCount(rows.length)} repos` : `${formatCount(visible.length)} of ${formatCount(rows.length)} repos match`}
        </p>
      </div>

      <div className="overflow-x-auto rounded-lg border border-zinc-200 bg-white shadow-sm dark:border-zinc-800 dark:bg-zinc-900">
        <table className="w-full text-left text-sm [&_tbody_td]:px-3 [&_tbody_td]:py-1.5 [&_tbody_th]:px-3 [&_tbody_th]:py-1.5">
          <caption className="sr-only">Repos of the fleet, one row per host and storage site. Column headers sort the table.</caption>
          <thead className="border-b border-zinc-200 bg-zinc-50 text-xs uppercase tracking-wide text-zinc-600 dark:border-zinc-800 dark:bg-zinc-800/50 dark:text-zinc-400">
            <tr>
              {COLUMNS.map((column) => {
                const active = sort.key === column.key;
                return (
                  <th
                    key={column.key}
                    scope="col"
                    aria-sort={active ? (sort.direction === "asc" ? "ascending" : "descending") : "none"}
                    className={`px-3 py-2 font-medium ${column.numeric ? "text-right" : ""}`}
                  >
                    <button
                      type="button"
                      onClick={() => onSort(column.key)}
                      title={column.title}
                      className={`inline-flex items-center gap-1 rounded uppercase tracking-wide hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-sky-600 dark:hover:text-zinc-100 ${
                        active ? "text-zinc-900 dark:text-zinc-100" : ""
                      }`}
                    >
                      {column.label}
                      <span aria-hidden="true" className={`w-3 text-[10px] ${active ? "" : "opacity-30"}`}>
                        {active ? (sort.direction === "asc" ? "▲" : "▼") : "↕"}
                      </span>
                    </button>
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
            {shown.map((row) => (
              <tr key={row.id} className="hover:bg-zinc-50 dark:hover:bg-zinc-800/40">
                <th scope="row" className="font-medium">
                  <Link href={`/hosts/${encodeURIComponent(row.host)}`} className="text-sky-700 hover:underline dark:text-sky-300">
                    {row.host}
                  </Link>
                </th>
                <td className="text-zinc-600 dark:text-zinc-400">{row.site}</td>
                <td>
                  <StatusBadge status={row.status} />
                </td>
                <td>
                  <TimeAgo at={row.lastAt} now={now} fallback={row.archives === 0 ? "no archive" : "—"} />
                </td>
                <td className="text-right">
                  <Bytes value={row.disk} unknownReason="not measured (remote repo)" />
                </td>
                <td className="text-right">
                  <Bytes value={row.dedup} unknownReason="repo not read yet" />
                </td>
                <td className="text-right tabular-nums">{formatCount(row.archives)}</td>
                <td className="text-right">
                  <Growth bytesPerDay={row.growth} />
                </td>
              </tr>
            ))}
            {shown.length === 0 ? (
              <tr>
                <td colSpan={COLUMNS.length} className="py-8! text-center text-zinc-500 dark:text-zinc-400">
                  No repo matches these filters.
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>

      {visible.length > shown.length ? (
        <div className="mt-3 flex flex-wrap items-center gap-3 text-sm">
          <span className="text-zinc-600 dark:text-zinc-400">
            Showing {formatCount(shown.length)} of {formatCount(visible.length)}
          </span>
          <button
            type="button"
            onClick={() => setLimit((l) => l + PAGE)}
            className="rounded-md border border-zinc-300 bg-white px-3 py-1.5 font-medium shadow-sm hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-sky-600 dark:border-zinc-700 dark:bg-zinc-900 dark:hover:bg-zinc-800"
          >
            Show {formatCount(Math.min(PAGE, visible.length - shown.length))} more
          </button>
          <button
            type="button"
            onClick={() => setLimit(visible.length)}
            className="rounded-md px-3 py-1.5 font-medium text-sky-700 hover:bg-sky-50 focus-visible:outline-2 focus-visible:outline-sky-600 dark:text-sky-300 dark:hover:bg-sky-400/10"
          >
            Show all
          </button>
        </div>
      ) : null}
    </div>
  );
}

/** "+24 KiB/day"; "—" (with the reason on hover and for screen readers) when fewer than 2 archives have sizes. */
function Growth({ bytesPerDay }: { bytesPerDay: number | null }) {
  if (bytesPerDay === null) {
    const reason = "needs 2 archives with sizes";
    return (
      <span className="text-zinc-500 dark:text-zinc-400" title={reason}>
        —<span className="sr-only"> ({reason})</span>
      </span>
    );
  }
  return (
    <span className="whitespace-nowrap tabular-nums" title={`${formatCount(bytesPerDay)} bytes per day`}>
      {formatGrowthRate(bytesPerDay)}
    </span>
  );
}
