/**
 * The host × day grid of the compliance report. Each cell carries three marks: A (an archive was
 * made that day), C (a check passed that week), D (a restore drill passed that week), on a background
 * that says whether the host was within its threshold at the end of the day. Text marks, not only
 * colours, so the grid reads in print and for colour-blind users.
 */
import type { ComplianceReport, DayCell } from "@/lib/reports/compliance";

function cellClass(day: DayCell): string {
  if (day.withinThreshold === null) return "bg-zinc-50 text-zinc-400 dark:bg-zinc-900";
  return day.withinThreshold ? "bg-emerald-50 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-100" : "bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-100";
}

function cellTitle(host: string, date: string, day: DayCell): string {
  const state = day.withinThreshold === null ? "not judged yet" : day.withinThreshold ? "within threshold" : "over threshold";
  return `${host} ${date}: ${day.archives} archive(s); check ${day.checkPassed ? "passed" : "none passed"} that week; drill ${day.drillPassed ? "passed" : "none passed"} that week; ${state}`;
}

export function ComplianceGrid({ report }: { report: ComplianceReport }) {
  return (
    <div className="overflow-x-auto print:overflow-visible">
      <table className="border-collapse text-[10px] leading-tight print:text-[7px]" data-testid="compliance-grid">
        <thead>
          <tr>
            <th scope="col" className="sticky left-0 bg-white px-2 py-1 text-left text-xs dark:bg-zinc-950">
              Host
            </th>
            {report.dayKeys.map((key) => (
              <th key={key} scope="col" className="px-0.5 py-1 text-center font-normal text-zinc-500" title={key}>
                {key.slice(8)}
              </th>
            ))}
            <th scope="col" className="px-2 py-1 text-right text-xs">
              RPO
            </th>
          </tr>
        </thead>
        <tbody>
          {report.hosts.map((host) => (
            <tr key={host.host} data-host={host.host}>
              <th scope="row" className="sticky left-0 max-w-48 truncate bg-white px-2 py-0.5 text-left text-xs font-medium dark:bg-zinc-950">
                {host.host}
              </th>
              {host.days.map((day, i) => (
                <td
                  key={report.dayKeys[i]}
                  data-date={report.dayKeys[i]}
                  data-archives={day.archives}
                  data-within={day.withinThreshold === null ? "" : String(day.withinThreshold)}
                  title={cellTitle(host.host, report.dayKeys[i]!, day)}
                  className={`border border-white px-0.5 text-center font-mono dark:border-zinc-950 ${cellClass(day)}`}
                >
                  <span>{day.archives > 0 ? "A" : "·"}</span>
                  <span>{day.checkPassed ? "C" : "·"}</span>
                  <span>{day.drillPassed ? "D" : "·"}</span>
                </td>
              ))}
              <td className="px-2 text-right text-xs tabular-nums">{host.rpoCompliance === null ? "—" : `${(host.rpoCompliance * 100).toFixed(1)} %`}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
