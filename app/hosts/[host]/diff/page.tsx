import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { cacheSignal } from "react";
import { HostBreadcrumb } from "@/components/host/HostBreadcrumb";
import { ArchiveLabel, DiffForm, type ArchiveOption } from "@/components/diff/DiffForm";
import { DiffResults } from "@/components/diff/DiffResults";
import { compareArchives, DIFF_ROW_CAP, openDiffPage } from "@/lib/archives/diff";
import type { DiffKind } from "@/lib/archives/diffSummary";
import { firstValue } from "@/lib/archives/params";
import { displayPath } from "@/lib/archives/pathParam";
import { requirePage, visibleFleetState } from "@/lib/auth/guard";
import { parseHostParam } from "../host-param";

export const dynamic = "force-dynamic";

type Params = Promise<{ host: string }>;
type SearchParams = Promise<Record<string, string | string[] | undefined>>;

const text = (value: unknown) => (typeof value === "string" ? value.slice(0, 4096) : undefined);

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
  const rawHost = (await params).host;
  const host = parseHostParam(rawHost);
  const query = await searchParams;
  const [site, from, to, path] = [query.site, query.from, query.to, query.path].map((v) => text(firstValue(v)));
  const header = (shownHost: string, shownSite: string) => (
    <div>
      <HostBreadcrumb host={shownHost} current={`Compare archives (${shownSite})`} />
      <h1 className="text-2xl font-semibold tracking-tight">Compare archives: {shownHost}</h1>
    </div>
  );

  if (!from || !to) {
    // The form alone, with the two newest archives preselected: the diff runs when the user asks.
    if (!host) notFound();
    const principal = await requirePage("archive:browse", host);
    const repos = visibleFleetState(principal).repos.filter((r) => r.host === host);
    const repo = site !== undefined ? repos.find((r) => r.site === site) : repos[0];
    if (!repo) notFound();
    const newestFirst: ArchiveOption[] = [...repo.archives].reverse().map((a) => ({ name: a.name, start: a.start }));
    return (
      <main className="mx-auto max-w-7xl space-y-6 px-4 py-6 sm:px-6">
        {header(host, repo.site)}
        {newestFirst.length < 2 ? (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">This repo has fewer than two archives: nothing to compare.</p>
        ) : (
          <DiffForm site={repo.site} archives={newestFirst} from={from ?? newestFirst[1]!.name} to={to ?? newestFirst[0]!.name} path={path ?? ""} />
        )}
      </main>
    );
  }

  // Access, input, both archives and the audit: lib/archives/diff.ts through the archive request layer.
  const opened = await openDiffPage({ host: host ?? rawHost, site, from, to, path, kind: firstValue(query.kind) });
  // Aborts when React abandons this render (e.g. the user navigates on before the diff is done): borg
  // is stopped with it. A closed full-page request does not always abort the render in `next start`;
  // the diff's time limit bounds that case.
  const { summary, error } = await compareArchives(opened, cacheSignal() ?? undefined);
  const { ref: fromRef, also, input, principal } = opened;
  const toRef = also[0]!;
  const pathBytes = input.path?.length ? input.path : null;
  const pathParam = path ?? "";
  const repo = visibleFleetState(principal).repos.find((r) => r.id === fromRef.repoId);
  const newestFirst: ArchiveOption[] = [...(repo?.archives ?? [])].reverse().map((a) => ({ name: a.name, start: a.start }));
  const options = [...newestFirst, ...[fromRef.archive, toRef.archive].filter((a) => !newestFirst.some((o) => o.name === a.name))];
  const kindHref = (k: DiffKind) => {
    const q = new URLSearchParams({ site: fromRef.site, from: fromRef.archive.name, to: toRef.archive.name });
    if (pathParam) q.set("path", pathParam);
    if (k !== "all") q.set("kind", k);
    return `/hosts/${encodeURIComponent(fromRef.host)}/diff?${q.toString()}`;
  };

  return (
    <main className="mx-auto max-w-7xl space-y-6 px-4 py-6 sm:px-6">
      {header(fromRef.host, fromRef.site)}
      <DiffForm site={fromRef.site} archives={options} from={fromRef.archive.name} to={toRef.archive.name} path={pathParam} />
      <p className="text-sm">
        From <ArchiveLabel name={fromRef.archive.name} start={fromRef.archive.start} /> to{" "}
        <ArchiveLabel name={toRef.archive.name} start={toRef.archive.start} />
        {pathBytes ? (
          <>
            , only below <code className="break-all">{displayPath(pathBytes)}</code>
          </>
        ) : null}
      </p>
      {error ? (
        <p
          role="alert"
          className="rounded-md border border-rose-300 bg-rose-50 px-3 py-2 text-sm text-rose-800 dark:border-rose-800 dark:bg-rose-950 dark:text-rose-200"
        >
          {error}
        </p>
      ) : summary ? (
        <DiffResults summary={summary} kind={input.kind} cap={DIFF_ROW_CAP} kindHref={kindHref} />
      ) : null}
    </main>
  );
}
