import Link from "next/link";
import { displayPath } from "@/lib/archives/pathParam";
import { DIFF_KINDS, type DiffKind, type DiffSummary } from "@/lib/archives/diffSummary";
import type { DiffChange, DiffEntry } from "@/lib/borg";
import { formatBytes, formatCount } from "@/lib/format";

const STATUS_STYLE: Record<DiffEntry["status"], string> = {
  added: "text-emerald-700 dark:text-emerald-400",
  removed: "text-rose-700 dark:text-rose-400",
  changed: "text-amber-700 dark:text-amber-300",
};

/** One change in words, as `borg diff` would describe it. */
function describeChange(c: DiffChange): string | null {
  switch (c.type) {
    case "added":
    case "removed":
      return c.kind === "file" ? `${c.type} file` : `${c.type} ${c.kind}`;
    case "modified":
      return "content changed";
    case "link":
      return "symlink target changed";
    case "mode":
      return `mode ${c.oldMode} → ${c.newMode}`;
    case "owner":
      return `owner ${c.oldUser ?? "?"}:${c.oldGroup ?? "?"} → ${c.newUser ?? "?"}:${c.newGroup ?? "?"}`;
    case "ctime":
    case "mtime":
      return null; // summarised below
    case "other":
      return c.name;
  }
}

function describeEntry(e: DiffEntry): string {
  const words = e.changes.map(describeChange).filter((w): w is string => w !== null);
  const times = e.changes.filter((c) => c.type === "mtime" || c.type === "ctime").map((c) => c.type);
  if (times.length) words.push(`${times.join(" and ")} changed`);
  return words.join("; ") || "changed";
}

function sizeChange(e: DiffEntry): string {
  const parts: string[] = [];
  if (e.bytesAdded) parts.push(`+${formatBytes(e.bytesAdded)}`);
  if (e.bytesRemoved) parts.push(`−${formatBytes(e.bytesRemoved)}`);
  return parts.join(" ");
}

/** Totals over the whole diff, the kind filter, and the (capped) table. */
export function DiffResults({ summary, kind, cap, kindHref }: { summary: DiffSummary; kind: DiffKind; cap: number; kindHref: (kind: DiffKind) => string }) {
  const total = summary.added + summary.removed + summary.changed;
  const more = summary.matching - summary.rows.length;
  const count: Record<DiffKind, number> = { all: total, added: summary.added, removed: summary.removed, changed: summary.changed };
  return (
    <div className="space-y-4">
      <dl className="grid grid-cols-2 gap-x-6 gap-y-1 text-sm sm:grid-cols-5" data-testid="diff-summary">
        <div>
          <dt className="text-zinc-600 dark:text-zinc-400">Added</dt>
          <dd className="tabular-nums" data-testid="diff-added">
            {formatCount(summary.added)}
          </dd>
        </div>
        <div>
          <dt className="text-zinc-600 dark:text-zinc-400">Removed</dt>
          <dd className="tabular-nums" data-testid="diff-removed">
            {formatCount(summary.removed)}
          </dd>
        </div>
        <div>
          <dt className="text-zinc-600 dark:text-zinc-400">Changed</dt>
          <dd className="tabular-nums" data-testid="diff-changed">
            {formatCount(summary.changed)}
          </dd>
        </div>
        <div>
          <dt className="text-zinc-600 dark:text-zinc-400" title="Sizes of added files plus content borg stored anew in changed files">
            Bytes added
          </dt>
          <dd className="tabular-nums">{formatBytes(summary.bytesAdded)}</dd>
        </div>
        <div>
          <dt className="text-zinc-600 dark:text-zinc-400" title="Sizes of removed files plus content no longer in changed files">
            Bytes removed
          </dt>
          <dd className="tabular-nums">{formatBytes(summary.bytesRemoved)}</dd>
        </div>
      </dl>
      <nav aria-label="Show" className="flex flex-wrap gap-2 text-sm">
        {DIFF_KINDS.map((k) => (
          <Link
            key={k}
            href={kindHref(k)}
            prefetch={false} // each would run borg diff again
            aria-current={k === kind ? "true" : undefined}
            className={`rounded-full border px-3 py-0.5 ${k === kind ? "border-sky-700 bg-sky-50 font-medium dark:border-sky-400 dark:bg-sky-950" : "border-zinc-300 dark:border-zinc-700"}`}
          >
            {k} ({formatCount(count[k])})
          </Link>
        ))}
      </nav>
      {total === 0 ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="diff-empty">
          No differences.
        </p>
      ) : (
        <div className="overflow-x-auto rounded-lg border border-zinc-200 dark:border-zinc-800">
          <table className="w-full text-left text-sm" data-testid="diff-table">
            <caption className="sr-only">Changed entries, in archive order</caption>
            <thead className="border-b border-zinc-200 bg-zinc-50 text-xs uppercase tracking-wide text-zinc-600 dark:border-zinc-800 dark:bg-zinc-800/50 dark:text-zinc-400">
              <tr>
                <th scope="col" className="px-3 py-2 font-medium">
                  Path
                </th>
                <th scope="col" className="px-3 py-2 font-medium">
                  Status
                </th>
                <th scope="col" className="px-3 py-2 text-right font-medium">
                  Size change
                </th>
                <th scope="col" className="px-3 py-2 font-medium">
                  What changed
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
              {summary.rows.map((e, i) => (
                <tr key={i} data-status={e.status}>
                  <th scope="row" className="max-w-xl break-all px-3 py-1.5 font-mono text-xs font-normal">
                    {displayPath(e.pathBytes)}
                  </th>
                  <td className={`px-3 py-1.5 ${STATUS_STYLE[e.status]}`}>{e.status}</td>
                  <td className="whitespace-nowrap px-3 py-1.5 text-right tabular-nums">{sizeChange(e)}</td>
                  <td className="px-3 py-1.5 text-xs text-zinc-700 dark:text-zinc-300">{describeEntry(e)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {more > 0 ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="diff-more">
          {formatCount(more)} more not shown (the table stops at {formatCount(cap)} rows). Narrow it with a path or a kind.
        </p>
      ) : null}
      <p className="text-xs text-zinc-500 dark:text-zinc-400">
        Sizes are borg&apos;s: a changed file counts the bytes of the chunks added and removed. Names that are not valid UTF-8 show each such byte as \xNN.
        Directories whose only change is their times are listed as changed.
      </p>
    </div>
  );
}
