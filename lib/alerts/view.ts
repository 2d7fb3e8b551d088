/**
 * What the alert banner shows: firing alerts grouped per (alert, host, site), with safe links.
 *
 * The same problem can arrive as several alerts (the dashboard's own /metrics and a client's textfile
 * collector both report a host, so the label sets differ in job/instance and so do the fingerprints):
 * the banner shows it once, from the earliest start, and says how many sources report it.
 */
import { visibleAlerts, type Principal } from "@/lib/auth/policy";
import { hostPath, publicBaseUrl } from "@/lib/publicUrl";
import { getAlertStore, type StoredAlert } from "./store";

export interface AlertView {
  key: string;
  alertname: string;
  severity: string | null;
  host: string | null;
  site: string | null;
  summary: string | null;
  description: string | null;
  /** Earliest start among the grouped alerts (ms). */
  since: number;
  /** How many distinct alerts (fingerprints) report this. */
  sources: number;
  /** Where the alert's dashboard_url points: an in-app path when it is this dashboard, else an absolute http(s) URL. */
  dashboardHref: string | null;
  /** The alert's source in Prometheus (generatorURL), when it is an http(s) URL. */
  prometheusHref: string | null;
}

/** An absolute http(s) URL, normalised; null for anything else (javascript:, data:, garbage). */
export function safeHttpUrl(raw: string | null | undefined): string | null {
  if (!raw) return null;
  try {
    const url = new URL(raw);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * Resolves an alert's dashboard_url against this dashboard's public base URL.
 * - "/hosts/web1" (the rules' last fallback, when no publicUrl was known) is relative to the dashboard;
 * - an absolute URL under the base becomes an in-app path, so the link works whatever host name the
 *   operator opened the dashboard with;
 * - another absolute http(s) URL is kept (another dashboard, e.g. a second site's);
 * - anything else is dropped (and the host's page is used when the alert names a host).
 */
export function resolveDashboardHref(raw: string | null | undefined, baseUrl: string, host: string | null): string | null {
  const base = baseUrl.replace(/\/+$/, "");
  const value = raw?.trim() ?? "";
  if (value.startsWith("/") && !value.startsWith("//")) {
    const safe = safeHttpUrl(`${base}${value}`);
    if (safe) return inApp(safe, base) ?? safe;
  } else {
    const safe = safeHttpUrl(value);
    if (safe) return inApp(safe, base) ?? safe;
  }
  return host ? hostPath(host) : null;
}

function inApp(absolute: string, base: string): string | null {
  let baseUrl: URL;
  try {
    baseUrl = new URL(`${base}/`);
  } catch {
    return null;
  }
  const url = new URL(absolute);
  if (url.origin !== baseUrl.origin || !url.pathname.startsWith(baseUrl.pathname)) return null;
  return `/${url.pathname.slice(baseUrl.pathname.length)}${url.search}${url.hash}`;
}

const SEVERITY_RANK: Record<string, number> = { critical: 0, warning: 1, info: 2 };
const rank = (severity: string | null) => SEVERITY_RANK[severity ?? ""] ?? 3;

/** Group firing alerts for display: most severe first, then oldest first. */
export function groupAlerts(alerts: StoredAlert[], baseUrl: string): AlertView[] {
  const groups = new Map<string, AlertView>();
  for (const alert of alerts) {
    const key = `${alert.alertname}\u0000${alert.host ?? ""}\u0000${alert.site ?? ""}`;
    const existing = groups.get(key);
    const dashboardHref = resolveDashboardHref(alert.annotations.dashboard_url, baseUrl, alert.host);
    const prometheusHref = safeHttpUrl(alert.generatorUrl);
    if (!existing) {
      groups.set(key, {
        key,
        alertname: alert.alertname,
        severity: alert.severity,
        host: alert.host,
        site: alert.site,
        summary: alert.annotations.summary ?? null,
        description: alert.annotations.description ?? null,
        since: alert.startsAt,
        sources: 1,
        dashboardHref,
        prometheusHref,
      });
      continue;
    }
    existing.sources++;
    if (alert.startsAt < existing.since) existing.since = alert.startsAt;
    if (rank(alert.severity) < rank(existing.severity)) existing.severity = alert.severity;
    existing.summary ??= alert.annotations.summary ?? null;
    existing.description ??= alert.annotations.description ?? null;
    // Prefer a link into this dashboard over one elsewhere.
    if (dashboardHref && (!existing.dashboardHref || (!existing.dashboardHref.startsWith("/") && dashboardHref.startsWith("/")))) {
      existing.dashboardHref = dashboardHref;
    }
    existing.prometheusHref ??= prometheusHref;
  }
  return [...groups.values()].sort((a, b) => rank(a.severity) - rank(b.severity) || a.since - b.since || a.key.localeCompare(b.key));
}

/**
 * What the banner shows this principal: alerts firing now (of one host, on its page) that the policy
 * lets them see (visibleAlerts), grouped. Empty when there is no alert inbox.
 */
export function firingAlertViews(principal: Principal, now: number, host?: string): AlertView[] {
  const store = getAlertStore();
  if (!store) return [];
  return groupAlerts(visibleAlerts(principal, store.firing(now, host === undefined ? {} : { host })), publicBaseUrl());
}
