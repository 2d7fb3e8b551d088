import type { ReactNode } from "react";

export function Card({ children, className = "" }: { children: ReactNode; className?: string }) {
  return <div className={`rounded-lg border border-zinc-200 bg-white p-4 shadow-sm dark:border-zinc-800 dark:bg-zinc-900 ${className}`}>{children}</div>;
}

export function SectionHeading({ id, children, aside }: { id?: string; children: ReactNode; aside?: ReactNode }) {
  return (
    <div className="mb-3 flex flex-wrap items-baseline justify-between gap-2">
      <h2 id={id} className="text-base font-semibold text-zinc-900 dark:text-zinc-100">
        {children}
      </h2>
      {aside ? <div className="text-sm text-zinc-600 dark:text-zinc-400">{aside}</div> : null}
    </div>
  );
}

/** A term and its value, with an optional one-line explanation under the value. */
export function Figure({ label, value, hint }: { label: ReactNode; value: ReactNode; hint?: ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs font-medium uppercase tracking-wide text-zinc-500 dark:text-zinc-400">{label}</dt>
      <dd className="mt-0.5 text-lg font-semibold tabular-nums text-zinc-900 dark:text-zinc-100">{value}</dd>
      {hint ? <dd className="mt-0.5 text-xs text-zinc-600 dark:text-zinc-400">{hint}</dd> : null}
    </div>
  );
}
