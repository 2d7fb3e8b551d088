/**
 * GET /api/restores: the restore jobs the caller may see (admins: all; operators: hosts in scope),
 * newest first, for the live-updating /restores page. Viewers and anonymous callers: 403 / 401.
 */
import { NextResponse } from "next/server";
import { authorizeRole } from "@/lib/auth/guard";
import { can } from "@/lib/auth/policy";
import { database } from "@/lib/db/current";
import { listJobs } from "@/lib/restore/store";
import { toJobView } from "@/lib/restore/view";

export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  const principal = await authorizeRole("archive:restore");
  const jobs = listJobs(database(), { hostFilter: (host) => can(principal, "archive:restore", host), limit: 200 });
  return NextResponse.json({ jobs: jobs.map((j) => toJobView(j)) }, { headers: { "cache-control": "no-store" } });
}
