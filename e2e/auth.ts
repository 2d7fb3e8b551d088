/**
 * Signing in for the e2e tests: the demo's users come from <demo dir>/credentials.json, written by
 * `npm run demo` (scripts/seed/users.ts). Most tests run signed in as the admin (the "setup" project
 * in playwright.config.ts stores the session); tests about access sign in as whom they need.
 */
import fs from "node:fs";
import path from "node:path";
import { expect, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { DEMO_DIR } from "./demoFleet";

export interface Credential {
  username: string;
  password: string;
  role: "viewer" | "operator" | "admin";
  hosts: string[];
}

export const ADMIN_STATE = path.resolve(".test-tmp/e2e-admin-state.json");

export function credentials(dir: string = DEMO_DIR): Credential[] {
  return JSON.parse(fs.readFileSync(path.join(dir, "credentials.json"), "utf8")) as Credential[];
}

export function credential(role: Credential["role"], dir: string = DEMO_DIR): Credential {
  const found = credentials(dir).find((c) => c.role === role);
  if (!found) throw new Error(`no ${role} in ${dir}/credentials.json`);
  return found;
}

/** Signs in through the login form (base: the dashboard's origin, "" for the baseURL). */
export async function signIn(page: Page, user: Pick<Credential, "username" | "password">, base = ""): Promise<void> {
  await page.goto(`${base}/login`);
  await page.getByLabel("Username").fill(user.username);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
}

/** Audit rows an admin page sees for a filter (most tests' default page is the admin's, see auth.setup.ts). */
export async function auditCount(admin: Page, filter: Record<string, string>): Promise<number> {
  await admin.goto(`/admin/audit?${new URLSearchParams(filter)}`);
  await expect(admin.getByRole("heading", { name: "Audit log" })).toBeVisible();
  return admin.locator("tbody tr").count();
}

/** A fresh browser context signed in as `role` (its `request` shares the session cookie). */
export async function contextAs(browser: Browser, baseURL: string, role: Credential["role"]): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  await signIn(page, credential(role));
  await page.close();
  return context;
}

interface ManifestEntry {
  filename: string;
  exportedName: string;
}

/** A server action's id in the running build (the same build the e2e web server runs). */
export function actionId(exportedName: string): string {
  const manifest = JSON.parse(fs.readFileSync(path.resolve(".next/server/server-reference-manifest.json"), "utf8")) as {
    node: Record<string, ManifestEntry>;
  };
  const found = Object.entries(manifest.node).find(([, entry]) => entry.exportedName === exportedName);
  if (!found) throw new Error(`no server action ${exportedName} in the build`);
  return found[0];
}

/**
 * The request a browser sends for a form's server action (React's multipart reply encoding): the
 * form's fields under `_1_`, then the argument list in field 0: `(prevState, formData)` for actions
 * used with useActionState, `(formData)` for plain form actions. Built by hand because the order of the
 * parts matters (the argument list refers to the fields before it).
 */
export function actionRequest(id: string, fields: Record<string, string>, withPrevState: boolean) {
  const boundary = `----e2e${Math.random().toString(16).slice(2)}`;
  const parts = [...Object.entries(fields).map(([name, value]) => [`_1_${name}`, value] as const), ["0", withPrevState ? '[null,"$K1"]' : '["$K1"]'] as const];
  const body = Buffer.from(
    parts.map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`).join("") + `--${boundary}--\r\n`,
    "utf8",
  );
  return {
    headers: { "Next-Action": id, Accept: "text/x-component", "Content-Type": `multipart/form-data; boundary=${boundary}` },
    data: body,
    maxRedirects: 0,
  };
}
