"use client";

import Link from "next/link";
import { useEffect, useState } from "react";
import { UtcTime } from "@/components/TimeAgo";
import type { RestoreJobView } from "@/lib/restore/view";
import { JobProgress, JobState } from "./JobProgress";

const POLL_MS = 2_000;

/** The restore jobs table; polls /api/restores while the page is open. */
export function RestoreJobList({ initial }: { initial: RestoreJobView[] }) {
  const [jobs, setJobs] = useState(initial);
  useEffect(() => {
    let stopped = false;
    const tick = async () => {
      try {
        const res = await fetch("/api/restores", { cache: "no-store" });
        if (res.ok && !stopped) setJobs(((await res.json()) as { jobs: RestoreJobView[] }).jobs);
      } catch {
        // offline for a moment: keep what is shown
      }
    };
    const timer = setInterval(tick, POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);

  if (jobs.length === 0) return <p className="text-sm text-zinc-600 dark:text-zinc-400">No restore jobs yet. Start one from an archive&apos;s browser.</p>;
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm">
        <thead className="text-xs uppercase text-zinc-500">
          <tr>
            <th className="py-2 pr-3">Job</th>
            <th className="py-2 pr-3">Host</th>
            <th className="py-2 pr-3">Archive</th>
            <th className="py-2 pr-3">Paths</th>
            <th className="py-2 pr-3">State</th>
            <th className="py-2 pr-3">Progress</th>
            <th className="py-2 pr-3">By</th>
            <th className="py-2 pr-3">Created</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-200 dark:divide-zinc-800">
          {jobs.map((job) => (
            <tr key={job.id} data-testid={`restore-row-${job.id}`}>
              <td className="py-2 pr-3">
                <Link href={`/restores/${job.id}`} className="font-medium text-sky-700 hover:underline dark:text-sky-400">
                  #{job.id}
                </Link>
              </td>
              <td className="py-2 pr-3">{job.host}</td>
              <td className="max-w-48 truncate py-2 pr-3 font-mono text-xs" title={job.archive}>
                {job.archive}
              </td>
              <td className="max-w-64 truncate py-2 pr-3 font-mono text-xs" title={job.paths.join("\n")}>
                {job.paths[0]}
                {job.paths.length > 1 ? ` +${job.paths.length - 1}` : ""}
              </td>
              <td className="py-2 pr-3">
                <JobState state={job.state} />
              </td>
              <td className="py-2 pr-3">{job.state === "running" || job.state === "succeeded" ? <JobProgress job={job} /> : null}</td>
              <td className="py-2 pr-3">{job.requestedBy ?? "—"}</td>
              <td className="py-2 pr-3 tabular-nums">
                <UtcTime at={job.createdAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
