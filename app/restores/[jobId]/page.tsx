import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { RestoreJobDetails } from "@/components/restore/RestoreJobDetails";
import { requirePage, requireRestoreRole } from "@/lib/auth/guard";
import { database } from "@/lib/db/current";
import { jobFromParam } from "@/lib/restore/store";
import { toJobView } from "@/lib/restore/view";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ jobId: string }> }): Promise<Metadata> {
  return { title: `Restore #${(await params).jobId.slice(0, 20)}` };
}

/** One restore job: inputs, live progress, log, Cancel / Retry, rsync. Out-of-scope hosts: 404. */
export default async function RestoreJobPage({ params }: { params: Promise<{ jobId: string }> }) {
  await requireRestoreRole();
  const { jobId } = await params;
  const job = jobFromParam(database(), jobId);
  if (!job) notFound();
  await requirePage("archive:restore", job.host);
  return (
    <main className="mx-auto max-w-5xl space-y-6 px-4 py-6 sm:px-6">
      <div>
        <Link href="/restores" className="text-sm text-sky-700 hover:underline dark:text-sky-400">
          ← All restores
        </Link>
        <h1 className="mt-2 text-2xl font-semibold tracking-tight">Restore #{job.id}</h1>
      </div>
      <RestoreJobDetails initial={toJobView(job, database())} />
    </main>
  );
}
