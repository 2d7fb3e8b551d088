/**
 * Restore requests after they were opened by the archive request layer (lib/archives/request.ts): the
 * input schema (paths decoded and checked once, lib/archives/params.ts), and what is handed to the
 * runner (the resolved repo target and the checked path bytes: it resolves and decodes nothing again).
 * The server actions (app/actions/restore.ts) and the automation API (lib/api/endpoints/restores.ts)
 * both start, retry and cancel jobs through here.
 */
import { z } from "zod";
import { archiveFieldsSchema, archivePathSchema } from "@/lib/archives/params";
import type { OpenedArchiveRequest } from "@/lib/archives/request";
import { getRestoreRunner, RestoreError, type RestoreRunner, type RestoreSource } from "./runner";
import type { RestoreJob } from "./store";

/** At most this many selected paths per job (the patterns file stays small; borg matches each item against it). */
const MAX_RESTORE_PATHS = 10_000;

export const restoreRequestSchema = archiveFieldsSchema
  .extend({
    paths: z
      .array(archivePathSchema)
      .min(1, "select at least one path")
      .max(MAX_RESTORE_PATHS, `at most ${MAX_RESTORE_PATHS} paths per restore`)
      .describe("Archive paths, relative as borg lists them (e.g. etc/nginx); a path that is not UTF-8 as ~b64~ + base64url of its bytes"),
    stripComponents: z.number().int().min(0).max(255).optional().describe("Leading path components to drop (borg extract --strip-components)"),
  })
  .strict();
type RestoreInput = z.output<typeof restoreRequestSchema>;
export type OpenedRestore = OpenedArchiveRequest<RestoreInput>;

const NO_RUNNER = "Restores are not available: the dashboard has no restore runner (no config loaded).";

export type Submitted = { ok: true; job: RestoreJob } | { ok: false; message: string };

/** The opened request as the runner takes it: the resolved repo and the checked paths (each once). */
function sourceOf(opened: OpenedRestore): RestoreSource {
  const unique = new Map(opened.input.paths.map((p) => [p.toString("latin1"), p]));
  return { target: opened.ref.target, paths: [...unique.values()] };
}

/** Runs `submit` on the runner; a RestoreError (the per-user limit, a job that cannot be retried) is a refusal, audited. */
async function submitTo(opened: OpenedRestore, submit: (runner: RestoreRunner) => RestoreJob, reasonPrefix = ""): Promise<Submitted> {
  const runner = getRestoreRunner();
  if (!runner) return { ok: false, message: NO_RUNNER };
  try {
    return { ok: true, job: submit(runner) };
  } catch (err) {
    if (!(err instanceof RestoreError)) throw err;
    await opened.audit({ outcome: "refused", reason: `${reasonPrefix}${err.message}` });
    return { ok: false, message: err.message };
  }
}

/** A new job for an opened restore request (queued, or started when a slot is free). */
export function submitRestore(opened: OpenedRestore, address: string): Promise<Submitted> {
  const { ref, principal, input } = opened;
  return submitTo(opened, (runner) =>
    runner.submit(
      {
        host: ref.host,
        site: ref.site,
        repoId: ref.repoId,
        archive: ref.archive.name,
        archiveId: ref.archive.id,
        stripComponents: input.stripComponents ?? 0,
        requestedBy: principal.username,
        address,
      },
      sourceOf(opened),
    ),
  );
}

/** The stored job `oldId` again, as a new job, from its request opened anew (scope, paths, archive checked now). */
export function submitRetry(opened: OpenedRestore, oldId: number, address: string): Promise<Submitted> {
  return submitTo(opened, (runner) => runner.retry(oldId, sourceOf(opened), opened.principal.username, address), `retry of job ${oldId}: `);
}

/** The raw request a stored job was made from, to open again for a retry. */
export const storedRequest = (job: RestoreJob) => ({
  host: job.host,
  site: job.site,
  archive: job.archive,
  paths: job.paths,
  stripComponents: job.stripComponents,
});

/** Cancels a job the caller was allowed to act on: the job as it ends up, or why not. */
export async function cancelJob(jobId: number, username: string, address: string): Promise<Submitted> {
  const runner = getRestoreRunner();
  if (!runner) return { ok: false, message: NO_RUNNER };
  try {
    return { ok: true, job: await runner.cancel(jobId, username, address) };
  } catch (err) {
    if (err instanceof RestoreError) return { ok: false, message: err.message };
    throw err;
  }
}
