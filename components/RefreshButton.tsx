"use client";

import { useActionState } from "react";
import { refreshHostAction } from "@/app/actions/refresh";

/** "Refresh now": asks the collector to read the host's repos immediately, shows progress and the result. */
export function RefreshButton({ host }: { host: string }) {
  const [result, formAction, pending] = useActionState(refreshHostAction, null);
  return (
    <form action={formAction} className="flex flex-col items-end gap-1.5">
      <input type="hidden" name="host" value={host} />
      <button
        type="submit"
        disabled={pending}
        aria-busy={pending}
        className="inline-flex items-center gap-2 rounded-md bg-sky-700 px-3 py-1.5 text-sm font-medium text-white shadow-sm hover:bg-sky-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600 disabled:cursor-wait disabled:opacity-70 dark:bg-sky-500 dark:text-zinc-950 dark:hover:bg-sky-400"
      >
        <span aria-hidden="true" className={pending ? "inline-block animate-spin" : "inline-block"}>
          ↻
        </span>
        {pending ? "Refreshing…" : "Refresh now"}
      </button>
      <p role="status" aria-live="polite" className="max-w-md text-right text-sm">
        {result && !pending ? (
          <span className={result.ok ? "text-emerald-700 dark:text-emerald-300" : "text-red-700 dark:text-red-300"}>{result.message}</span>
        ) : null}
      </p>
    </form>
  );
}
