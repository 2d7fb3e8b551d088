import { Bytes } from "@/components/Bytes";
import { Figure } from "@/components/ui/Card";
import { formatBytes } from "@/lib/format";
import type { RepoState } from "@/lib/fleet/types";

/** The repo's four size figures, each with what it means. */
export function RepoSizes({ repo }: { repo: RepoState }) {
  const sizes = repo.sizes;
  const notRead = "the repo has not been read yet";
  const uncompacted =
    repo.diskUsageBytes !== null && sizes && sizes.deduplicatedBytes > 0 && repo.diskUsageBytes > sizes.deduplicatedBytes * 1.05
      ? repo.diskUsageBytes - sizes.deduplicatedBytes
      : null;
  return (
    <div>
      <dl className="grid grid-cols-2 gap-4">
        <Figure
          label="On disk"
          value={<Bytes value={repo.diskUsageBytes} unknownReason={repo.local ? "not measured yet" : "measured for local repos only"} />}
          hint={repo.local ? "Space the repo directory takes: what the storage bill counts." : "Not measured: the repo is on a remote server."}
        />
        <Figure
          label="Deduplicated"
          value={<Bytes value={sizes?.deduplicatedBytes} unknownReason={notRead} />}
          hint="Unique chunks, compressed (unique_csize): the repo's real size."
        />
        <Figure
          label="Original"
          value={<Bytes value={sizes?.originalBytes} unknownReason={notRead} />}
          hint="All archives added up, before compression and deduplication."
        />
        <Figure
          label="Compressed"
          value={<Bytes value={sizes?.compressedBytes} unknownReason={notRead} />}
          hint="All archives added up, compressed, before deduplication."
        />
      </dl>
      {sizes && sizes.deduplicatedBytes > 0 && sizes.originalBytes > 0 ? (
        <p className="mt-3 text-sm text-zinc-600 dark:text-zinc-400">
          Deduplication and compression keep {formatBytes(sizes.originalBytes)} of archives in {formatBytes(sizes.deduplicatedBytes)} (
          {(sizes.originalBytes / sizes.deduplicatedBytes).toFixed(1)}× smaller).
        </p>
      ) : null}
      {uncompacted !== null ? (
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
          {formatBytes(uncompacted)} more on disk than deduplicated: mostly space of pruned archives, freed only when <code>borg compact</code> runs.
        </p>
      ) : null}
    </div>
  );
}
