import { TimeAgo } from "@/components/TimeAgo";
import { formatElapsed, plural } from "@/lib/format";
import type { FleetState } from "@/lib/fleet/types";

const SOURCE_LABELS: Record<FleetState["source"], string> = {
  collector: "built-in collector",
  prometheus: "Prometheus",
};

/** Page title and where the numbers come from: the data source and the collector's last cycle. */
export function FleetHeader({ state, hosts, now }: { state: FleetState; hosts: number; now: number }) {
  const { collector } = state;
  return (
    <header className="flex flex-wrap items-end justify-between gap-x-6 gap-y-2">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Fleet overview</h1>
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
          {plural(state.repos.length, "repo")} of {plural(hosts, "host")} on {plural(state.sites.length, "storage site")}
        </p>
      </div>
      <dl className="flex flex-wrap gap-x-6 gap-y-1 text-sm">
        <div className="flex gap-1.5">
          <dt className="text-zinc-500 dark:text-zinc-400">Source</dt>
          <dd className="font-medium">{SOURCE_LABELS[state.source]}</dd>
        </div>
        <div className="flex gap-1.5">
          <dt className="text-zinc-500 dark:text-zinc-400">Last collection</dt>
          <dd className="font-medium">
            {collector.running ? (
              <span className="inline-flex items-center gap-1.5">
                <span aria-hidden="true" className="h-2 w-2 animate-pulse rounded-full bg-sky-500" />
                running now
                {collector.lastCycleStartedAt !== null ? (
                  <span className="font-normal text-zinc-600 dark:text-zinc-400">
                    {" "}
                    (previous started <TimeAgo at={collector.lastCycleStartedAt} now={now} />)
                  </span>
                ) : null}
              </span>
            ) : collector.lastCycleStartedAt !== null ? (
              <>
                started <TimeAgo at={collector.lastCycleStartedAt} now={now} />
                {collector.lastCycleDurationMs !== null ? (
                  <span className="font-normal text-zinc-600 dark:text-zinc-400">, took {formatElapsed(collector.lastCycleDurationMs / 1000)}</span>
                ) : null}
              </>
            ) : (
              <span className="text-amber-700 dark:text-amber-300">no cycle has run yet</span>
            )}
          </dd>
        </div>
      </dl>
    </header>
  );
}
