/**
 * Which retention policy applies to a host: the first `retention.hosts` rule whose glob matches the
 * host name (lib/auth/glob.ts, the same matcher as user scopes), else `retention.default`.
 */
import { globMatch } from "@/lib/auth/glob";
import type { FleetConfig, RetentionPolicy } from "@/lib/config/schema";
import { PRUNE_RULES } from "./gfs";

export interface HostPolicy {
  policy: RetentionPolicy;
  /** Where the policy comes from: the config default, or the host rule with this glob. */
  source: { kind: "default" } | { kind: "host"; match: string };
}

export function policyForHost(retention: FleetConfig["retention"], host: string): HostPolicy {
  const rule = retention.hosts.find((r) => globMatch(r.match, host));
  return rule ? { policy: rule.policy, source: { kind: "host", match: rule.match } } : { policy: retention.default, source: { kind: "default" } };
}

/** "7 daily, 4 weekly, 6 monthly" (rules in borg's order; zeros left out); "nothing (every archive would be pruned)" for all zeros. */
export function describePolicy(policy: RetentionPolicy): string {
  const parts = PRUNE_RULES.filter((rule) => rule in policy && (policy as Record<string, number>)[rule]! > 0).map(
    (rule) => `${(policy as Record<string, number>)[rule]} ${rule}`,
  );
  return parts.length ? parts.join(", ") : "no rule";
}

/** "config default" / "host rule `db-*`". */
export function describeSource(source: HostPolicy["source"]): string {
  return source.kind === "default" ? "config default" : `host rule \`${source.match}\``;
}

/** True when the policy keeps nothing: borg prune refuses to run without a rule. */
export function policyIsEmpty(policy: RetentionPolicy): boolean {
  return PRUNE_RULES.every((rule) => !(policy as Record<string, number | undefined>)[rule]);
}
