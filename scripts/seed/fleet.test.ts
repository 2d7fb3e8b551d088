/** The demo fleet's shape (what the dashboard demo and the e2e tests rely on) and its source trees. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { hostNameSchema } from "../../lib/config/schema";
import { archiveName, archiveSchedule, backsUpDaily, fullHistory, HOSTS, installedAt } from "./fleet";
import { DAY_MS } from "@/lib/retention/gfs";
import { streamBytes } from "./random";
import { hostTree, Materializer, sourcePaths, type FileEntry } from "./tree";

const now = new Date("2026-11-26T12:00:00Z");
const host = (name: string) => HOSTS.find((h) => h.name === name)!;
const ageDays = (t: Date) => (now.getTime() - t.getTime()) / DAY_MS;

describe("demo fleet", () => {
  it("has a laptop 5 days without a backup, and a host that missed three days two weeks ago", () => {
    const laptop = HOSTS.find((h) => h.special === "laptop")!;
    expect(laptop.name).toMatch(/^laptop-/);
    expect(backsUpDaily(laptop)).toBe(false);
    const newest = archiveSchedule(laptop, now).at(-1)!;
    expect(ageDays(newest)).toBeGreaterThan(4.5);
    expect(ageDays(newest)).toBeLessThan(5.6);
    const days = new Set(fullHistory(host("web-02"), now).map((t) => t.toISOString().slice(0, 10)));
    expect([13, 14, 15, 16, 17].map((d) => days.has(new Date(Date.UTC(2026, 10, 26 - d)).toISOString().slice(0, 10)))).toEqual([
      true,
      false,
      false,
      false,
      true,
    ]);
  });

  it("has at least 8 hosts with DNS-like names, some on both sites", () => {
    expect(HOSTS.length).toBeGreaterThanOrEqual(8);
    for (const h of HOSTS) expect(hostNameSchema.safeParse(h.name).success).toBe(true);
    expect(HOSTS.filter((h) => h.sites.length === 2).length).toBeGreaterThanOrEqual(1);
    expect(HOSTS.filter((h) => h.sites.length === 1).length).toBeGreaterThan(HOSTS.length / 2);
  });

  it("has exactly one stale, one never-backed-up and one wrong-passphrase host", () => {
    for (const special of ["stale", "never", "wrong-passphrase"] as const) expect(HOSTS.filter((h) => h.special === special)).toHaveLength(1);
  });

  it("gives long-running healthy hosts the full 7/4/6 history, newest within a day", () => {
    for (const h of HOSTS.filter((x) => backsUpDaily(x) && x.firstBackupDaysAgo >= 190)) {
      const schedule = archiveSchedule(h, now);
      expect(schedule, h.name).toHaveLength(17);
      expect(ageDays(schedule.at(-1)!)).toBeLessThan(1);
      expect(ageDays(schedule[0]!)).toBeGreaterThan(150);
      expect(ageDays(schedule[0]!)).toBeLessThan(215);
    }
  });

  it("has a stale host whose newest archive is about 3 days old", () => {
    const schedule = archiveSchedule(host("jira"), now);
    expect(schedule).toHaveLength(17);
    expect(ageDays(schedule.at(-1)!)).toBeGreaterThan(2.5);
    expect(ageDays(schedule.at(-1)!)).toBeLessThan(3.6);
  });

  it("has a new host with about 10 days of backups and one that was never backed up", () => {
    const young = archiveSchedule(host("build-01"), now);
    expect(ageDays(young[0]!)).toBeLessThanOrEqual(10);
    expect(young.length).toBeGreaterThanOrEqual(7);
    expect(archiveSchedule(host("build-02"), now)).toEqual([]);
  });

  it("names archives <host>-YYYY-MM-DDTHH:MM (UTC), unique per host", () => {
    expect(archiveName("web-01", new Date("2026-11-25T02:13:45Z"))).toBe("web-01-2026-11-25T02:13");
    for (const h of HOSTS) {
      const names = archiveSchedule(h, now).map((t) => archiveName(h.name, t));
      expect(new Set(names).size).toBe(names.length);
    }
  });

  it("schedules at the host's timer time (plus at most 10 minutes), never in the future", () => {
    for (const h of HOSTS) {
      const [hh, mm] = h.backupAt.split(":").map(Number);
      for (const t of fullHistory(h, now)) {
        const minutes = t.getUTCHours() * 60 + t.getUTCMinutes() - (hh! * 60 + mm!);
        expect(minutes).toBeGreaterThanOrEqual(0);
        expect(minutes).toBeLessThan(10);
        expect(t.getTime()).toBeLessThanOrEqual(now.getTime());
      }
    }
  });
});

describe("source trees", () => {
  let tmp: string | undefined;
  afterEach(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    tmp = undefined;
  });

  it("are deterministic and grow over time", () => {
    const db = host("db-01");
    const origin = installedAt(db, now);
    const a = hostTree(db, origin, new Date(now.getTime() - 100 * DAY_MS));
    const b = hostTree(db, origin, now);
    const dump = (entries: ReturnType<typeof hostTree>) => entries.find((e): e is FileEntry => e.kind === "file" && String(e.path).endsWith("app.sql.gz"))!;
    expect(dump(a).fingerprint).toBe(dump(hostTree(db, origin, new Date(now.getTime() - 100 * DAY_MS))).fingerprint);
    expect(dump(b).append!.size).toBeGreaterThan(dump(a).append!.size);
    // btrfs hosts are backed up from /backup, as in the seed.
    expect(sourcePaths(b)).toEqual(["backup"]);
    expect(sourcePaths(hostTree(host("web-01"), origin, now))).toEqual(["etc", "home", "root", "srv", "usr", "var"]);
  });

  it("materialize hard names, appends to growing files and removes expired ones", () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "borg-fleet-tree-"));
    const web = host("web-01");
    const origin = installedAt(web, now);
    const m = new Materializer(tmp);
    m.apply(hostTree(web, origin, now), now);
    const hard = path.join(tmp, "home", "alice", "Downloads", "hard names");
    const names = fs.readdirSync(hard, { encoding: "buffer" });
    const printable = names.map((n) => n.toString("utf8"));
    for (const expected of [
      "tab\there.txt",
      "line\nbreak.txt",
      "-rf",
      'it\'s a "quoted" name.txt',
      "café ☕ 日本語 résumé.txt",
      "trailing space ",
      "link to report",
    ]) {
      expect(printable).toContain(expected);
    }
    expect(names.some((n) => n.includes(0xe9) && !Buffer.from(n.toString("utf8")).equals(n))).toBe(true);
    expect(fs.readlinkSync(path.join(hard, "dangling link"))).toBe("/nonexistent/target");

    // Prometheus blocks expire after 15 days; the dump grows by appending the same stream.
    const mon = host("monitor");
    const monOrigin = installedAt(mon, now);
    const tree2 = path.join(tmp, "mon");
    const m2 = new Materializer(tree2);
    const early = new Date(now.getTime() - 40 * DAY_MS);
    m2.apply(hostTree(mon, monOrigin, early), early);
    const blocksDir = path.join(tree2, "var", "lib", "prometheus", "metrics2");
    const before = fs.readdirSync(blocksDir);
    const late = new Date(now.getTime() - 10 * DAY_MS);
    const { deleted } = m2.apply(hostTree(mon, monOrigin, late), late);
    const after = fs.readdirSync(blocksDir);
    expect(deleted).toBeGreaterThan(0);
    expect(after.filter((b) => before.includes(b))).toEqual([]);

    const db = host("db-01");
    const dbOrigin = installedAt(db, now);
    const tree3 = path.join(tmp, "db");
    const m3 = new Materializer(tree3);
    m3.apply(hostTree(db, dbOrigin, early), early);
    m3.apply(hostTree(db, dbOrigin, now), now);
    const file = path.join(tree3, "backup", "var", "backups", "postgres", "sessions.sql.gz");
    const content = fs.readFileSync(file);
    expect(content.equals(streamBytes(`db-01:var/backups/postgres/sessions.sql.gz`, 0, content.length))).toBe(true);
  });

  it("random streams are prefix-stable at any offset", () => {
    const whole = streamBytes("x", 0, 1000);
    expect(streamBytes("x", 37, 1000).equals(whole.subarray(37))).toBe(true);
    expect(streamBytes("x", 512, 513).equals(whole.subarray(512, 513))).toBe(true);
    expect(streamBytes("y", 0, 1000).equals(whole)).toBe(false);
  });
});
