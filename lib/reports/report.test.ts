import { describe, expect, it } from "vitest";
import { openMemoryDatabase } from "@/lib/db";
import { recordArchivesSeen } from "@/lib/db/archivesSeen";
import { fleetOf, readRepo } from "@/test/fixtures/fleetState";
import { buildComplianceReport, gapsIn } from "./compliance";
import { csvCell, reportCsv } from "./csv";
import { complianceReportFor } from "./load";
import { monthOf, parseMonthParam, weekStart } from "./month";
import { sqliteReportSource } from "./source";

const DAY = 86_400_000;
const HOUR = 3_600_000;
const DEC = monthOf("2026-12");
const day = (n: number, hour = 0) => Date.UTC(2026, 11, n, hour);

describe("the month", () => {
  it("has one UTC day per calendar day, leap years included", () => {
    expect(DEC.days).toHaveLength(31);
    expect(DEC.start).toBe(Date.UTC(2026, 11, 1));
    expect(DEC.end).toBe(Date.UTC(2027, 0, 1));
    expect(monthOf("2028-02").days).toHaveLength(29);
    expect(monthOf("2026-02").days).toHaveLength(28);
  });

  it("?month= is validated; missing means the current month", () => {
    expect(parseMonthParam(undefined, day(5))?.key).toBe("2026-12");
    expect(parseMonthParam("2026-11", day(5))?.key).toBe("2026-11");
    for (const bad of ["2026-13", "2026-1", "26-11", "2026-11-01", "x", "1999-12", ["2026-11", "2026-10"]])
      expect(parseMonthParam(bad, day(5)), String(bad)).toBeNull();
  });

  it("weeks start on Monday (UTC)", () => {
    // 2026-12-07 is a Monday.
    expect(weekStart(day(7, 0))).toBe(day(7));
    expect(weekStart(day(13, 23))).toBe(day(7));
    expect(weekStart(day(14, 1))).toBe(day(14));
  });
});

describe("the grid and RPO compliance", () => {
  // A daily host with a 1.5-day threshold: archives at 02:00 on days 1-10 and 15-20, none 11-14.
  const archives = [Date.UTC(2026, 10, 30, 2), ...[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 16, 17, 18, 19, 20].map((d) => day(d, 2))];
  const now = day(20, 12);
  const report = buildComplianceReport([{ host: "web-01", thresholdSeconds: 129600, archives, checksOk: [day(8, 5)], drillsOk: [day(16, 3)] }], DEC, now);
  const web = report.hosts[0]!;

  it("marks the days archives were made, and the weeks a check or drill passed", () => {
    expect(report.dayKeys[0]).toBe("2026-12-01");
    expect(web.days.map((d) => d.archives).slice(0, 21)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0]);
    // The check passed on Tuesday the 8th: the whole week of Monday 7 to Sunday 13 is marked.
    expect(web.days.map((d, i) => (d.checkPassed ? i + 1 : 0)).filter(Boolean)).toEqual([7, 8, 9, 10, 11, 12, 13]);
    expect(web.days.map((d, i) => (d.drillPassed ? i + 1 : 0)).filter(Boolean)).toEqual([14, 15, 16, 17, 18, 19, 20]);
  });

  it("judges each day at its end by the host's threshold; days after now are not judged", () => {
    // Day 11 ends 1d22h after the archive of day 10: over 1.5 days. Days 12-14 too; 15 has a new one.
    const within = web.days.map((d) => d.withinThreshold);
    expect(within.slice(0, 10).every((w) => w === true)).toBe(true);
    expect(within.slice(10, 14)).toEqual([false, false, false, false]);
    expect(within.slice(14, 20).every((w) => w === true)).toBe(true);
    expect(within.slice(20).every((w) => w === null)).toBe(true);
    expect(web.judgedDays).toBe(20);
    expect(web.compliantDays).toBe(16);
    expect(web.rpoCompliance).toBeCloseTo(0.8);
  });

  it("with a 14-day threshold the same history is fully compliant", () => {
    const laptop = buildComplianceReport([{ host: "laptop-1", thresholdSeconds: 14 * 86400, archives, checksOk: [], drillsOk: [] }], DEC, now).hosts[0]!;
    expect(laptop.rpoCompliance).toBe(1);
    expect(laptop.gaps).toEqual([]);
  });

  it("lists each gap longer than the threshold with its length", () => {
    expect(web.gaps).toEqual([{ from: day(10, 2), since: day(10, 2), to: day(15, 2), seconds: 5 * 86400 }]);
  });

  it("a host never backed up is out of threshold every day, one open gap from the month's start", () => {
    const never = buildComplianceReport([{ host: "new", thresholdSeconds: 129600, archives: [], checksOk: [], drillsOk: [] }], DEC, now).hosts[0]!;
    expect(never.compliantDays).toBe(0);
    expect(never.rpoCompliance).toBe(0);
    expect(never.gaps).toEqual([{ from: null, since: DEC.start, to: null, seconds: (now - DEC.start) / 1000 }]);
  });
});

describe("gaps", () => {
  it("an open gap runs to now; a gap that ended before the month is not listed", () => {
    const nov = monthOf("2026-11");
    expect(gapsIn([day(1), day(2)], 129600_000, DEC, day(3))).toEqual([]);
    // Nothing recorded before the 4th: a gap from the month's start.
    expect(gapsIn([day(4), day(5)], 129600_000, DEC, day(6))).toEqual([{ from: null, since: DEC.start, to: day(4), seconds: 3 * 86400 }]);
    expect(gapsIn([day(1), day(5)], 129600_000, DEC, day(8))).toEqual([
      { from: day(1), since: day(1), to: day(5), seconds: 4 * 86400 },
      { from: day(5), since: day(5), to: null, seconds: 3 * 86400 },
    ]);
    expect(gapsIn([Date.UTC(2026, 10, 10), Date.UTC(2026, 10, 20), day(2)], 129600_000, DEC, day(3))).toEqual([
      { from: Date.UTC(2026, 10, 20), since: Date.UTC(2026, 10, 20), to: day(2), seconds: 12 * 86400 },
    ]);
    // A past month: the archive after it ends the last gap (nothing open in it any more).
    expect(gapsIn([day(30), day(31), Date.UTC(2027, 0, 1, 2)], 129600_000, DEC, Date.UTC(2027, 0, 20)).filter((g) => g.to === null)).toEqual([]);
    expect(gapsIn([day(30), day(31)], 129600_000, DEC, Date.UTC(2027, 0, 20)).filter((g) => g.to === null)).toHaveLength(1);
    // A month entirely in the future has no gaps.
    expect(gapsIn([], 129600_000, DEC, nov.start)).toEqual([]);
  });

  it("exactly the threshold is not a gap (strictly longer, like the alert)", () => {
    expect(gapsIn([day(1), day(1) + 129600_000], 129600_000, DEC, day(3))).toEqual([]);
    expect(gapsIn([day(1), day(1) + 129600_000 + 1], 129600_000, DEC, day(3))).toHaveLength(1);
  });
});

describe("CSV", () => {
  it("quotes as RFC 4180 and defuses formulas", () => {
    expect(csvCell("web-01")).toBe("web-01");
    expect(csvCell('a "b", c')).toBe('"a ""b"", c"');
    expect(csvCell("line\nbreak")).toBe('"line\nbreak"');
    for (const evil of ["=HYPERLINK(1)", "+1", "-1+2", "@SUM(A1)", "\tx"]) expect(csvCell(evil)).toBe(`'${evil}`);
    expect(csvCell('=1,"2"')).toBe(`"'=1,""2"""`);
    expect(csvCell(-3)).toBe("-3");
    expect(csvCell(true)).toBe("yes");
    expect(csvCell(null)).toBe("");
  });

  it("has a header and one row per host and day, CRLF-terminated", () => {
    const report = buildComplianceReport(
      [
        { host: "web-01", thresholdSeconds: 129600, archives: [day(2, 2)], checksOk: [], drillsOk: [] },
        { host: "=cmd", thresholdSeconds: 86400, archives: [], checksOk: [], drillsOk: [] },
      ],
      DEC,
      day(3, 12),
    );
    const csv = reportCsv(report);
    const lines = csv.split("\r\n");
    expect(lines.at(-1)).toBe("");
    expect(lines).toHaveLength(1 + 2 * 31 + 1);
    expect(lines[0]).toBe("host,date,archives,archive_made,check_passed_that_week,drill_passed_that_week,within_threshold,threshold_seconds,rpo_compliance");
    // Judged: the 1st (nothing yet: no), the 2nd (yes), the 3rd at now, 34 hours after the archive (yes).
    expect(lines).toContain("web-01,2026-12-01,0,no,no,no,no,129600,0.6667");
    expect(lines).toContain("web-01,2026-12-02,1,yes,no,no,yes,129600,0.6667");
    expect(lines).toContain("web-01,2026-12-04,0,no,no,no,,129600,0.6667");
    expect(lines.filter((l) => l.startsWith("'=cmd,"))).toHaveLength(31);
  });
});

describe("from the database, scoped to the fleet state", () => {
  it("reads archives_seen, check_runs and drill_runs; pruned archives still count", () => {
    const db = openMemoryDatabase(); // check_runs and drill_runs as lib/verify writes them (lib/db/schema.ts)
    const web = { id: "onsite/web-01", host: "web-01", site: "onsite" };
    const a = (n: number) => ({ id: `id${n}`, name: `web-01-${n}`, start: day(n, 1), end: day(n, 1) + HOUR });
    recordArchivesSeen(db, web, [a(1), a(2), a(3)], day(3, 5));
    // Archive 2 was pruned; the next list no longer has it. Archive 1 listed again: not recorded twice.
    recordArchivesSeen(db, web, [a(1), a(3), a(4)], day(4, 5));
    recordArchivesSeen(db, { id: "onsite/secret", host: "secret", site: "onsite" }, [a(2)], day(4, 5));
    expect(db.prepare("SELECT COUNT(*) AS n FROM archives_seen").get()).toEqual({ n: 5 });
    // The month before: its last archive is followed by the one of 1 December, so no gap stays open.
    const nov = complianceReportFor(fleetOf([readRepo("web-01", day(4, 12), 0.5)]), sqliteReportSource(db), monthOf("2026-11"), day(4, 12));
    expect(nov.report.hosts[0]!.gaps.filter((g) => g.to === null)).toEqual([]);
    db.prepare("INSERT INTO check_runs (repo_id, host, site, kind, started_at, ended_at, outcome, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)").run(
      "onsite/web-01",
      "web-01",
      "onsite",
      "repository",
      day(2),
      day(2) + 1000,
      "ok",
      "",
    );
    db.prepare("INSERT INTO check_runs (repo_id, host, site, kind, started_at, ended_at, outcome, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)").run(
      "onsite/web-01",
      "web-01",
      "onsite",
      "archives",
      day(9),
      day(9) + 1000,
      "failed",
      "corrupt",
    );
    db.prepare(
      "INSERT INTO drill_runs (repo_id, host, site, archive, started_at, ended_at, outcome, files, bytes, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    ).run("onsite/web-01", "web-01", "onsite", "web-01-3", day(3), day(3) + 1000, "ok", 3, 100, "");

    // The user sees web-01 only: "secret" is out of scope, so not in the fleet state handed in.
    const state = fleetOf([readRepo("web-01", day(4, 12), 0.5)]);
    const { report, checksRecorded, drillsRecorded } = complianceReportFor(state, sqliteReportSource(db), DEC, day(4, 12));
    expect(checksRecorded && drillsRecorded).toBe(true);
    expect(report.hosts.map((h) => h.host)).toEqual(["web-01"]);
    const days = report.hosts[0]!.days;
    expect(days.slice(0, 5).map((d) => d.archives)).toEqual([1, 1, 1, 1, 0]);
    expect(days[0]!.checkPassed).toBe(true); // week of Mon 30 Nov holds the check of the 2nd
    expect(days[7]!.checkPassed).toBe(false); // the failed one of the 9th does not count
    // The drill of Thursday the 3rd: its week ends on Sunday the 6th.
    expect(days[5]!.drillPassed).toBe(true);
    expect(days[6]!.drillPassed).toBe(false);
  });

  it("on a dashboard that never ran a check or drill the report still works and says so", () => {
    const db = openMemoryDatabase();
    recordArchivesSeen(db, { id: "onsite/web-01", host: "web-01", site: "onsite" }, [{ id: "x", name: "n", start: day(1), end: null }], day(1));
    const { report, checksRecorded, drillsRecorded } = complianceReportFor(fleetOf([readRepo("web-01", day(2), 1)]), sqliteReportSource(db), DEC, day(2));
    expect(checksRecorded).toBe(false);
    expect(drillsRecorded).toBe(false);
    expect(report.hosts[0]!.days[0]!.archives).toBe(1);
    // An end time learned later fills the row in; the archive is still recorded once.
    recordArchivesSeen(db, { id: "onsite/web-01", host: "web-01", site: "onsite" }, [{ id: "x", name: "n", start: day(1), end: day(1) + DAY / 2 }], day(2));
    expect(db.prepare("SELECT end_ms FROM archives_seen").all()).toEqual([{ end_ms: day(1) + DAY / 2 }]);
  });
});
