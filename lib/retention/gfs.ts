/**
 * borg's pruning rules (`borg prune --keep-daily 7 --keep-weekly 4 --keep-monthly 6`), replayed in
 * TypeScript: the retention preview (lib/retention/preview.ts) shows what a host's prune would keep
 * without touching the repository, and the demo seeder creates exactly the archives a pruned
 * repository would hold.
 *
 * Mirrors borg 1.2 `prune_split` (src/borg/helpers/misc.py): rules are applied in the order
 * secondly, minutely, hourly, daily, weekly, monthly, yearly; each walks the archives newest first
 * and keeps the newest archive of every period (strftime pattern of the archive's *start* time in
 * the local time zone; we run borg with TZ=UTC, so UTC here), skipping periods whose newest archive
 * another rule already kept; when a rule runs out of archives before reaching its count, it also
 * keeps the oldest archive ("daily[oldest]"). Weeks are ISO weeks (%G-%V).
 *
 * Checkpoint archives (`NAME.checkpoint`, `NAME.checkpoint.N`, left by an interrupted backup) take no
 * part in the rules (archiver.py do_prune): the newest checkpoint is kept only when no complete
 * archive is newer, every other checkpoint is pruned.
 */

export const PRUNE_RULES = ["secondly", "minutely", "hourly", "daily", "weekly", "monthly", "yearly"] as const;
export type PruneRule = (typeof PRUNE_RULES)[number];

/** Counts per rule, as given to `borg prune --keep-<rule>`. `last` is borg's alias of `secondly`. */
export type RetentionPolicy = Partial<Record<PruneRule | "last", number>>;

/** The seed's scheme: 7 daily, 4 weekly, 6 monthly. */
export const SEED_POLICY: RetentionPolicy = { daily: 7, weekly: 4, monthly: 6 };

/** `borg prune` arguments for a policy, in borg's rule order. */
export function pruneArgs(policy: RetentionPolicy): string[] {
  const args: string[] = [];
  if (policy.last) args.push(`--keep-last=${policy.last}`);
  for (const rule of PRUNE_RULES) {
    const n = policy[rule];
    if (n) args.push(`--keep-${rule}=${n}`);
  }
  return args;
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** ISO 8601 week-numbering year and week of a UTC date (strftime %G and %V). */
export function isoWeek(date: Date): { year: number; week: number } {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const weekday = d.getUTCDay() || 7; // Monday = 1 ... Sunday = 7
  d.setUTCDate(d.getUTCDate() + 4 - weekday); // the Thursday of this week decides the year
  const year = d.getUTCFullYear();
  const week = Math.ceil(((d.getTime() - Date.UTC(year, 0, 1)) / 86_400_000 + 1) / 7);
  return { year, week };
}

/** The period an archive falls into for a rule, as borg's strftime pattern would print it (UTC). */
export function periodKey(rule: PruneRule, ts: Date): string {
  const Y = pad(ts.getUTCFullYear(), 4);
  const m = pad(ts.getUTCMonth() + 1);
  const d = pad(ts.getUTCDate());
  switch (rule) {
    case "secondly":
      return `${Y}-${m}-${d} ${pad(ts.getUTCHours())}:${pad(ts.getUTCMinutes())}:${pad(ts.getUTCSeconds())}`;
    case "minutely":
      return `${Y}-${m}-${d} ${pad(ts.getUTCHours())}:${pad(ts.getUTCMinutes())}`;
    case "hourly":
      return `${Y}-${m}-${d} ${pad(ts.getUTCHours())}`;
    case "daily":
      return `${Y}-${m}-${d}`;
    case "weekly": {
      const { year, week } = isoWeek(ts);
      return `${pad(year, 4)}-${pad(week)}`;
    }
    case "monthly":
      return `${Y}-${m}`;
    case "yearly":
      return Y;
  }
}

export interface PruneDecision<T> {
  item: T;
  keep: boolean;
  /**
   * e.g. "daily", "weekly", "monthly[oldest]", or "checkpoint" for the checkpoint borg keeps
   * (`Keeping checkpoint archive:`); undefined when pruned.
   */
  rule?: string;
  /** 1-based position within the rule, as in `Keeping archive (rule: weekly #2)`; undefined for a checkpoint. */
  index?: number;
  /** The period the rule kept the archive for (periodKey of its rule, e.g. "2026-47" for weekly). */
  period?: string;
}

const CHECKPOINT = /\.checkpoint(\.\d+)?$/;

/** True for the name of a checkpoint archive (borg 1.2: `NAME.checkpoint` or `NAME.checkpoint.N`). */
function isCheckpointName(name: string): boolean {
  return CHECKPOINT.test(name);
}

/**
 * Decide, like `borg prune`, which archives a policy keeps. Returns decisions newest first.
 * Archives with equal timestamps keep their input order (Python's sort is stable), as in borg.
 * Items with a `name` that marks a checkpoint are handled as borg handles checkpoints (see above).
 */
export function prune<T extends { ts: Date; name?: string }>(items: readonly T[], policy: RetentionPolicy): PruneDecision<T>[] {
  const all = items
    .map((item, i) => ({ item, i }))
    .sort((a, b) => b.item.ts.getTime() - a.item.ts.getTime() || a.i - b.i)
    .map(({ item }) => item);
  const isCheckpoint = (item: T) => item.name !== undefined && isCheckpointName(item.name);
  const sorted = all.filter((item) => !isCheckpoint(item));
  const keptBecause = new Map<T, { rule: string; index?: number; period?: string }>();
  // The newest checkpoint survives only while no complete archive is newer (it may be all there is).
  if (all[0] !== undefined && isCheckpoint(all[0])) keptBecause.set(all[0], { rule: "checkpoint" });
  const counts: [PruneRule, number | undefined][] = PRUNE_RULES.map((rule) => [rule, rule === "secondly" ? (policy.secondly ?? policy.last) : policy[rule]]);
  for (const [rule, n] of counts) {
    if (!n) continue;
    let last: string | null = null;
    let kept = 0;
    let current: T | undefined;
    for (const item of sorted) {
      current = item;
      const period = periodKey(rule, item.ts);
      if (period === last) continue;
      last = period;
      if (keptBecause.has(item)) continue;
      keptBecause.set(item, { rule, index: ++kept, period });
      if (kept === n) break;
    }
    if (current !== undefined && kept < n && !keptBecause.has(current)) {
      keptBecause.set(current, { rule: `${rule}[oldest]`, index: ++kept, period: periodKey(rule, current.ts) });
    }
  }
  return all.map((item) => {
    const why = keptBecause.get(item);
    return why ? { item, keep: true, ...why } : { item, keep: false };
  });
}

/** Just the kept items, oldest first. */
export function kept<T extends { ts: Date; name?: string }>(items: readonly T[], policy: RetentionPolicy): T[] {
  return prune(items, policy)
    .filter((d) => d.keep)
    .map((d) => d.item)
    .reverse();
}

export const DAY_MS = 86_400_000;

/** Midnight UTC of the day `date` falls in. */
export function utcDay(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}

/**
 * One backup a day at `minuteOfDay` (UTC) plus a per-day offset, from `firstDay` to `lastDay`
 * (inclusive, UTC days), leaving out times after `now`: the history a daily timer would leave
 * before any pruning.
 */
export function dailyHistory(opts: {
  firstDay: Date;
  lastDay: Date;
  minuteOfDay: number;
  /** Extra seconds for the nth day (jitter of a timer's RandomizedDelaySec); default none. */
  offsetSeconds?: (day: Date, n: number) => number;
  now: Date;
}): Date[] {
  const out: Date[] = [];
  const first = utcDay(opts.firstDay).getTime();
  const last = utcDay(opts.lastDay).getTime();
  for (let t = first, n = 0; t <= last; t += DAY_MS, n++) {
    const day = new Date(t);
    const ts = new Date(t + opts.minuteOfDay * 60_000 + (opts.offsetSeconds?.(day, n) ?? 0) * 1000);
    if (ts.getTime() <= opts.now.getTime()) out.push(ts);
  }
  return out;
}

/**
 * The archive times a repo pruned daily with `policy` holds after a daily history: only those are
 * created by the seeder (oldest first).
 */
export function retainedHistory(history: readonly Date[], policy: RetentionPolicy = SEED_POLICY): Date[] {
  return kept(
    history.map((ts) => ({ ts })),
    policy,
  ).map((x) => x.ts);
}
