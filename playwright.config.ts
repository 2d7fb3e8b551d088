import { defineConfig } from "@playwright/test";
import { E2E_PORTS } from "./e2e/ports";

/**
 * End-to-end tests in Debian's Chromium (Playwright cannot download its own browser here).
 * The web server is the real demo: a seeded fleet of real borg repos, the production build,
 * and the built-in collector, on a port of its own so a developer's `npm run demo` is untouched.
 */
const PORT = E2E_PORTS.demo;
export const E2E_DEMO_DIR = process.env.E2E_DEMO_DIR || ".test-tmp/e2e-demo";

export default defineConfig({
  testDir: "e2e",
  timeout: 120_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: process.env.CI ? [["list"]] : [["list"], ["html", { open: "never" }]],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    browserName: "chromium",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    },
    trace: "retain-on-failure",
  },
  // Every test runs signed in as the demo admin unless it says otherwise (e2e/auth.ts, auth.setup.ts).
  projects: [
    { name: "setup", testMatch: /auth\.setup\.ts/ },
    { name: "chromium", dependencies: ["setup"], use: { storageState: ".test-tmp/e2e-admin-state.json" } },
  ],
  webServer: {
    command: `node scripts/demo.mjs --no-install --dir ${E2E_DEMO_DIR} --port ${PORT}`,
    url: `http://127.0.0.1:${PORT}/api/health`,
    timeout: 240_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
  },
});
