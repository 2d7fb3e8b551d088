/**
 * One prom-client registry per process. Next.js can evaluate this module more than once (route
 * handlers, instrumentation), and registering a metric name twice throws, so the registry lives on
 * globalThis and is built once.
 */
import { collectDefaultMetrics, Registry } from "prom-client";
import { processGlobal } from "@/lib/processGlobal";
import { registerFleetMetrics } from "./fleetMetrics";
import { registerVerifyMetrics } from "./verifyMetrics";

const metricsRegistry = processGlobal<Registry>("metrics-registry");

export function getRegistry(): Registry {
  return metricsRegistry.ensure(() => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    registerFleetMetrics(registry);
    registerVerifyMetrics(registry);
    return registry;
  });
}
