/**
 * GET /api/archives/index-status?host&site&archive — the archive index's state and progress (entries so
 * far, and the archive's file count when fleet state knows it). Opening starts the build if needed.
 * POST (same origin; the same fields as form or query values) retries a failed build.
 * Authorised per host (archive:browse) through lib/archives/request.ts; refusals are audited there.
 */
import { archiveParamsSchema, expectedEntries, statusJson } from "@/lib/archives/index/api";
import { json, prepareArchiveRequest } from "@/lib/archives/index/route";

export const dynamic = "force-dynamic";

export async function GET(request: Request): Promise<Response> {
  const prepared = await prepareArchiveRequest(request, archiveParamsSchema);
  if (!prepared.ok) return prepared.response;
  const { ref, indexes } = prepared;
  return json(statusJson(indexes.open(ref), expectedEntries(ref)));
}

export async function POST(request: Request): Promise<Response> {
  const prepared = await prepareArchiveRequest(request, archiveParamsSchema);
  if (!prepared.ok) return prepared.response;
  const { ref, indexes } = prepared;
  return json(statusJson(indexes.open(ref, { retry: true }), expectedEntries(ref)));
}
