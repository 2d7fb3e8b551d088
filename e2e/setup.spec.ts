/**
 * The one-time setup page on a dashboard without users: a fresh database (the e2e demo's fleet, its own
 * empty data directory, collector off) served by a second production server (scripts/server.mjs). Anonymous requests go to
 * /login, which sends to /setup while there is no user; the first admin is created there; afterwards
 * /setup is gone (redirect) and its action refuses (403).
 */
import fs from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { actionId, actionRequest, signIn } from "./auth";
import { DEMO_DIR } from "./demoFleet";
import { getJson, ROOT, spawnGroup, stopGroup, waitFor } from "./stack";
import { E2E_PORTS } from "./ports";

const PORT = E2E_PORTS.setup;

test("a dashboard without users offers /setup once, for the first admin", async ({ browser }) => {
  test.setTimeout(120_000);
  const dataDir = path.resolve(ROOT, ".test-tmp/e2e-setup-data");
  fs.rmSync(dataDir, { recursive: true, force: true });
  const config = path.join(DEMO_DIR, "fleet-setup.yml");
  const original = fs.readFileSync(path.join(DEMO_DIR, "fleet.yml"), "utf8");
  const changed = original.replace(/^dataDir: \.\/data$/m, `dataDir: ${dataDir}`).replace(/^collector:$/m, "collector:\n  enabled: false");
  expect(changed).not.toBe(original);
  fs.writeFileSync(config, changed);

  const base = `http://127.0.0.1:${PORT}`;
  const child = spawnGroup(
    process.execPath,
    [path.join(ROOT, "scripts", "server.mjs"), "-H", "127.0.0.1", "-p", String(PORT)],
    { ...process.env, NEXT_TELEMETRY_DISABLED: "1", PORT: String(PORT), BORG_FLEET_CONFIG: config },
    path.join(ROOT, ".test-tmp", "e2e-setup.log"),
  );
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  try {
    await waitFor("the setup dashboard", async () => ((await getJson<{ status: string }>(`${base}/api/health`)).status === "ok" ? true : undefined), 60_000);
    const page = await context.newPage();
    await page.goto(`${base}/`);
    await expect(page).toHaveURL(`${base}/setup`);
    // Bad input first: a reason, and still no user.
    await page.getByLabel("Username").fill("first-admin");
    await page.getByLabel("Password").fill("short");
    await page.getByLabel("Password").evaluate((el) => el.removeAttribute("minlength"));
    await page.getByRole("button", { name: "Create the admin" }).click();
    await expect(page.getByText(/at least 10 characters/)).toBeVisible();

    // (React resets a form after its action ran: fill both fields again.)
    await page.getByLabel("Username").fill("first-admin");
    await page.getByLabel("Password").fill("the first admin's password");
    await page.getByRole("button", { name: "Create the admin" }).click();
    await expect(page).toHaveURL(`${base}/login`);
    await signIn(page, { username: "first-admin", password: "the first admin's password" }, base);
    await expect(page.getByText("first-admin")).toBeVisible();

    // Once there is a user: the page is gone and its action refuses.
    const again = await context.request.get(`${base}/setup`, { maxRedirects: 0 });
    expect(again.status()).toBe(307);
    const forged = await context.request.post(
      `${base}/setup`,
      actionRequest(actionId("setupAction"), { username: "second-admin", password: "another long password" }, true),
    );
    expect(forged.status()).toBe(403);
  } finally {
    await context.close();
    await stopGroup(child);
    fs.rmSync(config, { force: true });
  }
});
