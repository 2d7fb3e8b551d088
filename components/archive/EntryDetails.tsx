"use client";

import type { EntryJson } from "@/lib/archives/index/api";
import { formatBytes, formatCount, formatUtcSeconds } from "@/lib/format";

export const TYPE_NAMES: Record<string, string> = {
  d: "folder",
  "-": "file",
  l: "symbolic link",
  h: "hard link",
  c: "character device",
  b: "block device",
  p: "named pipe",
  s: "socket",
};

/** Everything the index knows about one entry. */
export function EntryDetails({ entry, onClose }: { entry: EntryJson; onClose: () => void }) {
  const rows: Array<[string, string]> = [
    ["Path", entry.display],
    ["Type", TYPE_NAMES[entry.type] ?? entry.type],
    ["Mode", entry.implicit ? "— (not in the archive itself: a parent of what was backed up)" : entry.mode],
    ["Owner", entry.user || "—"],
    ["Group", entry.group || "—"],
    ["Size", entry.type === "d" ? `${formatBytes(entry.totalSize)} in total` : `${formatBytes(entry.size)} (${formatCount(entry.size)} bytes)`],
    ["Modified (UTC)", entry.implicit ? "—" : formatUtcSeconds(entry.mtime)],
  ];
  if (entry.type === "d" && entry.childCount !== null) rows.push(["Entries", formatCount(entry.childCount)]);
  if (entry.linkTarget !== null) rows.push(["Symlink target", entry.linkTarget]);
  if (entry.hardlinkTarget !== null) rows.push(["Hard link to", entry.hardlinkTarget]);
  return (
    <aside aria-label="Details" className="rounded-lg border border-zinc-200 bg-white p-4 text-sm shadow-sm dark:border-zinc-800 dark:bg-zinc-900">
      <div className="mb-2 flex items-start justify-between gap-2">
        <h2 className="break-all font-mono font-semibold">{entry.name}</h2>
        <button type="button" onClick={onClose} className="text-zinc-500 hover:text-zinc-900 dark:hover:text-zinc-100" aria-label="Close details">
          ✕
        </button>
      </div>
      <dl className="grid grid-cols-[max-content_1fr] gap-x-3 gap-y-1">
        {rows.map(([term, value]) => (
          <div key={term} className="contents">
            <dt className="text-zinc-500 dark:text-zinc-400">{term}</dt>
            <dd className="break-all font-mono text-xs leading-5">{value}</dd>
          </div>
        ))}
      </dl>
    </aside>
  );
}
