/**
 * Downloads in Chromium against the demo's real borg repos: the demo operator downloads a file (the
 * bytes must equal what `borg extract --stdout` gives for the same path) and a tar of two paths; a
 * viewer is refused.
 */
import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { hostInScope } from "../lib/auth/glob";
import { contextAs, credential } from "./auth";
import { borgArchiveNames, borgFileBytes, demoBorg, demoRepoPath, EXPECTED_REPOS } from "./demoFleet";

/** A fresh demo repo in the operator's scope, its newest archive, and two small regular files in it. */
function pickDownload() {
  const operator = credential("operator");
  const repo = EXPECTED_REPOS.find((r) => r.status === "fresh" && hostInScope(operator.hosts, r.host));
  if (!repo) throw new Error(`no fresh demo repo in the operator's scope (${operator.hosts.join(" ")})`);
  const location = demoRepoPath(repo.site, repo.host);
  const archive = borgArchiveNames(repo.site, repo.host).at(-1)!;
  const listing = demoBorg(repo.site, repo.host, ["list", "--bypass-lock", "--format={type} {size} {path}{NL}", "--", `${location}::${archive}`]).toString(
    "utf8",
  );
  const files = listing
    .split("\n")
    .map((line) => /^- (\d+) ([A-Za-z0-9._/-]+)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null && Number(m[1]) > 0 && Number(m[1]) < 20 * 1024 * 1024)
    .map((m) => m[2]!);
  if (files.length < 2) throw new Error(`fewer than two plain files in ${location}::${archive}`);
  const extract = (p: string) => borgFileBytes(repo.site, repo.host, archive, p);
  return { ...repo, archive, files: [files[0]!, files.at(-1)!], extract };
}

const query = (params: Record<string, string | string[]>) => {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const value of Array.isArray(v) ? v : [v]) search.append(k, value);
  return search.toString();
};

test("the demo operator downloads a file and a tar of two paths; a viewer is refused", async ({ browser, baseURL }) => {
  const demo = pickDownload();
  const [first, second] = demo.files as [string, string];
  const fileUrl = `/api/archives/download?${query({ host: demo.host, site: demo.site, archive: demo.archive, path: first })}`;

  const operator = await contextAs(browser, baseURL!, "operator");
  const page = await operator.newPage();
  // A link to the GET URL, clicked as a user would: the browser saves the file.
  await page.goto("/");
  await page.evaluate((href) => {
    const a = document.createElement("a");
    a.href = href;
    a.textContent = "Download file";
    document.body.append(a);
  }, fileUrl);
  const downloadEvent = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download file" }).click();
  const download = await downloadEvent;
  expect(download.suggestedFilename()).toBe(path.basename(first));
  const saved = await readFile((await download.path())!);
  expect(saved.equals(demo.extract(first))).toBe(true);

  // A tar of two paths through the same-origin form POST the DownloadButton sends.
  const tar = await operator.request.post("/api/archives/download", {
    headers: { "content-type": "application/x-www-form-urlencoded", origin: baseURL! },
    data: query({ host: demo.host, site: demo.site, archive: demo.archive, format: "tar", path: [first, second] }),
  });
  expect(tar.status()).toBe(200);
  expect(tar.headers()["content-disposition"]).toContain(`${demo.host}-${demo.archive}.tar`);
  const names = execFileSync("tar", ["-t", "-f", "-"], { input: await tar.body() })
    .toString("utf8")
    .trim()
    .split("\n");
  expect(names).toEqual(expect.arrayContaining([first, second]));
  await operator.close();

  const viewer = await contextAs(browser, baseURL!, "viewer");
  const refused = await viewer.request.get(fileUrl);
  expect(refused.status()).toBe(403);
  expect((await refused.body()).equals(saved)).toBe(false);
  await viewer.close();
});
