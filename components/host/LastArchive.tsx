import { TimeAgo, UtcTime } from "@/components/TimeAgo";
import { formatElapsed } from "@/lib/format";
import type { ArchiveSummary } from "@/lib/fleet/types";

/** The newest archive: name, start, end, duration, age. */
export function LastArchive({ archive, now }: { archive: ArchiveSummary | null; now: number }) {
  if (!archive) {
    return <p className="text-sm text-zinc-600 dark:text-zinc-400">No archive.</p>;
  }
  const duration = archive.end !== null ? (archive.end - archive.start) / 1000 : (archive.stats?.durationSeconds ?? null);
  return (
    <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1.5 text-sm">
      <dt className="text-zinc-500 dark:text-zinc-400">Name</dt>
      <dd className="break-all font-mono text-xs leading-5">
        {archive.name || <span className="font-sans text-zinc-500 dark:text-zinc-400">not known (Prometheus carries times, not names)</span>}
      </dd>
      <dt className="text-zinc-500 dark:text-zinc-400">Age</dt>
      <dd className="font-medium">
        <TimeAgo at={archive.end ?? archive.start} now={now} />
        {archive.end === null ? <span className="font-normal text-zinc-500 dark:text-zinc-400"> (from its start; end not known yet)</span> : null}
      </dd>
      <dt className="text-zinc-500 dark:text-zinc-400">Started</dt>
      <dd>
        <UtcTime at={archive.start} />
      </dd>
      <dt className="text-zinc-500 dark:text-zinc-400">Ended</dt>
      <dd>
        <UtcTime at={archive.end} fallback="not known yet" />
      </dd>
      <dt className="text-zinc-500 dark:text-zinc-400">Duration</dt>
      <dd className="tabular-nums">{formatElapsed(duration)}</dd>
    </dl>
  );
}
