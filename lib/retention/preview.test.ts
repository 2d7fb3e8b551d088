import { describe, expect, it } from "vitest";
import { configSchema } from "@/lib/config/schema";
import { prune } from "./gfs";
import { describePolicy, describeSource, policyForHost } from "./policy";
import { periodLabel, retentionPreview, type PreviewArchive } from "./preview";

const at = (s: string) => new Date(`${s}Z`).getTime();
const archive = (name: string, start: string): PreviewArchive => ({ name, id: `id-${name}`, start: at(start) });

describe("policyForHost", () => {
  const retention = configSchema.shape.retention.parse({
    default: { daily: 5, weekly: 0, monthly: 0 },
    hosts: [
      { match: "db-*", policy: { daily: 14, weekly: 8, monthly: 12, yearly: 2 } },
      { match: "db-test?", policy: { daily: 1 } },
      { match: "*.example", policy: { hourly: 24 } },
    ],
  });

  it("first matching rule wins; glob * and ?, case-insensitive", () => {
    expect(policyForHost(retention, "db-testa")).toMatchObject({ source: { kind: "host", match: "db-*" }, policy: { daily: 14 } });
    expect(policyForHost(retention, "DB-main").source).toEqual({ kind: "host", match: "db-*" });
    expect(policyForHost(retention, "web.example")).toMatchObject({ source: { kind: "host", match: "*.example" }, policy: { hourly: 24, daily: 7 } });
  });

  it("falls back to the default", () => {
    expect(policyForHost(retention, "mail")).toEqual({ source: { kind: "default" }, policy: { hourly: 0, daily: 5, weekly: 0, monthly: 0, yearly: 0 } });
  });

  it("the schema default is the seed's 7/4/6, described in words", () => {
    const defaults = configSchema.shape.retention.parse(undefined);
    const p = policyForHost(defaults, "any");
    expect(describePolicy(p.policy)).toBe("7 daily, 4 weekly, 6 monthly");
    expect(describeSource(p.source)).toBe("config default");
    expect(describeSource({ kind: "host", match: "db-*" })).toBe("host rule `db-*`");
    expect(describePolicy({ hourly: 0, daily: 0, weekly: 0, monthly: 0, yearly: 0 })).toBe("no rule");
  });
});

describe("retentionPreview", () => {
  const archives = [
    archive("mon", "2026-11-23T02:00:00"),
    archive("sun", "2026-11-22T02:00:00"),
    archive("sat", "2026-11-21T02:00:00"),
    archive("sun-before", "2026-11-15T02:00:00"),
    archive("oct", "2026-10-31T02:00:00"),
    archive("oct-early", "2026-10-02T02:00:00"),
    archive("old.checkpoint", "2026-10-01T02:00:00"),
  ];
  const policy = { hourly: 0, daily: 2, weekly: 2, monthly: 2, yearly: 0 };

  it("verdict, rule and period per archive, newest first, and the oldest restore point", () => {
    const p = retentionPreview(archives, policy);
    expect(p.rows.map((r) => [r.archive.name, r.keep, r.rule, r.period])).toEqual([
      ["mon", true, "daily #1", "2026-11-23"],
      ["sun", true, "daily #2", "2026-11-22"],
      ["sat", false, null, null], // its week's newest (sun) is already kept
      ["sun-before", true, "weekly #1", "2026-W46"],
      ["oct", true, "weekly #2", "2026-W44"],
      // monthly: November's and October's newest are kept already, so monthly runs out of archives
      // with none kept and keeps the oldest (non-checkpoint) archive.
      ["oct-early", true, "monthly[oldest] #1", "2026-10"],
      ["old.checkpoint", false, null, null], // a checkpoint older than a complete archive
    ]);
    expect([p.kept, p.pruned]).toEqual([5, 2]);
    expect(p.oldestNow?.name).toBe("old.checkpoint");
    expect(p.oldestRestorePoint?.name).toBe("oct-early");
  });

  it("monthly[oldest]: a rule that runs out keeps the oldest archive", () => {
    const p = retentionPreview(archives.slice(0, 6), { hourly: 0, daily: 0, weekly: 0, monthly: 3, yearly: 0 });
    expect(p.rows.filter((r) => r.keep).map((r) => [r.archive.name, r.rule, r.period])).toEqual([
      ["mon", "monthly #1", "2026-11"],
      ["oct", "monthly #2", "2026-10"],
      ["oct-early", "monthly[oldest] #3", "2026-10"],
    ]);
    expect(p.oldestRestorePoint?.name).toBe("oct-early");
  });

  it("a newest checkpoint is kept (borg keeps it while no complete archive is newer)", () => {
    const p = retentionPreview([...archives, archive("new.checkpoint.1", "2026-11-24T02:00:00")], policy);
    expect(p.rows[0]).toMatchObject({ keep: true, rule: "checkpoint", period: null });
    expect(p.rows[1]).toMatchObject({ keep: true, rule: "daily #1" });
  });

  it("all-zero policy: borg would refuse, nothing pruned", () => {
    const p = retentionPreview(archives, { hourly: 0, daily: 0, weekly: 0, monthly: 0, yearly: 0 });
    expect([p.policyEmpty, p.pruned, p.kept]).toEqual([true, 0, 7]);
  });

  it("no archive: nothing to restore", () => {
    const p = retentionPreview([], policy);
    expect([p.kept, p.pruned, p.oldestRestorePoint]).toEqual([0, 0, null]);
  });

  it("labels periods as people read them", () => {
    expect(periodLabel("weekly", "2027-01")).toBe("2027-W01");
    expect(periodLabel("weekly[oldest]", "2026-53")).toBe("2026-W53");
    expect(periodLabel("hourly", "2026-11-24 07")).toBe("2026-11-24 07:00");
    expect(periodLabel("daily", "2026-11-24")).toBe("2026-11-24");
  });

  it("agrees with prune() on the kept set", () => {
    const kept = prune(
      archives.map((a) => ({ ...a, ts: new Date(a.start) })),
      policy,
    )
      .filter((d) => d.keep)
      .map((d) => d.item.name);
    expect(
      retentionPreview(archives, policy)
        .rows.filter((r) => r.keep)
        .map((r) => r.archive.name),
    ).toEqual(kept);
  });
});
