import Link from "next/link";
import { UtcTime } from "@/components/TimeAgo";
import { Bytes } from "@/components/Bytes";
import { formatCount, formatElapsed } from "@/lib/format";
import type { ArchiveSummary } from "@/lib/fleet/types";

const NOT_CACHED = "stats not read yet (borg info runs once per archive, then the figures are cached)";

/** The archive browser's URL (app/hosts/[host]/archives/[archive]). */
function archiveBrowserHref(host: string, site: string, archive: string): string {
  return `/hosts/${encodeURIComponent(host)}/archives/${encodeURIComponent(archive)}?site=${encodeURIComponent(site)}`;
}

/**
 * All archives of a repo, newest first; "—" where per-archive stats are not cached yet. With `browse`
 * (only for users who may browse this host's archives), names link to the archive browser and each
 * archive but the oldest links to its diff with the previous one.
 */
export function ArchiveTable({
  archives,
  caption,
  browse = null,
}: {
  archives: ArchiveSummary[];
  caption: string;
  browse?: { host: string; site: string } | null;
}) {
  const compareHref = browse ? `/hosts/${encodeURIComponent(browse.host)}/diff?site=${encodeURIComponent(browse.site)}` : null;
  if (archives.length === 0) return <p className="text-sm text-zinc-600 dark:text-zinc-400">No archive.</p>;
  const newestFirst = [...archives].reverse();
  return (
    <div className="overflow-x-auto rounded-lg border border-zinc-200 dark:border-zinc-800">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="border-b border-zinc-200 bg-zinc-50 text-xs uppercase tracking-wide text-zinc-600 dark:border-zinc-800 dark:bg-zinc-800/50 dark:text-zinc-400">
          <tr>
            <th scope="col" className="px-3 py-2 font-medium">
              Name
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              Start
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              End
            </th>
            <th scope="col" className="px-3 py-2 text-right font-medium">
              Duration
            </th>
            <th scope="col" className="px-3 py-2 text-right font-medium" title="Size of the files in the archive">
              Original
            </th>
            <th scope="col" className="px-3 py-2 text-right font-medium" title="After compression, before deduplication">
              Compressed
            </th>
            <th scope="col" className="px-3 py-2 text-right font-medium" title="Data only this archive references, when it was measured">
              Deduplicated
            </th>
            <th scope="col" className="px-3 py-2 text-right font-medium">
              Files
            </th>
            {compareHref ? (
              <th scope="col" className="px-3 py-2 font-medium">
                <span className="sr-only">Compare</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
          {newestFirst.map((archive, i) => {
            const previous = newestFirst[i + 1];
            const stats = archive.stats;
            const duration = archive.end !== null ? (archive.end - archive.start) / 1000 : (stats?.durationSeconds ?? null);
            return (
              <tr key={archive.id} className="hover:bg-zinc-50 dark:hover:bg-zinc-800/40">
                <th scope="row" className="max-w-xs break-all px-3 py-1.5 font-mono text-xs font-normal">
                  {browse ? (
                    <Link
                      prefetch={false} // opening an archive builds its index and is audited: only on a click
                      href={archiveBrowserHref(browse.host, browse.site, archive.name)}
                      className="text-sky-700 hover:underline dark:text-sky-300"
                    >
                      {archive.name}
                    </Link>
                  ) : (
                    archive.name
                  )}
                </th>
                <td className="px-3 py-1.5">
                  <UtcTime at={archive.start} />
                </td>
                <td className="px-3 py-1.5">
                  <UtcTime at={archive.end} />
                </td>
                <td className="whitespace-nowrap px-3 py-1.5 text-right tabular-nums">{formatElapsed(duration)}</td>
                <td className="px-3 py-1.5 text-right">
                  <Bytes value={stats?.originalBytes} unknownReason={NOT_CACHED} />
                </td>
                <td className="px-3 py-1.5 text-right">
                  <Bytes value={stats?.compressedBytes} unknownReason={NOT_CACHED} />
                </td>
                <td className="px-3 py-1.5 text-right">
                  <Bytes value={stats?.deduplicatedBytes} unknownReason={NOT_CACHED} />
                </td>
                <td className="px-3 py-1.5 text-right tabular-nums" title={stats ? undefined : NOT_CACHED}>
                  {formatCount(stats?.files)}
                </td>
                {compareHref ? (
                  <td className="whitespace-nowrap px-3 py-1.5">
                    {previous ? (
                      <Link
                        prefetch={false} // a prefetch would run borg diff for every row in view
                        href={`${compareHref}&from=${encodeURIComponent(previous.name)}&to=${encodeURIComponent(archive.name)}`}
                        className="text-sky-700 hover:underline dark:text-sky-300"
                        title={`What changed between ${previous.name} and ${archive.name}`}
                      >
                        Compare with previous
                      </Link>
                    ) : null}
                  </td>
                ) : null}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
