import Link from "next/link";
import { TimeAgo, UtcTime } from "@/components/TimeAgo";
import type { AlertView } from "@/lib/alerts/view";
import { hostPath } from "@/lib/publicUrl";

/** Colours per severity, always with a text label (never colour alone). */
const SEVERITY_STYLES: Record<string, string> = {
  critical: "bg-red-100 text-red-900 ring-red-600/30 dark:bg-red-400/15 dark:text-red-200 dark:ring-red-400/40",
  warning: "bg-amber-100 text-amber-900 ring-amber-600/30 dark:bg-amber-400/15 dark:text-amber-200 dark:ring-amber-400/40",
  info: "bg-sky-100 text-sky-900 ring-sky-600/30 dark:bg-sky-400/15 dark:text-sky-200 dark:ring-sky-400/40",
};
const OTHER_SEVERITY = "bg-zinc-100 text-zinc-800 ring-zinc-500/30 dark:bg-zinc-400/15 dark:text-zinc-200 dark:ring-zinc-400/40";

const linkClass =
  "font-medium text-red-900 underline decoration-red-900/40 underline-offset-2 hover:decoration-red-900 dark:text-red-100 dark:decoration-red-100/40 dark:hover:decoration-red-100";

/**
 * Alerts firing now, as Alertmanager reported them to POST /api/alerts: what, since when, a link to the
 * host's page (the alert's dashboard_url) and to the alert's source in Prometheus. The page passes the
 * alerts the user may see (firingAlertViews in lib/alerts/view.ts); on a host page only that host's.
 * Renders nothing when nothing fires. All alert text is rendered as text.
 */
export function AlertBanner({ alerts, now, host }: { alerts: AlertView[]; now: number; host?: string }) {
  if (alerts.length === 0) return null;
  const title = host === undefined ? "Firing alerts" : `Firing alerts for ${host}`;
  return (
    <section
      aria-labelledby="alerts-heading"
      className="rounded-lg border border-red-300 bg-red-50 px-4 py-3 text-red-950 shadow-sm dark:border-red-400/40 dark:bg-red-950/40 dark:text-red-50"
    >
      <h2 id="alerts-heading" className="flex items-center gap-2 text-base font-semibold">
        <span aria-hidden="true">⚠</span>
        {title} ({alerts.length})
      </h2>
      <ul className="mt-2 divide-y divide-red-200 dark:divide-red-400/20">
        {alerts.map((alert) => (
          <AlertItem key={alert.key} alert={alert} now={now} onHostPage={host !== undefined} />
        ))}
      </ul>
      <p className="mt-2 text-xs text-red-900/80 dark:text-red-100/70">
        From Alertmanager (POST /api/alerts); an alert disappears here when Alertmanager reports it resolved.
      </p>
    </section>
  );
}

function AlertItem({ alert, now, onHostPage }: { alert: AlertView; now: number; onHostPage: boolean }) {
  const severity = alert.severity ?? "unknown";
  const dashboardLink = alert.dashboardHref;
  // On the host's own page a link back to it is noise; elsewhere it is the point of the banner.
  const showDashboardLink = dashboardLink !== null && !(onHostPage && alert.host !== null && dashboardLink === hostPath(alert.host));
  const linkText = alert.host ? `Open ${alert.host}` : "Open";
  return (
    <li className="py-2 text-sm" data-alertname={alert.alertname}>
      <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
        <span className={`rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${SEVERITY_STYLES[severity] ?? OTHER_SEVERITY}`}>{severity}</span>
        <span className="font-semibold">{alert.alertname}</span>
        {alert.host ? <span>host {alert.host}</span> : null}
        {alert.site ? <span className="text-red-900/80 dark:text-red-100/70">site {alert.site}</span> : null}
        {alert.sources > 1 ? <span className="text-xs text-red-900/80 dark:text-red-100/70">(reported by {alert.sources} sources)</span> : null}
      </div>
      {alert.summary ? <p className="mt-0.5">{alert.summary}</p> : null}
      <div className="mt-1 flex flex-wrap items-center gap-x-4 gap-y-1 text-xs">
        <span>
          Firing since <UtcTime at={alert.since} /> (<TimeAgo at={alert.since} now={now} />)
        </span>
        {showDashboardLink ? (
          dashboardLink.startsWith("/") ? (
            <Link href={dashboardLink} className={linkClass}>
              {linkText}
            </Link>
          ) : (
            <a href={dashboardLink} className={linkClass} rel="noopener noreferrer">
              {linkText}
            </a>
          )
        ) : null}
        {alert.prometheusHref ? (
          <a href={alert.prometheusHref} className={linkClass} rel="noopener noreferrer" target="_blank">
            View in Prometheus<span className="sr-only"> (opens in a new tab)</span>
          </a>
        ) : null}
      </div>
      {alert.description ? (
        <details className="mt-1 text-xs">
          <summary className="cursor-pointer">Details</summary>
          <p className="mt-1 whitespace-pre-wrap break-words">{alert.description}</p>
        </details>
      ) : null}
    </li>
  );
}
