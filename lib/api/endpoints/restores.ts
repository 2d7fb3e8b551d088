/** Restore jobs: list and read (with progress) the jobs of hosts in the token's scope. */
import { z } from "zod";
import { openArchiveRequest } from "@/lib/archives/request";
import { requestClientAddress } from "@/lib/audit/request";
import { restoreJobVisible } from "@/lib/auth/policy";
import { database } from "@/lib/db/current";
import { cancelJob, restoreRequestSchema, submitRestore } from "@/lib/restore/requests";
import { RESTORE_STATES, getJob, listJobs, type RestoreJob } from "@/lib/restore/store";
import { toJobView } from "@/lib/restore/view";
import { authorizeApi, type ApiCaller } from "../auth";
import { defineEndpoint } from "../endpoint";
import { problem } from "../problem";
import { decodeCursor, encodeCursor, pageQuerySchema, pageSchema } from "../pagination";

const ms = z.number().int().nullable();

export const restoreJobSchema = z.object({
  id: z.number().int(),
  host: z.string(),
  site: z.string(),
  archive: z.string(),
  paths: z.array(z.string()).describe("The selected paths, for display (at most 200)"),
  stripComponents: z.number().int(),
  destination: z.string().describe("The job's directory on the dashboard host"),
  state: z.enum(RESTORE_STATES),
  phase: z.string().nullable(),
  percent: z.number().nullable().describe("0..100; null while borg is still sizing the selection"),
  currentFile: z.string().nullable(),
  bytesDone: z.number(),
  bytesTotal: z.number(),
  speed: z.number().nullable().describe("Bytes per second"),
  etaSeconds: z.number().nullable(),
  itemsTotal: z.number().int().nullable(),
  requestedBy: z.string().nullable(),
  retryOf: z.number().int().nullable(),
  createdAt: z.number().int(),
  startedAt: ms,
  finishedAt: ms,
  error: z.string().nullable(),
  rsync: z.object({ command: z.string(), targetKnown: z.boolean() }).nullable().describe("Copies a succeeded job's files back to the host"),
});

/** The job as the API shows it: the restore pages' view, less what only the pages use. */
function apiJob(job: RestoreJob): z.output<typeof restoreJobSchema> {
  const { pathParams: _pathParams, log: _log, ...view } = toJobView(job);
  return view;
}

/** The stored job, or the 404 to answer: unknown, or (audited) of a host outside the token's scope. */
async function jobInScope(request: Request, caller: ApiCaller, id: number): Promise<RestoreJob | Response> {
  const job = getJob(database(), id);
  const notFound = `No restore job ${id}.`;
  if (!job) return problem(404, notFound);
  return (await authorizeApi(request, caller, "archive:restore", job.host, notFound)) ?? job;
}

const jobIdParams = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).describe("Restore job id") });

export const listRestores = defineEndpoint({
  id: "listRestores",
  method: "GET",
  path: "/restores",
  tag: "restores",
  summary: "Restore jobs of hosts in the token's scope, newest first",
  action: "archive:restore",
  query: pageQuerySchema,
  response: pageSchema(restoreJobSchema),
  async handle({ caller, query }) {
    const after = decodeCursor(query.cursor);
    if (after === null || typeof after === "string") return problem(400, "Invalid query: cursor: not a cursor of this API");
    // Keyset on the job id, newest first: the cursor holds the last id sent.
    const jobs = listJobs(database(), { hostFilter: (host) => restoreJobVisible(caller.principal, host), limit: query.limit + 1, beforeId: after });
    const items = jobs.slice(0, query.limit);
    return { items: items.map(apiJob), nextCursor: jobs.length > query.limit ? encodeCursor(items[items.length - 1]!.id) : null };
  },
});

export const getRestore = defineEndpoint({
  id: "getRestore",
  method: "GET",
  path: "/restores/{id}",
  tag: "restores",
  summary: "One restore job with its progress",
  action: "archive:restore",
  params: jobIdParams,
  response: restoreJobSchema,
  async handle({ request, caller, params }) {
    const job = await jobInScope(request, caller, params.id);
    return job instanceof Response ? job : apiJob(job);
  },
});

export const startRestore = defineEndpoint({
  id: "startRestore",
  method: "POST",
  path: "/restores",
  tag: "restores",
  summary: "Start a restore job: extract paths of an archive into a new directory on the dashboard host",
  description:
    "The same request as the archive browser's Restore button: the host must be in the token's scope, the archive must exist (else 404), the paths are checked (relative, no ..). The job runs in the background: poll GET /restores/{id} until its state is final.",
  action: "archive:restore",
  body: restoreRequestSchema,
  bodyCheckedByHandler: true,
  status: 202,
  errors: [404, 409, 503],
  response: restoreJobSchema,
  async handle({ request, caller, body }) {
    const raw = (typeof body === "object" && body !== null && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
    const opened = await openArchiveRequest(raw, {
      surface: { kind: "api", request, principal: caller.principal },
      action: "archive:restore",
      schema: restoreRequestSchema,
    });
    if (!opened.ok) return problem(opened.refusal.status, opened.refusal.message);
    const submitted = await submitRestore(opened, await requestClientAddress(request));
    // Refused by the runner (the per-user limit of open jobs) or no runner at all.
    if (!submitted.ok) return problem(submitted.message.startsWith("Restores are not available") ? 503 : 409, submitted.message);
    return apiJob(submitted.job);
  },
});

export const cancelRestore = defineEndpoint({
  id: "cancelRestore",
  method: "POST",
  path: "/restores/{id}/cancel",
  tag: "restores",
  summary: "Cancel a queued or running restore job (borg is stopped, the partial files stay in the job's directory)",
  action: "archive:restore",
  params: jobIdParams,
  errors: [409, 503],
  response: restoreJobSchema,
  async handle({ request, caller, params }) {
    const job = await jobInScope(request, caller, params.id);
    if (job instanceof Response) return job;
    const cancelled = await cancelJob(job.id, caller.principal.username, await requestClientAddress(request));
    if (!cancelled.ok) return problem(cancelled.message.startsWith("Restores are not available") ? 503 : 409, cancelled.message);
    return apiJob(cancelled.job);
  },
});
