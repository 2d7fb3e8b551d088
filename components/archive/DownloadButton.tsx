"use client";

/**
 * Placeholder (branch "browse"): the download helper ships the real button (same props); at merge the
 * real one wins. Kept disabled so nothing pretends to download.
 */
export function DownloadButton({ paths, disabled }: { host: string; site: string; archive: string; paths: string[]; disabled?: boolean }) {
  return (
    <button type="button" disabled className="rounded-md border border-zinc-300 px-3 py-1 text-sm text-zinc-500 dark:border-zinc-700" title="Downloads are not available in this build">
      Download{paths.length && !disabled ? ` (${paths.length})` : ""}
    </button>
  );
}
