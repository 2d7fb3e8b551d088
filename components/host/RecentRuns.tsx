import { TimeAgo } from "@/components/TimeAgo";
import { Card, SectionHeading } from "@/components/ui/Card";
import { formatDuration } from "@/lib/format";
import { getPingStore, type BackupRun } from "@/lib/ping/store";

/** Lines of each run's log shown (the whole stored tail is one click away). */
const TAIL_LINES = 30;

function RunStatus({ run }: { run: BackupRun }) {
  const [label, cls] =
    run.status === "success"
      ? ["succeeded", "bg-emerald-100 text-emerald-800 dark:bg-emerald-900/40 dark:text-emerald-300"]
      : run.status === "failure"
        ? [run.exitStatus === null ? "failed" : `failed (exit ${run.exitStatus})`, "bg-red-100 text-red-800 dark:bg-red-900/40 dark:text-red-300"]
        : ["running", "bg-sky-100 text-sky-800 dark:bg-sky-900/40 dark:text-sky-300"];
  return <span className={`rounded px-1.5 py-0.5 text-xs font-medium whitespace-nowrap ${cls}`}>{label}</span>;
}

/**
 * The backup runs a host reported (borg-backup.sh → /ping/<token>), newest first, with their log
 * tails. Logs are rendered as text only (React escapes them): they come from the hosts.
 */
export function RecentRunsList({ runs, now }: { runs: BackupRun[]; now: number }) {
  if (runs.length === 0) {
    return (
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        No run reported yet. Set PING_URL in the host&apos;s /etc/borg-backup.env to a token from <code>npm run ping-token -- create &lt;host&gt;</code>{" "}
        (README, client install).
      </p>
    );
  }
  return (
    <ul className="divide-y divide-zinc-200 dark:divide-zinc-800" aria-label="Recent backup runs">
      {runs.map((run) => {
        const lines = run.log.replace(/\n+$/, "").split("\n");
        const tail = lines.slice(-TAIL_LINES).join("\n");
        return (
          <li key={run.id} className="py-2" data-run-status={run.status}>
            <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm">
              <RunStatus run={run} />
              <span>
                {run.status === "running" ? "started " : "ended "}
                <TimeAgo at={run.endedAt ?? run.startedAt} now={now} />
              </span>
              {run.durationSeconds !== null ? <span className="text-zinc-600 dark:text-zinc-400">took {formatDuration(run.durationSeconds)}</span> : null}
            </div>
            {run.log ? (
              <details className="mt-1" open={run.status === "failure" && run === runs[0]}>
                <summary className="cursor-pointer text-xs text-zinc-600 dark:text-zinc-400">
                  Log{lines.length > TAIL_LINES ? ` (last ${TAIL_LINES} of ${lines.length} lines)` : ""}
                  {run.logTruncated ? ", cut at 100 KiB" : ""}
                </summary>
                <pre className="mt-1 max-h-80 overflow-auto rounded bg-zinc-100 p-2 text-xs whitespace-pre-wrap break-all dark:bg-zinc-950">{tail}</pre>
              </details>
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}

/** Server component: the host's recent runs from the run-report store. */
export function RecentRuns({ host, now }: { host: string; now: number }) {
  const store = getPingStore();
  if (!store) return null;
  return (
    <section aria-labelledby="recent-runs">
      <Card>
        <SectionHeading id="recent-runs">Recent backup runs</SectionHeading>
        <RecentRunsList runs={store.recentRuns(host, 10)} now={now} />
      </Card>
    </section>
  );
}
