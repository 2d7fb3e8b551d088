import { formatBytes, formatUtc } from "@/lib/format";
import { formatGrowthRate, GROWTH_WINDOW_DAYS, repoGrowthRate } from "@/lib/fleet/growth";
import { getRepoHistory } from "@/lib/fleet/store";
import type { RepoState } from "@/lib/fleet/types";
import { GrowthChart, type GrowthPoint } from "./GrowthChart";

/** Samples must cover at least this long before a chart says anything. */
const MIN_CHART_SPAN_MS = 3_600_000;

/**
 * The repo's own size (deduplicated and on disk) over the last 30 days, from the collector's samples:
 * a chart, and the change in words for everyone. Fills in as the dashboard runs.
 */
export function RepoGrowth({ repo, now }: { repo: RepoState; now: number }) {
  const samples = getRepoHistory(repo.id, now - GROWTH_WINDOW_DAYS * 86_400_000);
  const points: GrowthPoint[] = samples.map((s) => ({
    at: s.at,
    disk: s.diskUsageBytes,
    dedup: s.deduplicatedBytes,
    archives: s.archiveCount,
  }));
  const known = points.filter((p) => p.dedup !== null);
  if (known.length < 2 || known[known.length - 1]!.at - known[0]!.at < MIN_CHART_SPAN_MS) {
    return (
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        {repo.sizes === null
          ? "No samples: the repo has not been read successfully yet."
          : "Fills in as the dashboard runs: each collection cycle records the repo's size, and the chart appears once the samples span an hour."}
      </p>
    );
  }
  const first = known[0]!;
  const last = known[known.length - 1]!;
  const change = last.dedup! - first.dedup!;
  const days = (last.at - first.at) / 86_400_000;
  const rate = repoGrowthRate(samples, now);
  const span = days >= 1 ? `${days.toFixed(0)} days` : `${(days * 24).toFixed(0)} h`;
  return (
    <figure>
      <GrowthChart points={points} showDisk={points.some((p) => p.disk !== null)} />
      <figcaption className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
        Deduplicated size {change >= 0 ? "grew" : "shrank"} by {formatBytes(Math.abs(change))} in {span} ({formatBytes(first.dedup)} on{" "}
        {formatUtc(first.at).slice(0, 10)} → {formatBytes(last.dedup)}){rate ? `, about ${formatGrowthRate(rate.bytesPerDay)}` : ""}.
      </figcaption>
    </figure>
  );
}
