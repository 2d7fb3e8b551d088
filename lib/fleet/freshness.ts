/**
 * The one place that decides a repo's staleness threshold. The overview's counts, the host page,
 * /metrics (borg_stale_threshold_seconds, which BorgMissingBackup reads) and the compliance report all
 * ask here, so the UI, the alert and the report can never disagree about when a host is stale.
 *
 * Order: a threshold the source reported for the repo (Prometheus mode: the collector that measured
 * it exported one), then the first `freshness.hosts` rule whose glob matches the host (like
 * retention.hosts), then the top-level `staleAfter` (default 1.5 days, the seed's rule).
 */
import { globMatch } from "@/lib/auth/glob";
import type { FleetConfig } from "@/lib/config/schema";
import { repoStatus } from "./status";
import type { FleetState, HostStaleAfter, RepoState, RepoStatus } from "./types";

/** What the decision needs: the default (config staleAfter) and the host rules (config freshness.hosts). */
export type FreshnessPolicy = Pick<FleetState, "staleAfterSeconds" | "staleAfterHosts">;

type RepoRef = Pick<RepoState, "host"> & Partial<Pick<RepoState, "reportedStaleAfterSeconds">>;

/** A repo's threshold and where it comes from, for the host page. */
export interface RepoThreshold {
  seconds: number;
  source: { kind: "default" } | { kind: "host"; match: string } | { kind: "reported" };
}

/** The policy as fleet state carries it, from the validated config. */
export function freshnessPolicy(config: Pick<FleetConfig, "staleAfter" | "freshness">): Required<FreshnessPolicy> {
  return {
    staleAfterSeconds: config.staleAfter,
    staleAfterHosts: config.freshness.hosts.map((rule): HostStaleAfter => ({ match: rule.match, staleAfterSeconds: rule.staleAfter })),
  };
}

export function repoThreshold(policy: FreshnessPolicy, repo: RepoRef): RepoThreshold {
  const reported = repo.reportedStaleAfterSeconds;
  if (typeof reported === "number" && Number.isFinite(reported) && reported > 0) return { seconds: reported, source: { kind: "reported" } };
  const rule = policy.staleAfterHosts?.find((r) => globMatch(r.match, repo.host));
  return rule
    ? { seconds: rule.staleAfterSeconds, source: { kind: "host", match: rule.match } }
    : { seconds: policy.staleAfterSeconds, source: { kind: "default" } };
}

/** Seconds after which this repo's newest archive is stale. */
export function staleAfterSecondsFor(policy: FreshnessPolicy, repo: RepoRef): number {
  return repoThreshold(policy, repo).seconds;
}

/** repoStatus() with the repo's own threshold. */
export function repoStatusIn(policy: FreshnessPolicy, repo: RepoState, nowMs: number): RepoStatus {
  return repoStatus(repo, nowMs, staleAfterSecondsFor(policy, repo));
}

/** "config default" / "host rule `laptop-*`" / "reported by its collector". */
export function describeThresholdSource(source: RepoThreshold["source"]): string {
  if (source.kind === "default") return "config default (staleAfter)";
  if (source.kind === "host") return `host rule \`${source.match}\` (freshness.hosts)`;
  return "reported to Prometheus by the repo's collector";
}
