import { expect, test } from "@playwright/test";
import { CORRUPT_REPO, OVERDUE_DRILL_HOST } from "../scripts/seed/verify";

/**
 * Integrity checks and restore drills on the demo fleet: the seeder corrupted one segment of
 * CORRUPT_REPO (scripts/seed/verify.ts); the dashboard's scheduler checks every repo after start, and
 * the host page shows the failed check with borg's own message.
 */
test("the host page shows the failed check of the demo's corrupted repo with borg's message", async ({ page }) => {
  test.setTimeout(300_000);
  const section = page.getByTestId(`verify-${CORRUPT_REPO.site}`);
  const repositoryCheck = section.locator('[data-check-kind="repository"]');
  await expect(async () => {
    await page.goto(`/hosts/${CORRUPT_REPO.host}`);
    await expect(repositoryCheck).toHaveAttribute("data-check-outcome", "failed", { timeout: 1000 });
  }).toPass({ timeout: 280_000, intervals: [3000] });
  await expect(repositoryCheck.getByText("failed", { exact: true })).toBeVisible();
  const message = repositoryCheck.getByTestId("check-message");
  await expect(message).toBeVisible();
  await expect(message).toContainText("Data integrity error");
  await expect(message).toContainText("errors found");
  // The other site's copy of the same host is intact.
  await expect(async () => {
    await page.goto(`/hosts/${CORRUPT_REPO.host}`);
    await expect(page.getByTestId("verify-onsite").locator('[data-check-kind="repository"]')).toHaveAttribute("data-check-outcome", "ok", { timeout: 1000 });
  }).toPass({ timeout: 280_000, intervals: [3000] });
});

test("the overdue drill host shows its last verified restore long ago", async ({ page }) => {
  await page.goto(`/hosts/${OVERDUE_DRILL_HOST.host}`);
  const drill = page.getByTestId(`verify-${OVERDUE_DRILL_HOST.site}`);
  await expect(drill.getByText("Last verified restore")).toBeVisible();
  await expect(drill).toContainText("42 files");
  await expect(drill.getByTestId("drill-method")).toHaveText("(checked against the archive's chunk ids)");
  await expect(drill).toContainText(/\d{2,} days ago/);
});
