/**
 * Access control against the running demo (e2e/auth.ts): every role × page, route handler and server
 * action, at the HTTP level (server actions called directly with their id, as a browser would, but
 * with a forged or missing session) and in Chromium (sign in, sign out, what each role sees).
 * Demo users (scripts/seed/users.ts): admin; operator on web-* and db-?? (web-01, web-02, db-01);
 * viewer on every host.
 */
import { expect, test, type APIRequestContext } from "@playwright/test";
import { actionId, actionRequest, contextAs, credential, signIn } from "./auth";
import { EXPECTED_REPOS } from "./demoFleet";

const ANONYMOUS = { storageState: { cookies: [], origins: [] } };
const IN_SCOPE = "web-01";
const OUT_OF_SCOPE = "mail";
const ALL_HOSTS = [...new Set(EXPECTED_REPOS.map((r) => r.host))];
const OPERATOR_HOSTS = ["web-01", "web-02", "db-01"];

const PAGES = ["/", `/hosts/${IN_SCOPE}`, `/hosts/${OUT_OF_SCOPE}`, "/admin/users", "/admin/audit"];

/** The host named in a URL path, if any (a refusal may echo what the request itself said). */
const hostOf = (path: string) => /^\/hosts\/([^/?]+)/.exec(path)?.[1];

/** The server actions that need a session, how to call them, and where they are served. */
const ACTIONS: { name: string; path: string; fields: Record<string, string>; prev: boolean }[] = [
  { name: "refreshHostAction", path: `/hosts/${IN_SCOPE}`, fields: { host: IN_SCOPE }, prev: true },
  { name: "addUserAction", path: "/admin/users", fields: { username: "intruder", password: "intruder-password", role: "admin", hosts: "*" }, prev: true },
  { name: "setPasswordAction", path: "/admin/users", fields: { username: "admin", password: "taken-over-password" }, prev: true },
  { name: "removeUserAction", path: "/admin/users", fields: { username: "viewer" }, prev: true },
];

function noHostNames(body: string, allowed: string[] = []): void {
  for (const host of ALL_HOSTS.filter((h) => !allowed.includes(h))) expect(body, `leaks ${host}`).not.toMatch(new RegExp(`\\b${host}\\b`));
}

async function auditRows(request: APIRequestContext, query: string): Promise<string> {
  const response = await request.get(`/admin/audit?${query}`);
  expect(response.status()).toBe(200);
  return response.text();
}

test.describe("anonymous", () => {
  test.use(ANONYMOUS);

  test("every page redirects to /login and shows no host data", async ({ request }) => {
    for (const path of PAGES) {
      const response = await request.get(path, { maxRedirects: 0 });
      expect(response.status(), path).toBe(307);
      expect(response.headers().location, path).toMatch(/\/login$/);
      noHostNames(await response.text(), [hostOf(path) ?? ""]);
    }
    const login = await request.get("/login");
    expect(login.status()).toBe(200);
    noHostNames(await login.text());
  });

  test("every server action answers 401 without a session, and nothing changes", async ({ request }) => {
    for (const action of ACTIONS) {
      const response = await request.post(action.path, actionRequest(actionId(action.name), action.fields, action.prev));
      expect(response.status(), action.name).toBe(401);
      noHostNames(await response.text(), [hostOf(action.path) ?? ""]);
    }
    // The one-time setup refuses once there are users.
    const setup = await request.post("/setup", actionRequest(actionId("setupAction"), { username: "intruder", password: "intruder-password" }, true));
    expect(setup.status()).toBe(403);
    // The admin's password was not changed: the admin still signs in (checked by the setup project too).
  });

  test("a forged session cookie is no session", async ({ browser, baseURL }) => {
    const context = await browser.newContext({
      storageState: {
        cookies: [
          { name: "borg_fleet_session", value: "forged-token", domain: "127.0.0.1", path: "/", expires: -1, httpOnly: true, secure: false, sameSite: "Lax" },
        ],
        origins: [],
      },
    });
    const response = await context.request.get(`${baseURL}/`, { maxRedirects: 0 });
    expect(response.status()).toBe(307);
    await context.close();
  });

  test("machine endpoints: health leaks no host name, the alert inbox wants its token", async ({ request, browser, baseURL }) => {
    const health = await request.get("/api/health");
    expect(health.status()).toBe(200);
    noHostNames(await health.text());
    const alerts = await request.post("/api/alerts", { data: { version: "4", alerts: [] }, headers: { authorization: "Bearer wrong-token-0123456789" } });
    expect(alerts.status()).toBe(401);
    const admin = await contextAs(browser, baseURL!, "admin");
    expect(await auditRows(admin.request, "action=alerts:post&outcome=refused")).toContain("missing or wrong bearer token");
    await admin.close();
  });

  test("a cross-origin POST is refused with 403", async ({ request, browser, baseURL }) => {
    const response = await request.post(`/hosts/${IN_SCOPE}`, {
      ...actionRequest(actionId("refreshHostAction"), { host: IN_SCOPE }, true),
      headers: { ...actionRequest(actionId("refreshHostAction"), {}, true).headers, Origin: "https://evil.example" },
    });
    expect(response.status()).toBe(403);
    const login = await request.post("/login", { headers: { Origin: "https://evil.example" }, form: { username: "admin", password: "x" } });
    expect(login.status()).toBe(403);
    const admin = await contextAs(browser, baseURL!, "admin");
    const audit = await auditRows(admin.request, "outcome=refused");
    expect(audit).toContain("cross-origin request from https://evil.example");
    // ... and so are the anonymous action calls and page requests of the tests before.
    expect(await auditRows(admin.request, "action=users:manage&outcome=refused")).toContain("not signed in");
    expect(await auditRows(admin.request, "action=fleet:view&outcome=refused")).toContain("not signed in");
    await admin.close();
  });
});

test.describe("sign-in", () => {
  test.use(ANONYMOUS);

  test("the login form: same message for a wrong password and an unknown user; then sign out", async ({ page }) => {
    await page.goto("/");
    await expect(page).toHaveURL(/\/login$/);
    const viewer = credential("viewer");
    for (const attempt of [
      { username: viewer.username, password: "not-the-password" },
      { username: "nobody-here", password: viewer.password },
    ]) {
      await page.getByLabel("Username").fill(attempt.username);
      await page.getByLabel("Password").fill(attempt.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page.getByText("Wrong username or password.")).toBeVisible();
    }
    await signIn(page, viewer);
    await expect(page).toHaveURL(/\/$/);
    const cookie = (await page.context().cookies()).find((c) => c.name === "borg_fleet_session")!;
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe("Lax");

    // Sign out revokes the session on the server: the old cookie no longer opens anything.
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/login$/);
    await page.context().addCookies([cookie]);
    const response = await page.request.get("/", { maxRedirects: 0 });
    expect(response.status()).toBe(307);
  });

  test("password guessing is throttled and audited", async ({ page, browser, baseURL }) => {
    const target = "guess-target";
    await page.goto("/login");
    for (let i = 0; i < 5; i++) {
      await page.getByLabel("Username").fill(target);
      await page.getByLabel("Password").fill(`guess-${i}`);
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page.getByText("Wrong username or password.")).toBeVisible();
    }
    await page.getByLabel("Username").fill(target);
    await page.getByLabel("Password").fill("guess-5");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByText(/Too many failed attempts/)).toBeVisible();

    const admin = await contextAs(browser, baseURL!, "admin");
    const body = await auditRows(admin.request, `user=${target}&action=login&outcome=refused`);
    expect(body).toContain("throttled");
    expect(body.match(/unknown user/g)?.length).toBeGreaterThanOrEqual(5);
    await admin.close();
  });

  test("very long and non-ASCII usernames and passwords", async ({ page, browser, baseURL }) => {
    // Nonsense of any size is a wrong login, not an error.
    await page.goto("/login");
    await page.getByLabel("Username").evaluate((el) => el.removeAttribute("maxlength"));
    await page.getByLabel("Password").evaluate((el) => el.removeAttribute("maxlength"));
    await page.getByLabel("Username").fill("ü".repeat(5000));
    await page.getByLabel("Password").fill("🔑".repeat(5000));
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByText("Wrong username or password.")).toBeVisible();

    // A non-ASCII user added on the admin page signs in with a non-ASCII password.
    const admin = await contextAs(browser, baseURL!, "admin");
    const adminPage = await admin.newPage();
    await adminPage.goto("/admin/users");
    const name = `Jürgen.Ωmega-${Date.now() % 1_000_000}`; // the e2e demo's database outlives a run
    const password = "pässwörd mit Ümläuten 🔑";
    await adminPage.getByLabel("Username").fill(name);
    await adminPage.getByLabel("Initial password").fill(password);
    await adminPage.getByLabel("Role").selectOption("viewer");
    await adminPage.getByLabel("Host scope").fill("web-*");
    await adminPage.getByRole("button", { name: "Add user" }).click();
    await expect(adminPage.getByRole("status")).toHaveText(`Added ${name}.`);
    // A 65-character name is refused with a reason.
    await adminPage.getByLabel("Username").fill("x".repeat(65));
    await adminPage.getByLabel("Username").evaluate((el) => el.removeAttribute("maxlength"));
    await adminPage.getByLabel("Username").fill("x".repeat(65));
    await adminPage.getByLabel("Initial password").fill(password);
    await adminPage.getByLabel("Host scope").fill("*");
    await adminPage.getByRole("button", { name: "Add user" }).click();
    await expect(adminPage.getByRole("status")).toContainText("at most 64 characters");

    await signIn(page, { username: name, password });
    await expect(page.getByRole("table").locator("tbody tr")).toHaveCount(EXPECTED_REPOS.filter((r) => r.host.startsWith("web-")).length);
    await admin.close();
  });
});

test.describe("roles", () => {
  test("viewer: sees the fleet and host pages, cannot refresh, manage users or read the audit log", async ({ browser, baseURL }) => {
    const viewer = await contextAs(browser, baseURL!, "viewer");
    const page = await viewer.newPage();
    await page.goto(`/hosts/${IN_SCOPE}`);
    await expect(page.getByRole("heading", { level: 1 })).toContainText(IN_SCOPE);
    await expect(page.getByRole("button", { name: "Refresh now" })).toHaveCount(0);
    for (const path of ["/admin/users", "/admin/audit"]) {
      const response = await viewer.request.get(path, { maxRedirects: 0 });
      expect(response.status(), path).toBe(403);
    }
    for (const action of ACTIONS) {
      const response = await viewer.request.post(action.path, actionRequest(actionId(action.name), action.fields, action.prev));
      expect(response.status(), action.name).toBe(403);
    }
    await viewer.close();
  });

  test("operator: only hosts in scope, by list, by URL and by forged form value", async ({ browser, baseURL }) => {
    const operator = await contextAs(browser, baseURL!, "operator");
    const page = await operator.newPage();

    // The host list holds the operator's hosts only.
    await page.goto("/");
    const rows = page.getByRole("table").locator("tbody tr");
    await expect(rows).toHaveCount(EXPECTED_REPOS.filter((r) => OPERATOR_HOSTS.includes(r.host)).length);
    noHostNames(await page.content(), OPERATOR_HOSTS);

    // By URL: an out-of-scope host answers like an unknown one.
    const byUrl = await page.goto(`/hosts/${OUT_OF_SCOPE}`);
    expect(byUrl?.status()).toBe(404);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Page not found");
    noHostNames(await page.locator("main").innerText(), OPERATOR_HOSTS);
    // ... and so does a crafted name (encoded, other case).
    for (const crafted of [`/hosts/${encodeURIComponent(OUT_OF_SCOPE)}`, `/hosts/${OUT_OF_SCOPE.toUpperCase()}`, `/hosts/web-01%2F..%2Fmail`]) {
      const response = await operator.request.get(crafted, { maxRedirects: 0 });
      expect(response.status(), crafted).toBe(404);
      // Nothing but what the request itself named.
      noHostNames(await response.text(), [...OPERATOR_HOSTS, OUT_OF_SCOPE]);
    }

    // By a forged form value: the in-scope page's Refresh form, pointed at another host.
    await page.goto(`/hosts/${IN_SCOPE}`);
    const refreshForm = page.locator("form").filter({ has: page.getByRole("button", { name: "Refresh now" }) });
    await refreshForm.locator('input[name="host"]').evaluate((el, host) => ((el as HTMLInputElement).value = host), OUT_OF_SCOPE);
    const refused = page.waitForResponse((r) => r.request().method() === "POST");
    await page.getByRole("button", { name: "Refresh now" }).click();
    expect((await refused).status()).toBe(403);

    // Directly, with the action id: out of scope 403, in scope allowed.
    const out = await operator.request.post(`/hosts/${IN_SCOPE}`, actionRequest(actionId("refreshHostAction"), { host: OUT_OF_SCOPE }, true));
    expect(out.status()).toBe(403);
    const inScope = await operator.request.post(`/hosts/${IN_SCOPE}`, actionRequest(actionId("refreshHostAction"), { host: IN_SCOPE }, true));
    expect(inScope.status()).toBe(200);
    expect(await inScope.text()).toMatch(/Refreshed|moment ago|backup is running/);

    for (const path of ["/admin/users", "/admin/audit"]) expect((await operator.request.get(path, { maxRedirects: 0 })).status(), path).toBe(403);
    for (const action of ACTIONS.filter((a) => a.name !== "refreshHostAction")) {
      const response = await operator.request.post(action.path, actionRequest(actionId(action.name), action.fields, action.prev));
      expect(response.status(), action.name).toBe(403);
    }

    // Every refusal above is in the audit log.
    const admin = await contextAs(browser, baseURL!, "admin");
    const audit = await auditRows(admin.request, "user=operator&outcome=refused");
    expect(audit).toContain("host:view");
    expect(audit).toContain("host:refresh");
    expect(audit).toContain("users:manage");
    expect(audit).toContain("audit:read");
    await operator.close();
    await admin.close();
  });

  test("admin: every host, users and the audit log with sign-ins, refusals and changes", async ({ page }) => {
    await page.goto("/");
    await expect(page.getByRole("table").locator("tbody tr")).toHaveCount(EXPECTED_REPOS.length);
    await page.getByRole("link", { name: "Audit log" }).click();
    await expect(page.getByRole("heading", { name: "Audit log" })).toBeVisible();
    const table = page.getByRole("table");
    await expect(table).toContainText("login");
    await expect(table).toContainText("refused");
    await expect(table).toContainText("user:add");
    await page.getByLabel("Outcome").selectOption("refused");
    await page.getByRole("button", { name: "Filter" }).click();
    await expect(page).toHaveURL(/outcome=refused/);
    await expect(table.locator("tbody tr").first()).toContainText("refused");
  });

  test("a password change and a removal end the user's sessions", async ({ browser, baseURL, page }) => {
    await page.goto("/admin/users");
    const name = "short-lived";
    await page.getByLabel("Username").fill(name);
    await page.getByLabel("Initial password").fill("first password 123");
    await page.getByLabel("Role").selectOption("operator");
    await page.getByLabel("Host scope").fill("web-*");
    await page.getByRole("button", { name: "Add user" }).click();
    await expect(page.getByRole("status")).toHaveText(`Added ${name}.`);

    const user = await browser.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
    const userPage = await user.newPage();
    await signIn(userPage, { username: name, password: "first password 123" });
    expect((await user.request.get("/", { maxRedirects: 0 })).status()).toBe(200);

    await page.getByLabel(`New password for ${name}`).fill("second password 456");
    await page
      .getByRole("row", { name: new RegExp(name) })
      .getByRole("button", { name: "Set" })
      .click();
    await expect(page.getByRole("status")).toContainText("sessions are revoked");
    expect((await user.request.get("/", { maxRedirects: 0 })).status()).toBe(307);

    await signIn(userPage, { username: name, password: "second password 456" });
    await page.getByRole("button", { name: `Remove ${name}` }).click();
    await expect(page.getByRole("status")).toContainText(`Removed ${name}`);
    expect((await user.request.get("/", { maxRedirects: 0 })).status()).toBe(307);
    await user.close();
  });
});
