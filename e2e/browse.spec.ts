/**
 * The archive browser in Chromium, on the demo's real borg repos: an operator in scope opens a host,
 * clicks an archive, walks folders by rows and breadcrumbs, sorts, searches, reads details and
 * selects; a viewer and an operator out of scope get 404 for the same URLs.
 * Demo users (scripts/seed/users.ts): operator on web-* and db-??; viewer everywhere, read-only.
 */
import { expect, test, type Page } from "@playwright/test";
import { archiveUrl, rowButton } from "./archiveBrowser";
import { auditCount, contextAs } from "./auth";
import { borgArchiveNames } from "./demoFleet";

const HOST = "web-01";
const OUT_OF_SCOPE = "mail";

/** Names of the rows drawn in the folder view, top to bottom. */
async function rowNames(page: Page): Promise<string[]> {
  const names = await page
    .getByRole("rowgroup", { name: "Entries" })
    .getByRole("row")
    .evaluateAll((rows) =>
      rows
        .map((row) => ({ top: parseFloat((row as HTMLElement).style.top), name: row.querySelector("button")?.textContent ?? "" }))
        .sort((a, b) => a.top - b.top)
        .map((r) => r.name.replace(/^↪ /u, "").replace(/\/$/, "")),
    );
  return names;
}

test("an operator in scope browses an archive: folders, breadcrumbs, sort, search, details, selection", async ({ browser, baseURL, page: admin }) => {
  const browseAudit = { user: "operator", action: "archive:browse", host: HOST, outcome: "ok" };
  const auditedBefore = await auditCount(admin, browseAudit);
  const context = await contextAs(browser, baseURL!, "operator");
  const page = await context.newPage();
  const newest = borgArchiveNames("onsite", HOST).at(-1)!;

  // From the host page: the archive name is a link to the browser.
  await expect(async () => {
    await page.goto(`/hosts/${HOST}`);
    await expect(page.getByRole("link", { name: newest, exact: true })).toBeVisible({ timeout: 2000 });
  }).toPass({ timeout: 120_000, intervals: [2000] });
  await page.getByRole("link", { name: newest, exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: newest })).toBeVisible();

  // The top level, then a folder by its row; the index is built on this first open.
  await expect(rowButton(page, "etc")).toBeVisible({ timeout: 60_000 });
  await rowButton(page, "etc").click();
  await expect(page.getByRole("navigation", { name: "Folder" }).getByText("etc", { exact: true })).toHaveAttribute("aria-current", "location");
  await expect(page).toHaveURL(/[?&]path=etc(&|$)/);
  await expect(rowButton(page, "hostname")).toBeVisible();
  await rowButton(page, "ssh").click();
  await expect(rowButton(page, "sshd_config")).toBeVisible();
  // Back up by the breadcrumb.
  await page.getByRole("navigation", { name: "Folder" }).getByRole("button", { name: "etc", exact: true }).click();
  await expect(rowButton(page, "hostname")).toBeVisible();

  // Sort by name, both ways.
  const ascending = await rowNames(page);
  expect(ascending.length).toBeGreaterThan(3);
  await page.getByRole("columnheader", { name: /Name/ }).getByRole("button").click();
  await expect(page.getByRole("columnheader", { name: /Name/ })).toHaveAttribute("aria-sort", "descending");
  await expect.poll(() => rowNames(page)).toEqual([...ascending].reverse());
  // By size, largest first.
  await page.getByRole("columnheader", { name: /Size/ }).getByRole("button").click();
  await expect(page.getByRole("columnheader", { name: /Size/ })).toHaveAttribute("aria-sort", "descending");

  // Details of a symlink: its target.
  await page.getByRole("button", { name: "Details of localtime", exact: true }).click();
  const details = page.getByRole("complementary", { name: "Details" });
  await expect(details).toContainText("Symlink target");
  await expect(details).toContainText("/usr/share/zoneinfo/Etc/UTC");
  await expect(details).toContainText("Modified (UTC)");
  await expect(details).toContainText("Owner");

  // Multi-select: the selection bar counts and offers restore and download.
  await page.getByRole("checkbox", { name: "Select hostname", exact: true }).check();
  await page.getByRole("checkbox", { name: "Select fstab", exact: true }).check();
  const bar = page.getByRole("region", { name: "Selection" });
  await expect(bar).toContainText("2 selected");
  await expect(bar.getByRole("button", { name: /Restore/ })).toBeVisible();
  await expect(bar.getByRole("button", { name: /Download/ })).toBeVisible();
  await page.getByRole("checkbox", { name: "Select all in view" }).check();
  await expect(bar).toContainText(`${ascending.length} selected`);

  // Name search across the archive; the hit opens its folder.
  await page.getByLabel("Search names").fill("SSHD_CON");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  const results = page.getByRole("region", { name: "Search results" });
  await expect(results.getByRole("button", { name: "etc/ssh/sshd_config", exact: true })).toBeVisible();
  await expect(page).toHaveURL(/[?&]q=SSHD_CON(&|$)/);
  await results.getByRole("button", { name: "etc/ssh/sshd_config", exact: true }).click();
  await expect(page.getByRole("navigation", { name: "Folder" }).getByText("ssh", { exact: true })).toHaveAttribute("aria-current", "location");
  await expect(rowButton(page, "sshd_config")).toBeVisible();

  // A shared link opens the same folder; the browser's back button returns to the previous view.
  await page.goBack();
  await expect(results.getByRole("button", { name: "etc/ssh/sshd_config", exact: true })).toBeVisible();
  await page.goto(`${archiveUrl(HOST, newest)}&path=etc%2Fssh`);
  await expect(rowButton(page, "sshd_config")).toBeVisible();
  // The seed's hard names (scripts/seed/tree.ts awkward()): shell and glob characters, leading dashes,
  // and a Latin-1 name that is not UTF-8, shown with its byte escaped and linked byte-exact.
  await page.goto(`${archiveUrl(HOST, newest)}&path=${encodeURIComponent("home/alice/Downloads/hard names")}`);
  for (const name of ["caf\\xe9-latin1.txt", "$(touch pwned).txt", "-rf", "--help", "star*and?glob[1].txt", "café ☕ 日本語 résumé.txt"]) {
    await expect(rowButton(page, name), name).toBeVisible();
  }
  await rowButton(page, "caf\\xe9-latin1.txt").click();
  await expect(page.getByRole("complementary", { name: "Details" })).toContainText("home/alice/Downloads/hard names/caf\\xe9-latin1.txt");
  await page.getByRole("checkbox", { name: "Select caf\\xe9-latin1.txt", exact: true }).check();
  await expect(page.getByRole("region", { name: "Selection" })).toContainText("1 selected");

  // An archive that is not in the repo.
  await page.goto(archiveUrl(HOST, "web-01-1999-01-01T00:00"));
  await expect(page.getByRole("heading", { name: "No such archive" })).toBeVisible();
  await context.close();

  // Audited once per archive open (the link and two shared links), not per folder, sort, search or page of rows.
  expect(await auditCount(admin, browseAudit)).toBe(auditedBefore + 3);
});

test("a viewer and an operator out of scope get 404 for archive URLs", async ({ browser, baseURL }) => {
  const inScope = borgArchiveNames("onsite", HOST).at(-1)!;
  const viewer = await contextAs(browser, baseURL!, "viewer");
  const viewerPage = await viewer.newPage();
  await viewerPage.goto(archiveUrl(HOST, inScope));
  await expect(viewerPage.getByRole("heading", { name: "No such archive" })).toBeVisible();
  await expect(viewerPage.getByRole("table", { name: "Folder contents" })).toHaveCount(0);
  // The host page shows the viewer plain archive names, no links.
  await viewerPage.goto(`/hosts/${HOST}`);
  await expect(viewerPage.getByRole("rowheader", { name: inScope, exact: true })).toBeVisible({ timeout: 60_000 });
  await expect(viewerPage.getByRole("link", { name: inScope, exact: true })).toHaveCount(0);
  // The API refuses too.
  expect((await viewer.request.get(`/api/archives/entries?host=${HOST}&site=onsite&archive=${encodeURIComponent(inScope)}`)).status()).toBe(403);
  await viewer.close();

  const operator = await contextAs(browser, baseURL!, "operator");
  const page = await operator.newPage();
  const outOfScope = borgArchiveNames("onsite", OUT_OF_SCOPE).at(-1)!;
  // The host layout refuses the host itself before anything streams: a real 404 status.
  const response = await page.goto(archiveUrl(OUT_OF_SCOPE, outOfScope));
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: /^(No such archive|Unknown host|Page not found)$/ })).toBeVisible();
  expect((await operator.request.get(`/api/archives/entries?host=${OUT_OF_SCOPE}&site=onsite&archive=${encodeURIComponent(outOfScope)}`)).status()).toBe(403);
  await operator.close();
});
