import { formatCount, formatDuration } from "@/lib/format";

/** The definitions behind every figure on the dashboard (DESIGN.md, "What each number means"). */
export function NumbersExplained({ staleAfterSeconds }: { staleAfterSeconds: number }) {
  return (
    <details className="group rounded-lg border border-zinc-200 bg-white shadow-sm dark:border-zinc-800 dark:bg-zinc-900">
      <summary className="cursor-pointer select-none rounded-lg px-4 py-3 text-sm font-semibold hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-sky-600 dark:hover:bg-zinc-800/60">
        What these numbers mean
      </summary>
      <dl className="grid gap-x-8 gap-y-3 px-4 pb-4 text-sm text-zinc-700 sm:grid-cols-2 dark:text-zinc-300">
        <Term name="Storage size and free">
          From <code>statfs</code> of each storage root (or node_exporter&apos;s <code>node_filesystem_size_bytes</code> /{" "}
          <code>node_filesystem_avail_bytes</code> for remote sites). Free is the space available to unprivileged users, so reserved blocks count as used. Shown
          as unknown, never as 0, when it cannot be read.
        </Term>
        <Term name="On disk">Bytes the repo directory takes on the storage filesystem: what the storage bill counts. Measured for local repos only.</Term>
        <Term name="Deduplicated">
          borg&apos;s deduplicated, compressed size of the whole repo (<code>unique_csize</code>): each chunk counted once, however many archives share it.
        </Term>
        <Term name="Pruned space">
          <code>borg prune</code> removes archives, but the space is freed only by <code>borg compact</code>. Until then the on-disk size stays higher than the
          deduplicated size.
        </Term>
        <Term name="Last archive">
          The newest archive&apos;s end time (its start time when the end is unknown), read from borg in UTC. Not the repo files&apos; modification time: prune
          and compact rewrite those.
        </Term>
        <Term name="Stale">
          No archive newer than {formatDuration(staleAfterSeconds)} ({formatCount(staleAfterSeconds)} s, from the configuration). The{" "}
          <code>BorgMissingBackup</code> alert uses the same threshold. A repo with no archive at all counts as never backed up.
        </Term>
        <Term name="Backup running">
          A backup holds the repo&apos;s lock. The dashboard waits and reads the repo afterwards; it never interrupts a backup, and this is not a failure.
        </Term>
        <Term name="Growth">
          How fast the host&apos;s data grows, per day: a least-squares line through the original size of its archives (the size of the files each backup saved,
          measured once by <code>borg info</code>) over the last 30 days, or over all its archives when fewer than 2 fall in that window. Shown as unknown until
          2 archives have sizes. This is the data backed up, not the repo: the repo grows only by chunks it has not stored yet, usually much less.
        </Term>
        <Term name="Full in N days">
          A straight line through the site&apos;s free-space samples of the last 30 days, extended until free space reaches zero.
        </Term>
      </dl>
    </details>
  );
}

function Term({ name, children }: { name: string; children: React.ReactNode }) {
  return (
    <div>
      <dt className="font-medium text-zinc-900 dark:text-zinc-100">{name}</dt>
      <dd className="mt-0.5 leading-relaxed">{children}</dd>
    </div>
  );
}
