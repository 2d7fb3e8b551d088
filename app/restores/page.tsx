import type { Metadata } from "next";
import { RestoreJobList } from "@/components/restore/RestoreJobList";
import { requireRestoreRole } from "@/lib/auth/guard";
import { database } from "@/lib/db/current";
import { restoreRoot } from "@/lib/config/dirs";
import { getCurrentConfig } from "@/lib/config/current";
import { visibleJobViews } from "@/lib/restore/view";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Restores" };

/** Restore jobs the user may see (admins: all; operators: hosts in scope; viewers: 403). */
export default async function RestoresPage() {
  const principal = await requireRestoreRole();
  const jobs = visibleJobViews(database(), principal);
  const config = getCurrentConfig();
  return (
    <main className="mx-auto max-w-7xl space-y-6 px-4 py-6 sm:px-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Restores</h1>
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
          Each job extracts the selected paths into its own directory under {config ? <code>{restoreRoot(config)}</code> : "the restore root"} on the dashboard
          host (<code>&lt;root&gt;/&lt;host&gt;/&lt;archive&gt;/&lt;job&gt;</code>); the job page shows the rsync command that copies the result back.
        </p>
      </div>
      <RestoreJobList initial={jobs} />
    </main>
  );
}
