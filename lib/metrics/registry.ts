/**
 * The process's prom-client registries. Next.js can evaluate this module more than once (route
 * handlers, instrumentation), and registering a metric name twice throws, so each registry lives on
 * globalThis and is built once.
 *
 * - `getRegistry()`: every metric computed from state (fleet gauges, run reports, and any metric module
 *   added later). Its exposition is cached between state changes (lib/metrics/exposition.ts): a module
 *   registering here must raise `metricsStateChanged()` (lib/metrics/stateChanged.ts) when its values
 *   change.
 * - `getProcessRegistry()`: prom-client's default process metrics, rendered fresh on every scrape.
 */
import { collectDefaultMetrics, Registry } from "prom-client";
import { processGlobal } from "@/lib/processGlobal";
import { registerFleetMetrics } from "./fleetMetrics";
import { registerVerifyMetrics } from "./verifyMetrics";

const metricsRegistry = processGlobal<Registry>("metrics-registry");
const processRegistry = processGlobal<Registry>("metrics-process-registry");

export function getRegistry(): Registry {
  return metricsRegistry.ensure(() => {
    const registry = new Registry();
    registerFleetMetrics(registry);
    registerVerifyMetrics(registry);
    return registry;
  });
}

export function getProcessRegistry(): Registry {
  return processRegistry.ensure(() => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    return registry;
  });
}
