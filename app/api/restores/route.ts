/**
 * GET /api/restores: the restore jobs the caller may see (admins: all; operators: hosts in scope),
 * newest first, for the live-updating /restores page. Viewers and anonymous callers: 403 / 401.
 */
import { NextResponse } from "next/server";
import { authorizeRole } from "@/lib/auth/guard";
import { database } from "@/lib/db/current";
import { visibleJobViews } from "@/lib/restore/view";

export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  const principal = await authorizeRole("archive:restore");
  return NextResponse.json({ jobs: visibleJobViews(database(), principal) }, { headers: { "cache-control": "no-store" } });
}
