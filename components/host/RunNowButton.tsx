"use client";

import { useActionState } from "react";
import type { VerifyActionResult } from "@/app/actions/verify";

export type VerifyAction = (previous: VerifyActionResult | null, formData: FormData) => Promise<VerifyActionResult>;

/** "Run check now" / "Run drill now" for one repo; the server action authorises and validates itself. */
export function RunNowButton({
  host,
  site,
  job,
  label,
  action,
}: {
  host: string;
  site: string;
  job: "repository" | "archives" | "drill";
  label: string;
  action: VerifyAction;
}) {
  const [result, formAction, pending] = useActionState(action, null);
  return (
    <form action={formAction} className="inline-flex flex-col items-start gap-1">
      <input type="hidden" name="host" value={host} />
      <input type="hidden" name="site" value={site} />
      <input type="hidden" name="job" value={job} />
      <button
        type="submit"
        disabled={pending}
        aria-busy={pending}
        className="rounded border border-zinc-300 px-2 py-0.5 text-xs font-medium hover:bg-zinc-100 disabled:cursor-wait disabled:opacity-70 dark:border-zinc-700 dark:hover:bg-zinc-800"
      >
        {pending ? "Starting…" : label}
      </button>
      {result && !pending ? (
        <span role="status" className={`text-xs ${result.ok ? "text-emerald-700 dark:text-emerald-300" : "text-red-700 dark:text-red-300"}`}>
          {result.message}
        </span>
      ) : null}
    </form>
  );
}
