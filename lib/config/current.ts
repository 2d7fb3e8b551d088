/**
 * The config the running server loaded (set once by lib/runtime.ts). Request-time code that needs more
 * than fleet state (repo secrets for archive browsing and restores, the restore root, retention
 * policies) reads it here. Lives on globalThis because Next.js may load this module more than once.
 */
import type { FleetConfig } from "./schema";
import { processGlobal } from "@/lib/processGlobal";

const currentConfig = processGlobal<FleetConfig>("current-config");

export function setCurrentConfig(config: FleetConfig | undefined): void {
  currentConfig.set(config);
}

/** The loaded config, or undefined when the server runs without one (synthetic fleet, broken config). */
export function getCurrentConfig(): FleetConfig | undefined {
  return currentConfig.get();
}
