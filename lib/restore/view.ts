/**
 * What the restore pages and /api/restores show of a job: no pid, paths for display, the rsync
 * command for a finished job. The same shape is rendered on the server and polled by the client.
 */
import { restoreJobVisible, type Principal } from "@/lib/auth/policy";
import type { Db } from "@/lib/db";
import { rsyncCommand } from "./destination";
import { displayPaths, jobLog, listJobs, type RestoreJob, type RestoreLogLine } from "./store";

/** A job as shown: everything but internals (pid, repo id, archive id), paths for display. */
export type RestoreJobView = Omit<RestoreJob, "pid" | "repoId" | "archiveId"> & {
  /** Shown once the job succeeded: copy the result back to the host. */
  rsync: { command: string; targetKnown: boolean } | null;
  /** The exact (pathParam-encoded) paths, for "Restore again…"; null past MAX_AGAIN_PATHS. */
  pathParams: string[] | null;
  log?: RestoreLogLine[];
};

const MAX_LISTED_PATHS = 200;
/** Past this many paths the job page does not offer "Restore again…" (it would ship them all). */
const MAX_AGAIN_PATHS = 1000;

export function toJobView(job: RestoreJob, db?: Db): RestoreJobView {
  const shown = displayPaths(job.paths);
  const { pid: _pid, repoId: _repoId, archiveId: _archiveId, ...shownFields } = job;
  return {
    ...shownFields,
    paths: shown.slice(0, MAX_LISTED_PATHS),
    pathParams: db && job.paths.length <= MAX_AGAIN_PATHS ? job.paths : null,
    rsync:
      job.state === "succeeded"
        ? rsyncCommand({ destination: job.destination, host: job.host, stripComponents: job.stripComponents, displayPaths: shown })
        : null,
    ...(db ? { log: jobLog(db, job.id) } : {}),
  };
}

/** The restore jobs the principal may see (policy: restoreJobVisible), newest first, as shown. */
export function visibleJobViews(db: Db, principal: Principal, limit = 200): RestoreJobView[] {
  return listJobs(db, { hostFilter: (host) => restoreJobVisible(principal, host), limit }).map((job) => toJobView(job));
}
