/**
 * Retention preview and archive diff in Chromium, on the demo fleet's real repos:
 * - the preview's verdicts equal `borg prune --dry-run --list` run here on the same demo repo;
 * - an operator in scope compares two archives of db-01 and sees its nightly dump changed;
 * - a viewer sees the retention preview but gets 404 on the diff; an operator out of scope gets 404 on both.
 */
import path from "node:path";
import { expect, test, type BrowserContext, type Page } from "@playwright/test";
import { pruneArgs, SEED_POLICY } from "../lib/retention/gfs";
import { borgPruneDryRun } from "../test/fixtures/manyArchives";
import { contextAs, credential } from "./auth";
import { borgArchiveNames, DEMO_DIR } from "./demoFleet";

const HOST = "db-01"; // in the demo operator's scope ("db-??"), with a growing nightly dump
const SITE = "onsite";
const OUT_OF_SCOPE = "mail";
/** The demo archives hold the host's tree under backup/ (scripts/seed/tree.ts). */
const DUMP = "backup/var/backups/postgres/app.sql.gz";
const DUMP_DIR = "backup/var/backups/postgres";

function demoBorgEnv(site: string, host: string): Record<string, string | undefined> {
  return {
    PATH: process.env.PATH,
    TZ: "UTC",
    LANG: "C.UTF-8",
    LC_ALL: "C.UTF-8",
    BORG_PASSCOMMAND: `cat ${path.join(DEMO_DIR, "secrets", `${site}-${host}.pass`)}`,
    BORG_BASE_DIR: path.join(DEMO_DIR, ".e2e-borg"),
    BORG_RELOCATED_REPO_ACCESS_IS_OK: "yes",
  };
}

/** The retention table as [archive, verdict, rule] (rule without the period, as borg prints it). */
async function retentionRows(page: Page): Promise<[string, string, string][]> {
  return page.locator('[data-testid="retention-table"] tbody tr').evaluateAll((rows) =>
    rows.map((tr) => {
      const cells = tr.querySelectorAll("td");
      const rule = (cells[2]?.textContent ?? "").split(":")[0]!.trim();
      return [tr.getAttribute("data-archive") ?? "", tr.getAttribute("data-verdict") ?? "", rule] as [string, string, string];
    }),
  );
}

test.describe("retention preview and archive diff", () => {
  let operator: BrowserContext;
  let viewer: BrowserContext;

  test.beforeAll(async ({ browser, baseURL }) => {
    operator = await contextAs(browser, baseURL!, "operator");
    viewer = await contextAs(browser, baseURL!, "viewer");
  });
  test.afterAll(async () => {
    await operator?.close();
    await viewer?.close();
  });

  test("the retention preview matches borg prune --dry-run --list on the same repo", async () => {
    const repo = path.join(DEMO_DIR, SITE, "srv", "borg", HOST);
    const env = demoBorgEnv(SITE, HOST);
    const borgNames = borgArchiveNames(SITE, HOST);
    const page = await operator.newPage();
    // The collector may still be reading the repo right after start: wait until the page lists every archive.
    await expect(async () => {
      await page.goto(`/hosts/${HOST}/retention?site=${SITE}`);
      expect((await retentionRows(page)).map((r) => r[0]).sort()).toEqual([...borgNames].sort());
    }).toPass({ timeout: 60_000 });
    await expect(page.getByTestId("retention-policy")).toHaveText("7 daily, 4 weekly, 6 monthly");
    await expect(page.getByText("from config default")).toBeVisible();
    await expect(page.getByText("borg compact").first()).toBeVisible();

    const theirs = await borgPruneDryRun(repo, [...pruneArgs(SEED_POLICY), "--lock-wait=30"], "*", env);
    const rows = await retentionRows(page);
    expect(rows.map(([name, verdict, rule]) => [name, verdict === "keep" ? rule : "prune"])).toEqual(rows.map(([name]) => [name, theirs.get(name)]));
    // Newest first, and the oldest restore point is the oldest kept archive.
    const kept = rows.filter((r) => r[1] === "keep");
    await expect(page.getByTestId("retention-oldest")).toContainText(kept.at(-1)![0]);
    await expect(page.getByTestId("retention-kept")).toHaveText(String(kept.length));
    await page.close();
  });

  test("an operator in scope compares two archives and sees the nightly dump changed", async () => {
    const page = await operator.newPage();
    await page.goto(`/hosts/${HOST}`);
    await page.getByRole("link", { name: "Retention preview" }).first().click();
    await expect(page).toHaveURL(new RegExp(`/hosts/${HOST}/retention\\?site=${SITE}`));
    await page.goBack();
    // The newest archive's "Compare with previous" link (first row of the on-site table).
    await page.locator(`section[aria-labelledby="repo-${SITE}"]`).getByRole("link", { name: "Compare with previous" }).first().click();
    await expect(page).toHaveURL(/\/diff\?/);
    const dumpRow = page
      .getByTestId("diff-table")
      .locator("tbody tr")
      .filter({ has: page.getByRole("rowheader", { name: DUMP, exact: true }) });
    await expect(dumpRow).toHaveAttribute("data-status", "changed");
    await expect(dumpRow).toContainText("content changed");
    await expect(dumpRow).toContainText("+");

    // Limited to a path: only entries below it, the dump still among them.
    await page.getByLabel("Only below path (optional)").fill(DUMP_DIR);
    await page.getByRole("button", { name: "Compare" }).click();
    await expect(page).toHaveURL(/path=backup%2Fvar%2Fbackups%2Fpostgres/);
    await expect(page.locator("p", { hasText: ", only below" }).locator("code")).toHaveText(DUMP_DIR);
    await expect(dumpRow).toBeVisible();
    const paths = await page.getByTestId("diff-table").locator("tbody th").allTextContents();
    expect(paths.every((p) => p === DUMP_DIR || p.startsWith(`${DUMP_DIR}/`))).toBe(true);
    expect(paths).toContain(DUMP);
    // A path that matches no entry: no differences (not an error).
    await page.getByLabel("Only below path (optional)").fill("backup/no/such/dir");
    await page.getByRole("button", { name: "Compare" }).click();
    await expect(page.getByTestId("diff-empty")).toBeVisible();
    await page.goBack();

    // The kind filter: only changed entries.
    await page.getByRole("link", { name: /^changed \(/ }).click();
    await expect(page.getByTestId("diff-table").locator("tbody tr").first()).toHaveAttribute("data-status", "changed");
    await page.close();
  });

  test("diffs and refusals are in the audit log", async ({ browser, baseURL }) => {
    const admin = await contextAs(browser, baseURL!, "admin");
    const ok = await (await admin.request.get(`/admin/audit?action=archive:diff&host=${HOST}&outcome=ok`)).text();
    expect(ok).toContain(`${HOST}-`);
    expect(ok).toContain("→");
    expect(ok).toContain(DUMP_DIR); // the path-limited diff
    await admin.close();
  });

  test("an unknown archive is a 404", async () => {
    const [newest] = borgArchiveNames(SITE, HOST).slice(-1);
    const page = await operator.newPage();
    const response = await page.goto(
      `/hosts/${HOST}/diff?site=${SITE}&from=${encodeURIComponent(`${HOST}-1999-01-01T00:00`)}&to=${encodeURIComponent(newest!)}`,
    );
    expect(response?.status()).toBe(404);
    await page.close();
  });

  test("a viewer sees the retention preview but not the diff", async ({ browser, baseURL }) => {
    const names = borgArchiveNames(SITE, HOST);
    const page = await viewer.newPage();
    expect((await page.goto(`/hosts/${HOST}/retention?site=${SITE}`))?.status()).toBe(200);
    await expect(page.getByTestId("retention-table")).toBeVisible();
    await page.goto(`/hosts/${HOST}`);
    await expect(page.getByRole("link", { name: "Retention preview" }).first()).toBeVisible();
    await expect(page.getByRole("link", { name: "Compare with previous" })).toHaveCount(0);
    const diff = await page.goto(`/hosts/${HOST}/diff?site=${SITE}&from=${encodeURIComponent(names.at(-2)!)}&to=${encodeURIComponent(names.at(-1)!)}`);
    expect(diff?.status()).toBe(404);
    await page.close();
    const admin = await contextAs(browser, baseURL!, "admin");
    const refused = await (await admin.request.get(`/admin/audit?action=archive:browse&host=${HOST}&outcome=refused`)).text();
    expect(refused).toContain(credential("viewer").username);
    await admin.close();
  });

  test("an operator out of scope gets 404 on both", async () => {
    const names = borgArchiveNames(SITE, OUT_OF_SCOPE);
    const page = await operator.newPage();
    expect((await page.goto(`/hosts/${OUT_OF_SCOPE}/retention`))?.status()).toBe(404);
    const diff = await page.goto(`/hosts/${OUT_OF_SCOPE}/diff?site=${SITE}&from=${encodeURIComponent(names.at(-2)!)}&to=${encodeURIComponent(names.at(-1)!)}`);
    expect(diff?.status()).toBe(404);
    await page.close();
  });
});
