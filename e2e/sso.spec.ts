/**
 * Single sign-on behind a proxy, against the REAL production server wrapper (scripts/server.mjs over
 * the production build): a second dashboard on its own port, over a copy of the e2e demo's database
 * (its users and last fleet state; collector off), with `sso` enabled and 127.0.0.1 as the only
 * trusted proxy. Requests from 127.0.0.1 play the proxy; requests whose socket is bound to 127.0.0.2
 * play a client talking to the dashboard directly. The audit log is read from the server's database.
 *
 * Covers: (i) proxy headers → pages and server actions for that user with the
 * mapped role and scope; (ii) the same headers from 127.0.0.2 → 403 and an audit row "untrusted";
 * (iii) a spoofed X-Forwarded-For or private peer header changes neither the audited address nor the
 * per-address sign-in throttle; (iv) a user whose groups map to nothing → 403; in Chromium: the SSO
 * user's pages and sign-out link, password sign-in still working beside SSO, the username kept after
 * a failed sign-in; and a graceful stop on SIGTERM.
 */
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { auditLogOf, copyDemoDashboard } from "./demoCopy";
import { actionId, actionRequest, credential } from "./auth";
import { DEMO_DIR, EXPECTED_REPOS } from "./demoFleet";
import { E2E_PORTS } from "./ports";
import { getJson, ROOT, spawnGroup, waitFor } from "./stack";

const PORT = E2E_PORTS.sso;
const BASE = `http://127.0.0.1:${PORT}`;
const DIR = path.resolve(ROOT, ".test-tmp/e2e-sso");
const PROXY = "127.0.0.1";
const CLIENT = "127.0.0.2";
const ALL_HOSTS = [...new Set(EXPECTED_REPOS.map((r) => r.host))];
const WEB_HOSTS = ALL_HOSTS.filter((h) => h.startsWith("web-"));
const OTHER_HOSTS = ALL_HOSTS.filter((h) => !h.startsWith("web-"));

const SSO_CONFIG = `
sso:
  enabled: true
  trustedProxies: ["${PROXY}/32", "::1"]
  logoutUrl: /oauth2/sign_out
  auditSignInEvery: 1h
  groups:
    - { group: backup-ops, role: operator, hosts: ["web-*"] }
    - { group: everyone, role: viewer, hosts: ["*"] }
    - { group: it-admins, role: admin }
`;

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One HTTP request whose socket is bound to `from` (so the server sees that peer address). */
function send(pathname: string, opts: { from?: string; headers?: Record<string, string>; method?: string; body?: Buffer } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port: PORT, path: pathname, method: opts.method ?? "GET", localAddress: opts.from ?? PROXY, headers: opts.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      },
    );
    req.on("error", reject);
    req.setTimeout(60_000, () => req.destroy(new Error(`timeout: ${pathname}`)));
    req.end(opts.body);
  });
}

/** A server action, posted as a browser would (e2e/auth.ts actionRequest). */
function postAction(
  pathname: string,
  name: string,
  fields: Record<string, string>,
  withPrevState: boolean,
  opts: { from?: string; headers?: Record<string, string> } = {},
) {
  const r = actionRequest(actionId(name), fields, withPrevState);
  return send(pathname, { ...opts, method: "POST", headers: { ...r.headers, ...opts.headers }, body: r.data });
}

const { since: auditSince, lastId: lastAuditId } = auditLogOf(path.join(DIR, "data"));

const sso = (user: string, groups: string) => ({ "X-Forwarded-User": user, "X-Forwarded-Groups": groups });

function noHostNames(body: string, hosts: string[]): void {
  for (const host of hosts) expect(body, `leaks ${host}`).not.toMatch(new RegExp(`\\b${host}\\b`));
}

let server: ChildProcess | undefined;
let exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  test.setTimeout(120_000);
  expect(WEB_HOSTS.length).toBeGreaterThan(0);
  expect(OTHER_HOSTS.length).toBeGreaterThan(0);
  const config = copyDemoDashboard(DIR, "fleet-sso.yml", SSO_CONFIG);

  server = spawnGroup(
    process.execPath,
    [path.join(ROOT, "scripts", "server.mjs"), "-H", "127.0.0.1", "-p", String(PORT)],
    { ...process.env, NEXT_TELEMETRY_DISABLED: "1", BORG_FLEET_CONFIG: config },
    path.join(ROOT, ".test-tmp", "e2e-sso.log"),
  );
  const child = server;
  exit = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  await waitFor("the SSO dashboard", async () => ((await getJson<{ status: string }>(`${BASE}/api/health`)).status === "ok" ? true : undefined), 60_000);
});

test.afterAll(async () => {
  if (server?.pid && server.exitCode === null && server.signalCode === null) process.kill(-server.pid, "SIGKILL");
  fs.rmSync(path.join(DEMO_DIR, "fleet-sso.yml"), { force: true });
});

test("(i) a trusted proxy's user gets the mapped role and scope: pages and server actions", async () => {
  const before = lastAuditId();
  const operator = sso("sso-olivia", "backup-ops everyone");

  const overview = await send("/", { headers: operator });
  expect(overview.status).toBe(200);
  expect(overview.body).toContain("sso-olivia");
  expect(overview.body).toContain("single sign-on");
  for (const host of WEB_HOSTS) expect(overview.body).toMatch(new RegExp(`\\b${host}\\b`));
  // The viewer group's "*" adds nothing to an operator: other hosts stay out of scope.
  noHostNames(overview.body, OTHER_HOSTS);

  expect((await send(`/hosts/${WEB_HOSTS[0]}`, { headers: operator })).status).toBe(200);
  expect((await send(`/hosts/${OTHER_HOSTS[0]}`, { headers: operator })).status).toBe(404);
  expect((await send("/admin/audit", { headers: operator })).status).toBe(403);

  // A server action through the wrapper: allowed in scope, refused out of scope.
  const refresh = await postAction(`/hosts/${WEB_HOSTS[0]}`, "refreshHostAction", { host: WEB_HOSTS[0]! }, true, { headers: operator });
  expect(refresh.status).toBe(200);
  const refused = await postAction(`/hosts/${OTHER_HOSTS[0]}`, "refreshHostAction", { host: OTHER_HOSTS[0]! }, true, { headers: operator });
  expect(refused.status).toBe(403);

  // An admin group: every host and the audit page; the proxy's X-Forwarded-For names the client.
  const admin = await send("/admin/audit", { headers: { ...sso("sso-adam", "it-admins"), "X-Forwarded-For": "6.6.6.6, 198.51.100.23" } });
  expect(admin.status).toBe(200);

  const rows = auditSince(before);
  const signIns = rows.filter((r) => r.action === "login" && r.outcome === "ok");
  // One sign-in row per user, not one per request.
  expect(signIns.map((r) => [r.username, r.address, r.reason])).toEqual([
    ["sso-olivia", PROXY, "single sign-on as operator of web-* (groups: backup-ops, everyone)"],
    ["sso-adam", "198.51.100.23", "single sign-on as admin (groups: it-admins)"],
  ]);
  expect(rows).toContainEqual(expect.objectContaining({ username: "sso-olivia", action: "host:refresh", host: WEB_HOSTS[0], outcome: "ok" }));
  expect(rows).toContainEqual(expect.objectContaining({ username: "sso-olivia", action: "host:refresh", host: OTHER_HOSTS[0], outcome: "refused" }));
});

test("(ii) the same headers from an address that is not the proxy are refused and audited", async () => {
  const before = lastAuditId();
  for (const [pathname, extra] of [
    ["/", {}],
    [`/hosts/${WEB_HOSTS[0]}`, {}],
    // Claiming to be the proxy does not help: the private header and X-Forwarded-For are the client's words.
    ["/admin/audit", { "X-Borg-Fleet-Peer": PROXY, "X-Forwarded-For": PROXY }],
  ] as const) {
    const reply = await send(pathname, { from: CLIENT, headers: { ...sso("sso-adam", "it-admins"), ...extra } });
    expect(reply.status, pathname).toBe(403);
    noHostNames(
      reply.body,
      ALL_HOSTS.filter((h) => !pathname.includes(h)),
    );
  }
  // A server action too.
  const action = await postAction(`/hosts/${WEB_HOSTS[0]}`, "refreshHostAction", { host: WEB_HOSTS[0]! }, true, {
    from: CLIENT,
    headers: sso("sso-adam", "it-admins"),
  });
  expect(action.status).toBe(403);

  const rows = auditSince(before);
  expect(rows).toHaveLength(4);
  for (const row of rows) expect(row).toMatchObject({ address: CLIENT, outcome: "refused", reason: `SSO header from untrusted address ${CLIENT}` });
  // Without SSO headers, that client is simply anonymous.
  const anonymous = await send("/", { from: CLIENT });
  expect(anonymous.status).toBe(307);
  expect(anonymous.headers.location).toMatch(/\/login$/);
});

test("(iii) a spoofed X-Forwarded-For changes neither the audited address nor the sign-in throttle", async () => {
  const before = lastAuditId();
  const viewer = credential("viewer");
  const attempt = (i: number, password: string, username = `guess-${i}`) =>
    postAction("/login", "loginAction", { username, password }, true, {
      from: CLIENT,
      headers: { "X-Forwarded-For": `203.0.113.${i}`, "X-Real-IP": `203.0.113.${i}`, "X-Borg-Fleet-Peer": `203.0.113.${i}` },
    });
  // 20 failures per address in 15 minutes (lib/auth/throttle.ts), each under another username and
  // another forwarded address.
  for (let i = 1; i <= 20; i++) {
    const reply = await attempt(i, "wrong password");
    expect(reply.body, `attempt ${i}`).toContain("Wrong username or password.");
  }
  // The 21st, with the viewer's right password, is refused without being checked.
  const throttled = await attempt(21, viewer.password, viewer.username);
  expect(throttled.body).toContain("Too many failed attempts");
  expect(throttled.headers["set-cookie"] ?? []).toEqual([]);

  const rows = auditSince(before).filter((r) => r.action === "login");
  expect(rows).toHaveLength(21);
  for (const row of rows) expect(row.address).toBe(CLIENT);
  expect(rows.at(-1)).toMatchObject({ username: viewer.username, outcome: "refused", reason: "throttled: too many failed attempts" });

  // Another peer is not throttled: the viewer signs in from 127.0.0.1.
  const ok = await postAction("/login", "loginAction", { username: viewer.username, password: viewer.password }, true, { from: PROXY });
  expect(ok.body).not.toContain("Too many failed attempts");
  expect(String(ok.headers["set-cookie"] ?? "")).toMatch(/^borg_fleet_session=/);
});

test("(iv) a proxy user whose groups map to nothing is refused, not let in as a viewer", async () => {
  const before = lastAuditId();
  for (const groups of ["marketing, sales", ""]) {
    const reply = await send("/", { headers: sso("sso-mallory", groups) });
    expect(reply.status, groups).toBe(403);
    expect(reply.body).toContain("none of their groups gives access");
    noHostNames(reply.body, ALL_HOSTS);
  }
  // A malformed user header is refused as well.
  expect((await send("/", { headers: sso("mallory<script>", "it-admins") })).status).toBe(403);
  const rows = auditSince(before);
  expect(rows.slice(0, 2).map((r) => [r.username, r.outcome, r.reason])).toEqual([
    ["sso-mallory", "refused", "SSO user in no mapped group (groups: marketing, sales)"],
    ["sso-mallory", "refused", "SSO user in no mapped group (groups: none)"],
  ]);
  expect(rows).toHaveLength(3);
});

test("in Chromium: the SSO user's pages and sign-out; password sign-in beside SSO keeps the username on failure", async ({ browser }) => {
  const ssoContext = await browser.newContext({ storageState: { cookies: [], origins: [] }, extraHTTPHeaders: sso("sso-olivia", "backup-ops") });
  try {
    const page = await ssoContext.newPage();
    await page.goto(`${BASE}/`);
    await expect(page.getByText("(operator, single sign-on)")).toBeVisible();
    await expect(page.getByRole("link", { name: WEB_HOSTS[0]!, exact: true }).first()).toBeVisible();
    await expect(page.getByRole("link", { name: OTHER_HOSTS[0]!, exact: true })).toHaveCount(0);
    await expect(page.getByRole("link", { name: "Sign out" })).toHaveAttribute("href", "/oauth2/sign_out");
    await expect(page.getByRole("button", { name: "Sign out" })).toHaveCount(0);
    await page.goto(`${BASE}/hosts/${WEB_HOSTS[0]}`);
    await expect(page.getByRole("heading", { level: 1 })).toContainText(WEB_HOSTS[0]!);
  } finally {
    await ssoContext.close();
  }

  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  try {
    const page = await context.newPage();
    const admin = credential("admin");
    await page.goto(`${BASE}/`);
    await expect(page).toHaveURL(`${BASE}/login`);
    await page.getByLabel("Username").fill(admin.username);
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByText("Wrong username or password.")).toBeVisible();
    // The username survives the failed attempt; only the password is typed again.
    await expect(page.getByLabel("Username")).toHaveValue(admin.username);
    await expect(page.getByLabel("Password")).toHaveValue("");
    await page.getByLabel("Password").fill(admin.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
    await expect(page.getByText("(admin)")).toBeVisible();
  } finally {
    await context.close();
  }
});

test("the wrapper stops cleanly on SIGTERM", async () => {
  expect(server?.pid).toBeTruthy();
  // A request in flight when the signal arrives still gets its answer.
  const inFlight = send("/", { headers: sso("sso-olivia", "backup-ops") });
  await new Promise((r) => setTimeout(r, 50));
  process.kill(server!.pid!, "SIGTERM");
  expect((await inFlight).status).toBe(200);
  expect(await exit).toEqual({ code: 143, signal: null });
  await expect(send("/api/health")).rejects.toThrow(/ECONNREFUSED/);
});
