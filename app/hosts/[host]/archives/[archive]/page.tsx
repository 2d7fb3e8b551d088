import { HostBreadcrumb } from "@/components/host/HostBreadcrumb";
import type { Metadata } from "next";
import { ArchiveBrowser } from "@/components/archive/ArchiveBrowser";
import { UtcTime } from "@/components/TimeAgo";
import { expectedEntries, statusJson } from "@/lib/archives/index/api";
import { getArchiveIndexes } from "@/lib/archives/index/runtime";
import { archiveFieldsSchema, firstValue, folderPathSchema } from "@/lib/archives/params";
import { openArchivePage } from "@/lib/archives/request";
import { parseHostParam } from "../../host-param";

export const dynamic = "force-dynamic";

type Params = Promise<{ host: string; archive: string }>;
type SearchParams = Promise<Record<string, string | string[] | undefined>>;

function decodeSegment(raw: string): string | null {
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

/** The page's input: which archive, and the folder the browser opens at ("" for the top level). */
const archivePageSchema = archiveFieldsSchema.extend({ path: folderPathSchema.optional() });

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const { archive } = await params;
  return { title: decodeSegment(archive) ?? "Archive" };
}

/**
 * The archive browser. Folder navigation, sorting and search happen in the browser against
 * /api/archives/* (which authorise themselves), with the state mirrored in the URL so a view can be
 * shared; this page renders once per archive open, and that open is what the audit log records.
 */
export default async function ArchivePage({ params, searchParams }: { params: Params; searchParams: SearchParams }) {
  const raw = await params;
  const query = await searchParams;
  // Access (viewers and out-of-scope operators get the same 404 as an unknown host), input, the archive
  // resolved, refusals audited: the archive request layer (lib/archives/request.ts).
  const opened = await openArchivePage(
    { host: parseHostParam(raw.host) ?? raw.host, site: firstValue(query.site), archive: decodeSegment(raw.archive), path: firstValue(query.path) },
    { action: "archive:browse", schema: archivePageSchema },
  );
  const { ref, input } = opened;
  const host = ref.host;
  // This page render is the archive open that the audit log records (the row API calls are not).
  await opened.audit({ outcome: "ok", reason: null, paths: null });

  const indexes = getArchiveIndexes();
  const status = indexes ? statusJson(indexes.open(ref), expectedEntries(ref)) : null;
  const initialPath = input.path?.length ? String(firstValue(query.path)).replace(/^\/+|\/+$/g, "") : "";
  const q = String(firstValue(query.q) ?? "").slice(0, 256);

  return (
    <main className="mx-auto max-w-7xl space-y-4 px-4 py-6 sm:px-6">
      <div>
        <HostBreadcrumb host={host} current="archive" />
        <h1 className="break-all font-mono text-xl font-semibold tracking-tight">{ref.archive.name}</h1>
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
          Site <span className="font-medium">{ref.site}</span> · started <UtcTime at={ref.archive.start} />
        </p>
      </div>
      {status ? (
        <ArchiveBrowser host={host} site={ref.site} archive={ref.archive.name} initialStatus={status} initialPath={initialPath} initialQuery={q} />
      ) : (
        <p role="alert" className="text-sm text-red-700 dark:text-red-300">
          Archive browsing needs the server&apos;s configuration (BORG_FLEET_CONFIG); this server runs without one.
        </p>
      )}
    </main>
  );
}
