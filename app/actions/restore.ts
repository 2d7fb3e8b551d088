"use server";

/**
 * Restore jobs as server actions: start, cancel, retry. Each is a public POST endpoint. Start and
 * retry open their request through the archive request layer (lib/archives/request.ts): the role and
 * the host's scope (for retry: the stored job's host), the input with zod (paths decoded and checked
 * once, lib/archives/params.ts), the archive resolved against the configured repos (forged or gone →
 * "No such archive."), every refusal audited. The runner gets the resolved repo target and the checked
 * path bytes as they are (lib/restore/runner.ts RestoreSource); it resolves and decodes nothing again.
 */
import { z } from "zod";
import { actionFailed, actionOk, type ActionResult } from "@/lib/actionResult";
import { archiveFieldsSchema, archivePathSchema } from "@/lib/archives/params";
import { openArchiveRequest, refusalResult, type OpenedArchiveRequest } from "@/lib/archives/request";
import { auditRequest, requestClientAddress } from "@/lib/audit/request";
import { authorize, authorizeRole } from "@/lib/auth/guard";
import { database } from "@/lib/db/current";
import { getRestoreRunner, RestoreError, type RestoreRunner, type RestoreSource } from "@/lib/restore/runner";
import { getJob, type RestoreJob } from "@/lib/restore/store";

export type RestoreActionResult = ActionResult<{ jobId: number }>;

/** At most this many selected paths per job (the patterns file stays small; borg matches each item against it). */
const MAX_RESTORE_PATHS = 10_000;

const ACTION = "archive:restore";

const restoreRequestSchema = archiveFieldsSchema
  .extend({
    paths: z.array(archivePathSchema).min(1, "select at least one path").max(MAX_RESTORE_PATHS, `at most ${MAX_RESTORE_PATHS} paths per restore`),
    stripComponents: z.number().int().min(0).max(255).optional(),
  })
  .strict();
type RestoreInput = z.output<typeof restoreRequestSchema>;

const jobIdSchema = z.object({ jobId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER) }).strict();

const NO_RUNNER = "Restores are not available: the dashboard has no restore runner (no config loaded).";

/** The opened request as the runner takes it: the resolved repo and the checked paths (each once). */
function sourceOf(opened: OpenedArchiveRequest<RestoreInput>): RestoreSource {
  const unique = new Map(opened.input.paths.map((p) => [p.toString("latin1"), p]));
  return { target: opened.ref.target, paths: [...unique.values()] };
}

/** Runs `submit` on the runner; a RestoreError (the per-user limit, a job that cannot be retried) is a refusal, audited. */
async function submitTo(opened: OpenedArchiveRequest<RestoreInput>, submit: (runner: RestoreRunner) => RestoreJob, reasonPrefix = ""): Promise<RestoreJob | RestoreActionResult> {
  const runner = getRestoreRunner();
  if (!runner) return actionFailed(NO_RUNNER);
  try {
    return submit(runner);
  } catch (err) {
    if (!(err instanceof RestoreError)) throw err;
    await opened.audit({ outcome: "refused", reason: `${reasonPrefix}${err.message}` });
    return actionFailed(err.message);
  }
}

const isJob = (value: RestoreJob | RestoreActionResult): value is RestoreJob => "id" in value;

export async function startRestore(input: { host: string; site: string; archive: string; paths: string[]; stripComponents?: number }): Promise<RestoreActionResult> {
  const raw = (typeof input === "object" && input !== null ? input : {}) as Record<string, unknown>;
  const opened = await openArchiveRequest(raw, { surface: { kind: "action" }, action: ACTION, schema: restoreRequestSchema });
  if (!opened.ok) return refusalResult(opened.refusal);
  const { ref, principal } = opened;
  const address = await requestClientAddress();
  const job = await submitTo(opened, (runner) =>
    runner.submit(
      { host: ref.host, site: ref.site, repoId: ref.repoId, archive: ref.archive.name, archiveId: ref.archive.id, stripComponents: opened.input.stripComponents ?? 0, requestedBy: principal.username, address },
      sourceOf(opened),
    ),
  );
  if (!isJob(job)) return job;
  return actionOk(job.state === "queued" ? "Restore queued; it starts when a slot is free." : "Restore started.", { jobId: job.id });
}

/** The stored job and the caller's right to act on its host (403 + audit row when not allowed). */
async function jobForAction(input: unknown, verb: string): Promise<{ ok: true; job: RestoreJob; username: string } | { ok: false; result: RestoreActionResult }> {
  const role = await authorizeRole(ACTION);
  const parsed = jobIdSchema.safeParse(input);
  if (!parsed.success) {
    await auditRequest({ username: role.username, action: ACTION, outcome: "refused", reason: `${verb}: invalid input` });
    return { ok: false, result: actionFailed("Invalid job id.") };
  }
  const job = getJob(database(), parsed.data.jobId);
  if (!job) {
    await auditRequest({ username: role.username, action: ACTION, outcome: "refused", reason: `${verb}: no restore job ${parsed.data.jobId}` });
    return { ok: false, result: actionFailed(`No restore job ${parsed.data.jobId}.`) };
  }
  const principal = await authorize(ACTION, job.host);
  return { ok: true, job, username: principal.username };
}

export async function cancelRestore(input: { jobId: number }): Promise<RestoreActionResult> {
  const found = await jobForAction(input, "cancel");
  if (!found.ok) return found.result;
  const runner = getRestoreRunner();
  if (!runner) return actionFailed(NO_RUNNER);
  try {
    const job = await runner.cancel(found.job.id, found.username, await requestClientAddress());
    return actionOk(job.state === "cancelled" ? "Restore cancelled." : `The job is ${job.state}.`, { jobId: job.id });
  } catch (err) {
    if (err instanceof RestoreError) return actionFailed(err.message);
    throw err;
  }
}

/**
 * The stored job's request again, opened like a new one: its host's scope, its paths checked, its
 * archive resolved now (it may have been pruned, or the repo removed from the config, since).
 */
export async function retryRestore(input: { jobId: number }): Promise<RestoreActionResult> {
  const found = await jobForAction(input, "retry");
  if (!found.ok) return found.result;
  const old = found.job;
  const raw = { host: old.host, site: old.site, archive: old.archive, paths: old.paths, stripComponents: old.stripComponents };
  const opened = await openArchiveRequest(raw, { surface: { kind: "action" }, action: ACTION, schema: restoreRequestSchema });
  if (!opened.ok) return refusalResult(opened.refusal);
  const address = await requestClientAddress();
  const job = await submitTo(opened, (runner) => runner.retry(old.id, sourceOf(opened), opened.principal.username, address), `retry of job ${old.id}: `);
  if (!isJob(job)) return job;
  return actionOk("Restore queued again as a new job.", { jobId: job.id });
}
