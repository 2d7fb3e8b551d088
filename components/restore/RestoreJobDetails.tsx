"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState, useTransition } from "react";
import { cancelRestore, retryRestore } from "@/app/actions/restore";
import { RestoreButton } from "@/components/archive/RestoreButton";
import { UtcTime } from "@/components/TimeAgo";
import type { RestoreJobView } from "@/lib/restore/view";
import { JobProgress, JobState } from "./JobProgress";

const POLL_MS = 1_000;
const ACTIVE = new Set(["queued", "running"]);
const RETRYABLE = new Set(["failed", "cancelled", "interrupted"]);

/** The job page body: inputs, live progress, log, Cancel / Retry, and the rsync step when done. */
export function RestoreJobDetails({ initial }: { initial: RestoreJobView }) {
  const [job, setJob] = useState(initial);
  const [message, setMessage] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const [pending, startTransition] = useTransition();
  const router = useRouter();
  const active = ACTIVE.has(job.state);

  useEffect(() => {
    if (!active) return;
    let stopped = false;
    const timer = setInterval(async () => {
      try {
        const res = await fetch(`/api/restores/${job.id}`, { cache: "no-store" });
        if (res.ok && !stopped) setJob(((await res.json()) as { job: RestoreJobView }).job);
      } catch {
        // keep the last state; the next poll tries again
      }
    }, POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [active, job.id]);

  const cancel = () =>
    startTransition(async () => {
      const result = await cancelRestore({ jobId: job.id });
      setMessage(result.message);
      const res = await fetch(`/api/restores/${job.id}`, { cache: "no-store" });
      if (res.ok) setJob(((await res.json()) as { job: RestoreJobView }).job);
    });
  const retry = () =>
    startTransition(async () => {
      const result = await retryRestore({ jobId: job.id });
      setMessage(result.message);
      if (result.ok) router.push(`/restores/${result.jobId}`);
    });
  const copy = async () => {
    if (!job.rsync) return;
    await navigator.clipboard.writeText(job.rsync.command).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  };

  const button =
    "rounded-md border border-zinc-300 px-3 py-1.5 text-sm font-medium hover:bg-zinc-100 disabled:opacity-50 dark:border-zinc-700 dark:hover:bg-zinc-800";
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center gap-3">
        <JobState state={job.state} />
        {job.phase && job.state === "running" ? <span className="text-sm text-zinc-600 dark:text-zinc-400">{job.phase}</span> : null}
        <div className="ml-auto flex gap-2">
          {active ? (
            <button type="button" className={button} onClick={cancel} disabled={pending}>
              Cancel
            </button>
          ) : null}
          {RETRYABLE.has(job.state) ? (
            <button type="button" className={button} onClick={retry} disabled={pending}>
              Retry
            </button>
          ) : null}
          {!active && job.pathParams ? <RestoreButton host={job.host} site={job.site} archive={job.archive} paths={job.pathParams} /> : null}
        </div>
      </div>
      {message ? (
        <p role="status" className="text-sm text-zinc-700 dark:text-zinc-300">
          {message}
        </p>
      ) : null}
      <JobProgress job={job} detailed />
      {job.error ? (
        <p role="alert" className="rounded-md bg-red-50 p-3 text-sm text-red-800 dark:bg-red-950 dark:text-red-300">
          {job.error}
        </p>
      ) : null}

      <dl className="grid grid-cols-1 gap-x-6 gap-y-3 text-sm sm:grid-cols-2">
        <div>
          <dt className="text-xs uppercase text-zinc-500">Host / site</dt>
          <dd>
            {job.host} ({job.site})
          </dd>
        </div>
        <div>
          <dt className="text-xs uppercase text-zinc-500">Archive</dt>
          <dd className="font-mono text-xs break-all">{job.archive}</dd>
        </div>
        <div>
          <dt className="text-xs uppercase text-zinc-500">Destination (on the dashboard host)</dt>
          <dd className="font-mono text-xs break-all" data-testid="restore-destination">
            {job.destination}
          </dd>
        </div>
        <div>
          <dt className="text-xs uppercase text-zinc-500">Strip components</dt>
          <dd>{job.stripComponents}</dd>
        </div>
        <div>
          <dt className="text-xs uppercase text-zinc-500">Requested by</dt>
          <dd>
            {job.requestedBy ?? "—"} at <UtcTime at={job.createdAt} />
            {job.retryOf ? ` (retry of job #${job.retryOf})` : ""}
          </dd>
        </div>
        <div>
          <dt className="text-xs uppercase text-zinc-500">Started / finished</dt>
          <dd>
            <UtcTime at={job.startedAt} /> / <UtcTime at={job.finishedAt} />
          </dd>
        </div>
        <div className="sm:col-span-2">
          <dt className="text-xs uppercase text-zinc-500">Paths ({job.paths.length})</dt>
          <dd>
            <ul className="max-h-40 overflow-auto font-mono text-xs">
              {job.paths.map((p) => (
                <li key={p} className="whitespace-pre">
                  {p}
                </li>
              ))}
            </ul>
          </dd>
        </div>
      </dl>

      {job.rsync ? (
        <section aria-labelledby="rsync-heading" className="space-y-2">
          <h2 id="rsync-heading" className="text-base font-semibold">
            Copy back to {job.host}
          </h2>
          <p className="text-sm text-zinc-600 dark:text-zinc-400">
            Run on the dashboard host (add <code>--dry-run</code> first to see what would change).
            {job.rsync.targetKnown ? "" : " Replace /PATH/ON/HOST/ with where the files belong: the selected paths do not share the stripped directories."}
          </p>
          <div className="flex items-start gap-2">
            <pre data-testid="rsync-command" className="flex-1 overflow-x-auto rounded-md bg-zinc-900 p-3 text-xs text-zinc-100">
              {job.rsync.command}
            </pre>
            <button type="button" className={button} onClick={copy}>
              {copied ? "Copied" : "Copy"}
            </button>
          </div>
        </section>
      ) : null}

      <section aria-labelledby="log-heading" className="space-y-2">
        <h2 id="log-heading" className="text-base font-semibold">
          Log
        </h2>
        <ol data-testid="restore-log" className="max-h-96 overflow-auto rounded-md border border-zinc-200 p-2 font-mono text-xs dark:border-zinc-800">
          {(job.log ?? []).map((line) => (
            <li
              key={line.seq}
              className={line.level === "error" ? "text-red-700 dark:text-red-400" : line.level === "warning" ? "text-amber-700 dark:text-amber-400" : ""}
            >
              <UtcTime at={line.at} /> {line.message}
            </li>
          ))}
        </ol>
      </section>
    </div>
  );
}
