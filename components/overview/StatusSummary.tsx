import Link from "next/link";
import { STATUS_STYLES } from "@/components/StatusBadge";
import { formatCount, formatDuration } from "@/lib/format";
import { STATUS_LABELS } from "@/lib/fleet/status";
import type { RepoStatus } from "@/lib/fleet/types";
import type { StatusCounts } from "@/lib/fleet/overview";

const ORDER: RepoStatus[] = ["error", "never", "stale", "busy", "fresh", "pending"];

const HINTS: Record<RepoStatus, string> = {
  error: "the last read failed",
  never: "no archive at all",
  stale: "last archive too old",
  busy: "a backup holds the lock",
  fresh: "backed up in time",
  pending: "not read yet",
};

/** Counts per status; each tile filters the host table. Pending shows only when there is any. */
export function StatusSummary({ counts, staleAfterSeconds }: { counts: StatusCounts; staleAfterSeconds: number }) {
  const shown = ORDER.filter((s) => s !== "pending" || counts.pending > 0);
  return (
    <section aria-labelledby="status-heading">
      <div className="mb-3 flex flex-wrap items-baseline justify-between gap-2">
        <h2 id="status-heading" className="text-base font-semibold">
          Backup status
        </h2>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          Stale after {formatDuration(staleAfterSeconds)} without a new archive ({formatCount(staleAfterSeconds)} s)
        </p>
      </div>
      <ul className={`grid grid-cols-2 gap-3 sm:grid-cols-3 ${shown.length > 5 ? "lg:grid-cols-6" : "lg:grid-cols-5"}`}>
        {shown.map((status) => {
          const count = counts[status];
          const attention = count > 0 && status !== "fresh" && status !== "busy" && status !== "pending";
          return (
            <li key={status}>
              <Link
                href={`/?status=${status}#hosts`}
                className={`block h-full rounded-lg border bg-white p-3 shadow-sm transition-colors hover:border-zinc-400 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600 dark:bg-zinc-900 dark:hover:border-zinc-600 ${
                  attention ? "border-current/40" : "border-zinc-200 dark:border-zinc-800"
                } ${attention ? STATUS_STYLES[status].accent : ""}`}
              >
                <span className={`flex items-center gap-1.5 text-sm font-medium ${STATUS_STYLES[status].accent}`}>
                  <span aria-hidden="true">{STATUS_STYLES[status].glyph}</span>
                  {STATUS_LABELS[status]}
                </span>
                <span className="mt-1 block text-2xl font-semibold tabular-nums text-zinc-900 dark:text-zinc-100">{formatCount(count)}</span>
                <span className="block text-xs text-zinc-500 dark:text-zinc-400">{HINTS[status]}</span>
              </Link>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
