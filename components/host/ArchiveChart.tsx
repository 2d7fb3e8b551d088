"use client";

import { CartesianGrid, ComposedChart, Legend, Line, Tooltip, XAxis, YAxis } from "recharts";
import { AXIS_PROPS, GRID_STROKE, seriesColour, TOOLTIP_PROPS } from "@/components/charts/theme";
import { byteTickFormatter, byteTicks } from "@/components/charts/ticks";
import type { ArchivePoint } from "@/lib/fleet/growth";
import { formatBytes, formatCount, formatUtc } from "@/lib/format";

const DAY_MS = 86_400_000;

/** Axis labels: month and day for a span under a year ("05-31"), year and month beyond ("2025-11"). */
function dateTick(spanMs: number): (ms: number) => string {
  return spanMs > 300 * DAY_MS ? (ms) => formatUtc(ms).slice(0, 7) : (ms) => formatUtc(ms).slice(5, 10);
}

/**
 * Original and compressed size of every archive with size figures, at the archive's start time.
 * Decorative for assistive technology: the caption next to it says the same in words.
 */
export function ArchiveChart({ points }: { points: ArchivePoint[] }) {
  let min = Infinity;
  let max = -Infinity;
  for (const p of points) {
    min = Math.min(min, p.compressed, p.original);
    max = Math.max(max, p.compressed, p.original);
  }
  const ticks = byteTicks(min, max);
  const span = points.length ? points[points.length - 1]!.at - points[0]!.at : 0;
  // Dots mark the archives: pruning leaves them unevenly spaced (daily, then weekly, then monthly).
  const dot = points.length <= 120 ? { r: 2.5, strokeWidth: 0 } : false;
  return (
    <div aria-hidden="true">
      <ComposedChart
        responsive
        accessibilityLayer={false}
        style={{ width: "100%", height: 240 }}
        data={points}
        margin={{ top: 8, right: 8, bottom: 0, left: 8 }}
      >
        <CartesianGrid vertical={false} stroke={GRID_STROKE} />
        <XAxis dataKey="at" type="number" scale="time" domain={["dataMin", "dataMax"]} tickFormatter={dateTick(span)} minTickGap={28} {...AXIS_PROPS} />
        <YAxis ticks={ticks} domain={[ticks[0]!, ticks[ticks.length - 1]!]} tickFormatter={byteTickFormatter(ticks)} width={72} {...AXIS_PROPS} />
        <Tooltip
          {...TOOLTIP_PROPS}
          cursor={{ stroke: "var(--chart-axis)", strokeDasharray: "3 3" }}
          labelFormatter={(label, payload) => {
            const files = (payload?.[0]?.payload as ArchivePoint | undefined)?.files;
            const when = typeof label === "number" ? formatUtc(label) : String(label);
            return files === undefined ? when : `${when} · ${formatCount(files)} files`;
          }}
          formatter={(value, name) => [formatBytes(typeof value === "number" ? value : null), name]}
        />
        <Legend wrapperStyle={{ fontSize: 12 }} itemSorter={null} />
        <Line
          type="linear"
          dataKey="original"
          name="Original"
          stroke={seriesColour(0)}
          strokeWidth={2}
          dot={dot && { ...dot, fill: seriesColour(0) }}
          isAnimationActive={false}
        />
        {/* Dashed: where the data hardly compresses, both lines lie on top of each other and the original shows through. */}
        <Line
          type="linear"
          dataKey="compressed"
          name="Compressed"
          stroke={seriesColour(1)}
          strokeWidth={2}
          strokeDasharray="6 4"
          dot={dot && { ...dot, fill: seriesColour(1) }}
          isAnimationActive={false}
        />
      </ComposedChart>
    </div>
  );
}
