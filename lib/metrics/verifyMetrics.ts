/**
 * Integrity check and restore drill gauges (DESIGN.md "Contracts added in the second round"), read from
 * check_runs / drill_runs at scrape time, plus the configured intervals the overdue alerts compare
 * against (prometheus/rules/verify.yml). Only a dashboard that runs the checks itself (the collector
 * mode, lib/verify/scheduler.ts) exports them.
 *
 *   borg_repo_last_check_timestamp_seconds{host,site,kind}   end of the newest check verdict
 *   borg_repo_last_check_success{host,site,kind}             1 passed, 0 failed or timed out
 *   borg_check_interval_seconds{host,site,kind}              checks.<kind>.every for the host (absent when off)
 *   borg_repo_first_seen_timestamp_seconds{host,site}        when the check scheduler first saw the repo
 *   borg_restore_drill_last_success_timestamp_seconds{host,site}   end of the newest passed drill
 *   borg_restore_drill_last_success{host,site}               1 when the newest drill verdict passed
 *   borg_restore_drill_interval_seconds{host,site}           drills.every for the host (absent when off)
 *
 * Cancelled and interrupted runs are no verdict: they change nothing here.
 */
import { Gauge, type Registry } from "prom-client";
import { CHECK_KINDS } from "@/lib/borg/check";
import { getCurrentConfig } from "@/lib/config/current";
import { database, databaseStatus } from "@/lib/db/current";
import { getFleetState } from "@/lib/fleet/store";
import { getMaintenanceScheduler } from "@/lib/verify/scheduler";
import { checkSettingsFor, drillSettingsFor } from "@/lib/verify/settings";
import { latestCheckVerdicts, latestDrillVerdicts, reposFirstSeen } from "@/lib/verify/store";

/** The database when checks run in this process, else null (nothing to export). */
function verifyDb() {
  if (!getMaintenanceScheduler() || !databaseStatus().ok) return null;
  return database();
}

const seconds = (ms: number | null) => (ms === null ? null : ms / 1000);

export function registerVerifyMetrics(registry: Registry): void {
  const checkGauge = (name: string, help: string, value: (run: ReturnType<typeof latestCheckVerdicts>[number]) => number | null) =>
    new Gauge<"host" | "site" | "kind">({
      name,
      help,
      labelNames: ["host", "site", "kind"],
      registers: [registry],
      collect() {
        this.reset();
        const db = verifyDb();
        if (!db) return;
        for (const run of latestCheckVerdicts(db)) {
          const v = value(run);
          if (v !== null) this.set({ host: run.host, site: run.site, kind: run.kind }, v);
        }
      },
    });
  checkGauge("borg_repo_last_check_timestamp_seconds", "When the repo's newest `borg check` of this kind ended (passed or failed), Unix seconds.", (r) =>
    seconds(r.endedAt ?? r.startedAt),
  );
  checkGauge("borg_repo_last_check_success", "1 if the repo's newest `borg check` of this kind passed, 0 if it found errors or timed out.", (r) =>
    r.outcome === "ok" ? 1 : 0,
  );

  new Gauge<"host" | "site" | "kind">({
    name: "borg_check_interval_seconds",
    help: "How often the dashboard checks this repo (config checks.<kind>.every for the host), seconds. Absent when that kind is off.",
    labelNames: ["host", "site", "kind"],
    registers: [registry],
    collect() {
      this.reset();
      const config = getCurrentConfig();
      if (!config || !verifyDb()) return;
      for (const repo of getFleetState().repos) {
        for (const kind of CHECK_KINDS) {
          const every = checkSettingsFor(config.checks, repo.host, kind).every;
          if (every > 0) this.set({ host: repo.host, site: repo.site, kind }, every);
        }
      }
    },
  });

  new Gauge<"host" | "site">({
    name: "borg_repo_first_seen_timestamp_seconds",
    help: "When the dashboard's check and drill scheduler first saw this repo, Unix seconds: a repo never checked or drilled is overdue counted from here.",
    labelNames: ["host", "site"],
    registers: [registry],
    collect() {
      this.reset();
      const db = verifyDb();
      if (!db) return;
      const firstSeen = reposFirstSeen(db);
      for (const repo of getFleetState().repos) {
        const at = firstSeen.get(`${repo.host} ${repo.site}`);
        if (at !== undefined) this.set({ host: repo.host, site: repo.site }, at / 1000);
      }
    },
  });

  const drills = () => {
    const db = verifyDb();
    return db ? latestDrillVerdicts(db) : [];
  };
  new Gauge<"host" | "site">({
    name: "borg_restore_drill_last_success_timestamp_seconds",
    help: "When the newest restore drill that passed ended, Unix seconds. Absent until one passed.",
    labelNames: ["host", "site"],
    registers: [registry],
    collect() {
      this.reset();
      for (const { verdict, lastSuccessAt } of drills()) {
        const v = seconds(lastSuccessAt);
        if (v !== null) this.set({ host: verdict.host, site: verdict.site }, v);
      }
    },
  });
  new Gauge<"host" | "site">({
    name: "borg_restore_drill_last_success",
    help: "1 if the newest restore drill restored its sample identically, 0 if it failed or timed out.",
    labelNames: ["host", "site"],
    registers: [registry],
    collect() {
      this.reset();
      for (const { verdict } of drills()) this.set({ host: verdict.host, site: verdict.site }, verdict.outcome === "ok" ? 1 : 0);
    },
  });
  new Gauge<"host" | "site">({
    name: "borg_restore_drill_interval_seconds",
    help: "How often the dashboard runs a restore drill on this repo (config drills.every for the host), seconds. Absent when drills are off.",
    labelNames: ["host", "site"],
    registers: [registry],
    collect() {
      this.reset();
      const config = getCurrentConfig();
      if (!config || !verifyDb()) return;
      for (const repo of getFleetState().repos) {
        const every = drillSettingsFor(config.drills, repo.host).every;
        if (every > 0) this.set({ host: repo.host, site: repo.site }, every);
      }
    },
  });
}
