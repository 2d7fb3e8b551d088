/**
 * What the restore pages and /api/restores show of a job: no pid, paths for display, the rsync
 * command for a finished job. The same shape is rendered on the server and polled by the client.
 */
import type { Db } from "@/lib/db";
import { rsyncCommand } from "./destination";
import { displayPaths, jobLog, type RestoreJob, type RestoreLogLine } from "./store";

export interface RestoreJobView {
  id: number;
  host: string;
  site: string;
  archive: string;
  paths: string[];
  stripComponents: number;
  destination: string;
  state: RestoreJob["state"];
  phase: string | null;
  percent: number | null;
  currentFile: string | null;
  bytesDone: number;
  bytesTotal: number;
  speed: number | null;
  etaSeconds: number | null;
  itemsTotal: number | null;
  requestedBy: string | null;
  retryOf: number | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  error: string | null;
  /** Shown once the job succeeded: copy the result back to the host. */
  rsync: { command: string; targetKnown: boolean } | null;
  log?: RestoreLogLine[];
}

const MAX_LISTED_PATHS = 200;

export function toJobView(job: RestoreJob, db?: Db): RestoreJobView {
  const shown = displayPaths(job.paths);
  return {
    id: job.id,
    host: job.host,
    site: job.site,
    archive: job.archive,
    paths: shown.slice(0, MAX_LISTED_PATHS),
    stripComponents: job.stripComponents,
    destination: job.destination,
    state: job.state,
    phase: job.phase,
    percent: job.percent,
    currentFile: job.currentFile,
    bytesDone: job.bytesDone,
    bytesTotal: job.bytesTotal,
    speed: job.speed,
    etaSeconds: job.etaSeconds,
    itemsTotal: job.itemsTotal,
    requestedBy: job.requestedBy,
    retryOf: job.retryOf,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    error: job.error,
    rsync: job.state === "succeeded" ? rsyncCommand({ destination: job.destination, host: job.host, stripComponents: job.stripComponents, displayPaths: shown }) : null,
    ...(db ? { log: jobLog(db, job.id) } : {}),
  };
}
