import { formatRelative, formatUtcSeconds, isoUtc } from "@/lib/format";

/**
 * A relative time ("3 h ago") with the absolute UTC time on hover and in <time dateTime>.
 * `now` comes from the server render so the browser shows the same text (no hydration mismatch).
 */
export function TimeAgo({ at, now, fallback = "—" }: { at: number | null | undefined; now: number; fallback?: string }) {
  if (at === null || at === undefined || !Number.isFinite(at)) return <span className="text-zinc-500 dark:text-zinc-400">{fallback}</span>;
  return (
    <time dateTime={isoUtc(at)} title={formatUtcSeconds(at)} className="whitespace-nowrap">
      {formatRelative(at, now)}
    </time>
  );
}

/** An absolute UTC time ("2026-11-26 06:46 UTC") in <time dateTime>, seconds on hover. */
export function UtcTime({ at, fallback = "—" }: { at: number | null | undefined; fallback?: string }) {
  if (at === null || at === undefined || !Number.isFinite(at)) return <span className="text-zinc-500 dark:text-zinc-400">{fallback}</span>;
  return (
    <time dateTime={isoUtc(at)} title={formatUtcSeconds(at)} className="whitespace-nowrap tabular-nums">
      {formatUtcSeconds(at).replace(/:\d\d UTC$/, " UTC")}
    </time>
  );
}
