/**
 * The GFS maths must match borg exactly (the seeder creates only what `borg prune` would keep, and
 * the dashboard's retention preview will reuse this): pure cases first, then the same decisions
 * compared with `borg prune --dry-run --list` on real repositories.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DAY_MS, dailyHistory, isoWeek, kept, periodKey, prune, pruneArgs, retainedHistory, SEED_POLICY, type RetentionPolicy } from "./gfs";

import { SKIP_OUTSIDE_CI } from "@/test/fixtures/ci";
import { BORG, BORG_PYTHON, borgPruneDryRun, createManyArchives, initPlainRepo, testBorgEnv } from "@/test/fixtures/manyArchives";

const d = (s: string) => new Date(`${s}Z`);
const day = (t: Date) => t.toISOString().slice(0, 10);

describe("isoWeek / periodKey (strftime %G-%V, %Y-%m, %Y-%m-%d in UTC)", () => {
  it.each([
    ["2026-01-01T00:00:00", "2026-01"], // Thursday: week 1 of 2026
    ["2025-12-29T00:00:00", "2026-01"], // Monday of that week, still in December
    ["2025-12-28T23:59:59", "2025-52"], // the Sunday before
    ["2027-01-01T12:00:00", "2026-53"], // Friday: belongs to 2026's week 53
    ["2027-01-03T23:59:59", "2026-53"],
    ["2027-01-04T00:00:00", "2027-01"],
    ["2024-12-30T00:00:00", "2025-01"],
    ["2021-01-03T00:00:00", "2020-53"],
    ["2026-11-26T02:13:00", "2026-48"],
  ])("%s is ISO week %s", (ts, expected) => {
    expect(periodKey("weekly", d(ts))).toBe(expected);
    const { year, week } = isoWeek(d(ts));
    expect(`${year}-${String(week).padStart(2, "0")}`).toBe(expected);
  });

  it("uses UTC for days and months", () => {
    expect(periodKey("daily", d("2026-01-31T23:59:59"))).toBe("2026-01-31");
    expect(periodKey("monthly", d("2026-01-31T23:59:59"))).toBe("2026-01");
    expect(periodKey("monthly", d("2026-02-01T00:00:00"))).toBe("2026-02");
    expect(periodKey("yearly", d("2026-12-31T23:59:59"))).toBe("2026");
    expect(periodKey("hourly", d("2026-03-05T07:59:59"))).toBe("2026-03-05 07");
    expect(periodKey("secondly", d("2026-03-05T07:59:59"))).toBe("2026-03-05 07:59:59");
  });

  const python = "/usr/bin/python3";
  it.skipIf(SKIP_OUTSIDE_CI && !fs.existsSync(python))("agrees with Python's strftime on 1,500 consecutive days", () => {
    const start = Date.UTC(2023, 0, 1, 12);
    const days = Array.from({ length: 1500 }, (_, i) => new Date(start + i * DAY_MS));
    const script = `import sys, datetime\nfor line in sys.stdin:\n    t = datetime.datetime.utcfromtimestamp(int(line))\n    print(t.strftime('%G-%V %Y-%m %Y-%m-%d'))\n`;
    const r = spawnSync(python, ["-c", script], { input: days.map((t) => String(t.getTime() / 1000)).join("\n") + "\n", encoding: "utf8" });
    expect(r.status).toBe(0);
    const ours = days.map((t) => `${periodKey("weekly", t)} ${periodKey("monthly", t)} ${periodKey("daily", t)}`);
    expect(ours).toEqual(r.stdout.trim().split("\n"));
  });
});

describe("prune (borg's prune_split)", () => {
  const now = d("2026-11-26T12:00:00");
  const history = dailyHistory({ firstDay: new Date(now.getTime() - 200 * DAY_MS), lastDay: now, minuteOfDay: 2 * 60 + 13, now });

  it("keeps 7 daily + 4 weekly + 6 monthly of a six-month daily history", () => {
    const decisions = prune(
      history.map((ts) => ({ ts })),
      SEED_POLICY,
    ).filter((x) => x.keep);
    expect(decisions.map((x) => [day(x.item.ts), x.rule, x.index])).toEqual([
      ["2026-11-26", "daily", 1],
      ["2026-11-25", "daily", 2],
      ["2026-11-24", "daily", 3],
      ["2026-11-23", "daily", 4],
      ["2026-11-22", "daily", 5],
      ["2026-11-21", "daily", 6],
      ["2026-11-20", "daily", 7],
      // Weeks 48 and 47 have their newest archive among the dailies: the next four weeks count,
      // each by its Sunday (the last archive of the ISO week). November's newest is a daily, so
      // monthly starts with October, each month by its last day. (Newest first.)
      ["2026-11-15", "weekly", 1],
      ["2026-11-08", "weekly", 2],
      ["2026-11-01", "weekly", 3],
      ["2026-10-31", "monthly", 1],
      ["2026-10-25", "weekly", 4],
      ["2026-09-30", "monthly", 2],
      ["2026-08-31", "monthly", 3],
      ["2026-07-31", "monthly", 4],
      ["2026-06-30", "monthly", 5],
      ["2026-05-31", "monthly", 6],
    ]);
    expect(retainedHistory(history)).toHaveLength(17);
  });

  it("keeps the oldest archive when a rule runs out (a host backed up for 10 days)", () => {
    const short = history.slice(-10);
    const decisions = prune(
      short.map((ts) => ({ ts })),
      SEED_POLICY,
    ).filter((x) => x.keep);
    expect(decisions.map((x) => [day(x.item.ts), x.rule])).toEqual([
      ["2026-11-26", "daily"],
      ["2026-11-25", "daily"],
      ["2026-11-24", "daily"],
      ["2026-11-23", "daily"],
      ["2026-11-22", "daily"],
      ["2026-11-21", "daily"],
      ["2026-11-20", "daily"],
      ["2026-11-17", "weekly[oldest]"],
    ]);
  });

  it("keeps the newest archive of a period, and skips a period whose newest is already kept", () => {
    const items = [d("2026-03-02T01:00:00"), d("2026-03-02T23:00:00"), d("2026-03-01T10:00:00"), d("2026-02-28T10:00:00")].map((ts, i) => ({ ts, i }));
    const decisions = prune(items, { daily: 1, monthly: 2 });
    expect(decisions.filter((x) => x.keep).map((x) => [x.item.i, x.rule])).toEqual([
      [1, "daily"], // 03-02 23:00, also March's newest: March does not count for monthly
      [3, "monthly"], // February
    ]);
  });

  it("is stable: pruning the retained archives again keeps all of them", () => {
    const retained = retainedHistory(history);
    expect(
      kept(
        retained.map((ts) => ({ ts })),
        SEED_POLICY,
      ).map((x) => x.ts),
    ).toEqual(retained);
  });

  it("builds borg's arguments in rule order", () => {
    expect(pruneArgs(SEED_POLICY)).toEqual(["--keep-daily=7", "--keep-weekly=4", "--keep-monthly=6"]);
    expect(pruneArgs({ last: 3, yearly: 1, hourly: 2 })).toEqual(["--keep-last=3", "--keep-hourly=2", "--keep-yearly=1"]);
  });
});

// --- against real borg -------------------------------------------------------------------------------
// (lib/retention/prune.integration.test.ts compares many more generated schedules.)

describe.skipIf(SKIP_OUTSIDE_CI && (!BORG || !BORG_PYTHON))("prune decisions match borg prune --dry-run --list", () => {
  let tmp: string;
  let env: Record<string, string | undefined>;

  async function makeRepo(name: string, stamps: Date[]): Promise<{ repo: string; names: Map<string, Date> }> {
    const repo = path.join(tmp, name);
    await initPlainRepo(repo, env);
    const names = new Map<string, Date>(stamps.map((ts, i) => [`a${String(i).padStart(4, "0")}`, ts]));
    await createManyArchives(repo, [...names], env);
    return { repo, names };
  }

  const borgPrune = (repo: string, policy: RetentionPolicy) => borgPruneDryRun(repo, pruneArgs(policy), "*", env);

  function ours(names: Map<string, Date>, policy: RetentionPolicy): Map<string, string> {
    const items = [...names].map(([name, ts]) => ({ name, ts }));
    return new Map(prune(items, policy).map((x) => [x.item.name, x.keep ? `${x.rule} #${x.index}` : "prune"]));
  }

  let daily: { repo: string; names: Map<string, Date> };

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "borg-fleet-gfs-"));
    env = testBorgEnv(path.join(tmp, "base"));
    // ~9 months of daily backups at 02:13 plus up to 10 minutes, across the 2025/2026 ISO-year
    // boundary, with a second (manual) backup on some days and a 5-day outage.
    const now = d("2026-02-20T12:00:00");
    const stamps = dailyHistory({
      firstDay: d("2025-05-10T00:00:00"),
      lastDay: now,
      minuteOfDay: 2 * 60 + 13,
      offsetSeconds: (t) => (t.getUTCDate() * 37) % 600,
      now,
    }).filter((t) => !(t >= d("2025-12-01T00:00:00") && t < d("2025-12-06T00:00:00")));
    for (const extra of ["2025-12-31T23:59:59", "2026-01-31T18:00:00", "2026-02-19T16:45:00", "2025-08-31T23:30:00"]) stamps.push(d(extra));
    daily = await makeRepo("daily", stamps);
  });

  afterAll(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it.each<[string, RetentionPolicy]>([
    ["7 daily / 4 weekly / 6 monthly (the seed's)", SEED_POLICY],
    ["3 daily / 2 weekly / 2 monthly / 2 yearly", { daily: 3, weekly: 2, monthly: 2, yearly: 2 }],
    ["52 weekly (runs out: oldest kept)", { weekly: 52 }],
    ["12 monthly (runs out: oldest kept)", { monthly: 12 }],
    ["3 yearly", { yearly: 3 }],
    ["10 last + 5 daily", { last: 10, daily: 5 }],
    ["20 hourly", { hourly: 20 }],
    ["30 daily / 8 weekly / 12 monthly / 1 yearly", { daily: 30, weekly: 8, monthly: 12, yearly: 1 }],
  ])("%s", async (_label, policy) => {
    expect(ours(daily.names, policy)).toEqual(await borgPrune(daily.repo, policy));
  });

  it("a repo seeded with only the retained archives is left alone by the hosts' own prune", async () => {
    const now = d("2026-11-26T12:00:00");
    const full = dailyHistory({ firstDay: new Date(now.getTime() - 200 * DAY_MS), lastDay: now, minuteOfDay: 60 + 17, now });
    const retained = retainedHistory(full, SEED_POLICY);
    const { repo, names } = await makeRepo("retained", retained);
    const decisions = await borgPrune(repo, SEED_POLICY);
    expect([...decisions.values()].filter((v) => v === "prune")).toEqual([]);
    expect(decisions).toEqual(ours(names, SEED_POLICY));
    expect(decisions.size).toBe(17);
  });
});
