/**
 * The compliance report against the e2e demo: its day marks match what real borg lists (plus the
 * archives the demo's pruning deleted, recorded as seen by scripts/seed/history.ts), the CSV has one
 * row per host and day, printing is one click, and the laptop is judged by its own threshold.
 */
import fs from "node:fs";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { fullHistory, HOSTS } from "../scripts/seed/fleet";
import { borgArchiveNames, DEMO_DIR, EXPECTED_REPOS } from "./demoFleet";

const HOST = "web-02"; // on-site only; missed three days two weeks ago
const dayOf = (ts: Date) => ts.toISOString().slice(0, 10);

function monthKeys(): string[] {
  const now = new Date();
  const current = now.toISOString().slice(0, 7);
  const previous = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
  return [current, previous];
}

/** Days of `month` on which borg lists an archive of the host (names end in the UTC start time). */
function borgDays(month: string): Set<string> {
  const days = borgArchiveNames("onsite", HOST).map((name) => /-(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}$/.exec(name)?.[1] ?? "");
  return new Set(days.filter((d) => d.startsWith(month)));
}

/** When the demo was seeded: its history is relative to that. */
function seededAt(): number {
  return Date.parse((JSON.parse(fs.readFileSync(path.join(DEMO_DIR, ".seed", "seed.json"), "utf8")) as { createdAt: string }).createdAt);
}

/** Days the host's daily timer ran before the demo's pruning (what a dashboard would have seen). */
function historyDays(): Set<string> {
  return new Set(
    fullHistory(
      HOSTS.find((h) => h.name === HOST)!,
      new Date(seededAt()),
      "onsite",
    ).map(dayOf),
  );
}

async function markedDays(page: Page, month: string): Promise<string[]> {
  await page.goto(`/reports?month=${month}`);
  const grid = page.getByTestId("compliance-grid");
  const dates = await grid.locator("thead th[data-date]").evaluateAll((ths) => ths.map((th) => th.getAttribute("data-date") ?? ""));
  const cells = await grid.locator(`tbody tr[data-host="${HOST}"] td`).allTextContents();
  return dates.filter((_, i) => cells[i]?.startsWith("A"));
}

test("the report marks the days on which borg lists archives of a host, and the pruned ones it saw", async ({ page }) => {
  const seen = historyDays();
  for (const month of monthKeys()) {
    const listed = borgDays(month);
    // The collector records the archives borg lists when it first reads the repo: wait for it.
    await expect(async () => {
      const marked = await markedDays(page, month);
      for (const day of listed) expect(marked, `${month}: borg lists an archive on ${day}`).toContain(day);
      for (const day of marked) expect(listed.has(day) || seen.has(day), `${month}: ${day} is marked but borg never had an archive then`).toBe(true);
    }).toPass({ timeout: 120_000, intervals: [2000] });
  }
  // The three days web-02 missed are not marked, and make a gap of its own.
  const missed = [14, 15, 16].map((d) => dayOf(new Date(seededAt() - d * 86_400_000)));
  for (const month of monthKeys()) {
    const marked = await markedDays(page, month);
    for (const day of missed.filter((d) => d.startsWith(month))) expect(marked).not.toContain(day);
  }
  await page.goto(`/reports?month=${missed[1]!.slice(0, 7)}`);
  await expect(page.getByTestId("gaps-table").getByRole("row").filter({ hasText: HOST })).toHaveCount(1);
});

test("the CSV has one row per host and day", async ({ page }) => {
  const month = monthKeys()[0]!;
  const response = await page.request.get(`/reports/csv?month=${month}`);
  expect(response.status()).toBe(200);
  expect(response.headers()["content-type"]).toContain("text/csv");
  const [header, ...rows] = (await response.text()).split("\r\n").filter(Boolean);
  expect(header).toBe("host,date,archives,archive_made,check_passed_that_week,drill_passed_that_week,within_threshold,threshold_seconds,rpo_compliance");
  const hosts = new Set(EXPECTED_REPOS.map((r) => r.host));
  const [year, mon] = month.split("-").map(Number);
  const days = new Date(Date.UTC(year!, mon!, 0)).getUTCDate();
  expect(rows).toHaveLength(hosts.size * days);
  const pairs = new Set(rows.map((r) => r.split(",").slice(0, 2).join(",")));
  expect(pairs.size).toBe(rows.length);
  for (const host of hosts)
    expect(
      rows.filter((r) => r.startsWith(`${host},`)),
      host,
    ).toHaveLength(days);
  // A malformed month is refused, not guessed.
  expect((await page.request.get("/reports/csv?month=2026-13")).status()).toBe(400);
});

test("one click opens the print dialog; the laptop is judged by its own 14 days", async ({ page }) => {
  await page.goto("/reports");
  await page.evaluate(() => {
    (window as unknown as { printed: number }).printed = 0;
    window.print = () => void ((window as unknown as { printed: number }).printed += 1);
  });
  await page.getByRole("button", { name: "Print / Save as PDF" }).click();
  expect(await page.evaluate(() => (window as unknown as { printed: number }).printed)).toBe(1);
  // 5 days without an archive, within its threshold: its RPO row is 100 %, the threshold 14 days.
  const laptop = page.getByTestId("rpo-table").getByRole("row").filter({ hasText: "laptop-ann" });
  await expect(laptop).toContainText("14 days");
  await page.goto("/hosts/laptop-ann");
  await expect(page.getByTestId("stale-threshold")).toContainText("Stale after 14 days (host rule `laptop-*`");
});
