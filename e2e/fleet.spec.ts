import { expect, test, type Page } from "@playwright/test";
import { STATUS_LABELS } from "../lib/fleet/status";
import { borgArchiveNames, EXPECTED_REPOS, hostWith } from "./demoFleet";

/** The collector reads every repo right after start; wait until no repo is "not read yet". */
async function openSettledOverview(page: Page): Promise<void> {
  await expect(async () => {
    await page.goto("/");
    await expect(page.getByRole("table")).toBeVisible();
    await expect(page.getByRole("table").getByText(STATUS_LABELS.pending, { exact: true })).toHaveCount(0, { timeout: 1000 });
  }).toPass({ timeout: 120_000, intervals: [2000] });
}

function repoRow(page: Page, host: string, site: string) {
  return page
    .getByRole("table")
    .getByRole("row")
    .filter({ has: page.getByRole("rowheader", { name: host, exact: true }) })
    .filter({ has: page.getByRole("cell", { name: site, exact: true }) });
}

test("the overview lists every demo repo with the status its situation calls for", async ({ page }) => {
  await openSettledOverview(page);
  const table = page.getByRole("table");
  // Every repo of the demo fleet, and no other.
  await expect(table.locator("tbody tr")).toHaveCount(EXPECTED_REPOS.length);
  for (const repo of EXPECTED_REPOS) {
    const row = repoRow(page, repo.host, repo.site);
    await expect(row, `${repo.site}/${repo.host}`).toHaveCount(1);
    await expect(row, `${repo.site}/${repo.host}`).toContainText(STATUS_LABELS[repo.status]);
  }
});

test("the overview shows capacity for both storage sites", async ({ page }) => {
  await openSettledOverview(page);
  for (const site of ["onsite", "offsite"]) {
    await expect(page.getByRole("heading", { name: new RegExp(site, "i") }).first()).toBeVisible();
  }
  await expect(page.getByText(/free/i).first()).toBeVisible();
});

test("a host page lists the archives borg has, newest first", async ({ page }) => {
  await openSettledOverview(page);
  const host = EXPECTED_REPOS.find((r) => r.status === "fresh")!;
  await repoRow(page, host.host, host.site).getByRole("link", { name: host.host }).click();
  await expect(page).toHaveURL(new RegExp(`/hosts/${host.host}$`));
  await expect(page.getByRole("heading", { level: 1 })).toContainText(host.host);

  const names = borgArchiveNames(host.site, host.host);
  expect(names.length).toBeGreaterThan(5);
  const section = page.getByRole("region", { name: new RegExp(host.site) });
  const rows = section.getByRole("table").last().locator("tbody tr");
  await expect(rows).toHaveCount(names.length);
  await expect(rows.first().getByRole("rowheader")).toHaveText(names.at(-1)!);
  await expect(rows.last().getByRole("rowheader")).toHaveText(names[0]!);
});

test("the host with a wrong passphrase explains the problem in plain words", async ({ page }) => {
  await page.goto(`/hosts/${hostWith("error")}`);
  await expect(page.getByText(/passphrase/i).first()).toBeVisible();
});

test("the stale host shows its age and the never-backed-up host says so", async ({ page }) => {
  await page.goto(`/hosts/${hostWith("stale")}`);
  await expect(page.getByText(STATUS_LABELS.stale).first()).toBeVisible();
  await page.goto(`/hosts/${hostWith("never")}`);
  await expect(page.getByText(STATUS_LABELS.never).first()).toBeVisible();
});

test("an unknown host is a 404, not an empty page", async ({ page }) => {
  const response = await page.goto("/hosts/no-such-host");
  expect(response?.status()).toBe(404);
});

test("Refresh now re-reads the host's repos and says so", async ({ page }) => {
  const host = EXPECTED_REPOS.find((r) => r.status === "fresh")!.host;
  await page.goto(`/hosts/${host}`);
  await page.getByRole("button", { name: "Refresh now" }).click();
  await expect(page.getByRole("status")).toContainText(/Refreshed (\d+ repos?|a moment ago)\./, { timeout: 60_000 });
});

test("Refresh now on the host with a wrong passphrase reports the problem", async ({ page }) => {
  await page.goto(`/hosts/${hostWith("error")}`);
  await page.getByRole("button", { name: "Refresh now" }).click();
  await expect(page.getByRole("status")).toContainText(/problems.*passphrase/i, { timeout: 60_000 });
});
