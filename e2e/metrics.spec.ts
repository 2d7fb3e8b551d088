import { expect, test } from "@playwright/test";
import { EXPECTED_REPOS, hostWith } from "./demoFleet";

const FAMILIES_PER_REPO = [
  "borg_repo_archives",
  "borg_repo_deduplicated_size_bytes",
  "borg_repo_original_size_bytes",
  "borg_repo_disk_usage_bytes",
  "borg_repo_up",
  "borg_backup_in_progress",
];

/** Parse the exposition into `name{labels}` → value. */
function parse(text: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    series.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return series;
}

test("/metrics carries the contract's families for every demo repo and both sites", async ({ request }) => {
  let series = new Map<string, number>();
  // Wait for the collector's first cycle to finish.
  await expect(async () => {
    const response = await request.get("/metrics");
    expect(response.status()).toBe(200);
    expect(response.headers()["content-type"]).toContain("text/plain");
    series = parse(await response.text());
    expect(series.has("borg_collect_duration_seconds")).toBe(true);
  }).toPass({ timeout: 120_000, intervals: [2000] });

  const get = (name: string, host: string, site: string) => series.get(`${name}{host="${host}",site="${site}"}`);
  const now = Date.now() / 1000;

  for (const { host, site, status } of EXPECTED_REPOS) {
    if (status === "error") continue; // cannot be read: only borg_repo_up, checked below
    for (const family of FAMILIES_PER_REPO) expect(get(family, host, site), `${family} ${site}/${host}`).toBeDefined();
    const ts = get("borg_last_archive_timestamp_seconds", host, site);
    if (status === "never") {
      expect(ts, `${site}/${host} has no archive`).toBeUndefined();
      expect(get("borg_repo_archives", host, site)).toBe(0);
    } else {
      expect(ts, `${site}/${host}`).toBeDefined();
      const age = now - ts!;
      // Each repo's own threshold (the demo's fleet.yml: laptop-* 14 days, the rest 1.5 days).
      const threshold = get("borg_stale_threshold_seconds", host, site)!;
      expect(threshold, `${site}/${host}`).toBe(host.startsWith("laptop-") ? 14 * 86400 : 86400 * 1.5);
      if (status === "stale") expect(age).toBeGreaterThan(threshold);
      else expect(age).toBeLessThan(threshold);
    }
    expect(get("borg_collect_last_success_timestamp_seconds", host, site)).toBeGreaterThan(now - 3600);
  }

  const broken = hostWith("error");
  const brokenSite = EXPECTED_REPOS.find((r) => r.host === broken)!.site;
  expect(get("borg_repo_up", broken, brokenSite)).toBe(0);
  expect(get("borg_repo_up", hostWith("stale"), EXPECTED_REPOS.find((r) => r.status === "stale")!.site)).toBe(1);

  for (const site of ["onsite", "offsite"]) {
    expect(series.get(`borg_storage_size_bytes{site="${site}"}`)).toBeGreaterThan(0);
    expect(series.get(`borg_storage_free_bytes{site="${site}"}`)).toBeGreaterThan(0);
  }
});

test("/api/health answers with the collector's state", async ({ request }) => {
  const response = await request.get("/api/health");
  expect(response.status()).toBe(200);
  const body = await response.json();
  expect(body).toMatchObject({ status: "ok", source: "collector", repos: EXPECTED_REPOS.length });
});
