import { UtcTime } from "@/components/TimeAgo";
import type { PreviewRow } from "@/lib/retention/preview";

/** Archives newest first with borg prune's verdict: the rule and period that keep each one, or "prune". */
export function RetentionTable({ rows, caption }: { rows: PreviewRow[]; caption: string }) {
  if (rows.length === 0) return <p className="text-sm text-zinc-600 dark:text-zinc-400">No archive.</p>;
  return (
    <div className="overflow-x-auto rounded-lg border border-zinc-200 dark:border-zinc-800">
      <table className="w-full text-left text-sm" data-testid="retention-table">
        <caption className="sr-only">{caption}</caption>
        <thead className="border-b border-zinc-200 bg-zinc-50 text-xs uppercase tracking-wide text-zinc-600 dark:border-zinc-800 dark:bg-zinc-800/50 dark:text-zinc-400">
          <tr>
            <th scope="col" className="px-3 py-2 font-medium">
              Archive
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              Start (UTC)
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              Verdict
            </th>
            <th scope="col" className="px-3 py-2 font-medium" title="As borg prune --list prints it, with the period the rule kept the archive for">
              Kept by
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
          {rows.map((row) => (
            <tr
              key={row.archive.id}
              data-archive={row.archive.name}
              data-verdict={row.keep ? "keep" : "prune"}
              className={row.keep ? undefined : "bg-rose-50/60 dark:bg-rose-950/30"}
            >
              <th scope="row" className="max-w-xs break-all px-3 py-1.5 font-mono text-xs font-normal">
                {row.archive.name}
              </th>
              <td className="whitespace-nowrap px-3 py-1.5">
                <UtcTime at={row.archive.start} />
              </td>
              <td className="px-3 py-1.5">
                {row.keep ? (
                  <span className="text-emerald-700 dark:text-emerald-400">keep</span>
                ) : (
                  <span className="font-medium text-rose-700 dark:text-rose-400">prune</span>
                )}
              </td>
              <td className="whitespace-nowrap px-3 py-1.5 font-mono text-xs">
                {row.rule ? (row.period ? `${row.rule}: ${row.period}` : row.rule) : row.keep ? "—" : ""}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
