import { formatPercent } from "@/lib/format";

/** Used share of a filesystem as a bar; the percentage is also given as text. */
export function CapacityBar({ usedRatio, label }: { usedRatio: number; label: string }) {
  const pct = Math.min(1, Math.max(0, usedRatio));
  const colour = pct >= 0.9 ? "bg-red-500" : pct >= 0.8 ? "bg-amber-500" : "bg-sky-600 dark:bg-sky-500";
  return (
    <div
      role="meter"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(pct * 1000) / 10}
      aria-valuetext={`${formatPercent(pct)} used`}
      className="h-2.5 w-full overflow-hidden rounded-full bg-zinc-200 dark:bg-zinc-800"
    >
      <div className={`h-full rounded-full ${colour}`} style={{ width: `${pct * 100}%` }} />
    </div>
  );
}
