import { formatBytes, formatCount } from "@/lib/format";

/** A byte count with binary units, the exact figure on hover; "—" (with a reason on hover) when unknown. */
export function Bytes({ value, unknownReason = "unknown" }: { value: number | null | undefined; unknownReason?: string }) {
  if (value === null || value === undefined || !Number.isFinite(value)) {
    return (
      <span className="text-zinc-500 dark:text-zinc-400" title={unknownReason}>
        —<span className="sr-only"> ({unknownReason})</span>
      </span>
    );
  }
  return (
    <span className="whitespace-nowrap tabular-nums" title={`${formatCount(value)} bytes`}>
      {formatBytes(value)}
    </span>
  );
}
