"use server";

/**
 * Restore jobs as server actions: start, cancel, retry. Each is a public POST endpoint, so each checks
 * the session and the role before reading its input, validates the input, then checks the host scope
 * (for cancel and retry: the host of the stored job), resolves the archive against the configured repos
 * (a forged host, site or archive name is refused as "not found") and audits what it did or refused.
 */
import { z } from "zod";
import { audit } from "@/lib/audit/log";
import { decodePathParam } from "@/lib/archives/pathParam";
import { resolveArchive } from "@/lib/archives/locate";
import { authorize, authorizeRole, clientAddress } from "@/lib/auth/guard";
import { database } from "@/lib/db/current";
import { archivePathProblem } from "@/lib/borg";
import { hostNameSchema, siteNameSchema } from "@/lib/config/schema";
import { getRestoreRunner, RestoreError } from "@/lib/restore/runner";
import { displayPaths, getJob } from "@/lib/restore/store";

export type RestoreActionResult = { ok: true; jobId: number; message: string } | { ok: false; message: string };

/** At most this many selected paths per job (the patterns file stays small; borg matches each item against it). */
const MAX_RESTORE_PATHS = 10_000;

const pathParamSchema = z
  .string()
  .min(1)
  .max(70_000)
  .superRefine((value, ctx) => {
    const bytes = decodePathParam(value);
    if (!bytes) return void ctx.addIssue({ code: "custom", message: "not a valid path parameter" });
    const problem = archivePathProblem(bytes);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

const startSchema = z
  .object({
    host: hostNameSchema,
    site: siteNameSchema,
    archive: z.string().min(1).max(1024),
    paths: z.array(pathParamSchema).min(1, "select at least one path").max(MAX_RESTORE_PATHS, `at most ${MAX_RESTORE_PATHS} paths per restore`),
    stripComponents: z.number().int().min(0).max(255).optional(),
  })
  .strict();

const jobIdSchema = z.object({ jobId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER) }).strict();

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.map(String).join(".") || "input"}: ${issue.message}` : "invalid input";
}

function noRunner(): RestoreActionResult {
  return { ok: false, message: "Restores are not available: the dashboard has no restore runner (no config loaded)." };
}

export async function startRestore(input: { host: string; site: string; archive: string; paths: string[]; stripComponents?: number }): Promise<RestoreActionResult> {
  const role = await authorizeRole("archive:restore");
  const parsed = startSchema.safeParse(input);
  const db = database();
  const address = await clientAddress();
  if (!parsed.success) {
    audit(db, { username: role.username, address, action: "archive:restore", outcome: "refused", reason: `invalid input: ${firstIssue(parsed.error)}` });
    return { ok: false, message: `Invalid restore request (${firstIssue(parsed.error)}).` };
  }
  const { host, site, archive, stripComponents = 0 } = parsed.data;
  const paths = [...new Set(parsed.data.paths)];
  const principal = await authorize("archive:restore", host);
  const ref = await resolveArchive(host, site, archive);
  if (!ref) {
    audit(db, { username: principal.username, address, action: "archive:restore", host, archive, paths: displayPaths(paths).slice(0, 20), outcome: "refused", reason: "archive not found" });
    return { ok: false, message: `No archive ${JSON.stringify(archive)} of ${host} at site ${site}.` };
  }
  const runner = getRestoreRunner();
  if (!runner) return noRunner();
  let job;
  try {
    job = runner.submit({
      host: ref.host,
      site: ref.site,
      repoId: ref.repoId,
      archive: ref.archive.name,
      archiveId: ref.archive.id,
      paths,
      stripComponents,
      requestedBy: principal.username,
      address,
    });
  } catch (err) {
    if (!(err instanceof RestoreError)) throw err;
    audit(db, { username: principal.username, address, action: "archive:restore", host, archive, paths: displayPaths(paths).slice(0, 20), outcome: "refused", reason: err.message });
    return { ok: false, message: err.message };
  }
  return { ok: true, jobId: job.id, message: job.state === "queued" ? "Restore queued; it starts when a slot is free." : "Restore started." };
}

/** The stored job and the caller's right to act on its host (403 + audit row when not allowed). */
async function jobForAction(input: unknown, verb: string): Promise<{ ok: true; jobId: number; username: string; address: string } | { ok: false; message: string }> {
  const role = await authorizeRole("archive:restore");
  const parsed = jobIdSchema.safeParse(input);
  const db = database();
  const address = await clientAddress();
  if (!parsed.success) {
    audit(db, { username: role.username, address, action: "archive:restore", outcome: "refused", reason: `${verb}: invalid input` });
    return { ok: false, message: "Invalid job id." };
  }
  const job = getJob(db, parsed.data.jobId);
  if (!job) {
    audit(db, { username: role.username, address, action: "archive:restore", outcome: "refused", reason: `${verb}: no restore job ${parsed.data.jobId}` });
    return { ok: false, message: `No restore job ${parsed.data.jobId}.` };
  }
  const principal = await authorize("archive:restore", job.host);
  return { ok: true, jobId: job.id, username: principal.username, address };
}

export async function cancelRestore(input: { jobId: number }): Promise<RestoreActionResult> {
  const found = await jobForAction(input, "cancel");
  if (!found.ok) return found;
  const runner = getRestoreRunner();
  if (!runner) return noRunner();
  try {
    const job = await runner.cancel(found.jobId, found.username, found.address);
    return { ok: true, jobId: job.id, message: job.state === "cancelled" ? "Restore cancelled." : `The job is ${job.state}.` };
  } catch (err) {
    if (err instanceof RestoreError) return { ok: false, message: err.message };
    throw err;
  }
}

export async function retryRestore(input: { jobId: number }): Promise<RestoreActionResult> {
  const found = await jobForAction(input, "retry");
  if (!found.ok) return found;
  const db = database();
  const old = getJob(db, found.jobId)!;
  // The archive may have been pruned, or the repo removed from the config, since the first run.
  const ref = await resolveArchive(old.host, old.site, old.archive);
  if (!ref) {
    audit(db, { username: found.username, address: found.address, action: "archive:restore", host: old.host, archive: old.archive, outcome: "refused", reason: `retry of job ${old.id}: archive not found` });
    return { ok: false, message: `The archive ${old.archive} of ${old.host} no longer exists (pruned?).` };
  }
  const runner = getRestoreRunner();
  if (!runner) return noRunner();
  try {
    const job = runner.retry(found.jobId, found.username, found.address);
    return { ok: true, jobId: job.id, message: "Restore queued again as a new job." };
  } catch (err) {
    if (!(err instanceof RestoreError)) throw err;
    audit(db, { username: found.username, address: found.address, action: "archive:restore", host: old.host, archive: old.archive, outcome: "refused", reason: `retry of job ${old.id}: ${err.message}` });
    return { ok: false, message: err.message };
  }
}
