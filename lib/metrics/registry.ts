/**
 * One prom-client registry per process. Next.js can evaluate this module more than once (route
 * handlers, instrumentation), and registering a metric name twice throws, so the registry lives on
 * globalThis and is built once.
 */
import { collectDefaultMetrics, Registry } from "prom-client";
import { registerFleetMetrics } from "./fleetMetrics";

const KEY = Symbol.for("borg-fleet.metrics-registry");
type GlobalWithRegistry = typeof globalThis & { [KEY]?: Registry };

export function getRegistry(): Registry {
  const g = globalThis as GlobalWithRegistry;
  if (!g[KEY]) {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    registerFleetMetrics(registry);
    g[KEY] = registry;
  }
  return g[KEY];
}
