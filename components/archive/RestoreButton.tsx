"use client";

/**
 * Placeholder (branch "browse"): the restore helper ships the real button (same props); at merge the
 * real one wins. Kept disabled so nothing pretends to restore.
 */
export function RestoreButton({ paths, disabled }: { host: string; site: string; archive: string; paths: string[]; disabled?: boolean }) {
  return (
    <button type="button" disabled className="rounded-md border border-zinc-300 px-3 py-1 text-sm text-zinc-500 dark:border-zinc-700" title="Restores are not available in this build">
      Restore{paths.length && !disabled ? ` (${paths.length})` : ""}
    </button>
  );
}
