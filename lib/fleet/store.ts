/**
 * Where pages, route handlers and /metrics get fleet state. A provider is installed once per server
 * process (the built-in collector, Prometheus, or a synthetic fleet for benchmarks); the store lives on
 * globalThis because Next.js may load this module more than once (instrumentation, routes, pages).
 */
import type { FleetState, RepoSample, SiteSample } from "./types";

export interface FleetProvider {
  getState(): FleetState;
  getRepoHistory(repoId: string, sinceMs: number): RepoSample[];
  getSiteHistory(site: string, sinceMs: number): SiteSample[];
  /** Ask for an immediate refresh of one repo (the "Refresh now" action). Resolves when done. */
  refreshRepo?(repoId: string): Promise<void>;
}

const KEY = Symbol.for("borg-fleet.fleet-provider");
type GlobalWithProvider = typeof globalThis & { [KEY]?: FleetProvider };

export function setFleetProvider(provider: FleetProvider): void {
  (globalThis as GlobalWithProvider)[KEY] = provider;
}

export function getFleetProvider(): FleetProvider | undefined {
  return (globalThis as GlobalWithProvider)[KEY];
}

const EMPTY_STATE: FleetState = {
  repos: [],
  sites: [],
  staleAfterSeconds: 86400 * 1.5,
  source: "collector",
  problems: [],
  collector: { lastCycleStartedAt: null, lastCycleDurationMs: null, running: false },
};

const PROBLEMS_KEY = Symbol.for("borg-fleet.startup-problems");
type GlobalWithProblems = typeof globalThis & { [PROBLEMS_KEY]?: string[] };

/** Record why no provider could start (e.g. an invalid config file), so pages can say so. */
export function setStartupProblems(problems: string[]): void {
  (globalThis as GlobalWithProblems)[PROBLEMS_KEY] = problems;
}

export function getFleetState(): FleetState {
  const provided = getFleetProvider()?.getState();
  if (provided) return provided;
  return { ...EMPTY_STATE, problems: (globalThis as GlobalWithProblems)[PROBLEMS_KEY] ?? [] };
}

export function getRepoHistory(repoId: string, sinceMs: number): RepoSample[] {
  return getFleetProvider()?.getRepoHistory(repoId, sinceMs) ?? [];
}

export function getSiteHistory(site: string, sinceMs: number): SiteSample[] {
  return getFleetProvider()?.getSiteHistory(site, sinceMs) ?? [];
}
