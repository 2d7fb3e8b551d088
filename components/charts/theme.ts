/** Chart colours as CSS variables (globals.css), so light and dark mode follow the system setting. */
const SERIES_COLOURS = ["var(--chart-1)", "var(--chart-2)", "var(--chart-3)", "var(--chart-4)"] as const;

export const AXIS_PROPS = {
  stroke: "var(--chart-axis)",
  tick: { fill: "var(--chart-text)", fontSize: 12 },
  tickLine: false,
} as const;

export const GRID_STROKE = "var(--chart-grid)";

export const TOOLTIP_PROPS = {
  contentStyle: {
    background: "var(--chart-tooltip-bg)",
    border: "1px solid var(--chart-tooltip-border)",
    borderRadius: 6,
    fontSize: 12,
  },
  labelStyle: { color: "var(--chart-text)", fontWeight: 600 },
  cursor: { fill: "var(--chart-grid)", opacity: 0.5 },
} as const;

export function seriesColour(index: number): string {
  return SERIES_COLOURS[index % SERIES_COLOURS.length]!;
}
