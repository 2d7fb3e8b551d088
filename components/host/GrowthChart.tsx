"use client";

import { CartesianGrid, ComposedChart, Legend, Line, Tooltip, XAxis, YAxis } from "recharts";
import { AXIS_PROPS, GRID_STROKE, seriesColour, TOOLTIP_PROPS } from "@/components/charts/theme";
import { byteTickFormatter, byteTicks } from "@/components/charts/ticks";
import { formatBytes, formatCount, formatUtc } from "@/lib/format";

/** One compact history point: time, on-disk, deduplicated, archive count. */
export interface GrowthPoint {
  at: number;
  disk: number | null;
  dedup: number | null;
  archives: number | null;
}

function day(ms: number): string {
  return formatUtc(ms).slice(5, 10);
}

/** Hours and minutes while the samples span less than two days (a fresh install). */
function time(ms: number): string {
  return formatUtc(ms).slice(11, 16);
}

/** Deduplicated and on-disk size over time (left axis) and the archive count (right axis, dashed). */
export function GrowthChart({ points, showDisk }: { points: GrowthPoint[]; showDisk: boolean }) {
  let min = Infinity;
  let max = -Infinity;
  for (const p of points) {
    for (const v of showDisk ? [p.dedup, p.disk] : [p.dedup]) {
      if (v === null) continue;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  const ticks = byteTicks(min, max);
  const span = points.length ? points[points.length - 1]!.at - points[0]!.at : 0;
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
        <XAxis
          dataKey="at"
          type="number"
          scale="time"
          domain={["dataMin", "dataMax"]}
          tickFormatter={span < 2 * 86_400_000 ? time : day}
          minTickGap={24}
          {...AXIS_PROPS}
        />
        <YAxis
          yAxisId="bytes"
          ticks={ticks}
          domain={[ticks[0]!, ticks[ticks.length - 1]!]}
          tickFormatter={byteTickFormatter(ticks)}
          width={72}
          {...AXIS_PROPS}
        />
        <YAxis
          yAxisId="count"
          orientation="right"
          allowDecimals={false}
          width={32}
          tickCount={6}
          domain={[0, (max: number) => Math.max(5, Math.ceil((max * 1.2) / 5) * 5)]}
          {...AXIS_PROPS}
        />
        <Tooltip
          {...TOOLTIP_PROPS}
          cursor={{ stroke: "var(--chart-axis)", strokeDasharray: "3 3" }}
          labelFormatter={(label) => (typeof label === "number" ? formatUtc(label) : String(label))}
          formatter={(value, name) => {
            const v = typeof value === "number" ? value : null;
            return [name === "Archives" ? formatCount(v) : formatBytes(v), name];
          }}
        />
        <Legend wrapperStyle={{ fontSize: 12 }} itemSorter={null} />
        <Line
          yAxisId="bytes"
          type="monotone"
          dataKey="dedup"
          name="Deduplicated"
          stroke={seriesColour(0)}
          strokeWidth={2}
          dot={false}
          isAnimationActive={false}
          connectNulls
        />
        {showDisk ? (
          <Line
            yAxisId="bytes"
            type="monotone"
            dataKey="disk"
            name="On disk"
            stroke={seriesColour(1)}
            strokeWidth={2}
            dot={false}
            isAnimationActive={false}
            connectNulls
          />
        ) : null}
        <Line
          yAxisId="count"
          type="stepAfter"
          dataKey="archives"
          name="Archives"
          stroke="var(--chart-muted)"
          strokeDasharray="4 3"
          strokeWidth={1.5}
          dot={false}
          isAnimationActive={false}
          connectNulls
        />
      </ComposedChart>
    </div>
  );
}
