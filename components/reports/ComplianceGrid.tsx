/**
 * The host × day grid of the compliance report. Each cell reads "ACD": A an archive was made that day,
 * C a check passed that week, D a restore drill passed that week ("·" where not), on a background
 * that says whether the host was within its threshold at the end of the day: class w (within), o (over),
 * n (not judged yet: after now). Text marks, not only colours, so the grid reads in print and for colour-blind users.
 * Kept lean on purpose: 1,000 hosts × 31 days is 31,000 cells (docs/benchmarks.md).
 */
import type { ComplianceReport, DayCell } from "@/lib/reports/compliance";

/**
 * Cell styles as three short class names in one <style> element rather than Tailwind utility lists
 * on each of the 31,000 cells: the HTML is a quarter of the size and renders several times faster.
 */
const CELL_CSS = `
.rc td.w, .rc td.o, .rc td.n { padding: 0 2px; text-align: center; font-family: ui-monospace, monospace; }
.rc td.w { background: #ecfdf5; color: #064e3b; }
.rc td.o { background: #fee2e2; color: #7f1d1d; }
.rc td.n { background: #fafafa; color: #a1a1aa; }
@media (prefers-color-scheme: dark) {
  .rc td.w { background: #022c22; color: #d1fae5; }
  .rc td.o { background: #450a0a; color: #fee2e2; }
  .rc td.n { background: #18181b; color: #71717a; }
}
@media print { .rc td.w, .rc td.o, .rc td.n { print-color-adjust: exact; -webkit-print-color-adjust: exact; } }
`;

const cellClass = (day: DayCell) => (day.withinThreshold === null ? "n" : day.withinThreshold ? "w" : "o");

function marks(day: DayCell): string {
  return (day.archives > 0 ? "A" : "·") + (day.checkPassed ? "C" : "·") + (day.drillPassed ? "D" : "·");
}

export function ComplianceGrid({ report }: { report: ComplianceReport }) {
  return (
    <div className="rc overflow-x-auto print:overflow-visible">
      <style>{CELL_CSS}</style>
      <table className="border-separate border-spacing-px text-[10px] leading-tight print:text-[7px]" data-testid="compliance-grid">
        <thead>
          <tr>
            <th scope="col" className="sticky left-0 bg-white px-2 py-1 text-left text-xs dark:bg-zinc-950">
              Host
            </th>
            {report.dayKeys.map((key) => (
              <th key={key} scope="col" className="px-0.5 py-1 text-center font-normal text-zinc-500" title={key} data-date={key}>
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
                <td key={i} className={cellClass(day)}>
                  {marks(day)}
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
