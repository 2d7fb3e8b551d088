import { HostBreadcrumb } from "@/components/host/HostBreadcrumb";
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { ArchiveBrowser } from "@/components/archive/ArchiveBrowser";
import { UtcTime } from "@/components/TimeAgo";
import { expectedEntries, statusJson } from "@/lib/archives/index/api";
import { getArchiveIndexes } from "@/lib/archives/index/runtime";
import { resolveArchive } from "@/lib/archives/locate";
import { decodePathParam } from "@/lib/archives/pathParam";
import { auditRequest } from "@/lib/audit/request";
import { requirePage, visibleFleetState } from "@/lib/auth/guard";
import { siteNameSchema } from "@/lib/config/schema";
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

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

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
  const host = parseHostParam(raw.host);
  if (!host) notFound();
  // Viewers and out-of-scope operators get the same 404 as an unknown host (audited by requirePage).
  const principal = await requirePage("archive:browse", host);
  // The host layout 404s a host fleet state does not know, but renders in parallel with this page:
  // ask here too, so nothing is audited or indexed behind a 404.
  if (!visibleFleetState(principal).repos.some((r) => r.host === host)) notFound();
  const query = await searchParams;
  const archiveName = decodeSegment(raw.archive);
  const siteParam = first(query.site);
  const site = siteParam ? siteNameSchema.safeParse(siteParam) : null;
  if (!archiveName || (site && !site.success)) notFound();
  const ref = await resolveArchive(host, site?.data ?? null, archiveName);
  if (!ref) notFound();

  await auditRequest({ username: principal.username, action: "archive:browse", host, archive: ref.archive.name, outcome: "ok" });

  const indexes = getArchiveIndexes();
  const status = indexes ? statusJson(indexes.open(ref), expectedEntries(ref)) : null;
  const pathParam = first(query.path) ?? "";
  const initialPath = decodePathParam(pathParam.replace(/^\/+|\/+$/g, "")) ? pathParam.replace(/^\/+|\/+$/g, "") : "";
  const q = (first(query.q) ?? "").slice(0, 256);

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
