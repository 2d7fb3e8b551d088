/**
 * "Full in N days": a least-squares line through recent free-space samples. Needs enough history
 * (at least MIN_SAMPLES points spanning MIN_SPAN_MS) to say anything; returns null otherwise, and
 * when free space is flat or growing.
 */
import type { SiteSample } from "./types";

const MIN_SAMPLES = 3;
const MIN_SPAN_MS = 60 * 60 * 1000;

export interface FullForecast {
  /** Days until free space reaches zero at the current trend. */
  daysUntilFull: number;
  /** Bytes per day consumed (positive = shrinking free space). */
  bytesPerDay: number;
}

export function forecastFull(samples: readonly SiteSample[], nowMs: number): FullForecast | null {
  const points = samples.filter((s): s is SiteSample & { freeBytes: number } => s.freeBytes !== null);
  if (points.length < MIN_SAMPLES) return null;
  const first = points[0]!;
  const last = points[points.length - 1]!;
  if (last.at - first.at < MIN_SPAN_MS) return null;
  const n = points.length;
  // Centre x on the first sample in days, for numerical stability.
  const xs = points.map((p) => (p.at - first.at) / 86_400_000);
  const ys = points.map((p) => p.freeBytes);
  const meanX = xs.reduce((a, b) => a + b, 0) / n;
  const meanY = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - meanX) * (ys[i]! - meanY);
    den += (xs[i]! - meanX) ** 2;
  }
  if (den === 0) return null;
  const slope = num / den; // bytes per day, negative when filling up
  if (slope >= 0) return null;
  const nowX = (nowMs - first.at) / 86_400_000;
  const freeNow = meanY + slope * (nowX - meanX);
  const daysUntilFull = Math.max(0, freeNow / -slope);
  return { daysUntilFull, bytesPerDay: -slope };
}
