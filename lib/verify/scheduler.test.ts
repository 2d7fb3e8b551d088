import { describe, expect, it } from "vitest";
import { configSchema } from "@/lib/config/schema";
import { openMemoryDatabase } from "@/lib/db";
import { MaintenanceScheduler, type MaintenanceRepo } from "./scheduler";
import { finishCheckRun, finishDrillRun, markInterrupted, reposFirstSeen, startCheckRun, startDrillRun } from "./store";

const DAY = 86_400_000;
const T = Date.UTC(2026, 10, 1);
const repo = (host: string): MaintenanceRepo => ({ repoId: `s/${host}`, host, site: "s", target: { location: `/srv/borg/${host}` } });

function setup() {
  const db = openMemoryDatabase();
  const config = configSchema.parse({
    dataDir: "/tmp/unused",
    sites: [{ name: "s", root: "/srv/borg" }],
    checks: { hosts: [{ match: "laptop-*", repository: { every: 0 }, archives: { every: 0 } }] },
    drills: { hosts: [{ match: "laptop-*", every: 0 }] },
  });
  return { db, scheduler: new MaintenanceScheduler({ db, config, repos: async () => [], log: () => {} }) };
}

describe("maintenance schedule", () => {
  it("runs repository checks, then archive checks, then drills, each again after its interval", () => {
    const { db, scheduler } = setup();
    const web = repo("web-01");
    expect(scheduler.dueJob(web, T)).toBe("repository");
    finishCheckRun(db, startCheckRun(db, web, "repository", false, null, T), "ok", null, T + 1000);
    expect(scheduler.dueJob(web, T)).toBe("archives");
    finishCheckRun(db, startCheckRun(db, web, "archives", false, null, T), "failed", "errors found", T + 1000);
    expect(scheduler.dueJob(web, T)).toBe("drill");
    finishDrillRun(db, startDrillRun(db, web, null, T), "ok", { files: 1, bytes: 1, mismatched: 0, missing: 0, details: null }, null, T + 1000);
    expect(scheduler.dueJob(web, T + 7 * DAY - 1)).toBeNull();
    expect(scheduler.dueJob(web, T + 7 * DAY)).toBe("repository");
    // A failed archives check is a verdict: not retried before its 30 days.
    finishCheckRun(db, startCheckRun(db, web, "repository", false, null, T + 7 * DAY), "ok", null, T + 7 * DAY);
    expect(scheduler.dueJob(web, T + 7 * DAY)).toBe("drill");
  });

  it("retries an interrupted run after an hour, not at once, and never schedules what is off", () => {
    const { db, scheduler } = setup();
    const web = repo("web-01");
    startCheckRun(db, web, "repository", false, null, T);
    expect(markInterrupted(db, T + 1000).checks).toBe(1);
    expect(scheduler.dueJob(web, T + 59 * 60_000)).toBe("archives");
    finishCheckRun(db, startCheckRun(db, web, "archives", false, null, T), "ok", null, T);
    finishDrillRun(db, startDrillRun(db, web, null, T), "ok", { files: 1, bytes: 1, mismatched: 0, missing: 0, details: null }, null, T);
    expect(scheduler.dueJob(web, T + 59 * 60_000)).toBeNull();
    expect(scheduler.dueJob(web, T + 60 * 60_000)).toBe("repository");
    expect(scheduler.dueJob(repo("laptop-7"), T)).toBeNull();
  });

  it("records when it first saw each repo, once (overdue alerts for never-checked repos count from there)", async () => {
    const db = openMemoryDatabase();
    const config = configSchema.parse({
      dataDir: "/tmp/unused",
      sites: [{ name: "s", root: "/srv/borg" }],
      checks: { hosts: [{ match: "*", repository: { every: 0 }, archives: { every: 0 } }] },
      drills: { every: 0 },
    });
    let now = T;
    let repos = [repo("laptop-1")];
    const scheduler = new MaintenanceScheduler({ db, config, repos: async () => repos, now: () => now, log: () => {} });
    await scheduler.tick();
    now = T + DAY;
    repos = [repo("laptop-1"), repo("laptop-2")];
    await scheduler.tick();
    expect(reposFirstSeen(db)).toEqual(
      new Map([
        ["laptop-1 s", T],
        ["laptop-2 s", T + DAY],
      ]),
    );
  });
});
