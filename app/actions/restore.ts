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
import { openArchiveRequest, refusalResult } from "@/lib/archives/request";
import { auditRequest, requestClientAddress } from "@/lib/audit/request";
import { authorize, authorizeRole } from "@/lib/auth/guard";
import { database } from "@/lib/db/current";
import { cancelJob, restoreRequestSchema, storedRequest, submitRestore, submitRetry } from "@/lib/restore/requests";
import { getJob, type RestoreJob } from "@/lib/restore/store";

export type RestoreActionResult = ActionResult<{ jobId: number }>;

const ACTION = "archive:restore";

const jobIdSchema = z.object({ jobId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER) }).strict();

export async function startRestore(input: {
  host: string;
  site: string;
  archive: string;
  paths: string[];
  stripComponents?: number;
}): Promise<RestoreActionResult> {
  const raw = (typeof input === "object" && input !== null ? input : {}) as Record<string, unknown>;
  const opened = await openArchiveRequest(raw, { surface: { kind: "action" }, action: ACTION, schema: restoreRequestSchema });
  if (!opened.ok) return refusalResult(opened.refusal);
  const submitted = await submitRestore(opened, await requestClientAddress());
  if (!submitted.ok) return actionFailed(submitted.message);
  return actionOk(submitted.job.state === "queued" ? "Restore queued; it starts when a slot is free." : "Restore started.", { jobId: submitted.job.id });
}

/** The stored job and the caller's right to act on its host (403 + audit row when not allowed). */
async function jobForAction(
  input: unknown,
  verb: string,
): Promise<{ ok: true; job: RestoreJob; username: string } | { ok: false; result: RestoreActionResult }> {
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
  const cancelled = await cancelJob(found.job.id, found.username, await requestClientAddress());
  if (!cancelled.ok) return actionFailed(cancelled.message);
  return actionOk(cancelled.job.state === "cancelled" ? "Restore cancelled." : `The job is ${cancelled.job.state}.`, { jobId: cancelled.job.id });
}

/**
 * The stored job's request again, opened like a new one: its host's scope, its paths checked, its
 * archive resolved now (it may have been pruned, or the repo removed from the config, since).
 */
export async function retryRestore(input: { jobId: number }): Promise<RestoreActionResult> {
  const found = await jobForAction(input, "retry");
  if (!found.ok) return found.result;
  const opened = await openArchiveRequest(storedRequest(found.job), { surface: { kind: "action" }, action: ACTION, schema: restoreRequestSchema });
  if (!opened.ok) return refusalResult(opened.refusal);
  const submitted = await submitRetry(opened, found.job.id, await requestClientAddress());
  if (!submitted.ok) return actionFailed(submitted.message);
  return actionOk("Restore queued again as a new job.", { jobId: submitted.job.id });
}
