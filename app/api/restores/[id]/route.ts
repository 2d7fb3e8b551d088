/**
 * GET /api/restores/<id>: one restore job with its log, for the live job page. The caller must be
 * allowed to restore on the job's host (403 otherwise, audited); an unknown id is a 404.
 */
import { NextResponse } from "next/server";
import { authorize, authorizeRole } from "@/lib/auth/guard";
import { database } from "@/lib/db/current";
import { jobFromParam } from "@/lib/restore/store";
import { toJobView } from "@/lib/restore/view";

export const dynamic = "force-dynamic";

export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  await authorizeRole("archive:restore");
  const { id } = await params;
  const db = database();
  const job = jobFromParam(db, id);
  if (!job) return NextResponse.json({ error: "not found" }, { status: 404 });
  await authorize("archive:restore", job.host);
  return NextResponse.json({ job: toJobView(job, db) }, { headers: { "cache-control": "no-store" } });
}
