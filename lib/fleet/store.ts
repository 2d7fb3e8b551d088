/**
 * Where pages, route handlers and /metrics get fleet state. A provider is installed once per server
 * process (the built-in collector, Prometheus, or a synthetic fleet for benchmarks); the store lives on
 * globalThis because Next.js may load this module more than once (instrumentation, routes, pages).
 */
import type { FleetState, RepoSample, SiteSample } from "./types";
import { processGlobal } from "@/lib/processGlobal";
import { metricsStateChanged } from "@/lib/metrics/stateChanged";

export interface FleetProvider {
  getState(): FleetState;
  getRepoHistory(repoId: string, sinceMs: number): RepoSample[];
  getSiteHistory(site: string, sinceMs: number): SiteSample[];
  /** Ask for an immediate refresh of one repo (the "Refresh now" action). Resolves when done. */
  refreshRepo?(repoId: string): Promise<void>;
}

const fleetProvider = processGlobal<FleetProvider>("fleet-provider");

export function setFleetProvider(provider: FleetProvider): void {
  fleetProvider.set(provider);
  metricsStateChanged();
}

export function getFleetProvider(): FleetProvider | undefined {
  return fleetProvider.get();
}

const EMPTY_STATE: FleetState = {
  repos: [],
  sites: [],
  staleAfterSeconds: 86400 * 1.5,
  source: "collector",
  problems: [],
  collector: { lastCycleStartedAt: null, lastCycleDurationMs: null, running: false },
};

const startupProblems = processGlobal<string[]>("startup-problems");

/** Record why no provider could start (e.g. an invalid config file), so pages can say so. */
export function setStartupProblems(problems: string[]): void {
  startupProblems.set(problems);
}

export function getFleetState(): FleetState {
  const provided = getFleetProvider()?.getState();
  if (provided) return provided;
  return { ...EMPTY_STATE, problems: startupProblems.get() ?? [] };
}

export function getRepoHistory(repoId: string, sinceMs: number): RepoSample[] {
  return getFleetProvider()?.getRepoHistory(repoId, sinceMs) ?? [];
}

export function getSiteHistory(site: string, sinceMs: number): SiteSample[] {
  return getFleetProvider()?.getSiteHistory(site, sinceMs) ?? [];
}
