/**
 * GET /reports/csv?month=YYYY-MM: the compliance report as CSV, one row per host and day. Authorised
 * and scoped like the page (fleet:view, hosts in scope); an export is audited.
 */
import { authorize } from "@/lib/auth/guard";
import { auditRequest } from "@/lib/audit/request";
import { database } from "@/lib/db/current";
import { reportCsv } from "@/lib/reports/csv";
import { loadComplianceReport } from "@/lib/reports/load";
import { parseMonthParam } from "@/lib/reports/month";
import { sqliteReportSource } from "@/lib/reports/source";

export const dynamic = "force-dynamic";

export async function GET(request: Request): Promise<Response> {
  const principal = await authorize("fleet:view");
  const now = Date.now();
  const month = parseMonthParam(new URL(request.url).searchParams.get("month"), now);
  if (!month) return Response.json({ error: "expected month=YYYY-MM, such as 2026-12" }, { status: 400 });
  const { report } = loadComplianceReport(principal, sqliteReportSource(database()), month, now);
  await auditRequest(
    { username: principal.username, action: "report:export", outcome: "ok", reason: `compliance report ${month.key} as CSV, ${report.hosts.length} host(s)` },
    request,
  );
  return new Response(reportCsv(report), {
    headers: {
      "content-type": "text/csv; charset=utf-8; header=present",
      "content-disposition": `attachment; filename="borg-fleet-compliance-${month.key}.csv"`,
      "cache-control": "no-store",
    },
  });
}
