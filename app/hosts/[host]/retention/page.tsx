import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { HostBreadcrumb } from "@/components/host/HostBreadcrumb";
import { RetentionSummary } from "@/components/retention/RetentionSummary";
import { RetentionTable } from "@/components/retention/RetentionTable";
import { requirePage, visibleFleetState } from "@/lib/auth/guard";
import { getCurrentConfig } from "@/lib/config/current";
import { configSchema } from "@/lib/config/schema";
import { policyForHost } from "@/lib/retention/policy";
import { retentionPreview } from "@/lib/retention/preview";
import { parseHostParam } from "../host-param";

export const dynamic = "force-dynamic";

type Params = Promise<{ host: string }>;
type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const host = parseHostParam((await params).host);
  return { title: host ? `Retention · ${host}` : "Unknown host" };
}

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/**
 * What the host's prune policy would keep and delete, per repo. Reads only fleet state (archive names
 * and start times): no borg call, so it never touches, let alone locks, a repository.
 */
export default async function RetentionPage({ params, searchParams }: { params: Params; searchParams: SearchParams }) {
  const host = parseHostParam((await params).host);
  if (!host) notFound();
  const principal = await requirePage("host:view", host);
  const site = first((await searchParams).site);
  if (site !== undefined && (site.length === 0 || site.length > 200)) notFound();

  const state = visibleFleetState(principal);
  const repos = state.repos.filter((r) => r.host === host && (site === undefined || r.site === site));
  if (repos.length === 0) notFound();
  // Without a loaded config (tests, a broken start) the schema's defaults are the policy: 7/4/6.
  const retention = getCurrentConfig()?.retention ?? configSchema.shape.retention.parse(undefined);
  const policy = policyForHost(retention, host);

  return (
    <main className="mx-auto max-w-7xl space-y-8 px-4 py-6 sm:px-6">
      <div>
        <HostBreadcrumb host={host} current="Retention" />
        <h1 className="text-2xl font-semibold tracking-tight">Retention preview: {host}</h1>
        <p className="mt-1 max-w-3xl text-sm text-zinc-600 dark:text-zinc-400">
          What <code>borg prune</code> with this host&apos;s policy would keep and delete today, computed from the archive start times the dashboard last read
          (UTC, borg&apos;s own rules). The dashboard never prunes and takes no repository lock for this page.
        </p>
      </div>
      {repos.map((repo) => {
        const preview = retentionPreview(repo.archives, policy.policy);
        return (
          <section key={repo.id} aria-labelledby={`retention-${repo.site}`} className="space-y-4">
            <h2 id={`retention-${repo.site}`} className="text-lg font-semibold">
              {repo.site}
            </h2>
            <RetentionSummary preview={preview} policy={policy} />
            <RetentionTable rows={preview.rows} caption={`Archives of ${host} on ${repo.site}, newest first, with the prune verdict`} />
          </section>
        );
      })}
    </main>
  );
}
