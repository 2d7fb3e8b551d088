/**
 * The automation API against the demo, end to end: an admin creates a token in the UI, a script (the
 * borg-fleet CLI, a separate process) starts a restore with it and waits until it succeeded, the
 * restored file equals what borg extracts, and the audit log shows both the token's creation and its
 * restore. Every GET endpoint's real answer is checked against the OpenAPI document the server serves;
 * a browser session is refused on /api/v1.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { expect, test } from "@playwright/test";
import { responseValidator } from "../test/api/openapiValidator";
import { auditCount } from "./auth";
import { borgArchiveNames, borgFileBytes } from "./demoFleet";

const run = promisify(execFile);
const HOST = "web-01";

async function cli(baseURL: string, token: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [path.resolve("bin/borg-fleet.mjs"), ...args], {
      env: { ...process.env, BORG_FLEET_URL: baseURL, BORG_FLEET_TOKEN: token },
      timeout: 180_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

test("an admin creates a token in the UI; a script restores with it and waits; the audit log shows both", async ({ page, baseURL }) => {
  const name = `e2e-script-${Date.now()}`;
  await page.goto("/admin/tokens");
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Role").selectOption("operator");
  await page.getByLabel("Host scope").fill("web-*");
  await page.getByLabel("Expires in").fill("1d");
  await page.getByRole("button", { name: "Create token" }).click();
  const tokenField = page.getByLabel("New token");
  await expect(tokenField).toHaveValue(/^bft_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
  const token = await tokenField.inputValue();
  await expect(page.getByRole("row", { name: new RegExp(name) })).toContainText("active");

  const archive = borgArchiveNames("onsite", HOST).at(-1)!;
  const started = await cli(baseURL!, token, ["restore", "start", HOST, archive, "etc/hostname", "--site", "onsite", "--json"]);
  expect(started.stderr).toBe("");
  expect(started.code).toBe(0);
  const job = JSON.parse(started.stdout) as { id: number; requestedBy: string };
  expect(job.requestedBy).toBe(`token ${name}`);
  const waited = await cli(baseURL!, token, ["restore", "wait", String(job.id), "--timeout", "150s", "--interval", "1", "--json"]);
  expect(waited.code, waited.stderr).toBe(0);
  const done = JSON.parse(waited.stdout) as { state: string; destination: string };
  expect(done.state).toBe("succeeded");
  expect(fs.readFileSync(path.join(done.destination, "etc/hostname"))).toEqual(borgFileBytes("onsite", HOST, archive, "etc/hostname"));

  expect(await auditCount(page, { user: "admin", action: "token:create", outcome: "ok" })).toBeGreaterThanOrEqual(1);
  await expect(page.locator("tbody")).toContainText(name);
  expect(await auditCount(page, { user: `token ${name}`, action: "archive:restore", outcome: "ok" })).toBeGreaterThanOrEqual(1);

  // Revoked in the UI: the same script is refused at once.
  await page.goto("/admin/tokens");
  await page.getByRole("button", { name: `Revoke ${name}` }).click();
  await expect(page.getByRole("status")).toContainText(`Revoked ${name}`);
  const refused = await cli(baseURL!, token, ["status"]);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain("401 Unauthorized: The token is revoked.");
});

test("every GET endpoint answers what the served OpenAPI document says; a session cookie is not a token", async ({ page, request, baseURL }) => {
  const doc = (await (await request.get("/api/v1/openapi.json", { headers: { cookie: "" } })).json()) as Record<string, unknown>;
  const validate = responseValidator(doc);

  await page.goto("/admin/tokens");
  const name = `e2e-openapi-${Date.now()}`;
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Role").selectOption("admin");
  await page.getByRole("button", { name: "Create token" }).click();
  const token = await page.getByLabel("New token").inputValue();
  const auth = { authorization: `Bearer ${token}` };

  const jobs = (await (await request.get("/api/v1/restores", { headers: auth })).json()) as { items: { id: number }[] };
  const calls: [string, string][] = [
    ["getFleet", "/api/v1/fleet"],
    ["listHosts", "/api/v1/hosts"],
    ["listHosts", "/api/v1/hosts?status=stale&limit=1"],
    ["getHost", `/api/v1/hosts/${HOST}`],
    ["listSites", "/api/v1/sites"],
    ["listAlerts", "/api/v1/alerts"],
    ["listRestores", "/api/v1/restores?limit=2"],
    ["listAudit", "/api/v1/audit?limit=5"],
    ...(jobs.items[0] ? [["getRestore", `/api/v1/restores/${jobs.items[0].id}`] as [string, string]] : []),
    ["getHost", "/api/v1/hosts/no-such-host"],
  ];
  for (const [operationId, url] of calls) {
    const response = await request.get(url, { headers: auth });
    const body = await response.json();
    expect(validate(operationId, response.status(), body), `${url} → ${response.status()}`).toBeNull();
    expect(response.status(), url).toBe(url.includes("no-such-host") ? 404 : 200);
  }

  // The page's own request context carries the admin's session cookie: still 401 on the API.
  const withCookie = await page.request.get(`${baseURL}/api/v1/hosts`);
  expect(withCookie.status()).toBe(401);
  expect(withCookie.headers()["content-type"]).toBe("application/problem+json");
});
