/**
 * The compliance report for one user: the hosts in their scope (visibleFleetState), each judged by its
 * own staleness threshold (lib/fleet/freshness.ts; the strictest of its repos'), from recorded history.
 */
import { visibleFleetState } from "@/lib/auth/guard";
import type { Principal } from "@/lib/auth/policy";
import { staleAfterSecondsFor } from "@/lib/fleet/freshness";
import type { FleetState } from "@/lib/fleet/types";
import { buildComplianceReport, type ComplianceReport, type HostHistory } from "./compliance";
import { weekStart, type ReportMonth } from "./month";
import type { HostTime, ReportSource } from "./source";

const WEEK_MS = 7 * 86_400_000;

export interface LoadedReport {
  report: ComplianceReport;
  /** False when this dashboard keeps no check (or drill) records: the columns are then empty, not failed. */
  checksRecorded: boolean;
  drillsRecorded: boolean;
}

function byHost(rows: readonly HostTime[] | null): Map<string, number[]> {
  const map = new Map<string, number[]>();
  for (const r of rows ?? []) {
    let list = map.get(r.host);
    if (!list) map.set(r.host, (list = []));
    list.push(r.at);
  }
  return map;
}

/** The report over the hosts of this fleet state (already filtered to the user's scope). */
export function complianceReportFor(state: FleetState, source: ReportSource, month: ReportMonth, now: number): LoadedReport {
  const thresholds = new Map<string, number>();
  for (const repo of state.repos) {
    const seconds = staleAfterSecondsFor(state, repo);
    thresholds.set(repo.host, Math.min(thresholds.get(repo.host) ?? Infinity, seconds));
  }
  const hosts = [...thresholds.keys()];
  // Checks and drills count for the whole week of a day: the month's first and last weeks reach outside it.
  const weeksFrom = weekStart(month.start);
  const weeksTo = weekStart(month.end - 1) + WEEK_MS;
  const archives = byHost(source.archives(state.repos, month.start, month.end));
  const checkRows = source.passedChecks(hosts, weeksFrom, weeksTo);
  const drillRows = source.passedDrills(hosts, weeksFrom, weeksTo);
  const checks = byHost(checkRows);
  const drills = byHost(drillRows);
  const histories = hosts.map((host): HostHistory => ({
    host,
    thresholdSeconds: thresholds.get(host)!,
    archives: archives.get(host) ?? [],
    checksOk: checks.get(host) ?? [],
    drillsOk: drills.get(host) ?? [],
  }));
  return { report: buildComplianceReport(histories, month, now), checksRecorded: checkRows !== null, drillsRecorded: drillRows !== null };
}

export function loadComplianceReport(principal: Principal, source: ReportSource, month: ReportMonth, now: number): LoadedReport {
  return complianceReportFor(visibleFleetState(principal), source, month, now);
}
