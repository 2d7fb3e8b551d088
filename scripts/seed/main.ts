/**
 * The demo seeder (entry point: scripts/seed-demo.ts). Seeds the demo fleet: real, encrypted borg
 * repositories for ten hosts on two storage sites, with up to six months of archive history shaped
 * by the seed's 7/4/6 GFS pruning, and a fleet.yml for the dashboard. Run by `npm run demo`
 * (scripts/demo.mjs) as `tsx scripts/seed-demo.ts --dir .demo`. Runs 2 hosts at a time; about
 * 35 s on an idle 2-core machine (borg's start-up is most of it: ~170 archives, one process each).
 *
 *   <dir>/fleet.yml                       the dashboard's config (BORG_FLEET_CONFIG)
 *   <dir>/onsite/srv/borg/<host>          repos on the on-site storage server
 *   <dir>/offsite/srv/borg/<host>         repos on the off-site storage server
 *   <dir>/secrets/<site>-<host>.pass      one random passphrase per repo (0600)
 *   <dir>/data/                           the dashboard's own data (dataDir): users live there
 *   <dir>/credentials.json                the demo users' random passwords (0600; scripts/seed/users.ts)
 *   <dir>/.seed/                          the backup clients' borg state, seeding marker
 *
 * A second run reuses the fleet (marker with a version) and, when the newest archives are more than
 * a day old, gives the hosts that still back up one new archive "now" (then prunes like they do).
 *
 * Options: --dir <path> (default .demo), --reseed, --jobs <n> (hosts in parallel, default 2),
 *          --now <ISO time> (pretend it is later: for testing the top-up).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseConfig } from "../../lib/config/load";
import { createArchive, initRepo, pruneRepo, repoSizes, type BorgCallOptions, type BorgTarget } from "./borg";
import { archiveName, archiveSchedule, backsUpDaily, HOSTS, installedAt, SITES, type HostProfile, type SiteName } from "./fleet";
import { DAY_MS, prune, pruneArgs, SEED_POLICY } from "@/lib/retention/gfs";
import { newPassphrase } from "./random";
import { hostTree, Materializer, sourcePaths } from "./tree";
import { seedReportHistory } from "./history";
import { seedDemoUsers } from "./users";
import { seedVerifyScenarios } from "./verify";

/** Bump when the layout or the fleet changes: older demo dirs are then seeded again. */
export const SEED_VERSION = 3;
const MARKER = path.join(".seed", "seed.json");
const IN_PROGRESS = path.join(".seed", "seeding-in-progress");
const COMPRESSION = "lz4";

interface RepoRecord {
  site: SiteName;
  location: string;
  /** The passphrase the repo really has (the backup client's copy). */
  passphraseFile: string;
  /** What fleet.yml gives the dashboard (differs for the wrong-passphrase host). */
  configPassphraseFile: string;
  archives: { name: string; time: string }[];
  originalSize: number;
  deduplicatedSize: number;
  diskUsage: number;
}

interface Marker {
  version: number;
  createdAt: string;
  seedSeconds: number;
  hosts: Record<string, { origin: string; repos: RepoRecord[] }>;
}

interface Options {
  dir: string;
  reseed: boolean;
  jobs: number;
  now: Date;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { dir: ".demo", reseed: false, jobs: 2, now: new Date() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (!v) usage(`${flag} needs a value`);
      return v;
    };
    if (flag === "--dir") opts.dir = value();
    else if (flag === "--reseed") opts.reseed = true;
    else if (flag === "--jobs") opts.jobs = Math.max(1, Number.parseInt(value(), 10) || 1);
    else if (flag === "--now") {
      opts.now = new Date(value());
      if (Number.isNaN(opts.now.getTime())) usage("--now needs an ISO date/time");
    } else if (flag === "-h" || flag === "--help") usage();
    else usage(`unknown option ${arg}`);
  }
  opts.dir = path.resolve(opts.dir);
  return opts;
}

function usage(error?: string): never {
  if (error) process.stderr.write(`seed-demo: ${error}\n`);
  process.stdout.write("Usage: tsx scripts/seed-demo.ts [--dir .demo] [--reseed] [--jobs 2] [--now <ISO time>]\n");
  process.exit(error ? 2 : 0);
}

const log = (msg: string) => process.stdout.write(`[seed] ${msg}\n`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/** Paths in the marker are stored relative to the demo dir, so a moved or copied demo keeps working. */
function mapPaths(marker: Marker, f: (p: string) => string): Marker {
  const hosts: Marker["hosts"] = {};
  for (const [name, h] of Object.entries(marker.hosts)) {
    hosts[name] = {
      ...h,
      repos: h.repos.map((r) => ({ ...r, location: f(r.location), passphraseFile: f(r.passphraseFile), configPassphraseFile: f(r.configPassphraseFile) })),
    };
  }
  return { ...marker, hosts };
}

function readMarker(dir: string): Marker | null {
  try {
    const marker = JSON.parse(fs.readFileSync(path.join(dir, MARKER), "utf8")) as Marker;
    return marker.hosts ? mapPaths(marker, (p) => path.resolve(dir, p)) : marker;
  } catch {
    return null;
  }
}

function writeMarker(dir: string, marker: Marker) {
  const file = path.join(dir, MARKER);
  fs.writeFileSync(
    `${file}.tmp`,
    JSON.stringify(
      mapPaths(marker, (p) => path.relative(dir, p)),
      null,
      2,
    ) + "\n",
  );
  fs.renameSync(`${file}.tmp`, file);
}

function markerIsUsable(dir: string, marker: Marker | null): marker is Marker {
  if (!marker || marker.version !== SEED_VERSION) return false;
  for (const host of HOSTS) {
    const h = marker.hosts[host.name];
    if (!h || h.repos.length !== host.sites.length) return false;
    for (const repo of h.repos) {
      if (!fs.existsSync(path.join(repo.location, "config")) || !fs.existsSync(repo.passphraseFile)) return false;
    }
  }
  return fs.existsSync(path.join(dir, "fleet.yml"));
}

/** Empty the demo dir, but only if it is ours (or empty): never wipe a directory we did not make. */
function clearDemoDir(dir: string) {
  if (!fs.existsSync(dir)) return;
  const entries = fs.readdirSync(dir);
  const ours = fs.existsSync(path.join(dir, MARKER)) || fs.existsSync(path.join(dir, IN_PROGRESS));
  if (entries.length > 0 && !ours) {
    throw new Error(`${dir} exists, is not empty and was not made by the demo seeder; choose another --dir or remove it`);
  }
  for (const name of entries) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
}

/** Scratch space for the hosts' source trees: RAM (/dev/shm) when there is one, else the temp dir. */
function scratchDir(): string {
  try {
    fs.accessSync("/dev/shm", fs.constants.W_OK);
    return "/dev/shm";
  } catch {
    return os.tmpdir();
  }
}

function writeSecret(file: string, passphrase: string) {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, `${passphrase}\n`, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}

function diskUsage(dir: string): number {
  let total = 0;
  const walk = (p: string) => {
    const st = fs.lstatSync(p);
    total += st.blocks * 512;
    if (st.isDirectory()) for (const name of fs.readdirSync(p)) walk(path.join(p, name));
  };
  try {
    walk(dir);
  } catch {
    /* vanished */
  }
  return total;
}

/** Run tasks with at most `jobs` at once; the first failure stops the others (their borg calls are cancelled). */
async function pool<T>(items: T[], jobs: number, signal: AbortSignal, work: (item: T, signal: AbortSignal) => Promise<void>): Promise<void> {
  const queue = [...items];
  let failure: unknown = null;
  const failFast = new AbortController();
  const both = AbortSignal.any([signal, failFast.signal]);
  const worker = async () => {
    while (queue.length > 0 && failure === null && !signal.aborted) {
      const item = queue.shift()!;
      try {
        await work(item, both);
      } catch (err) {
        if (failure === null) {
          failure = err;
          failFast.abort();
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, worker));
  if (failure !== null) throw failure;
}

/** Relative work of a host, to start the long ones first. */
function cost(host: HostProfile, now: Date): number {
  const archives = host.sites.reduce((n, site) => n + archiveSchedule(host, now, site).length, 0) / host.sites.length;
  const bytes = host.growing.reduce((s, g) => s + g.baseBytes + g.bytesPerDay * host.firstBackupDaysAgo, 0);
  const drops = host.drops.reduce((s, d) => s + ((d.minBytes + d.maxBytes) / 2) * (d.baseCount + d.perDay * host.firstBackupDaysAgo), 0);
  return archives * host.sites.length * (1 + bytes / 50e6) + drops / 10e6;
}

async function seedHost(dir: string, host: HostProfile, now: Date, borgOpts: BorgCallOptions, signal: AbortSignal) {
  const started = Date.now();
  const origin = installedAt(host, now);
  const repos: RepoRecord[] = host.sites.map((site) => {
    const passphraseFile = path.join(dir, "secrets", `${site}-${host.name}.pass`);
    return {
      site,
      location: path.join(dir, site, "srv", "borg", host.name),
      passphraseFile,
      configPassphraseFile: host.special === "wrong-passphrase" ? path.join(dir, "secrets", `${site}-${host.name}.old.pass`) : passphraseFile,
      archives: [],
      originalSize: 0,
      deduplicatedSize: 0,
      diskUsage: 0,
    };
  });
  for (const repo of repos) {
    const passphrase = newPassphrase();
    writeSecret(repo.passphraseFile, passphrase);
    if (repo.configPassphraseFile !== repo.passphraseFile) writeSecret(repo.configPassphraseFile, newPassphrase());
    fs.mkdirSync(path.dirname(repo.location), { recursive: true });
    await initRepo(repo.location, { encryption: "repokey-blake2", passphrase }, { ...borgOpts, signal });
  }

  // The tree moves through the union of the repos' schedules; each repo gets its own archives.
  const perRepo = repos.map((repo) => new Set(archiveSchedule(host, now, repo.site).map((t) => t.getTime())));
  const schedule = [...new Set(perRepo.flatMap((set) => [...set]))].sort((a, b) => a - b).map((t) => new Date(t));
  if (schedule.length > 0) {
    const tmp = fs.mkdtempSync(path.join(scratchDir(), `borg-fleet-seed-${host.name}-`));
    try {
      const tree = new Materializer(tmp);
      for (const ts of schedule) {
        if (signal.aborted) throw new Error("interrupted");
        const entries = hostTree(host, origin, ts);
        tree.apply(entries, ts);
        const name = archiveName(host.name, ts);
        for (const [i, repo] of repos.entries()) {
          if (!perRepo[i]!.has(ts.getTime())) continue;
          const target: BorgTarget = { location: repo.location, secrets: { passphraseFile: repo.passphraseFile } };
          const created = await createArchive(
            target,
            name,
            sourcePaths(entries),
            { cwd: tmp, timestamp: ts, compression: COMPRESSION },
            { ...borgOpts, signal },
          );
          repo.archives.push({ name, time: ts.toISOString() });
          repo.originalSize = created.repoStats.totalSize;
          repo.deduplicatedSize = created.repoStats.uniqueCsize;
        }
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
  if (schedule.length === 0) await updateStats(repos, borgOpts, signal);
  for (const repo of repos) repo.diskUsage = diskUsage(repo.location);
  const count = repos.reduce((s, r) => s + r.archives.length, 0);
  log(`${host.name.padEnd(10)} ${String(count).padStart(2)} archive(s) on ${host.sites.join("+")} in ${seconds(Date.now() - started)}`);
  return { origin: origin.toISOString(), repos };
}

async function updateStats(repos: RepoRecord[], borgOpts: BorgCallOptions, signal: AbortSignal) {
  for (const repo of repos) {
    const sizes = await repoSizes({ location: repo.location, secrets: { passphraseFile: repo.passphraseFile } }, { ...borgOpts, signal });
    repo.originalSize = sizes.originalSize;
    repo.deduplicatedSize = sizes.deduplicatedSize;
    repo.diskUsage = diskUsage(repo.location);
  }
}

/** A reused demo more than a day old: one fresh archive for every host that still backs up. */
async function topUp(dir: string, marker: Marker, now: Date, jobs: number, borgOpts: BorgCallOptions, signal: AbortSignal) {
  const due = HOSTS.filter((host) => {
    if (!backsUpDaily(host)) return false;
    const newest = Math.max(...marker.hosts[host.name]!.repos.flatMap((r) => r.archives.map((a) => Date.parse(a.time))));
    return now.getTime() - newest > DAY_MS;
  });
  if (due.length === 0) return false;
  log(`newest archives are more than a day old: one new archive for ${due.map((h) => h.name).join(", ")}`);
  const stamp = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
  await pool(due, jobs, signal, async (host, signal) => {
    const record = marker.hosts[host.name]!;
    const tmp = fs.mkdtempSync(path.join(scratchDir(), `borg-fleet-topup-${host.name}-`));
    try {
      const entries = hostTree(host, new Date(record.origin), stamp);
      new Materializer(tmp).apply(entries, stamp);
      const name = archiveName(host.name, stamp);
      for (const repo of record.repos) {
        const target: BorgTarget = { location: repo.location, secrets: { passphraseFile: repo.passphraseFile } };
        await createArchive(target, name, sourcePaths(entries), { cwd: tmp, timestamp: stamp, compression: COMPRESSION }, { ...borgOpts, signal });
        // The hosts prune after every backup, as in the seed's borg-backup.sh.
        await pruneRepo(target, pruneArgs(SEED_POLICY), { ...borgOpts, signal });
        const all = [...repo.archives, { name, time: stamp.toISOString() }].map((a) => ({ ...a, ts: new Date(a.time) }));
        repo.archives = prune(all, SEED_POLICY)
          .filter((d) => d.keep)
          .map((d) => ({ name: d.item.name, time: d.item.time }))
          .reverse();
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    await updateStats(record.repos, borgOpts, signal);
  });
  return true;
}

function fleetYaml(dir: string, marker: Marker): string {
  const rel = (p: string) => `./${path.relative(dir, p).split(path.sep).join("/")}`;
  const lines = [
    "# borg-fleet demo fleet, generated by scripts/seed-demo.ts (npm run demo).",
    `# Seeded ${marker.createdAt}; seed version ${marker.version}. Re-create with: npm run demo -- --reseed`,
    "# Relative paths are relative to this file.",
    "dataDir: ./data",
    "staleAfter: 1.5d",
    "# Laptops are often off: their own threshold (first matching rule wins; others use staleAfter).",
    "freshness:",
    "  hosts:",
    '    - { match: "laptop-*", staleAfter: 14d }',
    "collector:",
    "  interval: 60s",
    "  concurrency: 2",
    "  timeout: 5m",
    "  busyRetry: 30s",
    "# Integrity checks (borg check) and restore drills: the defaults, written out.",
    "checks:",
    "  repository: { every: 7d }",
    "  archives: { every: 30d, verifyData: false }",
    "  timeout: 1h",
    "drills:",
    "  every: 7d",
    "  sampleBytes: 16MiB",
    "  maxFiles: 200",
    "  timeout: 30m",
    "sites:",
    ...SITES.flatMap((site) => [`  - name: ${site}`, `    root: ./${site}/srv/borg`, "    discover: true"]),
    "repos:",
  ];
  for (const host of HOSTS) {
    for (const repo of marker.hosts[host.name]!.repos) {
      if (host.special) lines.push(`  # ${host.name}: ${host.description}`);
      lines.push(`  - host: ${host.name}`, `    site: ${repo.site}`, "    secrets:", `      passphraseFile: ${rel(repo.configPassphraseFile)}`);
    }
  }
  return lines.join("\n") + "\n";
}

/** CPU time of this process and of the borg processes it waited for (Linux /proc), for tuning. */
function cpuReport(): string {
  const own = process.cpuUsage();
  let children = "";
  try {
    // proc(5): after "(comm) ", index 0 is field 3 (state); cutime and cstime are fields 16 and 17 (clock ticks).
    const fields = fs.readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ");
    const ticks = Number(fields[13]) + Number(fields[14]);
    children = `, borg ${(ticks / 100).toFixed(1)}s`;
  } catch {
    /* not Linux */
  }
  return `CPU: seeder ${((own.user + own.system) / 1e6).toFixed(1)}s${children}`;
}

function human(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB"];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}

function age(ms: number): string {
  const h = ms / 3_600_000;
  return h < 48 ? `${h.toFixed(1)}h` : `${(h / 24).toFixed(1)}d`;
}

function printSummary(marker: Marker, now: Date) {
  const rows: string[][] = [["HOST", "SITE", "ARCHIVES", "NEWEST (UTC)", "AGE", "ORIGINAL", "DEDUPLICATED", "ON DISK", "NOTE"]];
  let archives = 0;
  let disk = 0;
  for (const host of HOSTS) {
    for (const repo of marker.hosts[host.name]!.repos) {
      const newest = repo.archives.at(-1);
      archives += repo.archives.length;
      disk += repo.diskUsage;
      const note =
        host.special === "stale"
          ? "stale"
          : host.special === "never"
            ? "never backed up"
            : host.special === "wrong-passphrase"
              ? "fleet.yml has an old passphrase"
              : "";
      rows.push([
        host.name,
        repo.site,
        String(repo.archives.length),
        newest ? newest.time.slice(0, 16).replace("T", " ") : "-",
        newest ? age(now.getTime() - Date.parse(newest.time)) : "-",
        human(repo.originalSize),
        human(repo.deduplicatedSize),
        human(repo.diskUsage),
        note,
      ]);
    }
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const right = new Set([2, 4, 5, 6, 7]);
  for (const row of rows) {
    process.stdout.write(
      `  ${row
        .map((cell, c) => (right.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
        .join("  ")
        .trimEnd()}\n`,
    );
  }
  process.stdout.write(`  ${HOSTS.length} hosts, ${rows.length - 1} repos, ${archives} archives, ${human(disk)} on disk\n`);
}

async function seedOrReuse(opts: Options, found: Marker | null, borgOpts: BorgCallOptions, signal: AbortSignal, started: number): Promise<Marker> {
  let marker = found;
  if (!opts.reseed && markerIsUsable(opts.dir, marker)) {
    log(`reusing the demo fleet in ${opts.dir} (seeded ${marker.createdAt})`);
    fs.mkdirSync(borgOpts.baseDir!, { recursive: true });
    try {
      if (await topUp(opts.dir, marker, opts.now, opts.jobs, borgOpts, signal)) writeMarker(opts.dir, marker);
    } catch (err) {
      if (signal.aborted) throw err;
      throw new Error(
        `${err instanceof Error ? err.message : String(err)}\n(adding fresh archives to the reused demo failed; start over with: npm run demo -- --reseed)`,
      );
    }
    return marker;
  }
  if (marker && marker.version !== SEED_VERSION) log(`demo dir was seeded by an older seeder (version ${marker.version}): seeding again`);
  clearDemoDir(opts.dir);
  fs.mkdirSync(path.join(opts.dir, ".seed"), { recursive: true });
  fs.writeFileSync(path.join(opts.dir, IN_PROGRESS), `${new Date().toISOString()}\n`);
  fs.mkdirSync(path.join(opts.dir, "data"), { recursive: true });
  fs.mkdirSync(path.join(opts.dir, "secrets"), { recursive: true, mode: 0o700 });
  for (const site of SITES) fs.mkdirSync(path.join(opts.dir, site, "srv", "borg"), { recursive: true });
  log(`seeding ${HOSTS.length} hosts into ${opts.dir} (${opts.jobs} at a time)`);
  const hosts: Marker["hosts"] = {};
  const ordered = [...HOSTS].sort((a, b) => cost(b, opts.now) - cost(a, opts.now));
  await pool(ordered, opts.jobs, signal, async (host, signal) => {
    hosts[host.name] = await seedHost(opts.dir, host, opts.now, borgOpts, signal);
  });
  if (signal.aborted) throw new Error("interrupted");
  marker = { version: SEED_VERSION, createdAt: opts.now.toISOString(), seedSeconds: (Date.now() - started) / 1000, hosts };
  fs.writeFileSync(path.join(opts.dir, "fleet.yml"), fleetYaml(opts.dir, marker));
  writeMarker(opts.dir, marker);
  fs.rmSync(path.join(opts.dir, IN_PROGRESS), { force: true });
  return marker;
}

export async function main(argv: string[]): Promise<void> {
  const opts = parseArgs(argv);
  const started = Date.now();
  const controller = new AbortController();
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(sig, () => {
      log(`${sig}: stopping`);
      process.exitCode = sig === "SIGINT" ? 130 : 143;
      controller.abort();
    });
  }
  // The backup clients' own borg state (cache, security dir), apart from the dashboard's dataDir.
  const borgOpts: BorgCallOptions = { baseDir: path.join(opts.dir, ".seed", "borg-client"), timeoutMs: 5 * 60_000 };

  let marker = readMarker(opts.dir);
  const realBorg = process.env.BORG_FLEET_BORG_BINARY;
  try {
    marker = await seedOrReuse(opts, marker, borgOpts, controller.signal, started);
  } finally {
    if (realBorg === undefined) delete process.env.BORG_FLEET_BORG_BINARY;
    else process.env.BORG_FLEET_BORG_BINARY = realBorg;
  }

  if (!fs.existsSync(path.join(opts.dir, "fleet.yml"))) fs.writeFileSync(path.join(opts.dir, "fleet.yml"), fleetYaml(opts.dir, marker));
  // The file must load exactly as the dashboard will load it.
  const configFile = path.join(opts.dir, "fleet.yml");
  parseConfig(fs.readFileSync(configFile, "utf8"), configFile);
  await seedDemoUsers(opts.dir, log);
  seedVerifyScenarios(opts.dir, opts.now, log);
  const pruned = seedReportHistory(opts.dir, marker);
  log(`report history: ${pruned} pruned archive(s) of the last 62 days recorded as seen`);

  printSummary(marker, opts.now);
  log(`done in ${seconds(Date.now() - started)} (${cpuReport()}); BORG_FLEET_CONFIG=${configFile}`);
}
