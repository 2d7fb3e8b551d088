import { formatBytes, formatUtc } from "@/lib/format";
import { getRepoHistory } from "@/lib/fleet/store";
import type { RepoState } from "@/lib/fleet/types";
import { GrowthChart, type GrowthPoint } from "./GrowthChart";

const WINDOW_DAYS = 30;

/** Growth of one repo over the last 30 days: a chart, and the change in words for everyone. */
export function RepoGrowth({ repo, now }: { repo: RepoState; now: number }) {
  const samples = getRepoHistory(repo.id, now - WINDOW_DAYS * 86_400_000);
  const points: GrowthPoint[] = samples.map((s) => ({
    at: s.at,
    disk: s.diskUsageBytes,
    dedup: s.deduplicatedBytes,
    archives: s.archiveCount,
  }));
  const known = points.filter((p) => p.dedup !== null);
  if (known.length < 2) {
    return (
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        {repo.sizes === null
          ? "No history: the repo has not been read successfully yet."
          : "No history yet: the chart appears after a few collection cycles."}
      </p>
    );
  }
  const first = known[0]!;
  const last = known[known.length - 1]!;
  const change = last.dedup! - first.dedup!;
  const days = (last.at - first.at) / 86_400_000;
  return (
    <figure>
      <GrowthChart points={points} showDisk={points.some((p) => p.disk !== null)} />
      <figcaption className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
        Deduplicated size {change >= 0 ? "grew" : "shrank"} by {formatBytes(Math.abs(change))} in {days.toFixed(0)} days (
        {formatBytes(first.dedup)} on {formatUtc(first.at).slice(0, 10)} → {formatBytes(last.dedup)}
        {days > 0 ? `, about ${formatBytes(Math.abs(change) / days)}/day` : ""}).
      </figcaption>
    </figure>
  );
}
