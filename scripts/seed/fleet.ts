/**
 * The demo fleet: which hosts exist, where they back up, how big they are and how they grow, and
 * which archives each repo holds (only those the seed's 7/4/6 GFS pruning would have kept).
 * Pure data and date maths; the seeder (scripts/seed-demo.ts) turns it into real borg repos.
 */
import { DAY_MS, dailyHistory, retainedHistory, SEED_POLICY, utcDay } from "@/lib/retention/gfs";
import { prng } from "./random";

export const SITES = ["onsite", "offsite"] as const;
export type SiteName = (typeof SITES)[number];

export type Role = "web" | "db" | "mail" | "git" | "jira" | "monitor" | "build" | "fileserver";

/**
 * - stale: stopped backing up `lastBackupDaysAgo` days ago (the BorgMissingBackup case);
 * - never: repo initialised, no archive yet (a new server whose timer never ran);
 * - wrong-passphrase: backs up fine, but the dashboard's passphrase file is out of date;
 * - laptop: backs up when it is on; last archive `lastBackupDaysAgo` days ago, fresh by its own
 *   threshold (freshness.hosts `laptop-*`: 14 days in the demo's fleet.yml), stale by the default.
 */
export type Special = "stale" | "never" | "wrong-passphrase" | "laptop";

/** Files that appear over time in a directory (uploads, mails, git packs, Prometheus blocks...). */
export interface DropSeries {
  kind: "upload" | "mail" | "pack" | "attachment" | "block" | "artifact" | "document" | "wal";
  dir: string;
  /** Files already there when the host was first backed up. */
  baseCount: number;
  perDay: number;
  minBytes: number;
  maxBytes: number;
  /** Only the newest n files stay (old artifacts cleaned up). */
  keepLast?: number;
  /** Files older than this many days are deleted (TSDB retention). */
  keepDays?: number;
}

/** One file that grows every day, e.g. a compressed database dump rewritten nightly. */
export interface GrowingFile {
  path: string;
  baseBytes: number;
  bytesPerDay: number;
}

export interface HostProfile {
  name: string;
  role: Role;
  description: string;
  sites: SiteName[];
  /** First archive this many days before today (UTC days). */
  firstBackupDaysAgo: number;
  /** A site whose copy started later: its first archive this many days ago. */
  siteSinceDaysAgo?: Partial<Record<SiteName, number>>;
  /** Newest archive this many days before today (stale hosts); default 0 (backs up daily). */
  lastBackupDaysAgo?: number;
  /** Days (this many days before today) the backup did not run: a gap in the compliance report. */
  missedDaysAgo?: number[];
  /** The host's backup timer (UTC), "HH:MM". */
  backupAt: string;
  special?: Special;
  /** Puts files with hard names (spaces, tab, newline, quotes, unicode, non-UTF-8...) in a home dir. */
  awkwardNames?: boolean;
  rootFs: "ext4" | "btrfs";
  users: string[];
  growing: GrowingFile[];
  drops: DropSeries[];
}

const KB = 1024;
const MB = 1024 * KB;

/**
 * Sizes are chosen to span ~1 MB to ~60 MB on a 2-core machine within the 90 s budget: the big
 * hosts grow by new files (borg's files cache skips the unchanged ones) or by one growing dump.
 * A growing dump costs more repo space than its size: each archive stores the dump's changed last
 * chunk(s) anew (borg's chunks average 2 MiB), as with real compressed dumps; keep small ones small.
 */
export const HOSTS: HostProfile[] = [
  {
    name: "web-01",
    role: "web",
    description: "nginx front end (small, hard file names)",
    sites: ["onsite"],
    firstBackupDaysAgo: 200,
    backupAt: "01:17",
    awkwardNames: true,
    rootFs: "ext4",
    users: ["alice", "deploy"],
    growing: [],
    drops: [{ kind: "upload", dir: "srv/www/shop.example.com/uploads", baseCount: 20, perDay: 0.7, minBytes: 2 * KB, maxBytes: 14 * KB }],
  },
  {
    name: "web-02",
    role: "web",
    description: "nginx front end, added to the pool later; its backups failed for three days two weeks ago",
    sites: ["onsite"],
    firstBackupDaysAgo: 100,
    missedDaysAgo: [14, 15, 16],
    backupAt: "01:47",
    rootFs: "ext4",
    users: ["deploy"],
    growing: [],
    drops: [{ kind: "upload", dir: "srv/www/shop.example.com/uploads", baseCount: 40, perDay: 2, minBytes: 10 * KB, maxBytes: 40 * KB }],
  },
  {
    name: "db-01",
    role: "db",
    description: "PostgreSQL, nightly dump; on-site copy, off-site copy for the last 10 weeks",
    sites: ["onsite", "offsite"],
    firstBackupDaysAgo: 200,
    siteSinceDaysAgo: { offsite: 70 },
    backupAt: "02:13",
    rootFs: "btrfs",
    users: ["postgres", "bob"],
    growing: [
      { path: "var/backups/postgres/app.sql.gz", baseBytes: 3 * MB, bytesPerDay: 25 * KB },
      { path: "var/backups/postgres/sessions.sql.gz", baseBytes: 400 * KB, bytesPerDay: 2 * KB },
    ],
    // Archived WAL, compressed, kept for a week.
    drops: [{ kind: "wal", dir: "var/lib/postgresql/15/wal-archive", baseCount: 6, perDay: 1, minBytes: 100 * KB, maxBytes: 250 * KB, keepDays: 7 }],
  },
  {
    name: "mail",
    role: "mail",
    description: "Postfix + Dovecot, Maildir",
    sites: ["onsite"],
    firstBackupDaysAgo: 200,
    backupAt: "02:41",
    rootFs: "ext4",
    users: ["alice", "bob", "carol", "dave"],
    growing: [],
    drops: [{ kind: "mail", dir: "home/{user}/Maildir/cur", baseCount: 150, perDay: 5, minBytes: 3 * KB, maxBytes: 14 * KB }],
  },
  {
    name: "git",
    role: "git",
    description: "bare git repositories; on-site copy, off-site copy for the last 6 weeks",
    sites: ["onsite", "offsite"],
    firstBackupDaysAgo: 200,
    siteSinceDaysAgo: { offsite: 42 },
    backupAt: "03:05",
    rootFs: "ext4",
    users: ["git", "carol"],
    growing: [{ path: "var/backups/postgres/gitea.sql.gz", baseBytes: 150 * KB, bytesPerDay: 1 * KB }],
    drops: [{ kind: "pack", dir: "srv/git/repositories", baseCount: 6, perDay: 1 / 7, minBytes: 300 * KB, maxBytes: 700 * KB }],
  },
  {
    name: "jira",
    role: "jira",
    description: "issue tracker; backups stopped 3 days ago (stale)",
    sites: ["onsite"],
    firstBackupDaysAgo: 200,
    lastBackupDaysAgo: 3,
    backupAt: "03:32",
    special: "stale",
    rootFs: "ext4",
    users: ["jira"],
    growing: [{ path: "var/backups/postgres/jira.sql.gz", baseBytes: 200 * KB, bytesPerDay: 3 * KB }],
    drops: [
      { kind: "attachment", dir: "var/atlassian/application-data/jira/data/attachments", baseCount: 40, perDay: 1.2, minBytes: 5 * KB, maxBytes: 45 * KB },
    ],
  },
  {
    name: "monitor",
    role: "monitor",
    description: "Prometheus + Alertmanager; the dashboard has an out-of-date passphrase for it",
    sites: ["onsite"],
    firstBackupDaysAgo: 60,
    backupAt: "04:02",
    special: "wrong-passphrase",
    rootFs: "ext4",
    users: ["prometheus"],
    growing: [],
    drops: [{ kind: "block", dir: "var/lib/prometheus/metrics2", baseCount: 4, perDay: 0.5, minBytes: 700 * KB, maxBytes: 1100 * KB, keepDays: 15 }],
  },
  {
    name: "build-01",
    role: "build",
    description: "CI runner, backed up for 10 days",
    sites: ["onsite"],
    firstBackupDaysAgo: 9,
    backupAt: "04:27",
    rootFs: "ext4",
    users: ["ci"],
    growing: [],
    drops: [{ kind: "artifact", dir: "srv/ci/artifacts", baseCount: 4, perDay: 3, minBytes: 200 * KB, maxBytes: 600 * KB, keepLast: 15 }],
  },
  {
    name: "fileserver",
    role: "fileserver",
    description: "Samba shares and home directories (largest, hard file names)",
    sites: ["onsite"],
    firstBackupDaysAgo: 200,
    backupAt: "00:55",
    awkwardNames: true,
    rootFs: "btrfs",
    users: ["alice", "bob", "carol", "erin"],
    growing: [],
    drops: [{ kind: "document", dir: "srv/share", baseCount: 100, perDay: 1.4, minBytes: 30 * KB, maxBytes: 270 * KB }],
  },
  {
    name: "build-02",
    role: "build",
    description: "new CI runner: repo initialised, backup timer not enabled yet (never backed up)",
    sites: ["onsite"],
    firstBackupDaysAgo: 0,
    backupAt: "04:45",
    special: "never",
    rootFs: "ext4",
    users: ["ci"],
    growing: [],
    drops: [],
  },
  {
    name: "laptop-ann",
    role: "build",
    description: "a developer laptop, off for the last 5 days: fresh by its own 14-day threshold",
    sites: ["onsite"],
    firstBackupDaysAgo: 45,
    lastBackupDaysAgo: 5,
    backupAt: "12:40",
    special: "laptop",
    rootFs: "ext4",
    users: ["ann"],
    growing: [],
    drops: [{ kind: "document", dir: "home/ann/Documents", baseCount: 15, perDay: 0.5, minBytes: 3 * KB, maxBytes: 30 * KB }],
  },
];

export function minuteOfDay(hhmm: string): number {
  const m = /^(\d{2}):(\d{2})$/.exec(hhmm);
  if (!m) throw new Error(`bad time of day "${hhmm}"`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** The day the host's data starts (its first backup): the origin of its growth. */
export function installedAt(host: HostProfile, now: Date): Date {
  return new Date(utcDay(now).getTime() - host.firstBackupDaysAgo * DAY_MS + minuteOfDay(host.backupAt) * 60_000 - 3_600_000);
}

/** A timer with RandomizedDelaySec=10min: a few minutes and seconds late each day, the same on every run. */
function jitterSeconds(host: string) {
  return (day: Date) => Math.floor(prng(`${host}:${day.toISOString().slice(0, 10)}`)() * 600);
}

/** Every archive time a daily timer would have produced (before pruning), oldest first. */
export function fullHistory(host: HostProfile, now: Date, site?: SiteName): Date[] {
  if (host.special === "never") return [];
  const today = utcDay(now).getTime();
  const since = (site && host.siteSinceDaysAgo?.[site]) ?? host.firstBackupDaysAgo;
  const missed = new Set((host.missedDaysAgo ?? []).map((d) => today - d * DAY_MS));
  return dailyHistory({
    firstDay: new Date(today - Math.min(since, host.firstBackupDaysAgo) * DAY_MS),
    lastDay: new Date(today - (host.lastBackupDaysAgo ?? 0) * DAY_MS),
    minuteOfDay: minuteOfDay(host.backupAt),
    offsetSeconds: jitterSeconds(host.name),
    now,
  }).filter((ts) => !missed.has(utcDay(ts).getTime()));
}

/** The archives the seeder creates: what remains of the daily history after 7/4/6 pruning. */
export function archiveSchedule(host: HostProfile, now: Date, site?: SiteName): Date[] {
  return retainedHistory(fullHistory(host, now, site), SEED_POLICY);
}

/** `<host>-2026-11-25T02:13` (UTC, minutes). */
export function archiveName(host: string, ts: Date): string {
  return `${host}-${ts.toISOString().slice(0, 16)}`;
}

/** Hosts that keep backing up (and get a fresh archive when a reused demo is older than a day). */
export function backsUpDaily(host: HostProfile): boolean {
  return host.special !== "stale" && host.special !== "never" && host.special !== "laptop";
}
