"use client";

/**
 * Download of the browser's selection (route: app/api/archives/download/route.ts). One path is a
 * plain link to the GET URL (the server sends a directory as a tar); several paths are a same-origin
 * form POST with format=tar, because 10,000 selected paths do not fit in a URL. Both are ordinary
 * navigations: the browser streams the file to disk itself, nothing is held in page memory.
 */

export interface DownloadButtonProps {
  host: string;
  site: string;
  archive: string;
  /** pathParam-encoded (lib/archives/pathParam.ts). */
  paths: string[];
  disabled?: boolean;
}

const DOWNLOAD_URL = "/api/archives/download";

const buttonClass =
  "inline-flex items-center gap-2 rounded-md border border-zinc-300 bg-white px-3 py-1.5 text-sm font-medium text-zinc-800 shadow-sm hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600 aria-disabled:cursor-not-allowed aria-disabled:opacity-50 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100 dark:hover:bg-zinc-800";

/** The GET URL for one path. */
function downloadUrl(host: string, site: string, archive: string, path: string): string {
  const params = new URLSearchParams({ host });
  if (site) params.set("site", site);
  params.set("archive", archive);
  params.set("path", path);
  return `${DOWNLOAD_URL}?${params}`;
}

export function DownloadButton({ host, site, archive, paths, disabled }: DownloadButtonProps) {
  const icon = <span aria-hidden="true">⤓</span>;
  if (disabled || paths.length === 0) {
    return (
      <button type="button" disabled className={buttonClass} aria-disabled="true">
        {icon}
        Download
      </button>
    );
  }
  if (paths.length === 1) {
    return (
      <a href={downloadUrl(host, site, archive, paths[0]!)} className={buttonClass} download>
        {icon}
        Download
      </a>
    );
  }
  return (
    <form method="post" action={DOWNLOAD_URL} className="inline">
      <input type="hidden" name="host" value={host} />
      {site ? <input type="hidden" name="site" value={site} /> : null}
      <input type="hidden" name="archive" value={archive} />
      <input type="hidden" name="format" value="tar" />
      {paths.map((p) => (
        <input key={p} type="hidden" name="path" value={p} />
      ))}
      <button type="submit" className={buttonClass}>
        {icon}
        Download as .tar
      </button>
    </form>
  );
}
