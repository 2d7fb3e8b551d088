import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setCurrentConfig } from "@/lib/config/current";
import { configSchema } from "@/lib/config/schema";
import { openMemoryDatabase } from "@/lib/db";
import { setDatabase } from "@/lib/db/current";
import { setFleetProvider } from "@/lib/fleet/store";
import type { FleetState } from "@/lib/fleet/types";
import { MaintenanceScheduler, setMaintenanceScheduler } from "@/lib/verify/scheduler";
import { finishCheckRun, finishDrillRun, noteReposSeen, startCheckRun, startDrillRun } from "@/lib/verify/store";
import { getRegistry } from "./registry";

const T = Date.UTC(2026, 10, 26, 12);
const web = { repoId: "onsite/web-01", host: "web-01", site: "onsite" };
const lap = { repoId: "onsite/laptop-1", host: "laptop-1", site: "onsite" };

beforeAll(() => {
  const db = openMemoryDatabase();
  const config = configSchema.parse({
    sites: [{ name: "onsite", root: "/srv/borg" }],
    checks: { hosts: [{ match: "laptop-*", archives: { every: 0 } }] },
    drills: { every: "14d", hosts: [{ match: "laptop-*", every: 0 }] },
  });
  setDatabase(db);
  setCurrentConfig(config);
  setMaintenanceScheduler(new MaintenanceScheduler({ db, config, repos: async () => [] }));
  setFleetProvider({
    getState: () =>
      ({
        repos: [
          { host: "web-01", site: "onsite" },
          { host: "laptop-1", site: "onsite" },
        ],
        sites: [],
        staleAfterSeconds: 129600,
        source: "collector",
        problems: [],
        collector: { lastCycleStartedAt: null, lastCycleDurationMs: null, running: false },
      }) as unknown as FleetState,
    getRepoHistory: () => [],
    getSiteHistory: () => [],
  });
  // web-01: repository check passed, then an archives check failed; a cancelled run after it is no verdict.
  finishCheckRun(db, startCheckRun(db, web, "repository", false, null, T), "ok", null, T + 5000);
  finishCheckRun(db, startCheckRun(db, web, "archives", false, null, T), "failed", "Data integrity error", T + 9000);
  finishCheckRun(db, startCheckRun(db, web, "archives", false, null, T + 10_000), "cancelled", null, T + 11_000);
  // Drills: web-01 passed at T+1s, then failed; laptop-1 passed.
  const files = { files: 3, bytes: 10, mismatched: 0, missing: 0, details: null };
  finishDrillRun(db, startDrillRun(db, web, null, T), "ok", files, null, T + 1000);
  finishDrillRun(db, startDrillRun(db, web, null, T + 2000), "failed", { ...files, missing: 1 }, null, T + 3000);
  finishDrillRun(db, startDrillRun(db, lap, null, T), "ok", files, null, T + 4000);
  // The scheduler saw web-01 a day before laptop-1; seeing it again later changes nothing.
  noteReposSeen(db, [web], T - 86_400_000);
  noteReposSeen(db, [web, lap], T);
});

afterAll(() => {
  setMaintenanceScheduler(undefined);
  setDatabase(undefined);
  setCurrentConfig(undefined);
});

describe("check and drill metrics", () => {
  it("export the newest verdicts, the last passed drill and the configured intervals", async () => {
    const text = await getRegistry().metrics();
    expect(text).toContain(`borg_repo_last_check_timestamp_seconds{host="web-01",site="onsite",kind="repository"} ${(T + 5000) / 1000}`);
    expect(text).toContain('borg_repo_last_check_success{host="web-01",site="onsite",kind="repository"} 1');
    expect(text).toContain(`borg_repo_last_check_timestamp_seconds{host="web-01",site="onsite",kind="archives"} ${(T + 9000) / 1000}`);
    expect(text).toContain('borg_repo_last_check_success{host="web-01",site="onsite",kind="archives"} 0');
    expect(text).toContain('borg_check_interval_seconds{host="web-01",site="onsite",kind="repository"} 604800');
    expect(text).toContain('borg_check_interval_seconds{host="web-01",site="onsite",kind="archives"} 2592000');
    expect(text).toContain('borg_check_interval_seconds{host="laptop-1",site="onsite",kind="repository"} 604800');
    expect(text).not.toContain('borg_check_interval_seconds{host="laptop-1",site="onsite",kind="archives"}');
    expect(text).toContain(`borg_restore_drill_last_success_timestamp_seconds{host="web-01",site="onsite"} ${(T + 1000) / 1000}`);
    expect(text).toContain('borg_restore_drill_last_success{host="web-01",site="onsite"} 0');
    expect(text).toContain('borg_restore_drill_last_success{host="laptop-1",site="onsite"} 1');
    expect(text).toContain('borg_restore_drill_interval_seconds{host="web-01",site="onsite"} 1209600');
    expect(text).not.toContain('borg_restore_drill_interval_seconds{host="laptop-1"');
  });

  it("export when the scheduler first saw each repo (never-checked repos are overdue from there)", async () => {
    const text = await getRegistry().metrics();
    expect(text).toContain(`borg_repo_first_seen_timestamp_seconds{host="web-01",site="onsite"} ${(T - 86_400_000) / 1000}`);
    expect(text).toContain(`borg_repo_first_seen_timestamp_seconds{host="laptop-1",site="onsite"} ${T / 1000}`);
  });
});
