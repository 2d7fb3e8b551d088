import Link from "next/link";
import { StatusBadge } from "@/components/StatusBadge";
import { TimeAgo } from "@/components/TimeAgo";
import { Card } from "@/components/ui/Card";
import { formatDuration, formatElapsed, plural } from "@/lib/format";
import { describeThresholdSource, type RepoThreshold } from "@/lib/fleet/freshness";
import type { RepoState, RepoStatus } from "@/lib/fleet/types";
import { ArchiveGrowth } from "./ArchiveGrowth";
import { ArchiveTable } from "./ArchiveTable";
import { LastArchive } from "./LastArchive";
import { RepoGrowth } from "./RepoGrowth";
import { RepoProblem } from "./RepoProblem";
import { RepoSizes } from "./RepoSizes";

function SubHeading({ children }: { children: React.ReactNode }) {
  return <h3 className="mb-2 text-sm font-semibold text-zinc-700 dark:text-zinc-300">{children}</h3>;
}

/** One sentence under a chart's heading: what the chart shows. */
function ChartNote({ children }: { children: React.ReactNode }) {
  return <p className="mb-3 text-xs leading-relaxed text-zinc-600 dark:text-zinc-400">{children}</p>;
}

/**
 * Everything about one repo of a host, for triage. `canBrowse`: the user may browse this host's
 * archives (archive:browse), so archive names link to the browser and archives can be compared.
 */
export function RepoSection({
  repo,
  status,
  now,
  threshold,
  canBrowse = false,
}: {
  repo: RepoState;
  status: RepoStatus;
  now: number;
  /** This repo's staleness threshold (lib/fleet/freshness.ts) and where it comes from. */
  threshold: RepoThreshold;
  canBrowse?: boolean;
}) {
  const headingId = `repo-${repo.site}`;
  const hostPath = `/hosts/${encodeURIComponent(repo.host)}`;
  const siteQuery = `site=${encodeURIComponent(repo.site)}`;
  return (
    <section aria-labelledby={headingId} className="space-y-4">
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1 border-b border-zinc-200 pb-2 dark:border-zinc-800">
        <h2 id={headingId} className="text-lg font-semibold">
          {repo.site}
        </h2>
        <StatusBadge status={status} />
        <code className="min-w-0 break-all text-xs text-zinc-500 dark:text-zinc-400">{repo.location}</code>
        <span data-testid="stale-threshold" className="text-xs text-zinc-500 dark:text-zinc-400">
          Stale after {formatDuration(threshold.seconds)} ({describeThresholdSource(threshold.source)})
        </span>
      </div>

      <RepoProblem repo={repo} status={status} now={now} staleAfterSeconds={threshold.seconds} />

      <div className="grid gap-4 lg:grid-cols-2">
        <Card>
          <SubHeading>Last archive</SubHeading>
          <LastArchive archive={repo.lastArchive} now={now} />
          <ReadInfo repo={repo} now={now} />
        </Card>
        <Card>
          <SubHeading>Size</SubHeading>
          <RepoSizes repo={repo} />
        </Card>
      </div>

      <div className="grid gap-4 lg:grid-cols-2">
        <Card>
          <SubHeading>Data per archive</SubHeading>
          <ChartNote>
            Original is the size of the files saved in each archive, so this is how much data the host had at each backup, from the oldest archive kept;
            compressed is the same after compression, before deduplication.
          </ChartNote>
          <ArchiveGrowth repo={repo} now={now} />
        </Card>
        <Card>
          <SubHeading>Repo size, last 30 days</SubHeading>
          <ChartNote>
            The repo grows only by chunks it has not stored yet, so much less than the data; space of pruned archives is freed only when{" "}
            <code>borg compact</code> runs, so on-disk stays above deduplicated until then.
          </ChartNote>
          <RepoGrowth repo={repo} now={now} />
        </Card>
      </div>

      <div>
        <div className="flex flex-wrap items-baseline justify-between gap-x-4">
          <SubHeading>Archives{repo.archiveCount !== null ? ` (${plural(repo.archiveCount, "archive")}, newest first)` : ""}</SubHeading>
          <p className="mb-2 flex gap-4 text-sm">
            <Link href={`${hostPath}/retention?${siteQuery}`} className="text-sky-700 hover:underline dark:text-sky-300">
              Retention preview
            </Link>
            {canBrowse && repo.archives.length >= 2 ? (
              <Link href={`${hostPath}/diff?${siteQuery}`} className="text-sky-700 hover:underline dark:text-sky-300">
                Compare archives
              </Link>
            ) : null}
          </p>
        </div>
        {repo.archiveCount === null ? (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">Not known: the repo has not been read yet.</p>
        ) : repo.archives.length === 0 && repo.archiveCount > 0 ? (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">
            Not listed here: this dashboard reads the fleet from Prometheus, which carries the number of archives, not the list.
          </p>
        ) : (
          <ArchiveTable
            archives={repo.archives}
            caption={`Archives of ${repo.host} on ${repo.site}, newest first`}
            browse={canBrowse ? { host: repo.host, site: repo.site } : null}
          />
        )}
      </div>
    </section>
  );
}

/** When the dashboard last read the repo, and how. */
function ReadInfo({ repo, now }: { repo: RepoState; now: number }) {
  return (
    <dl className="mt-3 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 border-t border-zinc-100 pt-3 text-xs text-zinc-600 dark:border-zinc-800 dark:text-zinc-400">
      <dt>Last read</dt>
      <dd>
        <TimeAgo at={repo.lastSuccessAt} now={now} fallback="never" />
      </dd>
      <dt>Last attempt</dt>
      <dd>
        <TimeAgo at={repo.lastAttemptAt} now={now} fallback="none yet" />
        {repo.lastAttemptAt !== null && repo.lastDurationMs !== null ? `, took ${formatElapsed(repo.lastDurationMs / 1000)}` : ""}
      </dd>
      <dt>Encryption</dt>
      <dd>{repo.encryption ?? "—"}</dd>
    </dl>
  );
}
