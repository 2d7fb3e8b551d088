import { STATUS_LABELS } from "@/lib/fleet/status";
import type { RepoStatus } from "@/lib/fleet/types";

/** Colours per status; always shown with a text label and a glyph, never colour alone. */
export const STATUS_STYLES: Record<RepoStatus, { badge: string; glyph: string; accent: string }> = {
  fresh: {
    badge: "bg-emerald-50 text-emerald-800 ring-emerald-600/25 dark:bg-emerald-400/10 dark:text-emerald-300 dark:ring-emerald-400/30",
    glyph: "✓",
    accent: "text-emerald-700 dark:text-emerald-300",
  },
  stale: {
    badge: "bg-amber-50 text-amber-900 ring-amber-600/30 dark:bg-amber-400/10 dark:text-amber-300 dark:ring-amber-400/30",
    glyph: "!",
    accent: "text-amber-700 dark:text-amber-300",
  },
  never: {
    badge: "bg-orange-50 text-orange-900 ring-orange-600/30 dark:bg-orange-400/10 dark:text-orange-300 dark:ring-orange-400/30",
    glyph: "∅",
    accent: "text-orange-700 dark:text-orange-300",
  },
  busy: {
    badge: "bg-sky-50 text-sky-800 ring-sky-600/25 dark:bg-sky-400/10 dark:text-sky-300 dark:ring-sky-400/30",
    glyph: "↻",
    accent: "text-sky-700 dark:text-sky-300",
  },
  error: {
    badge: "bg-red-50 text-red-800 ring-red-600/25 dark:bg-red-400/10 dark:text-red-300 dark:ring-red-400/30",
    glyph: "✕",
    accent: "text-red-700 dark:text-red-300",
  },
  pending: {
    badge: "bg-zinc-100 text-zinc-700 ring-zinc-500/25 dark:bg-zinc-400/10 dark:text-zinc-300 dark:ring-zinc-400/30",
    glyph: "…",
    accent: "text-zinc-600 dark:text-zinc-300",
  },
};

export function StatusBadge({ status }: { status: RepoStatus }) {
  const style = STATUS_STYLES[status];
  return (
    <span className={`inline-flex items-center gap-1 whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${style.badge}`}>
      <span aria-hidden="true" className="w-3 text-center font-semibold">
        {style.glyph}
      </span>
      {STATUS_LABELS[status]}
    </span>
  );
}
