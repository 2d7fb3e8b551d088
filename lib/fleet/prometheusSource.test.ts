/**
 * PROMETHEUS_URL mode against real Prometheus (Debian's /usr/bin/prometheus on 127.0.0.1):
 *
 *  - job "borg-fleet": this dashboard's own /metrics exposition (the real registry and fleet gauges)
 *    over a fleet state with every status: fresh, stale, never backed up, wrong passphrase, busy;
 *  - job "node": a client's textfile collector (deploy/textfile-collector's metric set) reporting one
 *    of the same repos again, with an older archive, plus a host only it knows; and node_exporter's
 *    filesystem series for a remote storage site.
 *
 * PrometheusSource must read back the same fleet the collector had (repos, statuses, last-archive
 * times, sizes, capacity, shared filesystems), merge the two jobs per repo, and fill history from
 * range queries. Also: in this mode /metrics does not export the per-repo series again.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "@/lib/config/load";
import { getRegistry } from "@/lib/metrics/registry";
import { readSiteCapacity } from "@/lib/collector/storage";
import { PrometheusClient, PrometheusError, promString } from "./prometheusClient";
import { PrometheusSource } from "./prometheusSource";
import { repoStatusIn, staleAfterSecondsFor } from "./freshness";
import { getFleetState, setFleetProvider } from "./store";
import type { FleetState, RepoState, SiteState } from "./types";

const NOW = Date.now();
const HOUR = 3_600_000;
const GiB = 1024 ** 3;

function repo(host: string, site: string, overrides: Partial<RepoState> = {}): RepoState {
  const end = NOW - 5 * HOUR + 123; // odd milliseconds: the float round trip must keep them
  return {
    id: `${site}/${host}`,
    host,
    site,
    location: `/srv/${site}/${host}`,
    local: true,
    lastArchive: {
      name: `${host}-1`,
      id: "a".repeat(64),
      start: end - 95_500,
      end,
      stats: { originalBytes: 1, compressedBytes: 1, deduplicatedBytes: 1, files: 1, durationSeconds: 95.5 },
    },
    archiveCount: 17,
    archives: [],
    sizes: { originalBytes: 9_000_000_001, compressedBytes: 4_000_000_003, deduplicatedBytes: 1_234_567_891 },
    diskUsageBytes: 1_300_000_000,
    busy: false,
    encryption: "repokey-blake2",
    lastAttemptAt: NOW - 60_000,
    lastSuccessAt: NOW - 60_000 + 7,
    lastError: null,
    lastDurationMs: 1500,
    ...overrides,
  };
}

const site = (name: string, overrides: Partial<SiteState> = {}): SiteState => ({
  name,
  location: `/srv/${name}`,
  local: true,
  sizeBytes: 500 * GiB,
  freeBytes: 123 * GiB + 4567,
  capacitySource: "statfs",
  sharesFilesystemWith: [],
  checkedAt: NOW,
  error: null,
  ...overrides,
});

/** What the built-in collector knows: one repo per status. */
const COLLECTOR_STATE: FleetState = {
  repos: [
    repo("web-01", "onsite"),
    repo("db-01", "onsite", { busy: true }),
    repo("db-01", "offsite", { sizes: { originalBytes: 5, compressedBytes: 4, deduplicatedBytes: 3 }, diskUsageBytes: 777 }),
    repo("jira", "onsite", { lastArchive: { name: "jira-old", id: "b".repeat(64), start: NOW - 72 * HOUR - 60_000, end: NOW - 72 * HOUR, stats: null } }),
    repo("build-02", "onsite", {
      lastArchive: null,
      archiveCount: 0,
      sizes: { originalBytes: 0, compressedBytes: 0, deduplicatedBytes: 0 },
      diskUsageBytes: 40_000,
    }),
    repo("monitor", "onsite", {
      lastArchive: null,
      archiveCount: null,
      sizes: null,
      diskUsageBytes: 5_000_000,
      lastSuccessAt: null,
      lastError: { kind: "wrong-passphrase", message: "wrong passphrase", detail: null, at: NOW },
    }),
  ],
  sites: [site("onsite", { sharesFilesystemWith: ["offsite"] }), site("offsite", { sharesFilesystemWith: ["onsite"] })],
  staleAfterSeconds: 129600,
  // web-* hosts must back up every 2 hours: web-01 (5 hours) is stale by its own threshold.
  staleAfterHosts: [{ match: "web-*", staleAfterSeconds: 7200 }],
  source: "collector",
  problems: [],
  collector: { lastCycleStartedAt: NOW, lastCycleDurationMs: 2500, running: false },
};

// ---------------------------------------------------------------------------------------------------

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

function serve(body: () => Promise<string> | string): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer((_req, res) => {
    void Promise.resolve(body()).then((text) => res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(text));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, port: (server.address() as net.AddressInfo).port })));
}

let prometheus: ChildProcess | undefined;
let exporter: http.Server | undefined;
let textfile: http.Server | undefined;
let dir = "";
let promUrl = "";
let nodeInstance = "";

function textfileMetrics(): string {
  const s = (v: number) => String(v);
  // The client jira's textfile collector saw an even older archive (it runs before its backup would);
  // client9 exists only here and cannot be read. And a remote storage server's filesystem.
  return [
    `borg_last_archive_timestamp_seconds{host="jira",site="onsite"} ${s((NOW - 80 * HOUR) / 1000)}`,
    `borg_repo_archives{host="jira",site="onsite"} 16`,
    `borg_repo_deduplicated_size_bytes{host="jira",site="onsite"} 1000`,
    `borg_repo_original_size_bytes{host="jira",site="onsite"} 2000`,
    `borg_repo_up{host="jira",site="onsite"} 1`,
    `borg_repo_up{host="client9",site="far"} 0`,
    `node_filesystem_size_bytes{device="/dev/sdb1",fstype="ext4",mountpoint="/srv/borg"} ${s(4000 * GiB)}`,
    `node_filesystem_avail_bytes{device="/dev/sdb1",fstype="ext4",mountpoint="/srv/borg"} ${s(1500 * GiB)}`,
    `node_filesystem_size_bytes{device="/dev/sda1",fstype="ext4",mountpoint="/"} ${s(20 * GiB)}`,
    "",
  ].join("\n");
}

beforeAll(async () => {
  setFleetProvider({ getState: () => COLLECTOR_STATE, getRepoHistory: () => [], getSiteHistory: () => [] });
  const a = await serve(() => getRegistry().metrics());
  exporter = a.server;
  const b = await serve(textfileMetrics);
  textfile = b.server;
  nodeInstance = `127.0.0.1:${b.port}`;

  dir = fs.mkdtempSync(path.join(os.tmpdir(), "borg-fleet-promsource-"));
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  fs.writeFileSync(
    path.join(dir, "prometheus.yml"),
    [
      "global: { scrape_interval: 1s, evaluation_interval: 1s }",
      "scrape_configs:",
      "  - job_name: borg-fleet",
      `    static_configs: [{ targets: ["127.0.0.1:${a.port}"] }]`,
      "  - job_name: node",
      `    static_configs: [{ targets: ["${nodeInstance}"] }]`,
      "",
    ].join("\n"),
  );
  prometheus = spawn(
    "prometheus",
    [
      `--config.file=${path.join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${path.join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    { stdio: "ignore" },
  );
  // Wait until both jobs have been scraped.
  const client = new PrometheusClient(promUrl, { timeoutMs: 2000 });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const up = await client.query("up == 1");
      const info = await client.query("borg_repo_info");
      if (up.length === 2 && info.length === COLLECTOR_STATE.repos.length) break;
    } catch {
      // not ready yet
    }
    if (Date.now() > deadline) throw new Error("Prometheus did not scrape both targets within 30 s");
    await new Promise((r) => setTimeout(r, 250));
  }
}, 60_000);

afterAll(async () => {
  if (prometheus && prometheus.exitCode === null) {
    const exited = new Promise((r) => prometheus!.once("exit", r));
    prometheus.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (prometheus.exitCode === null) prometheus.kill("SIGKILL");
  }
  await Promise.all([exporter, textfile].map((s) => new Promise((r) => (s ? s.close(r) : r(undefined)))));
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function config() {
  return parseConfig(
    [
      "staleAfter: 1.5d",
      "sites:",
      "  - name: onsite",
      "    root: /srv/onsite",
      "  - name: offsite",
      "    root: /srv/offsite",
      "  - name: far",
      "    remote: ssh://borg@far.example.com:22/srv/borg",
      "    prometheusFilesystem:",
      `      instance: "${nodeInstance}"`,
      "      mountpoint: /srv/borg",
      "repos:",
      "  - host: client9",
      "    site: far",
      "  - host: ghost",
      "    site: far",
      "",
    ].join("\n"),
    path.join(dir, "fleet.yml"),
  );
}

describe("PrometheusSource against real Prometheus", () => {
  let state: FleetState;
  let source: PrometheusSource;

  beforeAll(async () => {
    source = new PrometheusSource({ config: config(), client: new PrometheusClient(promUrl, { timeoutMs: 5000 }), log: () => {} });
    await source.refresh();
    await source.refreshHistory();
    state = source.getState();
  });

  it("shows the collector's repos with the same statuses", () => {
    const now = Date.now();
    const statuses = (s: FleetState) => Object.fromEntries(s.repos.map((r) => [r.id, repoStatusIn(s, r, now)]));
    expect(state.source).toBe("prometheus");
    const fromPrometheus = statuses(state);
    expect(fromPrometheus).toMatchObject(statuses(COLLECTOR_STATE));
    expect(fromPrometheus).toEqual({
      "far/client9": "error",
      "far/ghost": "error",
      "offsite/db-01": "fresh",
      "onsite/build-02": "never",
      "onsite/db-01": "busy",
      "onsite/jira": "stale",
      "onsite/monitor": "error",
      "onsite/web-01": "stale",
    });
  });

  it("reads each repo's threshold from the collector that reports it, not from its own config", () => {
    // This dashboard's config has no freshness.hosts rule: web-01's 2 hours come from the collector.
    expect(state.staleAfterHosts).toEqual([]);
    const threshold = (id: string) => state.repos.find((r) => r.id === id)?.reportedStaleAfterSeconds;
    expect(threshold("onsite/web-01")).toBe(7200);
    expect(threshold("onsite/jira")).toBe(129600);
    // Only a textfile collector reports client9: no threshold, the config decides (1.5 days).
    expect(threshold("far/client9")).toBeNull();
    expect(
      staleAfterSecondsFor(
        state,
        state.repos.find((r) => r.id === "far/client9")!,
      ),
    ).toBe(129600);
  });

  it("carries the same last-archive times (to the millisecond), counts and sizes", () => {
    for (const expected of COLLECTOR_STATE.repos) {
      const got = state.repos.find((r) => r.id === expected.id)!;
      expect(got, expected.id).toBeDefined();
      expect(got.lastArchive?.end ?? null, expected.id).toBe(expected.lastArchive?.end ?? null);
      if (expected.lastArchive?.stats) expect(got.lastArchive?.start, expected.id).toBe(expected.lastArchive.start);
      expect(got.archiveCount, expected.id).toBe(expected.archiveCount);
      expect(got.sizes, expected.id).toEqual(expected.sizes);
      expect(got.diskUsageBytes, expected.id).toBe(expected.diskUsageBytes);
      expect(got.busy, expected.id).toBe(expected.busy);
      expect(got.lastSuccessAt, expected.id).toBe(expected.lastSuccessAt);
      expect(got.lastDurationMs, expected.id).toBe(expected.lastDurationMs);
      expect(got.location, expected.id).toBe(expected.location);
    }
  });

  it("merges a repo reported by two jobs: the newest archive wins, one row", () => {
    expect(state.repos.filter((r) => r.id === "onsite/jira")).toHaveLength(1);
    const jira = state.repos.find((r) => r.id === "onsite/jira")!;
    expect(jira.lastArchive?.end).toBe(NOW - 72 * HOUR);
    expect(jira.archiveCount).toBe(17);
  });

  it("reports hosts only a textfile collector knows, and configured repos nobody reports", () => {
    const client9 = state.repos.find((r) => r.id === "far/client9")!;
    expect(client9.lastError?.message).toMatch(/borg_repo_up is 0/);
    expect(client9.location).toBe("ssh://borg@far.example.com:22/srv/borg/client9");
    expect(client9.local).toBe(false);
    const ghost = state.repos.find((r) => r.id === "far/ghost")!;
    expect(ghost.lastError?.message).toMatch(/no series for this repo/);
  });

  it("reads capacity: the collector's statfs figures, shared filesystems, and node_exporter for a remote site", () => {
    const byName = Object.fromEntries(state.sites.map((s) => [s.name, s]));
    expect(state.sites.map((s) => s.name)).toEqual(["onsite", "offsite", "far"]);
    for (const name of ["onsite", "offsite"]) {
      expect(byName[name]).toMatchObject({ sizeBytes: 500 * GiB, freeBytes: 123 * GiB + 4567, capacitySource: "prometheus", local: true });
    }
    expect(byName.onsite?.sharesFilesystemWith).toEqual(["offsite"]);
    expect(byName.offsite?.sharesFilesystemWith).toEqual(["onsite"]);
    expect(byName.far).toMatchObject({ sizeBytes: 4000 * GiB, freeBytes: 1500 * GiB, capacitySource: "prometheus", local: false, sharesFilesystemWith: [] });
  });

  it("gives the built-in collector the same capacity for a remote site (capacityPrometheusUrl)", async () => {
    const far = config().sites.find((s) => s.name === "far")!;
    const client = new PrometheusClient(promUrl, { timeoutMs: 5000 });
    const capacity = await readSiteCapacity(far, NOW, client);
    expect(capacity).toMatchObject({ sizeBytes: 4000 * GiB, freeBytes: 1500 * GiB, capacitySource: "prometheus", error: null });
    // Without a Prometheus, a remote site's capacity is unknown, never 0.
    expect(await readSiteCapacity(far, NOW, null)).toMatchObject({ sizeBytes: null, freeBytes: null, capacitySource: "unknown" });
    // A mount point node_exporter does not report: unknown, with a reason.
    const wrongMount = { ...far, prometheusFilesystem: { instance: far.prometheusFilesystem!.instance, mountpoint: "/nope" } };
    const missing = await readSiteCapacity(wrongMount, NOW, client);
    expect(missing).toMatchObject({ sizeBytes: null, capacitySource: "unknown" });
    expect(missing.error).toMatch(/no node_filesystem series/);
  });

  it("fills history from range queries", () => {
    const history = source.getRepoHistory("onsite/web-01", NOW - 86_400_000);
    expect(history.length).toBeGreaterThan(0);
    expect(history.at(-1)).toMatchObject({ deduplicatedBytes: 1_234_567_891, diskUsageBytes: 1_300_000_000, archiveCount: 17, originalBytes: 9_000_000_001 });
    const far = source.getSiteHistory("far", NOW - 86_400_000);
    expect(far.at(-1)).toMatchObject({ sizeBytes: 4000 * GiB, freeBytes: 1500 * GiB });
    expect(source.getSiteHistory("onsite", NOW - 86_400_000).at(-1)).toMatchObject({ sizeBytes: 500 * GiB });
  });

  it("in this mode /metrics exports no per-repo or per-site series (no echo back into Prometheus)", async () => {
    setFleetProvider(source);
    try {
      const text = await getRegistry().metrics();
      // (borg_collect_duration_seconds has no labels: prom-client always exports it, as 0 here.)
      for (const family of [
        "borg_last_archive_timestamp_seconds",
        "borg_repo_up",
        "borg_repo_archives",
        "borg_repo_deduplicated_size_bytes",
        "borg_storage_size_bytes",
        "borg_storage_free_bytes",
      ]) {
        expect(text, family).not.toMatch(new RegExp(`^${family}[{ ]`, "m"));
      }
      expect(text).toContain('borg_fleet_source_info{source="prometheus"} 1');
      expect(text).toMatch(/^borg_repo_info\{host="jira",site="onsite",dashboard_url="[^"]+\/hosts\/jira"\} 1$/m);
      // The thresholds are exported (BorgMissingBackup reads them), web-01's as its collector reported it.
      expect(text).toContain('borg_stale_threshold_seconds{host="jira",site="onsite"} 129600');
      expect(text).toContain('borg_stale_threshold_seconds{host="web-01",site="onsite"} 7200');
      expect(getFleetState().source).toBe("prometheus");
    } finally {
      setFleetProvider({ getState: () => COLLECTOR_STATE, getRepoHistory: () => [], getSiteHistory: () => [] });
    }
  });

  it("keeps the last state and reports the error when Prometheus cannot be reached", async () => {
    const port = await freePort();
    const broken = new PrometheusSource({ config: config(), client: new PrometheusClient(`http://127.0.0.1:${port}`, { timeoutMs: 1000 }), log: () => {} });
    await expect(broken.refresh()).rejects.toBeInstanceOf(PrometheusError);
    expect(broken.error).toMatch(/connection failed/);
    expect(broken.getState().repos).toEqual([]);
    expect(broken.getState().collector.lastCycleStartedAt).toBeNull();
  });
});

describe("PrometheusClient", () => {
  it("reports PromQL errors with Prometheus' message", async () => {
    const client = new PrometheusClient(promUrl);
    await expect(client.query("sum(")).rejects.toThrow(/bad_data/);
  });

  it("times out and never shows URL credentials", async () => {
    const hang = http.createServer(() => {
      /* never answers */
    });
    await new Promise<void>((r) => hang.listen(0, "127.0.0.1", r));
    try {
      const port = (hang.address() as net.AddressInfo).port;
      const client = new PrometheusClient(`http://user:s3cret@127.0.0.1:${port}/`, { timeoutMs: 300 });
      const error = (await client.query("up").catch((e: unknown) => e)) as Error;
      expect(error).toBeInstanceOf(PrometheusError);
      expect(error.message).toMatch(/no answer within 300 ms/);
      expect(error.message).not.toContain("s3cret");
    } finally {
      hang.closeAllConnections();
      await new Promise((r) => hang.close(r));
    }
  });

  it("sends URL credentials as basic auth", async () => {
    let auth: string | undefined;
    const server = http.createServer((req, res) => {
      auth = req.headers.authorization;
      res.writeHead(200, { "content-type": "application/json" }).end('{"status":"success","data":{"resultType":"vector","result":[]}}');
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const port = (server.address() as net.AddressInfo).port;
      expect(await new PrometheusClient(`http://user:p%40ss@127.0.0.1:${port}`).query("up")).toEqual([]);
      expect(auth).toBe(`Basic ${Buffer.from("user:p@ss").toString("base64")}`);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it("quotes label values for PromQL", () => {
    expect(promString('a"b\\c')).toBe('"a\\"b\\\\c"');
  });
});
