import { UtcTime } from "@/components/TimeAgo";
import { plural } from "@/lib/format";
import type { HostPolicy } from "@/lib/retention/policy";
import { describePolicy, describeSource } from "@/lib/retention/policy";
import type { RetentionPreview } from "@/lib/retention/preview";

/** The policy in words, what it would prune, and how far back one could still restore afterwards. */
export function RetentionSummary({ preview, policy }: { preview: RetentionPreview; policy: HostPolicy }) {
  const total = preview.rows.length;
  return (
    <div className="space-y-2 text-sm">
      <p>
        Policy: <strong data-testid="retention-policy">{describePolicy(policy.policy)}</strong>{" "}
        <span className="text-zinc-600 dark:text-zinc-400">— from {describeSource(policy.source)}</span>
      </p>
      {preview.policyEmpty ? (
        <p className="text-amber-700 dark:text-amber-300">
          Every count of this policy is 0: <code>borg prune</code> refuses to run without a rule, so nothing would be pruned.
        </p>
      ) : null}
      <dl className="grid grid-cols-2 gap-x-6 gap-y-1 sm:grid-cols-4">
        <Figure label="Archives now">{total}</Figure>
        <Figure label="Would keep" testId="retention-kept">
          {preview.kept}
        </Figure>
        <Figure label="Would prune" testId="retention-pruned">
          {preview.pruned}
        </Figure>
        <Figure label="Oldest restore point after pruning" testId="retention-oldest">
          {preview.oldestRestorePoint ? (
            <>
              <UtcTime at={preview.oldestRestorePoint.start} /> <span className="break-all font-mono text-xs">{preview.oldestRestorePoint.name}</span>
            </>
          ) : (
            "none"
          )}
        </Figure>
      </dl>
      {preview.pruned > 0 ? (
        <p className="text-zinc-600 dark:text-zinc-400">
          The next prune with this policy would delete {plural(preview.pruned, "archive")}. Pruning only removes archives from the list: the space they hold is
          freed by <code>borg compact</code> afterwards.
        </p>
      ) : (
        <p className="text-zinc-600 dark:text-zinc-400">
          Nothing would be pruned. (Space of archives pruned earlier is freed only by <code>borg compact</code>.)
        </p>
      )}
    </div>
  );
}

function Figure({ label, testId, children }: { label: string; testId?: string; children: React.ReactNode }) {
  return (
    <div>
      <dt className="text-zinc-600 dark:text-zinc-400">{label}</dt>
      <dd className="tabular-nums" data-testid={testId}>
        {children}
      </dd>
    </div>
  );
}
