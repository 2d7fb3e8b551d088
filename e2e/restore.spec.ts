/**
 * Restore jobs in Chromium on the demo fleet: the demo operator starts a restore of known demo files
 * (the startRestore server action, called over HTTP exactly as the archive browser's RestoreButton
 * calls it), watches the job page reach "succeeded", sees the rsync command, and the restored bytes on
 * disk equal borg's own `extract --stdout` of the same path; then restores the same paths again with
 * strip components through the RestoreButton form in the browser. Viewers and out-of-scope hosts are refused.
 */
import fs from "node:fs";
import path from "node:path";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { actionId, contextAs } from "./auth";
import { EXPECTED_REPOS, borgArchiveNames, borgFileBytes } from "./demoFleet";

const HOST = "web-01";
const SITE = EXPECTED_REPOS.find((r) => r.host === HOST)!.site;

/** A server action with one plain-object argument, as React's client sends it. */
async function callAction(request: APIRequestContext, baseURL: string, name: string, arg: unknown) {
  const response = await request.post("/restores", {
    headers: { "Next-Action": actionId(name), Accept: "text/x-component", "Content-Type": "text/plain;charset=UTF-8", Origin: baseURL },
    data: JSON.stringify([arg]),
    maxRedirects: 0,
  });
  return { status: response.status(), text: await response.text() };
}

test("an operator restores demo files and follows the job to success in Chromium", async ({ browser, baseURL }) => {
  const archive = borgArchiveNames(SITE, HOST).at(-1)!;
  const context = await contextAs(browser, baseURL!, "operator");
  const page = await context.newPage();

  await page.goto("/");
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Restores" })).toBeVisible();

  const started = await callAction(context.request, baseURL!, "startRestore", { host: HOST, site: SITE, archive, paths: ["etc/hostname", "etc/hosts"] });
  expect(started.status, started.text).toBe(200);
  const jobId = Number(/"jobId":(\d+)/.exec(started.text)?.[1]);
  expect(jobId).toBeGreaterThan(0);

  await page.goto(`/restores/${jobId}`);
  await expect(page.getByRole("heading", { name: `Restore #${jobId}` })).toBeVisible();
  await expect(page.getByTestId("restore-state")).toHaveText("succeeded");
  await expect(page.getByRole("progressbar")).toHaveAttribute("aria-valuenow", "100");
  const destination = (await page.getByTestId("restore-destination").textContent())!.trim();
  expect(destination).toMatch(new RegExp(`/restores/${HOST}/[^/]+/${jobId}$`));
  await expect(page.getByTestId("rsync-command")).toHaveText(`rsync -aHAX --numeric-ids --info=progress2 ${destination}/ root@${HOST}:/`);
  await expect(page.getByRole("button", { name: "Copy" })).toBeVisible();
  await expect(page.getByTestId("restore-log")).toContainText("succeeded");
  await expect(page.getByRole("button", { name: "Retry" })).toHaveCount(0);

  for (const file of ["etc/hostname", "etc/hosts"]) {
    expect(fs.readFileSync(path.join(destination, file)).equals(borgFileBytes(SITE, HOST, archive, file)), file).toBe(true);
  }
  expect(fs.readFileSync(path.join(destination, "etc/hostname"), "utf8")).toBe(`${HOST}\n`);

  // "Restore…" (the archive browser's RestoreButton, also offered on a finished job) with strip
  // components, driven in Chromium: a new job, its page, and the files one directory up.
  await page.getByRole("button", { name: "Restore…" }).click();
  const form = page.getByRole("form", { name: "Restore the selection" });
  await expect(form).toBeInViewport({ ratio: 1 });
  await form.getByLabel("Strip leading path components").fill("1");
  await form.getByRole("button", { name: "Start restore" }).click();
  await expect(page).not.toHaveURL(new RegExp(`/restores/${jobId}$`));
  await expect(page.getByTestId("restore-state")).toHaveText("succeeded");
  const stripped = (await page.getByTestId("restore-destination").textContent())!.trim();
  expect(stripped).not.toBe(destination);
  await expect(page.getByTestId("rsync-command")).toHaveText(`rsync -aHAX --numeric-ids --info=progress2 ${stripped}/ root@${HOST}:/etc/`);
  expect(fs.readFileSync(path.join(stripped, "hostname"), "utf8")).toBe(`${HOST}\n`);

  await page.goto("/restores");
  const row = page.getByTestId(`restore-row-${jobId}`);
  await expect(row).toContainText(HOST);
  await expect(row.getByTestId("restore-state")).toHaveText("succeeded");
  await row.getByRole("link", { name: `#${jobId}` }).click();
  await expect(page).toHaveURL(new RegExp(`/restores/${jobId}$`));

  // Out of the operator's scope: refused with forbidden() (Next streams an action called with plain
  // arguments with HTTP 200 and the 403 as the result's error digest), and no job is queued.
  const before = ((await (await context.request.get("/api/restores")).json()) as { jobs: unknown[] }).jobs.length;
  const refused = await callAction(context.request, baseURL!, "startRestore", { host: "mail", site: SITE, archive, paths: ["etc/hostname"] });
  expect(refused.text).toContain('"digest":"NEXT_HTTP_ERROR_FALLBACK;403"');
  expect(refused.text).not.toContain("jobId");
  expect(((await (await context.request.get("/api/restores")).json()) as { jobs: unknown[] }).jobs.length).toBe(before);
  await context.close();
});

test("a viewer gets 403 on /restores and has no Restores link", async ({ browser, baseURL }) => {
  const context = await contextAs(browser, baseURL!, "viewer");
  const page = await context.newPage();
  const response = await page.goto("/restores");
  expect(response?.status()).toBe(403);
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Restores" })).toHaveCount(0);
  expect((await context.request.get("/api/restores")).status()).toBe(403);
  await context.close();
});
