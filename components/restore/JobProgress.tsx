import { formatBytes, formatDuration } from "@/lib/format";
import type { RestoreJobView } from "@/lib/restore/view";

const STATE_STYLES: Record<RestoreJobView["state"], string> = {
  queued: "bg-zinc-100 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300",
  running: "bg-sky-100 text-sky-800 dark:bg-sky-950 dark:text-sky-300",
  succeeded: "bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300",
  failed: "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300",
  cancelled: "bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-300",
  interrupted: "bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-300",
};

export function JobState({ state }: { state: RestoreJobView["state"] }) {
  return (
    <span data-testid="restore-state" className={`inline-flex rounded-full px-2 py-0.5 text-xs font-medium ${STATE_STYLES[state]}`}>
      {state}
    </span>
  );
}

/** Percent bar plus bytes, speed and ETA; "sizing" while borg counts the selection. */
export function JobProgress({ job, detailed = false }: { job: RestoreJobView; detailed?: boolean }) {
  const percent = job.state === "succeeded" ? 100 : (job.percent ?? 0);
  const label = job.state === "running" && job.percent === null ? "Preparing…" : `${percent.toFixed(1)} %`;
  return (
    <div className="min-w-40">
      <div
        role="progressbar"
        aria-label={`Restore job ${job.id} progress`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(percent)}
        className="h-2 w-full overflow-hidden rounded-full bg-zinc-200 dark:bg-zinc-800"
      >
        <div className={`h-full ${job.state === "failed" ? "bg-red-500" : "bg-sky-600"}`} style={{ width: `${percent}%` }} />
      </div>
      <div className="mt-1 flex flex-wrap gap-x-3 text-xs tabular-nums text-zinc-600 dark:text-zinc-400">
        <span data-testid="restore-percent">{label}</span>
        <span>
          {formatBytes(job.bytesDone)} of {formatBytes(job.bytesTotal)}
        </span>
        {detailed && job.state === "running" ? (
          <>
            <span>{job.speed !== null ? `${formatBytes(job.speed)}/s` : "— /s"}</span>
            <span>ETA {job.etaSeconds !== null ? formatDuration(job.etaSeconds) : "—"}</span>
          </>
        ) : null}
      </div>
      {detailed && job.currentFile ? (
        <p className="mt-1 truncate font-mono text-xs text-zinc-600 dark:text-zinc-400" title={job.currentFile}>
          {job.currentFile}
        </p>
      ) : null}
    </div>
  );
}
