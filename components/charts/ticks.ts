/**
 * Axis ticks at round numbers of a binary unit (0, 2 TiB, 4 TiB, … rather than 2.73 TiB steps), so
 * axis labels read as cleanly as the sizes elsewhere on the page.
 */
const UNITS = [1, 1024, 1024 ** 2, 1024 ** 3, 1024 ** 4, 1024 ** 5];
const STEPS = [1, 2, 2.5, 5, 10];

export function byteTicks(min: number, max: number, target = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max) || max <= 0) return [0];
  const low = Math.max(0, Math.min(min, max));
  let unit = 1;
  for (const u of UNITS) if (max / u >= 1) unit = u;
  const span = (max - low) / unit || max / unit;
  const rough = span / target;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = (STEPS.find((m) => m * magnitude >= rough) ?? 10) * magnitude;
  const first = Math.floor(low / unit / step) * step;
  const last = Math.ceil(max / unit / step) * step;
  const ticks: number[] = [];
  for (let v = first; v <= last + step / 1000; v += step) ticks.push((Math.round(v * 1e6) / 1e6) * unit);
  return ticks;
}

const UNIT_NAMES = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

/** Labels for ticks from byteTicks, all in the unit of the largest tick: "0.9 GiB", "1 GiB", "1.1 GiB". */
export function byteTickFormatter(ticks: number[]): (value: number) => string {
  const max = ticks[ticks.length - 1] ?? 0;
  let index = 0;
  while (index < UNITS.length - 1 && max / UNITS[index + 1]! >= 1) index++;
  const unit = UNITS[index]!;
  return (value: number) => (value === 0 ? "0" : `${Number((value / unit).toFixed(2))} ${UNIT_NAMES[index]}`);
}
