import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { cacheSignal } from "react";
import { HostBreadcrumb } from "@/components/host/HostBreadcrumb";
import { z } from "zod";
import { ArchiveLabel, DiffForm, type ArchiveOption } from "@/components/diff/DiffForm";
import { DiffResults } from "@/components/diff/DiffResults";
import { DIFF_KINDS, summarizeDiff, type DiffKind, type DiffSummary } from "@/lib/archives/diffSummary";
import { resolveArchive } from "@/lib/archives/locate";
import { decodePathParam, displayPath } from "@/lib/archives/pathParam";
import { audit } from "@/lib/audit/log";
import { clientAddress, requirePage, visibleFleetState } from "@/lib/auth/guard";
import { database } from "@/lib/db/current";
import { diffArchives, isBorgError, type BorgError } from "@/lib/borg";
import { parseHostParam } from "../host-param";

export const dynamic = "force-dynamic";

type Params = Promise<{ host: string }>;
type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** Rows shown at most; counts always cover the whole diff. */
const ROW_CAP = 5_000;
/** A diff reads both archives' metadata; past this borg is stopped and the page says so. */
const DIFF_TIMEOUT_MS = 5 * 60_000;

const one = z.preprocess((v) => (Array.isArray(v) ? v[0] : v), z.string().max(4096).optional());
const querySchema = z.object({
  site: one,
  from: one,
  to: one,
  path: one,
  kind: z.preprocess((v) => (Array.isArray(v) ? v[0] : v), z.enum(DIFF_KINDS).catch("all").default("all")),
});

/** What went wrong, in words (BorgError's own message unless we can say it better here). */
function diffErrorMessage(err: BorgError): string {
  switch (err.kind) {
    case "cancelled":
      return "The comparison was cancelled.";
    case "busy":
      return "The repository is busy (a backup or prune holds it); try again in a minute.";
    case "timeout":
      return `borg diff did not finish within ${DIFF_TIMEOUT_MS / 60_000} minutes and was stopped. Limit the comparison to a path.`;
    default:
      return err.userMessage;
  }
}

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const host = parseHostParam((await params).host);
  return { title: host ? `Compare archives · ${host}` : "Unknown host" };
}

/**
 * `/hosts/<host>/diff?site=&from=&to=&path=`: what changed between two archives of one repo
 * (borg diff). It shows file names, so it needs archive:browse: viewers and operators without the
 * host in scope get the same 404 as for an unknown host.
 */
export default async function DiffPage({ params, searchParams }: { params: Params; searchParams: SearchParams }) {
  const host = parseHostParam((await params).host);
  if (!host) notFound();
  const principal = await requirePage("archive:browse", host);
  const query = querySchema.safeParse(await searchParams);
  if (!query.success) notFound();
  const { from, to, kind } = query.data;
  const pathParam = query.data.path ?? "";
  const pathBytes = pathParam ? decodePathParam(pathParam) : Buffer.alloc(0);
  if (!pathBytes) notFound();

  const repos = visibleFleetState(principal).repos.filter((r) => r.host === host);
  const repo = query.data.site !== undefined ? repos.find((r) => r.site === query.data.site) : repos[0];
  if (!repo) notFound();
  const site = repo.site;
  const newestFirst: ArchiveOption[] = [...repo.archives].reverse().map((a) => ({ name: a.name, start: a.start }));

  const hostPath = `/hosts/${encodeURIComponent(host)}`;
  const header = (
    <div>
      <HostBreadcrumb host={host} current={`Compare archives (${site})`} />
      <h1 className="text-2xl font-semibold tracking-tight">Compare archives: {host}</h1>
    </div>
  );

  if (!from || !to) {
    // The form alone, with the two newest archives preselected: the diff runs when the user asks.
    return (
      <main className="mx-auto max-w-7xl space-y-6 px-4 py-6 sm:px-6">
        {header}
        {newestFirst.length < 2 ? (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">This repo has fewer than two archives: nothing to compare.</p>
        ) : (
          <DiffForm site={site} archives={newestFirst} from={from ?? newestFirst[1]!.name} to={to ?? newestFirst[0]!.name} path={pathParam} />
        )}
      </main>
    );
  }

  const db = database();
  const address = await clientAddress();
  const auditArchive = `${from} → ${to}`;
  const auditPaths = pathBytes.length ? [displayPath(pathBytes)] : null;
  const [fromRef, toRef] = await Promise.all([resolveArchive(host, site, from), resolveArchive(host, site, to)]);
  if (!fromRef || !toRef) {
    audit(db, { username: principal.username, address, action: "archive:diff", host, archive: auditArchive, paths: auditPaths, outcome: "failed", reason: "unknown archive" });
    notFound();
  }

  let summary: DiffSummary | null = null;
  let error: string | null = null;
  try {
    summary = await summarizeDiff(
      diffArchives(fromRef.target, fromRef.archive.name, toRef.archive.name, {
        paths: pathBytes.length ? [pathBytes] : undefined,
        timeoutMs: DIFF_TIMEOUT_MS,
        // Aborts when React abandons this render (e.g. the user navigates on before the diff is done):
        // borg is stopped with it. A closed full-page request does not always abort the render in
        // `next start`; the timeout bounds that case.
        signal: cacheSignal() ?? undefined,
      }),
      { cap: ROW_CAP, kind },
    );
  } catch (err) {
    if (!isBorgError(err)) throw err;
    error = diffErrorMessage(err);
  }
  if (db) {
    audit(db, { username: principal.username, address, action: "archive:diff", host, archive: auditArchive, paths: auditPaths, outcome: error ? "failed" : "ok", reason: error });
  }

  const options = newestFirst.some((a) => a.name === from) && newestFirst.some((a) => a.name === to) ? newestFirst : [...newestFirst, ...[fromRef.archive, toRef.archive].filter((a) => !newestFirst.some((o) => o.name === a.name))];
  const kindHref = (k: DiffKind) => {
    const q = new URLSearchParams({ site, from, to });
    if (pathParam) q.set("path", pathParam);
    if (k !== "all") q.set("kind", k);
    return `${hostPath}/diff?${q.toString()}`;
  };

  return (
    <main className="mx-auto max-w-7xl space-y-6 px-4 py-6 sm:px-6">
      {header}
      <DiffForm site={site} archives={options} from={from} to={to} path={pathParam} />
      <p className="text-sm">
        From <ArchiveLabel name={fromRef.archive.name} start={fromRef.archive.start} /> to <ArchiveLabel name={toRef.archive.name} start={toRef.archive.start} />
        {pathBytes.length ? (
          <>
            , only below <code className="break-all">{displayPath(pathBytes)}</code>
          </>
        ) : null}
      </p>
      {error ? (
        <p role="alert" className="rounded-md border border-rose-300 bg-rose-50 px-3 py-2 text-sm text-rose-800 dark:border-rose-800 dark:bg-rose-950 dark:text-rose-200">
          {error}
        </p>
      ) : summary ? (
        <DiffResults summary={summary} kind={kind} cap={ROW_CAP} kindHref={kindHref} />
      ) : null}
    </main>
  );
}
