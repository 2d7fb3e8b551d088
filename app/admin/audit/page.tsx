import type { Metadata } from "next";
import { UtcTime } from "@/components/TimeAgo";
import { queryAudit, type Outcome } from "@/lib/audit/log";
import { requirePage } from "@/lib/auth/guard";
import { database } from "@/lib/db/current";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Audit log" };

const OUTCOMES = new Set<string>(["ok", "refused", "failed"]);
const first = (v: string | string[] | undefined) => ((Array.isArray(v) ? v[0] : v) ?? "").slice(0, 256);

/** Sign-ins, refusals and changes, newest first, with filters (admins only: "audit:read"). */
export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requirePage("audit:read");
  const params = await searchParams;
  const filter = {
    username: first(params.user) || undefined,
    action: first(params.action) || undefined,
    host: first(params.host) || undefined,
    outcome: OUTCOMES.has(first(params.outcome)) ? (first(params.outcome) as Outcome) : undefined,
  };
  const rows = queryAudit(database(), { ...filter, limit: 500 });
  const input = "rounded-md border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900";
  return (
    <main className="mx-auto max-w-7xl space-y-6 px-4 py-6 sm:px-6">
      <h1 className="text-2xl font-semibold tracking-tight">Audit log</h1>
      <form method="get" className="flex flex-wrap items-end gap-3" aria-label="Filters">
        <label className="text-sm">
          User <input name="user" defaultValue={filter.username} className={input} />
        </label>
        <label className="text-sm">
          Action <input name="action" defaultValue={filter.action} className={input} />
        </label>
        <label className="text-sm">
          Host <input name="host" defaultValue={filter.host} className={input} />
        </label>
        <label className="text-sm">
          Outcome{" "}
          <select name="outcome" defaultValue={filter.outcome ?? ""} className={input}>
            <option value="">any</option>
            <option value="ok">ok</option>
            <option value="refused">refused</option>
            <option value="failed">failed</option>
          </select>
        </label>
        <button type="submit" className="rounded-md bg-sky-700 px-3 py-1 text-sm font-medium text-white dark:bg-sky-500 dark:text-zinc-950">
          Filter
        </button>
      </form>
      <table className="w-full text-left text-sm">
        <thead>
          <tr className="border-b border-zinc-200 dark:border-zinc-800">
            {["Time (UTC)", "User", "Address", "Action", "Host", "Archive", "Paths", "Outcome", "Reason"].map((h) => (
              <th key={h} scope="col" className="py-2 pr-3 font-medium">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id} className="border-b border-zinc-100 align-top dark:border-zinc-800/60">
              <td className="py-1.5 pr-3 whitespace-nowrap">
                <UtcTime at={r.at} />
              </td>
              <td className="py-1.5 pr-3 break-all">{r.username ?? "(anonymous)"}</td>
              <td className="py-1.5 pr-3">{r.address}</td>
              <td className="py-1.5 pr-3">{r.action}</td>
              <td className="py-1.5 pr-3">{r.host}</td>
              <td className="py-1.5 pr-3 break-all">{r.archive}</td>
              <td className="py-1.5 pr-3 break-all">{r.paths}</td>
              <td className="py-1.5 pr-3">{r.outcome}</td>
              <td className="py-1.5 pr-3">{r.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 ? <p className="text-sm text-zinc-600 dark:text-zinc-400">No entries match.</p> : null}
    </main>
  );
}
