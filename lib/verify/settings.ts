/**
 * The check and drill settings that apply to one host: the defaults of `checks` / `drills` in the
 * fleet config, overridden by the first `hosts` entry whose glob matches (like retention policies).
 * All durations in seconds; an interval of 0 means "off".
 */
import { globMatch } from "@/lib/auth/glob";
import type { CheckKind } from "@/lib/borg/check";
import type { FleetConfig } from "@/lib/config/schema";

export interface CheckSettings {
  every: number;
  verifyData: boolean;
  timeout: number;
}

export interface DrillSettings {
  every: number;
  sampleBytes: number;
  maxFiles: number;
  timeout: number;
}

export function checkSettingsFor(checks: FleetConfig["checks"], host: string, kind: CheckKind): CheckSettings {
  const rule = checks.hosts.find((r) => globMatch(r.match, host) && r[kind]);
  const chosen = rule?.[kind] ?? checks[kind];
  return { every: chosen.every, verifyData: kind === "archives" && chosen.verifyData, timeout: checks.timeout };
}

export function drillSettingsFor(drills: FleetConfig["drills"], host: string): DrillSettings {
  const rule = drills.hosts.find((r) => globMatch(r.match, host));
  return {
    every: rule?.every ?? drills.every,
    sampleBytes: rule?.sampleBytes ?? drills.sampleBytes,
    maxFiles: rule?.maxFiles ?? drills.maxFiles,
    timeout: rule?.timeout ?? drills.timeout,
  };
}
