import type { Metadata } from "next";
import Link from "next/link";
import { ComplianceGrid } from "@/components/reports/ComplianceGrid";
import { PrintButton } from "@/components/reports/PrintButton";
import { requirePage } from "@/lib/auth/guard";
import type { Principal } from "@/lib/auth/policy";
import { database } from "@/lib/db/current";
import { formatDuration } from "@/lib/format";
import { loadComplianceReport } from "@/lib/reports/load";
import { monthKeyAt, parseMonthParam, shiftMonth } from "@/lib/reports/month";
import { sqliteReportSource } from "@/lib/reports/source";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Compliance report" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

const utc = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace("T", " ");

/**
 * The compliance report: per host and day of a month, from what the dashboard recorded (archives it
 * saw, checks, drills). Viewers see the hosts in their scope; the CSV (app/reports/csv) is scoped the same way.
 */
/** The month asked for and its report, read at one instant (null month: malformed ?month=). */
function loadReport(principal: Principal, raw: string | string[] | undefined) {
  const now = Date.now();
  const month = parseMonthParam(raw, now);
  return { now, month, loaded: month ? loadComplianceReport(principal, sqliteReportSource(database()), month, now) : null };
}

export default async function ReportsPage({ searchParams }: { searchParams: SearchParams }) {
  const principal = await requirePage("fleet:view");
  const raw = (await searchParams).month;
  const { now, month, loaded } = loadReport(principal, raw);
  if (!month || !loaded) {
    return (
      <main className="mx-auto max-w-7xl space-y-4 px-4 py-6 sm:px-6">
        <h1 className="text-2xl font-semibold tracking-tight">Compliance report</h1>
        <p role="alert" className="rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100">
          Cannot show the month “{String(raw).slice(0, 40)}”: expected a month as YYYY-MM, such as {monthKeyAt(now)}.{" "}
          <Link href="/reports" className="underline">
            Show the current month
          </Link>
        </p>
      </main>
    );
  }
  const { report, checksRecorded, drillsRecorded } = loaded;
  const gaps = report.hosts.flatMap((h) => h.gaps.map((g) => ({ host: h.host, ...g })));
  const linkClass = "rounded-md border border-zinc-300 px-3 py-1.5 text-sm hover:bg-zinc-50 dark:border-zinc-700 dark:hover:bg-zinc-800";
  return (
    <main className="mx-auto max-w-7xl space-y-6 px-4 py-6 sm:px-6 print:max-w-none print:p-0">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Compliance report {month.key}</h1>
          <p className="mt-1 max-w-3xl text-sm text-zinc-600 dark:text-zinc-400">
            Per host and day (UTC), from what this dashboard recorded: <strong>A</strong> an archive was made that day (pruned archives still count),{" "}
            <strong>C</strong> an integrity check passed that week (Monday to Sunday), <strong>D</strong> a restore drill passed that week. Green: at the end of
            the day the host&apos;s newest archive was within its staleness threshold; red: it was not. <strong>RPO compliance</strong> is the share of days (up
            to now) that were green. Generated {utc(now)} UTC.
          </p>
        </div>
        <div className="flex flex-wrap items-center gap-2 print:hidden">
          <Link className={linkClass} href={`/reports?month=${shiftMonth(month.key, -1)}`}>
            ← {shiftMonth(month.key, -1)}
          </Link>
          <form action="/reports" className="flex items-center gap-1">
            <label htmlFor="month" className="sr-only">
              Month
            </label>
            <input
              id="month"
              name="month"
              type="month"
              defaultValue={month.key}
              className="rounded-md border border-zinc-300 px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900"
            />
            <button type="submit" className={linkClass}>
              Show
            </button>
          </form>
          <Link className={linkClass} href={`/reports?month=${shiftMonth(month.key, 1)}`}>
            {shiftMonth(month.key, 1)} →
          </Link>
          <a className={linkClass} href={`/reports/csv?month=${month.key}`} download>
            Download CSV
          </a>
          <PrintButton />
        </div>
      </div>

      {!checksRecorded || !drillsRecorded ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          This dashboard keeps no {!checksRecorded && !drillsRecorded ? "check or drill" : !checksRecorded ? "check" : "drill"} records yet: those marks stay
          empty.
        </p>
      ) : null}

      {report.hosts.length === 0 ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400">No host in your scope.</p>
      ) : (
        <>
          <ComplianceGrid report={report} />

          <section aria-labelledby="rpo-heading" className="space-y-2">
            <h2 id="rpo-heading" className="text-lg font-semibold">
              RPO compliance per host
            </h2>
            <table className="w-full max-w-3xl text-sm" data-testid="rpo-table">
              <thead className="text-left text-zinc-500">
                <tr>
                  <th className="py-1 pr-4 font-medium">Host</th>
                  <th className="py-1 pr-4 font-medium">Threshold</th>
                  <th className="py-1 pr-4 text-right font-medium">Days within</th>
                  <th className="py-1 pr-4 text-right font-medium">Compliance</th>
                  <th className="py-1 text-right font-medium">Gaps</th>
                </tr>
              </thead>
              <tbody>
                {report.hosts.map((h) => (
                  <tr key={h.host} className="border-t border-zinc-200 dark:border-zinc-800">
                    <td className="py-1 pr-4 break-all">{h.host}</td>
                    <td className="py-1 pr-4">{formatDuration(h.thresholdSeconds)}</td>
                    <td className="py-1 pr-4 text-right tabular-nums">
                      {h.compliantDays} / {h.judgedDays}
                    </td>
                    <td className="py-1 pr-4 text-right tabular-nums">{h.rpoCompliance === null ? "—" : `${(h.rpoCompliance * 100).toFixed(1)} %`}</td>
                    <td className="py-1 text-right tabular-nums">{h.gaps.length}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>

          <section aria-labelledby="gaps-heading" className="space-y-2">
            <h2 id="gaps-heading" className="text-lg font-semibold">
              Gaps
            </h2>
            <p className="text-sm text-zinc-600 dark:text-zinc-400">
              Stretches longer than the host&apos;s threshold without a new archive that overlap this month, with their full length.
            </p>
            {gaps.length === 0 ? (
              <p className="text-sm">None.</p>
            ) : (
              <table className="w-full max-w-3xl text-sm" data-testid="gaps-table">
                <thead className="text-left text-zinc-500">
                  <tr>
                    <th className="py-1 pr-4 font-medium">Host</th>
                    <th className="py-1 pr-4 font-medium">From (UTC)</th>
                    <th className="py-1 pr-4 font-medium">To (UTC)</th>
                    <th className="py-1 text-right font-medium">Length</th>
                  </tr>
                </thead>
                <tbody>
                  {gaps.map((g) => (
                    <tr key={`${g.host}-${g.since}`} className="border-t border-zinc-200 dark:border-zinc-800">
                      <td className="py-1 pr-4 break-all">{g.host}</td>
                      <td className="py-1 pr-4">{g.from === null ? `${utc(g.since)} (no earlier archive recorded)` : utc(g.from)}</td>
                      <td className="py-1 pr-4">{g.to === null ? "still open" : utc(g.to)}</td>
                      <td className="py-1 text-right">{formatDuration(g.seconds)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        </>
      )}
    </main>
  );
}
