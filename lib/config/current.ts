/**
 * The config the running server loaded (set once by lib/runtime.ts). Request-time code that needs more
 * than fleet state (repo secrets for archive browsing and restores, the restore root, retention
 * policies) reads it here. Lives on globalThis because Next.js may load this module more than once.
 */
import type { FleetConfig } from "./schema";

const KEY = Symbol.for("borg-fleet.current-config");
type GlobalWithConfig = typeof globalThis & { [KEY]?: FleetConfig };

export function setCurrentConfig(config: FleetConfig | undefined): void {
  (globalThis as GlobalWithConfig)[KEY] = config;
}

/** The loaded config, or undefined when the server runs without one (synthetic fleet, broken config). */
export function getCurrentConfig(): FleetConfig | undefined {
  return (globalThis as GlobalWithConfig)[KEY];
}
