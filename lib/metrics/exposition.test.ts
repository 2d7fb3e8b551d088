import { beforeEach, describe, expect, it } from "vitest";
import { openMemoryDatabase } from "@/lib/db";
import { setFleetProvider } from "@/lib/fleet/store";
import type { FleetState } from "@/lib/fleet/types";
import { PingStore, setPingStore } from "@/lib/ping/store";
import { metricsBody, stateExposition } from "./exposition";
import { metricsStateChanged, metricsStateGeneration } from "./stateChanged";
import { repoState } from "@/test/fixtures/fleetState";

/** One repo, so the per-repo threshold series carries the figure the assertions follow. */
function fleet(staleAfterSeconds: number): FleetState {
  return {
    repos: [repoState("web-01", "onsite", Date.UTC(2026, 11, 1))],
    sites: [],
    staleAfterSeconds,
    source: "collector",
    problems: [],
    collector: { lastCycleStartedAt: null, lastCycleDurationMs: null, running: false },
  };
}

let state: FleetState;

beforeEach(() => {
  state = fleet(100);
  setFleetProvider({ getState: () => state, getRepoHistory: () => [], getSiteHistory: () => [] });
});

describe("/metrics cache", () => {
  it("serves the same bytes until the state changes, then the new figures", async () => {
    const first = await stateExposition();
    expect(first.toString()).toContain('borg_stale_threshold_seconds{host="web-01",site="onsite"} 100');

    // The state moves on without the signal: the cached bytes are what a scrape gets.
    state = fleet(200);
    const second = await stateExposition();
    expect(second).toBe(first);

    metricsStateChanged();
    const third = await stateExposition();
    expect(third.toString()).toContain('borg_stale_threshold_seconds{host="web-01",site="onsite"} 200');
    expect(third.toString()).not.toContain('borg_stale_threshold_seconds{host="web-01",site="onsite"} 100');
    expect(await stateExposition()).toBe(third);
  });

  it("appends the process's own metrics, rendered fresh on every scrape", async () => {
    const body = Buffer.from(await metricsBody()).toString();
    expect(body).toContain('borg_stale_threshold_seconds{host="web-01",site="onsite"} 100');
    expect(body).toMatch(/^process_cpu_user_seconds_total /m);
    expect(body.indexOf("borg_stale_threshold_seconds")).toBeLessThan(body.indexOf("process_cpu_user_seconds_total"));
  });

  it("is invalidated by a new fleet provider and by a run report", async () => {
    const before = metricsStateGeneration();
    setFleetProvider({ getState: () => fleet(300), getRepoHistory: () => [], getSiteHistory: () => [] });
    expect((await stateExposition()).toString()).toContain('borg_stale_threshold_seconds{host="web-01",site="onsite"} 300');

    const store = new PingStore(openMemoryDatabase());
    setPingStore(store);
    const cached = await stateExposition();
    expect(cached.toString()).not.toContain("borg_backup_last_run_success{");
    store.record("web-01", { kind: "start" }, "", false, 1_000);
    store.record("web-01", { kind: "end", exitStatus: 0 }, "done", false, 2_000);
    expect((await stateExposition()).toString()).toContain('borg_backup_last_run_success{host="web-01"} 1');
    expect(metricsStateGeneration()).toBeGreaterThan(before);
    setPingStore(undefined);
  });
});

describe("/metrics cache and the checks' results", () => {
  it("serves a finished integrity check's result at the next scrape", async () => {
    const { setDatabase } = await import("@/lib/db/current");
    const { startCheckRun, finishCheckRun } = await import("@/lib/verify/store");
    const { setMaintenanceScheduler } = await import("@/lib/verify/scheduler");
    const db = openMemoryDatabase();
    setDatabase(db);
    // The gauges export only where checks run (a scheduler exists); its methods are not used here.
    setMaintenanceScheduler({} as never);
    await stateExposition();
    const id = startCheckRun(db, { repoId: "onsite/web-01", host: "web-01", site: "onsite" }, "repository", false, null, Date.UTC(2026, 11, 1));
    finishCheckRun(db, id, "failed", "Data integrity error", Date.UTC(2026, 11, 1, 0, 5));
    const text = (await stateExposition()).toString();
    expect(text).toContain('borg_repo_last_check_success{host="web-01",site="onsite",kind="repository"} 0');
    setMaintenanceScheduler(undefined);
    setDatabase(undefined);
  });
});
