import type { Metadata } from "next";
import { AlertBanner } from "@/components/alerts/AlertBanner";
import { EmptyState } from "@/components/EmptyState";
import { SectionHeading } from "@/components/ui/Card";
import { FleetHeader } from "@/components/overview/FleetHeader";
import { HostTable } from "@/components/overview/HostTable";
import { buildRows, buildSiteSummaries, buildUsageChart, encodeRows } from "@/lib/fleet/overview";
import { NumbersExplained } from "@/components/overview/NumbersExplained";
import { SiteCapacityCard } from "@/components/overview/SiteCapacityCard";
import { StatusSummary } from "@/components/overview/StatusSummary";
import { UsageChart } from "@/components/overview/UsageChart";
import { firingAlertViews } from "@/lib/alerts/view";
import { requirePage, visibleFleetState } from "@/lib/auth/guard";
import type { Principal } from "@/lib/auth/policy";
import type { RepoStatus } from "@/lib/fleet/types";

export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Overview" };

const STATUSES = new Set<string>(["fresh", "stale", "never", "busy", "error", "pending"]);

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Everything the overview shows, read once from the fleet store at one instant. */
function loadOverview(principal: Principal) {
  const state = visibleFleetState(principal);
  const now = Date.now();
  const { rows, counts } = buildRows(state, now);
  const siteNames = state.sites.map((s) => s.name);
  return {
    state,
    now,
    rows,
    counts,
    siteNames,
    hosts: new Set(rows.map((r) => r.host)).size,
    siteSummaries: buildSiteSummaries(state, now),
  };
}

export default async function OverviewPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const principal = await requirePage("fleet:view");
  const params = await searchParams;
  const { state, now, rows, counts, siteNames, hosts, siteSummaries } = loadOverview(principal);

  const status = first(params.status);
  const initialStatus = status && STATUSES.has(status) ? (status as RepoStatus) : "all";
  const site = first(params.site);
  const initialSite = site && siteNames.includes(site) ? site : "all";
  const initialQuery = (first(params.q) ?? "").slice(0, 200);

  return (
    <main className="mx-auto max-w-7xl space-y-8 px-4 py-6 sm:px-6">
      <FleetHeader state={state} hosts={hosts} now={now} />

      <AlertBanner alerts={firingAlertViews(principal, now)} now={now} />

      {state.problems.length > 0 ? (
        <EmptyState title="The dashboard cannot read its configuration">
          <pre className="mt-2 whitespace-pre-wrap text-left font-mono text-sm">{state.problems.join("\n")}</pre>
        </EmptyState>
      ) : rows.length === 0 ? (
        <EmptyState title="No repos configured">
          Add sites (and repos, or let the dashboard discover <code>&lt;root&gt;/&lt;host&gt;</code> directories) to the config file named by{" "}
          <code>BORG_FLEET_CONFIG</code>, then reload this page.
        </EmptyState>
      ) : (
        <StatusSummary counts={counts} staleAfterSeconds={state.staleAfterSeconds} />
      )}

      {siteSummaries.length > 0 ? (
        <section aria-labelledby="capacity-heading">
          <SectionHeading id="capacity-heading">Storage capacity</SectionHeading>
          <div className={`grid gap-4 md:grid-cols-2 ${siteSummaries.length > 2 ? "xl:grid-cols-3" : ""}`}>
            {siteSummaries.map((summary) => (
              <SiteCapacityCard key={summary.site.name} summary={summary} now={now} />
            ))}
          </div>
        </section>
      ) : null}

      {rows.length > 0 ? (
        <>
          <section aria-labelledby="usage-heading" className="rounded-lg border border-zinc-200 bg-white p-4 shadow-sm dark:border-zinc-800 dark:bg-zinc-900">
            <SectionHeading id="usage-heading">Used space per host</SectionHeading>
            <UsageChart data={{ dedup: buildUsageChart(rows, "dedup", siteNames), disk: buildUsageChart(rows, "disk", siteNames) }} />
          </section>

          <section aria-labelledby="hosts-heading" id="hosts" className="scroll-mt-4">
            <SectionHeading id="hosts-heading">Hosts</SectionHeading>
            <HostTable
              key={`${initialQuery}|${initialStatus}|${initialSite}`}
              rows={encodeRows(rows, siteNames)}
              sites={siteNames}
              now={now}
              initialQuery={initialQuery}
              initialStatus={initialStatus}
              initialSite={initialSite}
            />
          </section>
        </>
      ) : null}

      <NumbersExplained staleAfterSeconds={state.staleAfterSeconds} />
    </main>
  );
}
