/**
 * Behind a real reverse proxy: Debian's nginx, running THE shipped deploy/nginx/borg-fleet.conf.template
 * (only ports and paths filled in), with a self-signed certificate made here by openssl, in front of
 * the production server (scripts/server.mjs over `next build`) on a copy of the e2e demo's database, as
 * e2e/sso.spec.ts does. Two nginx processes from the one file: "password" (auth_request off) and "sso"
 * (auth_request to a stand-in for oauth2-proxy's /oauth2/auth, which answers for a test cookie).
 * The dashboard trusts 127.0.0.1 (nginx's address as its socket sees it) through the top-level
 * `trustedProxies`. Clients bind their sockets to 127.0.0.2..5, so every address is known.
 *
 * Forged headers sent straight to the dashboard (no trusted proxy): X-Forwarded-Host (Origin check),
 * X-Forwarded-Proto (Secure cookie), X-Forwarded-For (audit address), SSO headers: refused or ignored.
 * The same through nginx: nginx overwrites them, and what nginx sets is honoured.
 *
 * Also: a restore started through nginx, and a 1 GiB tar (incompressible data, real `borg create`) that
 * streams through nginx with the RSS of nginx and the dashboard sampled (printed, and bounded).
 */
import type { ChildProcess } from "node:child_process";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { hostInScope } from "../lib/auth/glob";
import { auditLogOf, copyDemoDashboard } from "./demoCopy";
import { actionId, actionRequest, credential, signIn } from "./auth";
import { borgArchiveNames, DEMO_DIR, EXPECTED_REPOS } from "./demoFleet";
import { E2E_PORTS } from "./ports";
import { freePort } from "../test/fixtures/processes";
import { getJson, ROOT, spawnGroup, stopGroup, waitFor } from "./stack";

const DIR = path.resolve(ROOT, ".test-tmp/e2e-proxy");
/** The 1 GiB repo outlives a run (creating it is the slow part); rebuilt when its marker is missing. */
const BIG = path.resolve(ROOT, ".test-tmp/e2e-proxy-big");
const BIG_HOST = "bigdata";
const BIG_SITE = "proxybig";
const BIG_ARCHIVE = "big-1";
const BIG_FILES = 4;
const MiB = 1024 * 1024;
const BIG_FILE_SIZE = 256 * MiB;
const DASHBOARD = E2E_PORTS.proxied;
const NGINX = E2E_PORTS.nginx;
const NGINX_HOST = `127.0.0.1:${NGINX}`;
const TEMPLATE = path.join(ROOT, "deploy/nginx/borg-fleet.conf.template");
const SESSION = "borg_fleet_session";

const SSO_CONFIG = `
trustedProxies: ["127.0.0.1/32"]
sso:
  enabled: true
  allowPasswordLogin: true
  groups:
    - { group: backup-ops, role: operator, hosts: ["web-*"] }
    - { group: it-admins, role: admin }
`;

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface SendOptions {
  from?: string;
  headers?: Record<string, string>;
  method?: string;
  body?: Buffer;
}

let cert = "";
let ssoNginxPort = 0;

/** One request whose socket is bound to `from`: straight to the dashboard (http) or through nginx (https, certificate verified). */
function send(target: "direct" | "nginx" | "sso-nginx", pathname: string, opts: SendOptions = {}): Promise<Reply> {
  const port = target === "direct" ? DASHBOARD : target === "nginx" ? NGINX : ssoNginxPort;
  const common = {
    host: "127.0.0.1",
    port,
    path: pathname,
    method: opts.method ?? "GET",
    localAddress: opts.from ?? "127.0.0.2",
    headers: opts.headers,
    agent: false,
  };
  return new Promise((resolve, reject) => {
    const onReply = (res: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
    };
    const req = target === "direct" ? http.request(common, onReply) : https.request({ ...common, ca: cert, servername: "localhost" }, onReply);
    req.on("error", reject);
    req.setTimeout(60_000, () => req.destroy(new Error(`timeout: ${pathname}`)));
    req.end(opts.body);
  });
}

/** A server action posted as a browser would (e2e/auth.ts). */
function postAction(
  target: "direct" | "nginx" | "sso-nginx",
  pathname: string,
  name: string,
  fields: Record<string, string>,
  withPrevState: boolean,
  opts: SendOptions = {},
) {
  const r = actionRequest(actionId(name), fields, withPrevState);
  return send(target, pathname, { ...opts, method: "POST", headers: { ...r.headers, ...opts.headers }, body: r.data });
}

const { since: auditSince, lastId: lastAuditId } = auditLogOf(path.join(DIR, "data"));

/** The template with its ${VARIABLES} filled in, as envsubst (and the nginx image) would; anything left unfilled fails. */
function renderTemplate(values: Record<string, string>): string {
  const text = fs.readFileSync(TEMPLATE, "utf8").replace(/\$\{(BORG_FLEET_[A-Z0-9_]+)\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`the nginx template uses \${${name}}, which this test does not fill in`);
    return values[name]!;
  });
  return text;
}

/** Starts nginx (foreground, its own prefix, loopback only) over the rendered template. */
async function startNginx(
  name: string,
  httpsPort: number,
  authRequest: string,
  oauth2Proxy: string,
): Promise<{ child: ChildProcess; masterPid: () => number }> {
  const dir = path.join(DIR, `nginx-${name}`);
  fs.mkdirSync(path.join(dir, "tmp"), { recursive: true });
  const httpPort = await freePort();
  const site = renderTemplate({
    BORG_FLEET_UPSTREAM: `127.0.0.1:${DASHBOARD}`,
    BORG_FLEET_SERVER_NAME: "localhost",
    BORG_FLEET_LISTEN: "127.0.0.1",
    BORG_FLEET_HTTP_PORT: String(httpPort),
    BORG_FLEET_HTTPS_PORT: String(httpsPort),
    BORG_FLEET_PUBLIC_HTTPS_PORT: String(httpsPort),
    BORG_FLEET_TLS_CERT: path.join(DIR, "tls", "cert.pem"),
    BORG_FLEET_TLS_KEY: path.join(DIR, "tls", "key.pem"),
    BORG_FLEET_AUTH_REQUEST: authRequest,
    BORG_FLEET_OAUTH2_PROXY: oauth2Proxy,
  });
  fs.writeFileSync(path.join(dir, "borg-fleet.conf"), site);
  const tmp = path.join(dir, "tmp");
  fs.writeFileSync(
    path.join(dir, "nginx.conf"),
    [
      "daemon off;",
      "worker_processes 1;",
      `pid ${dir}/nginx.pid;`,
      `error_log ${dir}/error.log warn;`,
      "events {}",
      "http {",
      `  access_log ${dir}/access.log;`,
      ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `  ${t}_temp_path ${tmp}/${t};`),
      `  include ${dir}/borg-fleet.conf;`,
      "}",
    ].join("\n"),
  );
  const child = spawnGroup("nginx", ["-p", dir, "-c", path.join(dir, "nginx.conf")], process.env, path.join(DIR, `nginx-${name}.log`));
  await waitFor(
    `nginx (${name})`,
    () =>
      new Promise<true | undefined>((resolve) => {
        const socket = net.connect(httpsPort, "127.0.0.1", () => (socket.destroy(), resolve(true)));
        socket.on("error", () => resolve(undefined));
      }),
    30_000,
    200,
  );
  return { child, masterPid: () => Number(fs.readFileSync(path.join(dir, "nginx.pid"), "utf8").trim()) };
}

/**
 * A stand-in for oauth2-proxy's `/oauth2/auth` with --set-xauthrequest: 202 with X-Auth-Request-User
 * and -Groups for the user named in the `test_sso` cookie ("user|groups"), 401 otherwise.
 */
function startAuthStub(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const cookie = /(?:^|;\s*)test_sso=([^;]*)/.exec(req.headers.cookie ?? "")?.[1];
    if (req.url?.startsWith("/oauth2/auth") && cookie) {
      const [user, groups] = decodeURIComponent(cookie).split("|");
      res.writeHead(202, { "X-Auth-Request-User": user!, "X-Auth-Request-Groups": groups ?? "" }).end();
    } else if (req.url?.startsWith("/oauth2/sign_in")) {
      res.writeHead(200, { "Content-Type": "text/plain" }).end("sign in at the identity provider\n");
    } else {
      res.writeHead(401).end();
    }
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

const borgEnv = () => ({
  ...process.env,
  BORG_PASSCOMMAND: `cat ${path.join(BIG, "passphrase")}`,
  BORG_BASE_DIR: path.join(BIG, "borg-base"),
  BORG_RELOCATED_REPO_ACCESS_IS_OK: "yes",
});

/** 1 GiB of random (incompressible) files in one archive, made by real `borg create`; kept between runs. */
function ensureBigRepo(): void {
  const ready = path.join(BIG, "ready");
  if (fs.existsSync(ready)) return;
  fs.rmSync(BIG, { recursive: true, force: true });
  fs.mkdirSync(path.join(BIG, "src", "data"), { recursive: true });
  fs.writeFileSync(path.join(BIG, "passphrase"), `${randomBytes(24).toString("hex")}\n`, { mode: 0o600 });
  for (let i = 0; i < BIG_FILES; i++) {
    const fd = fs.openSync(path.join(BIG, "src", "data", `part-${i}.bin`), "w");
    for (let written = 0; written < BIG_FILE_SIZE; written += 8 * MiB) fs.writeSync(fd, randomBytes(8 * MiB));
    fs.closeSync(fd);
  }
  const repo = path.join(BIG, "site", BIG_HOST);
  fs.mkdirSync(path.dirname(repo), { recursive: true });
  execFileSync("borg", ["init", "--encryption=repokey-blake2", "--", repo], { env: borgEnv(), stdio: "pipe" });
  execFileSync("borg", ["create", "--compression", "none", "--", `${repo}::${BIG_ARCHIVE}`, "data"], {
    cwd: path.join(BIG, "src"),
    env: borgEnv(),
    stdio: "pipe",
  });
  fs.rmSync(path.join(BIG, "src"), { recursive: true, force: true });
  fs.writeFileSync(ready, "");
}

let server: ChildProcess | undefined;
let nginx: Awaited<ReturnType<typeof startNginx>> | undefined;
let ssoNginx: Awaited<ReturnType<typeof startNginx>> | undefined;
let authStub: http.Server | undefined;

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  test.setTimeout(600_000);
  ensureBigRepo();

  const config = copyDemoDashboard(DIR, "fleet-proxy.yml", SSO_CONFIG, (demo) => {
    // The 1 GiB repo, on a site of its own.
    const changed = demo
      .replace(/^sites:$/m, `sites:\n  - name: ${BIG_SITE}\n    root: ${path.join(BIG, "site")}\n    discover: false`)
      .replace(/^repos:$/m, `repos:\n  - host: ${BIG_HOST}\n    site: ${BIG_SITE}\n    secrets:\n      passphraseFile: ${path.join(BIG, "passphrase")}`);
    expect(changed).toContain(`  - name: ${BIG_SITE}\n`);
    expect(changed).toContain(`  - host: ${BIG_HOST}\n`);
    return changed;
  });
  fs.mkdirSync(path.join(DIR, "tls"), { recursive: true });
  // A self-signed certificate for this run only (never committed).
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-keyout",
      path.join(DIR, "tls", "key.pem"),
      "-out",
      path.join(DIR, "tls", "cert.pem"),
    ],
    { stdio: "pipe" },
  );
  cert = fs.readFileSync(path.join(DIR, "tls", "cert.pem"), "utf8");

  server = spawnGroup(
    process.execPath,
    [path.join(ROOT, "scripts", "server.mjs"), "-H", "127.0.0.1", "-p", String(DASHBOARD)],
    { ...process.env, NEXT_TELEMETRY_DISABLED: "1", BORG_FLEET_CONFIG: config },
    path.join(DIR, "dashboard.log"),
  );
  await waitFor(
    "the proxied dashboard",
    async () => ((await getJson<{ status: string }>(`http://127.0.0.1:${DASHBOARD}/api/health`)).status === "ok" ? true : undefined),
    60_000,
  );

  authStub = await startAuthStub();
  const stub = `127.0.0.1:${(authStub.address() as net.AddressInfo).port}`;
  nginx = await startNginx("password", NGINX, "off", stub);
  ssoNginxPort = await freePort();
  ssoNginx = await startNginx("sso", ssoNginxPort, "/oauth2/auth", stub);
});

test.afterAll(async () => {
  await stopGroup(nginx?.child);
  await stopGroup(ssoNginx?.child);
  await stopGroup(server);
  await new Promise((resolve) => (authStub ? authStub.close(resolve) : resolve(undefined)));
  fs.rmSync(path.join(DEMO_DIR, "fleet-proxy.yml"), { force: true });
});

const viewer = () => credential("viewer");
const sessionCookie = (reply: Reply) => [reply.headers["set-cookie"] ?? []].flat().find((c) => c.startsWith(`${SESSION}=`));

test("sign-in through nginx sets a Secure cookie; a client's X-Forwarded-Proto straight to the dashboard does not", async () => {
  const through = await postAction("nginx", "/login", "loginAction", { username: viewer().username, password: viewer().password }, true, {
    headers: { Origin: `https://${NGINX_HOST}` },
  });
  expect(through.status, through.body).toBeLessThan(400);
  expect(sessionCookie(through)).toMatch(/; Secure/i);

  const forged = await postAction("direct", "/login", "loginAction", { username: viewer().username, password: viewer().password }, true, {
    headers: { Origin: `http://127.0.0.1:${DASHBOARD}`, "X-Forwarded-Proto": "https", Forwarded: "proto=https" },
  });
  expect(forged.status, forged.body).toBeLessThan(400);
  expect(sessionCookie(forged)).toBeDefined();
  expect(sessionCookie(forged)).not.toMatch(/; Secure/i);
});

test("a cross-origin POST is refused with a forged X-Forwarded-Host, straight or through nginx; the action never runs", async () => {
  const before = lastAuditId();
  const evil = { Origin: "http://evil.example", "X-Forwarded-Host": "evil.example" };
  const fields = { username: viewer().username, password: viewer().password };
  const direct = await postAction("direct", "/login", "loginAction", fields, true, { headers: evil });
  expect(direct.status, direct.body).toBe(403);
  const proxied = await postAction("nginx", "/login", "loginAction", fields, true, { headers: { ...evil, Origin: "https://evil.example" } });
  expect(proxied.status, proxied.body).toBe(403);
  const rows = auditSince(before);
  expect(rows.map((r) => [r.action, r.outcome, r.address])).toEqual([
    ["POST /login", "refused", "127.0.0.2"],
    ["POST /login", "refused", "127.0.0.2"],
  ]);
  expect(rows.every((r) => r.reason?.startsWith("cross-origin request from"))).toBe(true);
  expect(sessionCookie(direct)).toBeUndefined();
  expect(sessionCookie(proxied)).toBeUndefined();
});

test("the audit log records the real client address: nginx's X-Forwarded-For is believed, a client's is not", async () => {
  const before = lastAuditId();
  const wrong = { username: "nobody-here", password: "wrong password" };
  const spoof = { "X-Forwarded-For": "198.51.100.9", "X-Real-IP": "198.51.100.9" };
  await postAction("nginx", "/login", "loginAction", wrong, true, { from: "127.0.0.3", headers: { ...spoof, Origin: `https://${NGINX_HOST}` } });
  await postAction("direct", "/login", "loginAction", wrong, true, { from: "127.0.0.4", headers: { ...spoof, Origin: `http://127.0.0.1:${DASHBOARD}` } });
  const rows = auditSince(before).filter((r) => r.action === "login");
  expect(rows.map((r) => [r.address, r.outcome, r.reason])).toEqual([
    ["127.0.0.3", "refused", "unknown user"],
    ["127.0.0.4", "refused", "unknown user"],
  ]);
});

test("SSO headers set by nginx sign a user in with the mapped role; the same headers from a client are dropped or refused", async () => {
  const before = lastAuditId();
  const forged = { "X-Forwarded-User": "mallory", "X-Forwarded-Groups": "it-admins", "Remote-User": "mallory" };
  // Signed in at the (stand-in) identity provider as an operator of web-*: nginx sets the headers.
  const olivia = await send("sso-nginx", "/", { headers: { Cookie: "test_sso=sso-olivia|backup-ops" } });
  expect(olivia.status).toBe(200);
  expect(olivia.body).toContain("sso-olivia");
  // The same, with the client adding its own identity headers: nginx overwrites them with the provider's.
  const overwritten = await send("sso-nginx", "/admin/users", { headers: { Cookie: "test_sso=sso-olivia|backup-ops", ...forged } });
  expect(overwritten.status).toBe(403);
  expect(overwritten.body).not.toContain("mallory");
  // Not signed in at the provider: sent to sign in, whatever the client wrote.
  const anonymous = await send("sso-nginx", "/", { headers: forged });
  expect(anonymous.status).toBe(302);
  expect(anonymous.headers.location).toMatch(/\/oauth2\/sign_in\?rd=/);
  // The proxy without SSO drops a client's identity headers: an anonymous visitor, sent to /login.
  const plain = await send("nginx", "/", { headers: forged });
  expect(plain.status).toBe(307);
  expect(plain.headers.location).toMatch(/\/login$/);
  // Straight to the dashboard: refused and audited.
  const direct = await send("direct", "/", { from: "127.0.0.5", headers: forged });
  expect(direct.status).toBe(403);

  const rows = auditSince(before);
  expect(rows.find((r) => r.action === "login" && r.username === "sso-olivia")).toMatchObject({ outcome: "ok", address: "127.0.0.2" });
  expect(rows.some((r) => r.username === "mallory" && r.outcome === "ok")).toBe(false);
  expect(rows.at(-1)).toMatchObject({ address: "127.0.0.5", outcome: "refused", reason: "SSO header from untrusted address 127.0.0.5" });
});

test("in Chromium through nginx: sign-in, a Secure session cookie, and a restore started and finished", async ({ browser }) => {
  const base = `https://localhost:${NGINX}`;
  const context = await browser.newContext({ ignoreHTTPSErrors: true, storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  await signIn(page, credential("operator"), base);
  const cookie = (await context.cookies(base)).find((c) => c.name === SESSION);
  expect(cookie).toMatchObject({ secure: true, httpOnly: true });

  const operator = credential("operator");
  const repo = EXPECTED_REPOS.find((r) => r.status === "fresh" && hostInScope(operator.hosts, r.host))!;
  const archive = borgArchiveNames(repo.site, repo.host).at(-1)!;
  const started = await context.request.post(`${base}/restores`, {
    headers: { "Next-Action": actionId("startRestore"), Accept: "text/x-component", "Content-Type": "text/plain;charset=UTF-8", Origin: base },
    data: JSON.stringify([{ host: repo.host, site: repo.site, archive, paths: ["etc/hostname"] }]),
    maxRedirects: 0,
  });
  const text = await started.text();
  expect(started.status(), text).toBe(200);
  const jobId = Number(/"jobId":(\d+)/.exec(text)?.[1]);
  expect(jobId, text).toBeGreaterThan(0);
  await page.goto(`${base}/restores/${jobId}`);
  await expect(page.getByTestId("restore-state")).toHaveText("succeeded", { timeout: 120_000 });
  await context.close();
});

/** VmRSS of a process in MiB, or null when it is gone. */
function rssMiB(pid: number): number | null {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb ? Number(kb) / 1024 : null;
  } catch {
    return null;
  }
}

test("a 1 GiB tar streams through nginx with flat memory in nginx and the dashboard", async () => {
  test.setTimeout(600_000);
  const admin = credential("admin");
  const signedIn = await postAction("nginx", "/login", "loginAction", { username: admin.username, password: admin.password }, true, {
    headers: { Origin: `https://${NGINX_HOST}` },
  });
  const cookie = sessionCookie(signedIn)!.split(";")[0]!;
  const worker = Number(fs.readFileSync(`/proc/${nginx!.masterPid()}/task/${nginx!.masterPid()}/children`, "utf8").trim().split(/\s+/)[0]);
  const pids = { dashboard: server!.pid!, nginx: worker };
  const query = new URLSearchParams({ host: BIG_HOST, site: BIG_SITE, archive: BIG_ARCHIVE, path: "data", format: "tar" });
  const idle = { dashboard: rssMiB(pids.dashboard)!, nginx: rssMiB(pids.nginx)! };
  const samples: { dashboard: number[]; nginx: number[] } = { dashboard: [], nginx: [] };
  const sampler = setInterval(() => {
    for (const key of ["dashboard", "nginx"] as const) {
      const v = rssMiB(pids[key]);
      if (v !== null) samples[key].push(v);
    }
  }, 200);
  let bytes = 0;
  let head = Buffer.alloc(0);
  const status = await new Promise<number>((resolve, reject) => {
    const req = https.get(
      {
        host: "127.0.0.1",
        port: NGINX,
        path: `/api/archives/download?${query}`,
        ca: cert,
        servername: "localhost",
        localAddress: "127.0.0.2",
        headers: { Cookie: cookie },
        agent: false,
      },
      (res) => {
        res.on("data", (chunk: Buffer) => {
          bytes += chunk.length;
          if (head.length < 512) head = Buffer.concat([head, chunk.subarray(0, 512)]);
        });
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
  }).finally(() => clearInterval(sampler));
  expect(status).toBe(200);
  // A tar of the four files (512-byte headers, the data, end blocks): at least the data, never a buffered fraction.
  expect(bytes).toBeGreaterThanOrEqual(BIG_FILES * BIG_FILE_SIZE);
  expect(bytes).toBeLessThan(BIG_FILES * BIG_FILE_SIZE + MiB);
  expect(head.subarray(257, 262).toString("latin1")).toBe("ustar");

  const summary = (key: "dashboard" | "nginx") => {
    const s = [...samples[key]].sort((a, b) => a - b);
    return { idle: Math.round(idle[key]), median: Math.round(s[Math.floor(s.length / 2)]!), max: Math.round(s.at(-1)!), samples: s.length };
  };
  const figures = { bytes, dashboardRssMiB: summary("dashboard"), nginxRssMiB: summary("nginx") };
  console.log(`1 GiB tar through nginx: ${JSON.stringify(figures)}`);
  fs.writeFileSync(path.join(DIR, "download-memory.json"), JSON.stringify(figures, null, 2));
  // Flat: neither process grows by anything near the size of what passed through it.
  expect(figures.dashboardRssMiB.max - figures.dashboardRssMiB.idle).toBeLessThan(160);
  expect(figures.nginxRssMiB.max - figures.nginxRssMiB.idle).toBeLessThan(32);
});
