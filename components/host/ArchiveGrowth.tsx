import { archiveSeries, dataGrowthRate, formatGrowthRate, GROWTH_WINDOW_DAYS, type GrowthRate } from "@/lib/fleet/growth";
import { formatBytes, formatCount, formatUtc, plural } from "@/lib/format";
import type { RepoState } from "@/lib/fleet/types";
import { ArchiveChart } from "./ArchiveChart";

const muted = "text-sm text-zinc-600 dark:text-zinc-400";

function day(ms: number): string {
  return formatUtc(ms).slice(0, 10);
}

function RateInWords({ rate }: { rate: GrowthRate }) {
  return (
    <>
      , about <span className="whitespace-nowrap">{formatGrowthRate(rate.bytesPerDay)}</span>
      {rate.basis === "window"
        ? ` over the last ${rate.windowDays} days`
        : ` over the whole history (fewer than 2 archives in the last ${rate.windowDays} days)`}
    </>
  );
}

/**
 * The host's data over its whole archive history: the original (and compressed) size of each
 * archive, which borg measured when the archive was made. Needs no collector history.
 */
export function ArchiveGrowth({ repo, now }: { repo: RepoState; now: number }) {
  const points = archiveSeries(repo.archives);
  const withoutSizes = repo.archives.length - points.length;
  if (points.length < 2) {
    let text: string;
    if (repo.archiveCount === null) text = "Not known yet: the repo has not been read successfully.";
    else if (repo.archiveCount === 0) text = "No archive yet: the chart starts with the first backup.";
    else if (repo.archives.length === 0)
      text = "Not available: this dashboard reads the fleet from Prometheus, which carries repo totals, not per-archive sizes.";
    else if (points.length === 1)
      text = `One archive with sizes so far: ${formatBytes(points[0]!.original)} of data on ${day(points[0]!.at)}. The chart needs two.`;
    else text = "No archive sizes yet: the dashboard reads them with borg info, once per archive, in the next collection cycles.";
    return <p className={muted}>{text}</p>;
  }

  const first = points[0]!;
  const last = points[points.length - 1]!;
  const change = last.original - first.original;
  const verb = change > 0 ? "grew" : change < 0 ? "shrank" : "stayed the same";
  const rate = dataGrowthRate(points, now, GROWTH_WINDOW_DAYS);
  return (
    <figure>
      <ArchiveChart points={points} />
      <figcaption className={`mt-1 ${muted}`}>
        Backed-up data {verb} {change === 0 ? "at" : "from"} {formatBytes(first.original)} ({day(first.at)})
        {change === 0 ? ` through ${day(last.at)}` : ` to ${formatBytes(last.original)} (${day(last.at)})`}
        {rate ? <RateInWords rate={rate} /> : null}. Files: {formatCount(first.files)} → {formatCount(last.files)}.
        {withoutSizes > 0 ? ` Not shown: ${plural(withoutSizes, "archive")} whose sizes borg info has not read yet.` : ""}
      </figcaption>
    </figure>
  );
}
