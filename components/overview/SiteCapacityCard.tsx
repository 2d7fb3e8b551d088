import { Bytes } from "@/components/Bytes";
import { TimeAgo } from "@/components/TimeAgo";
import { Card, Figure } from "@/components/ui/Card";
import { formatBytes, formatPercent, formatUtc, plural } from "@/lib/format";
import { CapacityBar } from "./CapacityBar";
import { FORECAST_WINDOW_DAYS, type SiteSummary } from "@/lib/fleet/overview";

const SOURCE_TEXT = {
  statfs: { label: "statfs", title: "statfs of the storage root on this machine" },
  prometheus: { label: "node_exporter", title: "node_filesystem_size_bytes / node_filesystem_avail_bytes, read through Prometheus" },
  unknown: { label: "not available", title: "No source for this site's capacity" },
} as const;

/** One storage site: size, free space, used share, and when it will be full at the current trend. */
export function SiteCapacityCard({ summary, now }: { summary: SiteSummary; now: number }) {
  const { site } = summary;
  const known = site.sizeBytes !== null && site.freeBytes !== null && site.sizeBytes > 0;
  const usedRatio = known ? 1 - site.freeBytes! / site.sizeBytes! : null;
  return (
    <Card>
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h3 className="text-base font-semibold">{site.name}</h3>
        <span className="truncate font-mono text-xs text-zinc-500 dark:text-zinc-400" title={site.location}>
          {site.location}
        </span>
      </div>

      {known ? (
        <>
          <dl className="mt-3 grid grid-cols-3 gap-3">
            <Figure label="Size" value={<Bytes value={site.sizeBytes} />} />
            <Figure label="Free" value={<Bytes value={site.freeBytes} />} />
            <Figure label="Used" value={formatPercent(usedRatio)} />
          </dl>
          <div className="mt-3">
            <CapacityBar usedRatio={usedRatio!} label={`Space used on ${site.name}`} />
          </div>
          <Forecast summary={summary} now={now} />
        </>
      ) : (
        <div className="mt-3 rounded-md bg-zinc-50 p-3 text-sm dark:bg-zinc-800/60">
          <p className="font-medium">Capacity unknown</p>
          <p className="mt-1 text-zinc-600 dark:text-zinc-400">
            {site.local
              ? "The dashboard could not read the size of this storage root (statfs)."
              : "Free space cannot be read through borg serve: it has to come from the storage server. Set prometheusFilesystem for this site and PROMETHEUS_URL so the dashboard reads node_exporter's filesystem metrics."}
          </p>
          {site.error ? <p className="mt-1 font-mono text-xs text-zinc-600 dark:text-zinc-400">{site.error}</p> : null}
        </div>
      )}

      {site.sharesFilesystemWith.length > 0 ? (
        <p className="mt-3 rounded-md bg-sky-50 px-3 py-2 text-sm text-sky-900 dark:bg-sky-400/10 dark:text-sky-200">
          Same filesystem as {site.sharesFilesystemWith.join(", ")}: the capacity is shared, do not add it up.
        </p>
      ) : null}

      <dl className="mt-3 grid grid-cols-2 gap-x-4 gap-y-1 border-t border-zinc-100 pt-3 text-sm dark:border-zinc-800">
        <dt className="text-zinc-500 dark:text-zinc-400">Repos</dt>
        <dd className="text-right tabular-nums">{plural(summary.repos, "repo")}</dd>
        <dt className="text-zinc-500 dark:text-zinc-400">Deduplicated, all repos</dt>
        <dd className="text-right">
          <Bytes value={summary.repos ? summary.dedupTotal : null} unknownReason="no repos" />
        </dd>
        <dt className="text-zinc-500 dark:text-zinc-400">On disk, all repos</dt>
        <dd className="text-right">
          {summary.diskKnown > 0 ? (
            <>
              <Bytes value={summary.diskTotal} />
              {summary.diskKnown < summary.repos ? (
                <span className="text-xs text-zinc-500 dark:text-zinc-400">
                  {" "}
                  ({summary.diskKnown} of {summary.repos})
                </span>
              ) : null}
            </>
          ) : site.local ? (
            <Bytes value={null} unknownReason="no repo measured yet" />
          ) : (
            <span className="text-zinc-500 dark:text-zinc-400" title="On-disk size is measured for local repos only">
              unknown (remote)
            </span>
          )}
        </dd>
        <dt className="text-zinc-500 dark:text-zinc-400">Capacity from</dt>
        <dd className="text-right">
          <span title={SOURCE_TEXT[site.capacitySource].title}>{SOURCE_TEXT[site.capacitySource].label}</span>
          {site.checkedAt !== null ? (
            <span className="text-zinc-500 dark:text-zinc-400">
              {" · "}
              <TimeAgo at={site.checkedAt} now={now} />
            </span>
          ) : null}
        </dd>
      </dl>
    </Card>
  );
}

function Forecast({ summary, now }: { summary: SiteSummary; now: number }) {
  const { forecast } = summary;
  if (!forecast) {
    return (
      <p className="mt-3 text-sm text-zinc-600 dark:text-zinc-400">
        {summary.forecastNote === "not-shrinking"
          ? `Free space did not shrink over the last ${FORECAST_WINDOW_DAYS} days: no “full” date.`
          : "Full date: not enough history yet (needs a few samples over at least an hour)."}
      </p>
    );
  }
  const days = forecast.daysUntilFull;
  const urgent = days < 14;
  const soon = days < 60;
  const fullAt = now + days * 86_400_000;
  return (
    <p
      className={`mt-3 text-sm ${
        urgent ? "font-medium text-red-700 dark:text-red-300" : soon ? "text-amber-800 dark:text-amber-300" : "text-zinc-700 dark:text-zinc-300"
      }`}
    >
      {days < 1 ? "Full within a day" : `Full in ${days < 10 ? days.toFixed(1) : Math.round(days).toLocaleString("en-US")} days`}{" "}
      <span className="font-normal text-zinc-600 dark:text-zinc-400">
        (around {formatUtc(fullAt).slice(0, 10)}; free space shrinks by {formatBytes(forecast.bytesPerDay)}/day over the last {FORECAST_WINDOW_DAYS} days)
      </span>
    </p>
  );
}
