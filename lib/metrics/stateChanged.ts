/**
 * The "state changed" signal of the /metrics cache (lib/metrics/exposition.ts).
 *
 * Every metric in the registry is computed from state held in this process (fleet state, run reports,
 * …). The exposition is written once and served as the same bytes until something raises this
 * signal. Any module whose metric values come from state it changes MUST call `metricsStateChanged()`
 * right after the change (after the write, not before: a scrape in between would cache the old
 * values under the new generation). Raising it too often only costs a re-render; forgetting it serves
 * stale figures. Kept free of prom-client imports so that writers (collector, stores) stay light.
 */
import { processGlobal } from "@/lib/processGlobal";

const generation = processGlobal<{ value: number }>("metrics-state-generation");

const counter = () => generation.ensure(() => ({ value: 0 }));

/** Something a metric is computed from has changed: the next scrape renders the exposition again. */
export function metricsStateChanged(): void {
  counter().value++;
}

/** Increases with every `metricsStateChanged()`; the cache compares it. */
export function metricsStateGeneration(): number {
  return counter().value;
}
