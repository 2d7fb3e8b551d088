"use client";

import { useState } from "react";
import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from "recharts";
import { AXIS_PROPS, GRID_STROKE, seriesColour, TOOLTIP_PROPS } from "@/components/charts/theme";
import { byteTickFormatter, byteTicks } from "@/components/charts/ticks";
import { formatBytes, formatCount } from "@/lib/format";
import type { UsageChartData } from "@/lib/fleet/overview";

type Metric = "dedup" | "disk";

const METRICS: { key: Metric; label: string; note: string }[] = [
  { key: "dedup", label: "Deduplicated", note: "borg's unique_csize, summed over the host's repos on all sites" },
  { key: "disk", label: "On disk", note: "bytes of the repo directories; measured for local repos only" },
];

/** The hosts that use the most space (top N, stacked by site), with the rest summed up in one line. */
export function UsageChart({ data }: { data: Record<Metric, UsageChartData> }) {
  const [metric, setMetric] = useState<Metric>("dedup");
  const current = data[metric];
  const rows = current.bars.map((bar) => ({ host: bar.host, total: bar.total, ...bar.bySite }));
  const height = Math.max(120, rows.length * 26 + 48);
  const note = METRICS.find((m) => m.key === metric)!.note;
  const ticks = byteTicks(0, current.bars[0]?.total ?? 0);

  return (
    <figure>
      <div className="mb-2 flex flex-wrap items-center justify-between gap-2">
        <figcaption className="text-sm text-zinc-600 dark:text-zinc-400">
          Top {rows.length} hosts by {metric === "dedup" ? "deduplicated" : "on-disk"} size: {note}.
        </figcaption>
        <div role="radiogroup" aria-label="Size shown" className="inline-flex rounded-md border border-zinc-300 p-0.5 text-sm dark:border-zinc-700">
          {METRICS.map((m) => (
            <button
              key={m.key}
              type="button"
              role="radio"
              aria-checked={metric === m.key}
              onClick={() => setMetric(m.key)}
              className={`rounded px-2.5 py-1 font-medium focus-visible:outline-2 focus-visible:outline-sky-600 ${
                metric === m.key
                  ? "bg-zinc-900 text-white dark:bg-zinc-100 dark:text-zinc-900"
                  : "text-zinc-600 hover:text-zinc-900 dark:text-zinc-400 dark:hover:text-zinc-100"
              }`}
            >
              {m.label}
            </button>
          ))}
        </div>
      </div>

      {rows.length === 0 ? (
        <p className="py-8 text-center text-sm text-zinc-500 dark:text-zinc-400">No size measured yet.</p>
      ) : (
        <>
          <div aria-hidden="true">
            <BarChart
              responsive
              style={{ width: "100%", height }}
              data={rows}
              layout="vertical"
              margin={{ top: 4, right: 16, bottom: 4, left: 4 }}
              barCategoryGap={4}
            >
              <CartesianGrid horizontal={false} stroke={GRID_STROKE} />
              <XAxis type="number" ticks={ticks} domain={[0, ticks[ticks.length - 1]!]} tickFormatter={byteTickFormatter(ticks)} {...AXIS_PROPS} />
              <YAxis type="category" dataKey="host" width={120} interval={0} {...AXIS_PROPS} />
              <Tooltip {...TOOLTIP_PROPS} formatter={(value, name) => [formatBytes(typeof value === "number" ? value : null), name]} />
              <Legend wrapperStyle={{ fontSize: 12 }} itemSorter={null} />
              {current.sites.map((site, i) => (
                <Bar key={site} dataKey={site} name={site} stackId="size" fill={seriesColour(i)} isAnimationActive={false} />
              ))}
            </BarChart>
          </div>
          <ol className="sr-only">
            {current.bars.map((bar) => (
              <li key={bar.host}>
                {bar.host}: {formatBytes(bar.total)}
              </li>
            ))}
          </ol>
        </>
      )}
      {current.othersHosts > 0 ? (
        <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">
          The other {formatCount(current.othersHosts)} hosts: {formatBytes(current.othersBytes)} in total.
        </p>
      ) : null}
    </figure>
  );
}
