import type { ReactNode } from "react";
import type { ActionResult } from "@/lib/actionResult";

/** The column headers of an admin table (users, API tokens). */
export function AdminTableHead({ columns }: { columns: readonly string[] }) {
  return (
    <thead>
      <tr className="border-b border-zinc-200 dark:border-zinc-800">
        {columns.map((column) => (
          <th key={column} scope="col" className="py-2 pr-3 font-medium">
            {column}
          </th>
        ))}
      </tr>
    </thead>
  );
}

/** The one status line of an admin page: the last action's own result (never text from the URL). */
export function ActionStatus({ result, pending, children }: { result: ActionResult | null; pending: boolean; children?: ReactNode }) {
  if (!result || pending) return null;
  return (
    <div role="status" className={result.ok ? "text-sm text-emerald-700 dark:text-emerald-300" : "text-sm text-red-700 dark:text-red-300"}>
      <p>{result.message}</p>
      {children}
    </div>
  );
}
