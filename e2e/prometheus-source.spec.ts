/**
 * PROMETHEUS_URL mode shows the same fleet as the built-in collector on the demo. Real Prometheus
 * (e2e/stack.ts) scrapes the stack's demo dashboard (built-in collector); a second dashboard process,
 * the production server (scripts/server.mjs) with PROMETHEUS_URL pointing at that Prometheus and its own data directory, reads the
 * fleet from Prometheus only. Both overviews must list the same repos with the same statuses, last
 * archive times, sizes and archive counts, and the same storage sites; the second dashboard's /metrics
 * must not export the repo series again (Prometheus would scrape them back).
 */
import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import type { Page } from "@playwright/test";
import { credential, signIn } from "./auth";
import { EXPECTED_REPOS, hostWith } from "./demoFleet";
import { expect, getJson, ROOT, spawnGroup, STACK_PORTS, stopGroup, test, waitFor } from "./stack";

const COMPARED_COLUMNS = ["Host", "Site", "Status", "Last archive", "On disk", "Deduplicated", "Archives"];

/** The host table as header → cell text per row, for the columns compared here. */
async function hostTable(page: Page, base: string): Promise<Record<string, string>[]> {
  await page.goto(`${base}/`);
  const table = page.getByRole("table");
  await expect(table).toBeVisible();
  // textContent: the header row is upper-cased by CSS, which innerText would apply.
  const headers = await table.locator("thead th").evaluateAll((ths) => ths.map((th) => (th.textContent ?? "").replace(/[^A-Za-z ]/g, "").trim()));
  const rows = await table
    .locator("tbody tr")
    .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("th, td")].map((c) => (c as HTMLElement).innerText.trim())));
  return rows.map((cells) => Object.fromEntries(headers.map((h, i) => [h, cells[i] ?? ""]).filter(([h]) => COMPARED_COLUMNS.includes(h!))));
}

async function siteCards(page: Page, base: string): Promise<string[]> {
  await page.goto(`${base}/`);
  const section = page.getByRole("region", { name: "Storage capacity" });
  return section.getByRole("heading", { level: 3 }).allInnerTexts();
}

test("PROMETHEUS_URL mode shows the same fleet as the built-in collector", async ({ page, browser, stack }) => {
  test.setTimeout(240_000);
  // The collector has read every repo, and Prometheus has scraped the result.
  await waitFor(
    "every demo repo in Prometheus",
    async () => {
      const body = await getJson<{ data: { result: unknown[] } }>(`${stack.prometheus}/api/v1/query?query=${encodeURIComponent("borg_repo_up")}`);
      return body.data.result.length === EXPECTED_REPOS.length ? true : undefined;
    },
    120_000,
  );

  // A second dashboard, reading from Prometheus, with its own database.
  const config = path.join(stack.dir, "fleet-prometheus.yml");
  const original = fs.readFileSync(path.join(stack.dir, "fleet.yml"), "utf8");
  const changed = original.replace(/^dataDir: \.\/data$/m, "dataDir: ./data-prometheus-mode");
  expect(changed).not.toBe(original);
  fs.writeFileSync(config, changed);
  // Its own database has its own users: the first admin comes from the CLI (npm run users).
  const admin = credential("admin", stack.dir);
  execFileSync(
    path.join(ROOT, "node_modules", ".bin", "tsx"),
    ["scripts/users.ts", "add", admin.username, "--role", "admin", "--password-stdin", "--config", config],
    {
      cwd: ROOT,
      input: `${admin.password}\n`,
    },
  );
  const base = `http://127.0.0.1:${STACK_PORTS.prometheusMode}`;
  const child = spawnGroup(
    process.execPath,
    [path.join(ROOT, "scripts", "server.mjs"), "-H", "127.0.0.1", "-p", String(STACK_PORTS.prometheusMode)],
    {
      ...process.env,
      NEXT_TELEMETRY_DISABLED: "1",
      PORT: String(STACK_PORTS.prometheusMode),
      BORG_FLEET_CONFIG: config,
      PROMETHEUS_URL: stack.prometheus,
      PROMETHEUS_REFRESH_MS: "2000",
    },
    path.join(stack.dir, "prometheus-mode.log"),
  );
  // Cookies are per host name, not per port: each dashboard gets a browser context of its own.
  const other = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const otherPage = await other.newPage();
  try {
    await signIn(page, admin, stack.dashboard);
    await waitFor(
      "the PROMETHEUS_URL dashboard",
      async () => {
        const health = await getJson<{ source: string; repos: number }>(`${base}/api/health`);
        return health.source === "prometheus" && health.repos === EXPECTED_REPOS.length ? true : undefined;
      },
      60_000,
    );
    await signIn(otherPage, admin, base);

    // The same rows (relative times are rendered per request: retry if one crossed a unit boundary).
    await expect(async () => {
      const fromCollector = await hostTable(page, stack.dashboard);
      const fromPrometheus = await hostTable(otherPage, base);
      expect(fromCollector).toHaveLength(EXPECTED_REPOS.length);
      for (const row of fromCollector) expect(Object.keys(row).sort()).toEqual([...COMPARED_COLUMNS].sort());
      expect(fromCollector.map((r) => `${r.Site}/${r.Host}`).sort()).toEqual(EXPECTED_REPOS.map((r) => `${r.site}/${r.host}`).sort());
      expect(fromPrometheus).toEqual(fromCollector);
    }).toPass({ timeout: 60_000, intervals: [2000] });

    // The header says where the numbers come from.
    await otherPage.goto(`${base}/`);
    await expect(otherPage.getByText("Prometheus", { exact: true }).first()).toBeVisible();

    // The same storage sites, with capacity known.
    expect(await siteCards(otherPage, base)).toEqual(await siteCards(page, stack.dashboard));
    await expect(otherPage.getByRole("region", { name: "Storage capacity" })).not.toContainText("unknown");

    // The stale host's triage page: the same last archive end time and age.
    const stale = hostWith("stale");
    const lastArchive = async (p: Page, origin: string) => {
      await p.goto(`${origin}/hosts/${stale}`);
      const card = p.locator("dl").filter({ hasText: "Ended" }).first();
      return [await card.locator("dd").nth(1).innerText(), await card.locator("dd").nth(3).innerText()];
    };
    expect(await lastArchive(otherPage, base)).toEqual(await lastArchive(page, stack.dashboard));

    // No echo: the repo series are not exported again in this mode.
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).not.toMatch(/^borg_repo_up\{/m);
    expect(metrics).not.toMatch(/^borg_last_archive_timestamp_seconds\{/m);
    expect(metrics).toContain('borg_fleet_source_info{source="prometheus"} 1');
    expect(metrics).toMatch(new RegExp(`^borg_repo_info\\{host="${stale}",site="onsite",dashboard_url="[^"]+/hosts/${stale}"\\} 1$`, "m"));
  } finally {
    await other.close();
    await stopGroup(child);
  }
});
