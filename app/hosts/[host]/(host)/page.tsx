import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { AlertBanner } from "@/components/alerts/AlertBanner";
import { IntegrityChecks } from "@/components/host/IntegrityChecks";
import { RecentRuns } from "@/components/host/RecentRuns";
import { RepoSection } from "@/components/host/RepoSection";
import { RefreshButton } from "@/components/RefreshButton";
import { StatusBadge } from "@/components/StatusBadge";
import { repoThreshold } from "@/lib/fleet/freshness";
import { repoStatus, STATUS_SEVERITY } from "@/lib/fleet/status";
import { firingAlertViews } from "@/lib/alerts/view";
import { requirePage, visibleFleetState } from "@/lib/auth/guard";
import { can, type Principal } from "@/lib/auth/policy";
import { parseHostParam } from "../host-param";

export const dynamic = "force-dynamic";

type Params = Promise<{ host: string }>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const host = parseHostParam((await params).host);
  return { title: host ?? "Unknown host" };
}

/** Sites in configuration order (on-site before off-site, as the operator wrote them). */
function siteRank(sites: { name: string }[], name: string): number {
  const i = sites.findIndex((s) => s.name === name);
  return i === -1 ? sites.length : i;
}

/** The host's repos with their status, read once from the fleet store at one instant. */
function loadHost(principal: Principal, host: string) {
  const state = visibleFleetState(principal);
  const now = Date.now();
  const repos = state.repos
    .filter((r) => r.host === host)
    .map((repo) => {
      const threshold = repoThreshold(state, repo);
      return { repo, threshold, status: repoStatus(repo, now, threshold.seconds) };
    })
    .sort((a, b) => siteRank(state.sites, a.repo.site) - siteRank(state.sites, b.repo.site) || a.repo.site.localeCompare(b.repo.site));
  return { state, now, repos };
}

export default async function HostPage({ params }: { params: Params }) {
  const host = parseHostParam((await params).host);
  if (!host) notFound();
  // The layout checks too, but a page renders on its own on client navigations: it asks itself.
  const principal = await requirePage("host:view", host);

  const { now, repos } = loadHost(principal, host);
  if (repos.length === 0) notFound();
  const worst = repos.reduce((w, r) => (STATUS_SEVERITY[r.status] < STATUS_SEVERITY[w.status] ? r : w));

  return (
    <main className="mx-auto max-w-7xl space-y-8 px-4 py-6 sm:px-6">
      <div>
        <nav aria-label="Breadcrumb" className="mb-2 text-sm text-zinc-500 dark:text-zinc-400">
          <Link href="/" className="hover:text-zinc-900 hover:underline dark:hover:text-zinc-100">
            Overview
          </Link>
          <span aria-hidden="true"> / </span>
          <span aria-current="page">{host}</span>
        </nav>
        <header className="flex flex-wrap items-start justify-between gap-4">
          <div>
            <h1 className="flex flex-wrap items-center gap-3 text-2xl font-semibold tracking-tight">
              <span className="break-all">{host}</span>
              <StatusBadge status={worst.status} />
            </h1>
            <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
              {repos.length === 1 ? "One repo" : `${repos.length} repos`}:{" "}
              {repos.map((r, i) => (
                <span key={r.repo.id}>
                  {i > 0 ? ", " : ""}
                  <a href={`#repo-${r.repo.site}`} className="text-sky-700 hover:underline dark:text-sky-300">
                    {r.repo.site}
                  </a>
                </span>
              ))}
            </p>
          </div>
          {/* Refresh now (operators and admins): the server action re-reads this host's repos and checks the policy itself (app/actions/refresh.ts). */}
          {can(principal, "host:refresh", host) ? <RefreshButton host={host} /> : null}
        </header>
      </div>

      <AlertBanner alerts={firingAlertViews(principal, now, host)} now={now} host={host} />
      <RecentRuns host={host} now={now} />
      <IntegrityChecks host={host} repos={repos.map((r) => r.repo)} now={now} canRun={can(principal, "repo:check", host)} />

      {repos.map(({ repo, status, threshold }) => (
        <RepoSection key={repo.id} repo={repo} status={status} now={now} threshold={threshold} canBrowse={can(principal, "archive:browse", host)} />
      ))}
    </main>
  );
}
