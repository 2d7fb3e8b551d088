/**
 * Hostile archive and file names, made by real `borg create`, shown as text on every page that shows
 * names: the host page, the archive browser, the diff, the retention preview and a restore job. Any
 * dialog fails the test (page.on("dialog")), and no element the names describe may exist in the DOM.
 *
 * What borg 1.2 accepts (tried here, not assumed): an archive name may hold <, >, ", ' and U+202E but no
 * "/" (so `"><script>alert(1)</script>` cannot be an archive name: borg refuses it as an invalid
 * location) and at most 255 bytes (longer names fail in borg create); a file NAME is at most 255 bytes
 * (Linux), so the 4 KiB name is a PATH: 19 nested 200-byte directories and a file, 4,000 bytes.
 *
 * A dashboard of its own (production server, collector on) over one dedicated repo, with the demo's
 * users (its database copied, as e2e/sso.spec.ts does).
 */
import { execFileSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { actionId, credential, signIn } from "./auth";
import { copyDemoDashboard } from "./demoCopy";
import { DEMO_DIR } from "./demoFleet";
import { freePort } from "../test/fixtures/processes";
import { getJson, ROOT, spawnGroup, stopGroup, waitFor } from "./stack";

const DIR = path.resolve(ROOT, ".test-tmp/e2e-crafted");
const HOST = "crafted-01";
const SITE = "crafted";
const RTL = "\u202e";
const IMG = "<img src=x onerror=alert(1)>";
/** Not an archive name (borg refuses the "/"), but a path: directory `"><script>alert(2)<`, file `script>`. */
const SCRIPT_PATH = '"><script>alert(2)</script>';
const LONG_DIR = (i: number) => `${String(i).padStart(2, "0")}-<b onmouseover=alert(3)>`.padEnd(200, "d");
/** 4,000 bytes: as long as a path can be and still be created under this checkout (PATH_MAX is 4,096 with the prefix). */
const LONG_PATH = [...Array.from({ length: 19 }, (_, i) => LONG_DIR(i)), "<svg onload=alert(4)>".padEnd(181, "f")].join("/");
const ARCHIVES = {
  /** 1: the first archive; 2: one more file; the newest carries the long and RTL names. */
  img: IMG,
  quote: "\"'><svg onload=alert(5)>",
  rtl: `backup-${RTL}gpj.exe-${IMG}`,
  long: `${IMG}-`.padEnd(255, "L"),
};

let server: ChildProcess | undefined;
let port = 0;

const passphraseFile = () => path.join(DIR, "passphrase");
const borgEnv = () => ({ ...process.env, BORG_PASSCOMMAND: `cat ${passphraseFile()}`, BORG_BASE_DIR: path.join(DIR, "borg-base") });
const repo = () => path.join(DIR, "site", HOST);

function write(relative: string, content: string): void {
  const file = path.join(DIR, "src", relative);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

const create = (archive: string) =>
  execFileSync("borg", ["create", "--", `${repo()}::${archive}`, "."], { cwd: path.join(DIR, "src"), env: borgEnv(), stdio: "pipe" });

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  test.setTimeout(300_000);
  // The demo's users (its database), but a config of its own: only the crafted repo, collected often.
  const config = copyDemoDashboard(DIR, "fleet-crafted.yml", "", () =>
    [
      `dataDir: ${path.join(DIR, "data")}`,
      "collector:",
      "  interval: 10s",
      "sites:",
      `  - name: ${SITE}`,
      `    root: ${path.join(DIR, "site")}`,
      "    discover: false",
      "repos:",
      `  - host: ${HOST}`,
      `    site: ${SITE}`,
      "    secrets:",
      `      passphraseFile: ${passphraseFile()}`,
      "",
    ].join("\n"),
  );
  fs.writeFileSync(passphraseFile(), `${randomBytes(16).toString("hex")}\n`, { mode: 0o600 });
  fs.mkdirSync(path.join(DIR, "site"), { recursive: true });
  execFileSync("borg", ["init", "--encryption=repokey-blake2", "--", repo()], { env: borgEnv(), stdio: "pipe" });
  write(`${IMG}.txt`, "one\n");
  write(SCRIPT_PATH, "two\n");
  create(ARCHIVES.img);
  write(`${RTL}txt.exe`, "three\n");
  create(ARCHIVES.quote);
  expect(Buffer.byteLength(LONG_PATH)).toBe(4000);
  write(LONG_PATH, "four\n");
  fs.writeFileSync(path.join(DIR, "src", `${IMG}.txt`), "one, changed\n");
  create(ARCHIVES.rtl);
  create(ARCHIVES.long);
  // A longer archive name is refused by borg itself: the dashboard never sees one.
  expect(() => create(`${IMG}-`.padEnd(256, "L"))).toThrow();

  port = await freePort();
  server = spawnGroup(
    process.execPath,
    [path.join(ROOT, "scripts", "server.mjs"), "-H", "127.0.0.1", "-p", String(port)],
    { ...process.env, NEXT_TELEMETRY_DISABLED: "1", BORG_FLEET_CONFIG: config },
    path.join(DIR, "dashboard.log"),
  );
  await waitFor(
    "the crafted-names dashboard",
    async () => ((await getJson<{ status: string }>(`http://127.0.0.1:${port}/api/health`)).status === "ok" ? true : undefined),
    60_000,
  );
});

test.afterAll(async () => {
  await stopGroup(server);
  fs.rmSync(path.join(DEMO_DIR, "fleet-crafted.yml"), { force: true });
});

/** Nothing the names describe became an element, and no script ran. */
async function expectNoInjection(page: Page): Promise<void> {
  for (const selector of ['img[src="x"]', "svg[onload]", "[onerror]", "[onload]", "[onmouseover]", "b[onmouseover]"]) {
    await expect(page.locator(selector), selector).toHaveCount(0);
  }
  // The names travel inside Next's inline data scripts (self.__next_f) as JSON strings, "<" written
  // \u003c: a raw tag in a script's text would be a break-out.
  const scripts = await page.locator("script").evaluateAll((nodes) => nodes.map((n) => n.textContent ?? ""));
  expect(scripts.filter((text) => /<(img|svg|b |\/?script)/i.test(text))).toEqual([]);
  expect(await page.evaluate(() => (window as unknown as { __alerted?: boolean }).__alerted ?? false)).toBe(false);
}

test("hostile names are text on the host page, archive browser, diff, retention preview and restore job", async ({ browser }) => {
  test.setTimeout(300_000);
  const base = `http://127.0.0.1:${port}`;
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  await context.addInitScript(() => {
    window.alert = () => ((window as unknown as { __alerted?: boolean }).__alerted = true) as unknown as undefined;
  });
  const page = await context.newPage();
  const dialogs: string[] = [];
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await signIn(page, credential("admin"), base);

  // Host page: every archive name, as text (the collector lists the repo within a cycle or two).
  await expect(async () => {
    await page.goto(`${base}/hosts/${HOST}`);
    await expect(page.getByText(ARCHIVES.long, { exact: true }).first()).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 120_000 });
  for (const name of Object.values(ARCHIVES)) await expect(page.getByText(name, { exact: true }).first()).toBeVisible();
  await expectNoInjection(page);

  // Archive browser: the root, then down the 4 KiB path to its file.
  const archiveUrl = (archive: string, dir = "") =>
    `${base}/hosts/${HOST}/archives/${encodeURIComponent(archive)}?site=${SITE}${dir ? `&path=${encodeURIComponent(dir)}` : ""}`;
  await page.goto(archiveUrl(ARCHIVES.long));
  // Directories are listed with a trailing "/".
  for (const name of [`${IMG}.txt`, `${RTL}txt.exe`, '"><script>alert(2)</', `${LONG_DIR(0)}/`]) {
    await expect(page.getByRole("cell", { name, exact: true })).toBeVisible();
  }
  await expectNoInjection(page);
  await page.goto(archiveUrl(ARCHIVES.long, LONG_PATH.split("/").slice(0, -1).join("/")));
  await expect(page.getByRole("cell", { name: LONG_PATH.split("/").at(-1)!, exact: true })).toBeVisible();
  await expectNoInjection(page);

  // Diff: the second archive against the newest adds the long path and changes the <img> file.
  await page.goto(`${base}/hosts/${HOST}/diff?${new URLSearchParams({ site: SITE, from: ARCHIVES.quote, to: ARCHIVES.rtl })}`);
  const table = page.getByTestId("diff-table");
  await expect(table.getByRole("rowheader", { name: `${IMG}.txt`, exact: true })).toBeVisible();
  await expect(table.getByText(LONG_PATH, { exact: true }).first()).toBeVisible();
  await expectNoInjection(page);

  // Retention preview: every archive by name.
  await page.goto(`${base}/hosts/${HOST}/retention?site=${SITE}`);
  for (const name of Object.values(ARCHIVES))
    await expect(page.locator(`[data-testid="retention-table"] tr[data-archive="${name.replaceAll('"', '\\"')}"]`)).toHaveCount(1);
  await expect(page.getByTestId("retention-table").getByText(ARCHIVES.rtl, { exact: true })).toBeVisible();
  await expectNoInjection(page);

  // A restore of the hostile paths out of the hostile archive, and its job page.
  const started = await context.request.post(`${base}/restores`, {
    headers: { "Next-Action": actionId("startRestore"), Accept: "text/x-component", "Content-Type": "text/plain;charset=UTF-8", Origin: base },
    data: JSON.stringify([{ host: HOST, site: SITE, archive: ARCHIVES.long, paths: [`${IMG}.txt`, SCRIPT_PATH, LONG_PATH] }]),
    maxRedirects: 0,
  });
  const text = await started.text();
  expect(started.status(), text).toBe(200);
  const jobId = Number(/"jobId":(\d+)/.exec(text)?.[1]);
  await page.goto(`${base}/restores/${jobId}`);
  await expect(page.getByTestId("restore-state")).toHaveText("succeeded", { timeout: 120_000 });
  await expect(page.getByText(ARCHIVES.long).first()).toBeVisible();
  await expect(page.getByText(SCRIPT_PATH).first()).toBeVisible();
  await expectNoInjection(page);
  await page.goto(`${base}/restores`);
  await expect(page.getByText(ARCHIVES.long).first()).toBeVisible();
  await expectNoInjection(page);

  expect(dialogs).toEqual([]);
  await context.close();
});
