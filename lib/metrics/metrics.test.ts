import { beforeEach, describe, expect, it } from "vitest";
import { setFleetProvider } from "@/lib/fleet/store";
import type { FleetState, RepoState } from "@/lib/fleet/types";
import { repoState } from "@/test/fixtures/fleetState";
import { getRegistry } from "./registry";

const NOW = Date.UTC(2026, 10, 26, 12);

/** The shared healthy repo, with the figures these assertions read. */
const repo = (host: string, site: string, overrides: Partial<RepoState> = {}): RepoState =>
  repoState(host, site, NOW, {
    location: `/srv/borg/${host}`,
    lastArchive: { name: "x", id: "1", start: NOW - 7_200_000, end: NOW - 3_600_000, stats: null },
    archiveCount: 17,
    sizes: { originalBytes: 3000, compressedBytes: 2000, deduplicatedBytes: 1000 },
    diskUsageBytes: 1200,
    lastDurationMs: 500,
    ...overrides,
  });

const state: FleetState = {
  repos: [
    repo("web-01", "onsite"),
    repo("web-01", "offsite", { busy: true }),
    repo("new-host", "onsite", { lastArchive: null, archiveCount: 0 }),
    repo("laptop-7", "onsite"),
    repo("broken", "offsite", {
      lastError: { kind: "wrong-passphrase", message: "wrong", detail: null, at: NOW },
      lastArchive: null,
      archiveCount: null,
      sizes: null,
      lastSuccessAt: null,
    }),
  ],
  sites: [
    {
      name: "onsite",
      location: "/srv/borg",
      local: true,
      sizeBytes: 10_000,
      freeBytes: 4_000,
      capacitySource: "statfs",
      sharesFilesystemWith: [],
      checkedAt: NOW,
      error: null,
    },
    {
      name: "offsite",
      location: "ssh://borg@x/srv/borg",
      local: false,
      sizeBytes: null,
      freeBytes: null,
      capacitySource: "unknown",
      sharesFilesystemWith: [],
      checkedAt: NOW,
      error: null,
    },
  ],
  staleAfterSeconds: 129600,
  staleAfterHosts: [{ match: "laptop-*", staleAfterSeconds: 1209600 }],
  source: "collector",
  problems: [],
  collector: { lastCycleStartedAt: NOW, lastCycleDurationMs: 2500, running: false },
};

beforeEach(() => {
  process.env.BORG_FLEET_PUBLIC_URL = "https://backups.example.com/";
  setFleetProvider({ getState: () => state, getRepoHistory: () => [], getSiteHistory: () => [] });
});

describe("/metrics exposition", () => {
  it("carries every contract family with host and site labels, in base units", async () => {
    const text = await getRegistry().metrics();
    expect(text).toContain(`borg_last_archive_timestamp_seconds{host="web-01",site="onsite"} ${(NOW - 3_600_000) / 1000}`);
    expect(text).toContain('borg_repo_archives{host="web-01",site="onsite"} 17');
    expect(text).toContain('borg_repo_deduplicated_size_bytes{host="web-01",site="onsite"} 1000');
    expect(text).toContain('borg_repo_original_size_bytes{host="web-01",site="onsite"} 3000');
    expect(text).toContain('borg_repo_disk_usage_bytes{host="web-01",site="onsite"} 1200');
    expect(text).toContain('borg_repo_up{host="web-01",site="onsite"} 1');
    expect(text).toContain('borg_backup_in_progress{host="web-01",site="offsite"} 1');
    expect(text).toContain('borg_backup_in_progress{host="web-01",site="onsite"} 0');
    expect(text).toContain('borg_storage_size_bytes{site="onsite"} 10000');
    expect(text).toContain('borg_storage_free_bytes{site="onsite"} 4000');
    expect(text).toContain("borg_collect_duration_seconds 2.5");
    expect(text).toContain(`borg_collect_last_success_timestamp_seconds{host="web-01",site="onsite"} ${NOW / 1000}`);
    expect(text).toContain('borg_stale_threshold_seconds{host="web-01",site="onsite"} 129600');
    expect(text).toContain('borg_stale_threshold_seconds{host="laptop-7",site="onsite"} 1209600');
    // process_* metrics: lib/metrics/exposition.test.ts (their own registry, appended to the cached exposition)
  });

  it("has no timestamp series for a repo without archives (alerts use the archive count instead)", async () => {
    const text = await getRegistry().metrics();
    expect(text).not.toMatch(/borg_last_archive_timestamp_seconds\{host="new-host"/);
    expect(text).toContain('borg_repo_archives{host="new-host",site="onsite"} 0');
  });

  it("reports a broken repo as down and unknown capacity as absent, never 0", async () => {
    const text = await getRegistry().metrics();
    expect(text).toContain('borg_repo_up{host="broken",site="offsite"} 0');
    expect(text).not.toMatch(/borg_storage_(size|free)_bytes\{site="offsite"\}/);
  });

  it("links each host to its triage page on the public URL", async () => {
    const text = await getRegistry().metrics();
    expect(text).toContain('borg_repo_info{host="web-01",site="onsite",dashboard_url="https://backups.example.com/hosts/web-01"} 1');
  });

  it("survives being built twice in one process (one registry on globalThis)", () => {
    expect(getRegistry()).toBe(getRegistry());
  });
});
