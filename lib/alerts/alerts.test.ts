/**
 * The alert inbox: webhook validation, storage (dedupe by fingerprint, out-of-order deliveries), the
 * route's refusals (no token, wrong token, oversized, not JSON, not a webhook), and the banner's links.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { POST } from "@/app/api/alerts/route";
import { openMemoryDatabase } from "@/lib/db";
import { setDatabase } from "@/lib/db/current";
import { AlertStore, FIRING_EXPIRES_AFTER_MS, getAlertStore, setAlertStore } from "./store";
import { bearerMatches } from "@/lib/security/tokens";
import { alertsTokenConfig } from "./token";
import { groupAlerts, resolveDashboardHref, safeHttpUrl } from "./view";
import { labelsFingerprint, MAX_BODY_BYTES, webhookSchema, type WebhookPayload } from "./webhook";

const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);
const TOKEN = "test-token-0123456789abcdef";

interface AlertInput {
  status?: "firing" | "resolved";
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  fingerprint?: string;
  generatorURL?: string;
}

/** A webhook body as Alertmanager 0.25 sends it (version 4). */
function notification(alerts: AlertInput[], status: "firing" | "resolved" = "firing") {
  return {
    receiver: "borg-fleet-dashboard",
    status,
    alerts: alerts.map((a) => ({
      status: a.status ?? status,
      labels: a.labels ?? { alertname: "BorgMissingBackup", severity: "critical", host: "jira", site: "onsite", job: "borg-fleet", instance: "127.0.0.1:3000" },
      annotations: a.annotations ?? {
        summary: "Borg missing backup (host jira)",
        description: "Borg has not backed up jira (site onsite) for more than 1.5 days.",
        dashboard_url: "http://localhost:3000/hosts/jira",
      },
      startsAt: a.startsAt ?? new Date(T0).toISOString(),
      endsAt: a.endsAt ?? "0001-01-01T00:00:00Z",
      generatorURL: a.generatorURL ?? "http://127.0.0.1:9090/graph?g0.expr=time%28%29",
      fingerprint: a.fingerprint ?? "0123456789abcdef",
    })),
    groupLabels: { alertname: "BorgMissingBackup", host: "jira" },
    commonLabels: { alertname: "BorgMissingBackup" },
    commonAnnotations: {},
    externalURL: "http://127.0.0.1:9093",
    version: "4",
    groupKey: '{}/{}:{alertname="BorgMissingBackup", host="jira"}',
    truncatedAlerts: 0,
  };
}

const parse = (body: unknown): WebhookPayload => webhookSchema.parse(body);

describe("webhook schema", () => {
  it("accepts Alertmanager's version 4 payload and reads Go's zero time as 'not set'", () => {
    const payload = parse(notification([{}]));
    expect(payload.alerts[0]?.startsAt).toBe(T0);
    expect(payload.alerts[0]?.endsAt).toBeNull();
    expect(payload.alerts[0]?.fingerprint).toBe("0123456789abcdef");
  });

  it("refuses other versions, missing alertnames, bad label names, bad times and oversized values", () => {
    const ok = notification([{}]);
    expect(webhookSchema.safeParse({ ...ok, version: "3" }).success).toBe(false);
    expect(webhookSchema.safeParse(notification([{ labels: { host: "x" } }])).success).toBe(false);
    expect(webhookSchema.safeParse(notification([{ labels: { alertname: "A", "bad-name": "x" } }])).success).toBe(false);
    expect(webhookSchema.safeParse(notification([{ startsAt: "yesterday" }])).success).toBe(false);
    expect(webhookSchema.safeParse(notification([{ annotations: { summary: "x".repeat(20_000) } }])).success).toBe(false);
    const manyLabels = Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`l${i}`, "v"]));
    expect(webhookSchema.safeParse(notification([{ labels: { alertname: "A", ...manyLabels } }])).success).toBe(false);
    expect(webhookSchema.safeParse({ ...ok, alerts: "nope" }).success).toBe(false);
  });

  it("computes a stable fingerprint from the label set when none is sent", () => {
    expect(labelsFingerprint({ b: "2", a: "1" })).toBe(labelsFingerprint({ a: "1", b: "2" }));
    expect(labelsFingerprint({ a: "1" })).not.toBe(labelsFingerprint({ a: "2" }));
  });
});

describe("AlertStore", () => {
  let store: AlertStore;
  beforeEach(() => {
    store = new AlertStore(openMemoryDatabase());
  });

  it("stores a firing alert once, however often it is notified (dedupe by fingerprint)", () => {
    store.ingest(parse(notification([{}])), T0 + 1000);
    store.ingest(parse(notification([{}])), T0 + 60_000);
    store.ingest(parse(notification([{}])), T0 + 4 * 3600_000);
    const firing = store.firing(T0 + 4 * 3600_000);
    expect(firing).toHaveLength(1);
    expect(firing[0]).toMatchObject({ alertname: "BorgMissingBackup", host: "jira", site: "onsite", severity: "critical", startsAt: T0 });
    expect(firing[0]?.firstReceivedAt).toBe(T0 + 1000);
    expect(firing[0]?.lastReceivedAt).toBe(T0 + 4 * 3600_000);
  });

  it("resolves, ignores a late 'firing' for the same episode, and accepts a new episode", () => {
    store.ingest(parse(notification([{}])), T0 + 1000);
    store.ingest(parse(notification([{ status: "resolved", endsAt: new Date(T0 + 600_000).toISOString() }], "resolved")), T0 + 600_000);
    expect(store.firing(T0 + 600_000)).toHaveLength(0);
    expect(store.get("0123456789abcdef")).toMatchObject({ status: "resolved", endsAt: T0 + 600_000 });
    // A retried delivery of the old firing notification arrives late: stays resolved.
    const late = store.ingest(parse(notification([{}])), T0 + 700_000);
    expect(late).toEqual({ stored: 0, ignored: 1 });
    expect(store.firing(T0 + 700_000)).toHaveLength(0);
    // The host goes stale again: a new startsAt is a new episode.
    store.ingest(parse(notification([{ startsAt: new Date(T0 + 3600_000).toISOString() }])), T0 + 3600_000);
    expect(store.firing(T0 + 3600_000).map((a) => a.startsAt)).toEqual([T0 + 3600_000]);
    // An old episode's resolution cannot resolve the new one.
    store.ingest(parse(notification([{ status: "resolved", endsAt: new Date(T0 + 600_000).toISOString() }], "resolved")), T0 + 3700_000);
    expect(store.firing(T0 + 3700_000)).toHaveLength(1);
  });

  it("filters by host, ignores invalid host labels for host pages, and expires alerts Alertmanager stopped sending", () => {
    store.ingest(
      parse(
        notification([
          {},
          { fingerprint: "aaaa", labels: { alertname: "BorgStorageLow", severity: "warning", site: "onsite" } },
          { fingerprint: "bbbb", labels: { alertname: "BorgMissingBackup", host: "../../etc", site: "onsite" } },
        ]),
      ),
      T0,
    );
    expect(store.firing(T0, { host: "jira" }).map((a) => a.alertname)).toEqual(["BorgMissingBackup"]);
    expect(store.firing(T0)).toHaveLength(3);
    expect(store.get("bbbb")?.host).toBeNull();
    expect(store.firing(T0 + FIRING_EXPIRES_AFTER_MS + 1)).toHaveLength(0);
  });
});

describe("banner links", () => {
  const base = "https://backups.example.com";

  it("resolves a relative dashboard_url against the dashboard's URL and keeps own links in-app", () => {
    expect(resolveDashboardHref("/hosts/jira", base, "jira")).toBe("/hosts/jira");
    expect(resolveDashboardHref("https://backups.example.com/hosts/jira", base, "jira")).toBe("/hosts/jira");
    expect(resolveDashboardHref("/hosts/jira", "https://example.com/borg/", "jira")).toBe("/hosts/jira");
    expect(resolveDashboardHref("https://example.com/borg/hosts/jira", "https://example.com/borg", "jira")).toBe("/hosts/jira");
    // Another dashboard (another site's): an absolute link.
    expect(resolveDashboardHref("https://other.example.com/hosts/jira", base, "jira")).toBe("https://other.example.com/hosts/jira");
  });

  it("never renders script or data URLs; falls back to the host page", () => {
    expect(resolveDashboardHref("javascript:alert(1)", base, "jira")).toBe("/hosts/jira");
    expect(resolveDashboardHref("data:text/html,<b>x</b>", base, null)).toBeNull();
    expect(resolveDashboardHref("//evil.example.com/x", base, null)).toBeNull();
    expect(resolveDashboardHref(undefined, base, "db-01")).toBe("/hosts/db-01");
    expect(safeHttpUrl("javascript:alert(1)")).toBeNull();
    expect(safeHttpUrl("http://127.0.0.1:9090/graph?g0.expr=up")).toBe("http://127.0.0.1:9090/graph?g0.expr=up");
  });

  it("groups the same alert from several jobs into one line with the earliest start", () => {
    const store = new AlertStore(openMemoryDatabase());
    store.ingest(
      parse(
        notification([
          { fingerprint: "1111", startsAt: new Date(T0 + 60_000).toISOString() },
          {
            fingerprint: "2222",
            labels: { alertname: "BorgMissingBackup", severity: "critical", host: "jira", site: "onsite", job: "node", instance: "jira:9100" },
            annotations: { summary: "Borg missing backup (host jira)", dashboard_url: "/hosts/jira" },
          },
          { fingerprint: "3333", labels: { alertname: "BorgStorageLow", severity: "warning", site: "onsite" }, annotations: { dashboard_url: "/" } },
        ]),
      ),
      T0 + 120_000,
    );
    const views = groupAlerts(store.firing(T0 + 120_000), base);
    expect(views).toHaveLength(2);
    expect(views[0]).toMatchObject({ alertname: "BorgMissingBackup", host: "jira", sources: 2, since: T0, dashboardHref: "/hosts/jira" });
    expect(views[1]).toMatchObject({ alertname: "BorgStorageLow", host: null, sources: 1, dashboardHref: "/" });
  });
});

describe("token", () => {
  it("reads ALERTS_TOKEN or ALERTS_TOKEN_FILE and refuses none or a short one", () => {
    expect(alertsTokenConfig({})).toMatchObject({ ok: false });
    expect(alertsTokenConfig({ ALERTS_TOKEN: "short" })).toMatchObject({ ok: false });
    expect(alertsTokenConfig({ ALERTS_TOKEN: TOKEN })).toEqual({ ok: true, token: TOKEN });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "borg-fleet-token-"));
    try {
      fs.writeFileSync(path.join(dir, "t"), `${TOKEN}\n`);
      expect(alertsTokenConfig({ ALERTS_TOKEN_FILE: path.join(dir, "t") })).toEqual({ ok: true, token: TOKEN });
      const missing = alertsTokenConfig({ ALERTS_TOKEN_FILE: path.join(dir, "nope") });
      expect(missing).toMatchObject({ ok: false });
      expect(JSON.stringify(missing)).not.toContain(TOKEN);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("matches only 'Bearer <token>'", () => {
    expect(bearerMatches(`Bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(bearerMatches(`bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(bearerMatches(`Bearer ${TOKEN}x`, TOKEN)).toBe(false);
    expect(bearerMatches(`Basic ${TOKEN}`, TOKEN)).toBe(false);
    expect(bearerMatches(TOKEN, TOKEN)).toBe(false);
    expect(bearerMatches(null, TOKEN)).toBe(false);
    expect(bearerMatches("Bearer ", TOKEN)).toBe(false);
  });
});

describe("POST /api/alerts", () => {
  const saved = { token: process.env.ALERTS_TOKEN, file: process.env.ALERTS_TOKEN_FILE };
  let store: AlertStore;
  beforeEach(() => {
    // One database for the inbox and the audit rows of refused posts, as on a running server.
    const db = openMemoryDatabase();
    setDatabase(db);
    store = new AlertStore(db);
    setAlertStore(store);
    process.env.ALERTS_TOKEN = TOKEN;
    delete process.env.ALERTS_TOKEN_FILE;
  });
  afterEach(() => {
    setAlertStore(undefined);
    setDatabase(undefined);
    if (saved.token === undefined) delete process.env.ALERTS_TOKEN;
    else process.env.ALERTS_TOKEN = saved.token;
    if (saved.file === undefined) delete process.env.ALERTS_TOKEN_FILE;
    else process.env.ALERTS_TOKEN_FILE = saved.file;
  });

  const post = (body: BodyInit | null, headers: Record<string, string> = {}) =>
    POST(
      new Request("http://127.0.0.1:3000/api/alerts", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}`, ...headers },
        body,
      }),
    );

  it("stores a valid notification and answers 200", async () => {
    const response = await post(JSON.stringify(notification([{}])));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok", stored: 1, ignored: 0 });
    expect(getAlertStore()?.firing(Date.now() + 1000, { host: "jira" })).toHaveLength(1);
  });

  it("refuses every post when no token is configured (503), and wrong or missing tokens (401)", async () => {
    delete process.env.ALERTS_TOKEN;
    expect((await post(JSON.stringify(notification([{}])))).status).toBe(503);
    process.env.ALERTS_TOKEN = TOKEN;
    const wrong = await post(JSON.stringify(notification([{}])), { authorization: "Bearer not-the-token-at-all" });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toContain("Bearer");
    const none = await POST(new Request("http://x/api/alerts", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }));
    expect(none.status).toBe(401);
    expect(store.firing(Date.now() + 1000)).toHaveLength(0);
  });

  it("refuses bodies over 1 MiB (413), whatever Content-Length says", async () => {
    const big = JSON.stringify({ ...notification([{}]), padding: "x".repeat(MAX_BODY_BYTES) });
    expect((await post(big)).status).toBe(413);
    // A streamed body without Content-Length is cut off at the limit too.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
        for (let i = 0; i < 20; i++) controller.enqueue(chunk);
        controller.close();
      },
    });
    const streamed = await POST(
      new Request("http://x/api/alerts", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
        body: stream,
        // @ts-expect-error Node's fetch needs duplex for a stream body
        duplex: "half",
      }),
    );
    expect(streamed.status).toBe(413);
  });

  it("refuses non-JSON (415), broken JSON and payloads that are not a webhook (400)", async () => {
    expect((await post(JSON.stringify(notification([{}])), { "content-type": "text/plain" })).status).toBe(415);
    expect((await post("{not json")).status).toBe(400);
    const invalid = await post(JSON.stringify({ version: "4", alerts: [{ labels: {} }] }));
    expect(invalid.status).toBe(400);
    const body = (await invalid.json()) as { issues: string[] };
    expect(body.issues.length).toBeGreaterThan(0);
  });

  it("answers 503 when the runtime has no database", async () => {
    setAlertStore(undefined);
    expect((await post(JSON.stringify(notification([{}])))).status).toBe(503);
  });
});
