/**
 * The retention preview's maths against REAL `borg prune --dry-run --list` on many generated
 * schedules: gaps of days and weeks, several archives a day, month and year ends, ISO week 53 and
 * years whose 1 January belongs to the previous ISO year, checkpoint archives, and policies with
 * hourly/yearly rules and zeros. Every schedule lives in its own repo (prune takes the repo lock, so
 * repos run in parallel); every policy is compared on every schedule. Random parts come from a seed
 * that is printed in every failure (set RETENTION_SEED to replay one).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prng } from "@/lib/random";
import { SKIP_OUTSIDE_CI } from "@/test/fixtures/ci";
import { BORG, BORG_PYTHON, borgPruneDryRun, borgPruneDryRunMany, createManyArchives, initPlainRepo, testBorgEnv } from "@/test/fixtures/manyArchives";
import { prune, pruneArgs, type RetentionPolicy } from "./gfs";

const SEED = Number(process.env.RETENTION_SEED) || Math.floor(Math.random() * 2 ** 31);
const rand = prng(SEED);
const int = (min: number, max: number) => min + Math.floor(rand() * (max - min + 1));
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const utc = (s: string) => new Date(`${s}Z`).getTime();

interface Schedule {
  label: string;
  stamps: number[];
  /** Names ending in .checkpoint for these indexes (interrupted backups). */
  checkpoints?: Set<number>;
}

/** Daily backups at a jittered time, with outages of a few days to a few weeks, and extra manual runs. */
function dailyWithGaps(from: string, days: number): number[] {
  const out: number[] = [];
  const start = utc(from);
  for (let d = 0; d < days; d++) {
    if (rand() < 0.04) d += int(2, 25); // an outage
    const base = start + d * DAY + int(60, 240) * 60_000 + int(0, 59) * 1000;
    out.push(base);
    if (rand() < 0.1) out.push(base + int(1, 20) * HOUR); // a second run the same (or next) day
  }
  return out;
}

/** 1-6 archives a day at random times (00:00:00 and 23:59:59 included), from..from+days. */
function severalPerDay(from: string, days: number): number[] {
  const out: number[] = [];
  const start = utc(from);
  for (let d = 0; d < days; d++) {
    const n = int(1, 6);
    for (let i = 0; i < n; i++) {
      const r = rand();
      const second = r < 0.1 ? 0 : r < 0.2 ? 86_399 : int(0, 86_399);
      out.push(start + d * DAY + second * 1000);
    }
  }
  return out;
}

/** Hourly-ish: every 20-130 minutes. */
function hourlyish(from: string, hours: number): number[] {
  const out: number[] = [];
  const end = utc(from) + hours * HOUR;
  for (let t = utc(from); t < end; t += int(20, 130) * 60_000 + int(0, 59) * 1000) out.push(t);
  return out;
}

/** A few backups on each day around every ISO-year boundary between the given years. */
function isoYearEnds(firstYear: number, lastYear: number): number[] {
  const out: number[] = [];
  for (let y = firstYear; y <= lastYear; y++) {
    for (let d = -6; d <= 7; d++) {
      if (rand() < 0.6) out.push(Date.UTC(y, 0, 1) + d * DAY + int(0, 86_399) * 1000);
    }
  }
  return out;
}

/** n random instants in a window of `days` days. */
function random(from: string, days: number, n: number): number[] {
  return Array.from({ length: n }, () => utc(from) + Math.floor((rand() * days * DAY) / 1000) * 1000);
}

/** Distinct seconds (borg sorts equal times by its own manifest order; schedules avoid ties). */
function distinct(stamps: number[]): number[] {
  const seen = new Set<number>();
  return stamps
    .map((t) => Math.floor(t / 1000) * 1000)
    .sort((a, b) => a - b)
    .map((t) => {
      while (seen.has(t)) t += 1000;
      seen.add(t);
      return t;
    });
}

const SCHEDULES: Schedule[] = [
  { label: "daily with outages, Oct 2025 - Mar 2026 (year end)", stamps: dailyWithGaps("2025-10-02T00:00:00", 170) },
  { label: "daily with outages over 2 years", stamps: dailyWithGaps("2024-01-15T00:00:00", 730) },
  { label: "several a day around a leap February's end", stamps: severalPerDay("2024-02-20T00:00:00", 14) },
  { label: "several a day across Dec 31 -> Jan 1", stamps: severalPerDay("2025-12-24T00:00:00", 16) },
  { label: "hourly-ish across New Year 2027 (Jan 1 in 2026-W53)", stamps: hourlyish("2026-12-30T00:00:00", 80) },
  { label: "around every ISO-year end 2019-2028 (W53 in 2020 and 2026)", stamps: isoYearEnds(2019, 2028) },
  {
    label: "weekly for 3 years, Sunday/Monday edges",
    stamps: Array.from({ length: 160 }, (_, i) => utc("2023-01-01T23:59:59") + i * 7 * DAY + (i % 2 ? 1000 : 0)),
  },
  {
    label: "month ends: last and first second of every month 2025-2026",
    stamps: Array.from({ length: 24 }, (_, m) => [Date.UTC(2025, m, 1) - 1000, Date.UTC(2025, m, 1)]).flat(),
  },
  { label: "random over 6 years", stamps: random("2020-06-01T00:00:00", 6 * 365, 180) },
  { label: "random over 40 days", stamps: random("2026-10-01T00:00:00", 40, 120) },
  { label: "a short history (rules run out: [oldest])", stamps: dailyWithGaps("2026-11-10T00:00:00", 9) },
  {
    label: "with checkpoint archives (newest a checkpoint)",
    stamps: dailyWithGaps("2026-09-01T00:00:00", 60),
    checkpoints: new Set([3, 17, 40, -1]),
  },
  {
    label: "with checkpoint archives (newest complete)",
    stamps: dailyWithGaps("2026-09-01T00:00:00", 30),
    checkpoints: new Set([0, 10, 20]),
  },
];

function randomPolicy(): RetentionPolicy {
  const pick = () => (rand() < 0.4 ? 0 : int(1, 12));
  const p: RetentionPolicy = { hourly: pick(), daily: pick(), weekly: pick(), monthly: pick(), yearly: pick() };
  if (Object.values(p).every((n) => !n)) p.daily = 1;
  return p;
}

const POLICIES: RetentionPolicy[] = [
  { daily: 7, weekly: 4, monthly: 6 },
  { daily: 3, weekly: 2, monthly: 2, yearly: 2 },
  { hourly: 24, daily: 7, weekly: 0, monthly: 0, yearly: 0 },
  { daily: 0, weekly: 8, monthly: 0 },
  { monthly: 12, yearly: 5 },
  { yearly: 3 },
  { hourly: 5, daily: 0, weekly: 0, monthly: 3, yearly: 0 },
  { daily: 30, weekly: 12, monthly: 24, yearly: 10 },
  { minutely: 10, hourly: 3, daily: 1 },
  { last: 4, weekly: 2 },
  randomPolicy(),
  randomPolicy(),
];

const describeBorg = describe.skipIf(SKIP_OUTSIDE_CI && (!BORG || !BORG_PYTHON));

describeBorg(`retention maths = borg prune --dry-run --list (seed ${SEED})`, () => {
  let tmp: string;
  const named = new Map<Schedule, { repo: string; env: Record<string, string | undefined>; archives: { name: string; ts: Date }[] }>();

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "borg-fleet-retention-"));
    await Promise.all(
      SCHEDULES.map(async (schedule, s) => {
        const repo = path.join(tmp, `repo-${s}`);
        const env = testBorgEnv(path.join(tmp, `base-${s}`));
        const stamps = distinct(schedule.stamps);
        const checkpointAt = new Set([...(schedule.checkpoints ?? [])].map((i) => (i < 0 ? stamps.length + i : i)));
        // A name with a space and a bracket: the output parser must not depend on names.
        const archives = stamps.map((t, i) => ({ name: `s${s}-${i} [x]${checkpointAt.has(i) ? ".checkpoint" : ""}`, ts: new Date(t) }));
        await initPlainRepo(repo, env);
        await createManyArchives(
          repo,
          archives.map((a) => [a.name, a.ts] as const),
          env,
        );
        named.set(schedule, { repo, env, archives });
      }),
    );
  });

  afterAll(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const verdicts = (archives: { name: string; ts: Date }[], policy: RetentionPolicy) =>
    Object.fromEntries(prune(archives, policy).map((d) => [d.item.name, d.keep ? (d.index !== undefined ? `${d.rule} #${d.index}` : d.rule!) : "prune"]));

  // Schedules run at once (one repo each). Every policy is compared through borg's own entry point
  // run in one process per schedule (test/fixtures/manyArchives.ts), and the seed's policy once more
  // through the `borg` command itself.
  it.concurrent.for(SCHEDULES.map((s) => [s.label, s] as const))("%s", { timeout: 300_000 }, async ([, schedule], { expect }) => {
    const { repo, env, archives } = named.get(schedule)!;
    const glob = `s${SCHEDULES.indexOf(schedule)}-*`;
    const results = await borgPruneDryRunMany(
      repo,
      POLICIES.map((policy) => ({ args: pruneArgs(policy), glob })),
      env,
    );
    for (const [i, policy] of POLICIES.entries()) {
      const context = `seed ${SEED} (RETENTION_SEED=${SEED} replays it), schedule "${schedule.label}", policy ${JSON.stringify(policy)}`;
      expect(verdicts(archives, policy), context).toEqual(Object.fromEntries(results[i]!));
    }
    const cli = await borgPruneDryRun(repo, pruneArgs(POLICIES[0]!), glob, env);
    expect(verdicts(archives, POLICIES[0]!), `seed ${SEED}, schedule "${schedule.label}", borg CLI`).toEqual(Object.fromEntries(cli));
  });

  it("archives from `borg create --timestamp` (the CLI) prune the same way", async () => {
    const repo = path.join(tmp, "cli");
    const env = testBorgEnv(path.join(tmp, "base-cli"));
    const src = path.join(tmp, "src");
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, "f"), "x\n");
    await initPlainRepo(repo, env);
    const stamps = ["2026-12-28T10:00:00", "2026-12-31T23:59:59", "2027-01-01T00:00:00", "2027-01-03T23:00:00", "2027-01-04T00:00:01", "2027-01-04T08:00:00"];
    for (const [i, ts] of stamps.entries()) {
      const r = spawnSync(BORG!, ["create", `--timestamp=${ts}`, `${repo}::cli-${i}`, "."], { cwd: src, env: env as NodeJS.ProcessEnv, encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
    }
    const archives = stamps.map((ts, i) => ({ name: `cli-${i}`, ts: new Date(`${ts}Z`) }));
    for (const policy of [{ daily: 2, weekly: 2, yearly: 1 }, { weekly: 3 }, { hourly: 2, monthly: 2 }] as RetentionPolicy[]) {
      const theirs = await borgPruneDryRun(repo, pruneArgs(policy), "cli-*", env);
      expect(verdicts(archives, policy), JSON.stringify(policy)).toEqual(Object.fromEntries(theirs));
    }
  });
});
