/**
 * Run reports end to end: a ping token from the CLI, the real backup script failing against the
 * production build's /ping endpoint, and the failure with its log on the host page at once.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { DEMO_DIR, hostWith } from "./demoFleet";

test("a failed backup shows on the host page with its log within seconds", async ({ page, baseURL }) => {
  const host = hostWith("fresh");
  const created = spawnSync(path.resolve("node_modules/.bin/tsx"), ["scripts/kit/ping-token.ts", "create", host, "--data-dir", path.join(DEMO_DIR, "data")], {
    encoding: "utf8",
  });
  expect(created.status, created.stderr).toBe(0);
  const token = created.stdout.trim();

  const base = fs.mkdtempSync(path.join(os.tmpdir(), "borg-fleet-e2e-ping-"));
  try {
    const backup = spawnSync("bash", ["deploy/client/borg-backup.sh"], {
      encoding: "utf8",
      env: {
        ...process.env,
        HOME: base,
        BORG_BASE_DIR: base,
        BORG_REPO: path.join(base, "no-such-repo"),
        BACKUP_PATHS: base,
        BACKUP_LOCK_FILE: path.join(base, "lock"),
        DUMP_DATABASES: "no",
        PING_URL: `${baseURL}/ping/${token}`,
      },
    });
    expect(backup.status).toBe(2);
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }

  const shown = Date.now();
  await page.goto(`/hosts/${host}`);
  const runs = page.getByRole("list", { name: "Recent backup runs" });
  await expect(runs.getByText("failed (exit 2)").first()).toBeVisible();
  await expect(runs.getByText(/borg create failed \(rc 2\)/).first()).toBeVisible();
  expect(Date.now() - shown).toBeLessThan(10_000);

  // An unknown token is refused and leaves no trace.
  const refused = await page.request.post(`/ping/${"x".repeat(43)}/1`, { data: "<b>nope</b>" });
  expect(refused.status()).toBe(404);
});
