/**
 * The archive features together in Chromium, as one operator session on the demo's real borg repos:
 * host page → archive browser → a folder → select two files → "Download as .tar" (the tar holds exactly
 * those files, byte-equal to `borg extract --stdout`) → one file → "Download" (byte-equal) → a folder and
 * a file → "Restore…" → the job page reaches "succeeded" with its rsync command, and the restored tree
 * equals borg's → back on the host page, "Compare with previous" (changes shown) and "Retention preview"
 * (every archive listed); the downloads and the restore are audited. A viewer sees plain archive names
 * and never a selection bar.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type Download, type Page } from "@playwright/test";
import { archiveUrl, rowButton, rowCheckbox } from "./archiveBrowser";
import { auditCount, contextAs } from "./auth";
import { borgArchiveNames, borgFileBytes, demoBorg, demoRepoPath, EXPECTED_REPOS } from "./demoFleet";

const HOST = "web-01"; // in the demo operator's scope ("web-*")
const SITE = EXPECTED_REPOS.find((r) => r.host === HOST)!.site;

/** Every non-directory below `root`, relative, sorted: "f path" for files, "l path" for symlinks. */
function treeEntries(root: string): string[] {
  return (fs.readdirSync(root, { recursive: true, encoding: "utf8" }) as string[])
    .map((rel) => {
      const stat = fs.lstatSync(path.join(root, rel));
      return stat.isDirectory() ? null : `${stat.isSymbolicLink() ? "l" : "f"} ${rel}`;
    })
    .filter((e): e is string => e !== null)
    .sort();
}

/** The same for an archive's paths (and everything below them), as borg lists them. */
function borgEntries(archive: string, paths: string[]): string[] {
  return demoBorg(SITE, HOST, ["list", "--bypass-lock", "--format={type} {path}{NL}", "--", `${demoRepoPath(SITE, HOST)}::${archive}`, ...paths])
    .toString("utf8")
    .split("\n")
    .filter((line) => line && !line.startsWith("d "))
    .map((line) => line.replace(/^-/, "f"))
    .sort();
}

/** Every restored or unpacked entry equals borg's: file bytes, symlink targets. */
function expectTreeEqualsBorg(root: string, archive: string, paths: string[]): void {
  const entries = treeEntries(root);
  expect(entries).toEqual(borgEntries(archive, paths));
  for (const entry of entries) {
    const rel = entry.slice(2);
    if (entry.startsWith("f ")) expect(fs.readFileSync(path.join(root, rel)).equals(borgFileBytes(SITE, HOST, archive, rel)), rel).toBe(true);
  }
}

async function downloadBy(page: Page, click: () => Promise<void>): Promise<Download> {
  const event = page.waitForEvent("download");
  await click();
  return event;
}

test("the demo operator browses, downloads, restores, compares and previews retention in one session", async ({ browser, baseURL, page: admin }) => {
  const audited = (action: string) => auditCount(admin, { user: "operator", action, host: HOST, outcome: "ok" });
  const downloadsBefore = await audited("archive:download");
  const restoresBefore = await audited("archive:restore");
  const names = borgArchiveNames(SITE, HOST);
  const archive = names.at(-1)!;
  const context = await contextAs(browser, baseURL!, "operator");
  const page = await context.newPage();
  const repoSection = page.locator(`section[aria-labelledby="repo-${SITE}"]`);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "archive-flow-"));

  // 1. Host page → the newest archive's name → the browser; into etc; two files selected.
  await expect(async () => {
    await page.goto(`/hosts/${HOST}`);
    await expect(repoSection.getByRole("link", { name: archive, exact: true })).toBeVisible({ timeout: 2000 });
  }).toPass({ timeout: 120_000, intervals: [2000] });
  await repoSection.getByRole("link", { name: archive, exact: true }).click();
  await expect(page).toHaveURL(archiveUrl(HOST, archive, SITE));
  await expect(page.getByRole("heading", { level: 1, name: archive })).toBeVisible();
  await expect(rowButton(page, "etc")).toBeVisible({ timeout: 60_000 });
  await rowButton(page, "etc").click();
  await expect(rowButton(page, "hostname")).toBeVisible();
  const bar = page.getByRole("region", { name: "Selection" });
  await expect(bar).toHaveCount(0);
  await rowCheckbox(page, "hostname").check();
  await rowCheckbox(page, "hosts").check();
  await expect(bar).toContainText("2 selected");

  // 2. The selection bar's DownloadButton: a tar of exactly those two files, with borg's bytes.
  const tar = await downloadBy(page, () => bar.getByRole("button", { name: "Download as .tar" }).click());
  // Named after the archive (Chromium saves the ":" of an archive's time as "_").
  expect(tar.suggestedFilename().replaceAll("_", ":")).toBe(`${HOST}-${archive}.tar`);
  const unpacked = path.join(scratch, "tar");
  fs.mkdirSync(unpacked);
  execFileSync("tar", ["-x", "-f", (await tar.path())!, "-C", unpacked]);
  expect(treeEntries(unpacked)).toEqual(["f etc/hostname", "f etc/hosts"]);
  expectTreeEqualsBorg(unpacked, archive, ["etc/hostname", "etc/hosts"]);
  // The page is still the browser with its selection (the tar was a download, not a navigation).
  await expect(bar).toContainText("2 selected");

  // 3. One file: "Download" saves it under its own name, with borg's bytes.
  await rowCheckbox(page, "hosts").uncheck();
  await expect(bar).toContainText("1 selected");
  const file = await downloadBy(page, () => bar.getByRole("link", { name: "Download", exact: true }).click());
  expect(file.suggestedFilename()).toBe("hostname");
  expect(fs.readFileSync((await file.path())!).equals(borgFileBytes(SITE, HOST, archive, "etc/hostname"))).toBe(true);

  // 4. A folder and a file → "Restore…" → the job page, succeeded, its rsync command, borg's tree on disk.
  await rowCheckbox(page, "ssh").check();
  await expect(bar).toContainText("2 selected");
  await bar.getByRole("button", { name: "Restore…" }).click();
  const form = page.getByRole("form", { name: "Restore the selection" });
  await expect(form).toContainText("Restore 2 selected paths");
  // The form opens where it can be used (the bar's button is near the page's left edge).
  await expect(form).toBeInViewport({ ratio: 1 });
  await form.getByRole("button", { name: "Start restore" }).click();
  await expect(page).toHaveURL(/\/restores\/\d+$/);
  const jobId = Number(/\/restores\/(\d+)$/.exec(page.url())![1]);
  await expect(page.getByRole("heading", { name: `Restore #${jobId}` })).toBeVisible();
  await expect(page.getByTestId("restore-state")).toHaveText("succeeded");
  const destination = (await page.getByTestId("restore-destination").textContent())!.trim();
  expect(destination).toMatch(new RegExp(`/restores/${HOST}/[^/]+/${jobId}$`));
  await expect(page.getByTestId("rsync-command")).toHaveText(`rsync -aHAX --numeric-ids --info=progress2 ${destination}/ root@${HOST}:/`);
  expect(treeEntries(destination)).toContain("f etc/ssh/sshd_config");
  expectTreeEqualsBorg(destination, archive, ["etc/ssh", "etc/hostname"]);

  // 5. Host page: the newest archive's "Compare with previous" shows changes; "Retention preview" lists the archives.
  await page.goto(`/hosts/${HOST}`);
  await repoSection.getByRole("link", { name: "Compare with previous" }).first().click();
  await expect(page).toHaveURL(new RegExp(`/hosts/${HOST}/diff\\?.*to=${encodeURIComponent(archive)}`));
  const changes = page.getByTestId("diff-table").locator("tbody tr");
  await expect(changes.first()).toBeVisible();
  expect(await changes.count()).toBeGreaterThan(0);
  await expect(changes.first()).toHaveAttribute("data-status", /^(changed|added|removed)$/);

  await page.goto(`/hosts/${HOST}`);
  await repoSection.getByRole("link", { name: "Retention preview" }).click();
  await expect(page).toHaveURL(new RegExp(`/hosts/${HOST}/retention\\?site=${SITE}`));
  const listed = await page.locator('[data-testid="retention-table"] tbody tr').evaluateAll((rows) => rows.map((tr) => tr.getAttribute("data-archive")));
  expect([...listed].sort()).toEqual([...names].sort());

  await context.close();
  fs.rmSync(scratch, { recursive: true, force: true });

  // In the audit log: each download once it is sent, the restore when queued and when it succeeded.
  await expect.poll(() => audited("archive:download")).toBe(downloadsBefore + 2);
  await expect.poll(() => audited("archive:restore")).toBe(restoresBefore + 2);
});

test("a viewer sees archive names as plain text and no selection bar", async ({ browser, baseURL }) => {
  const archive = borgArchiveNames(SITE, HOST).at(-1)!;
  const context = await contextAs(browser, baseURL!, "viewer");
  const page = await context.newPage();
  await page.goto(`/hosts/${HOST}`);
  await expect(page.getByRole("rowheader", { name: archive, exact: true })).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole("link", { name: archive, exact: true })).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Compare with previous" })).toHaveCount(0);
  await expect(page.getByRole("checkbox")).toHaveCount(0);
  await expect(page.getByRole("region", { name: "Selection" })).toHaveCount(0);
  // The browser's URL, typed in: the 404 page, no rows to select, no selection bar.
  await page.goto(archiveUrl(HOST, archive, SITE));
  await expect(page.getByRole("heading", { name: "No such archive" })).toBeVisible();
  await expect(page.getByRole("checkbox")).toHaveCount(0);
  await expect(page.getByRole("region", { name: "Selection" })).toHaveCount(0);
  await context.close();
});
