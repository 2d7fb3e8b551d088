/**
 * The /api/v1 access matrix, exhaustively: every endpoint × every token kind (admin, operator and
 * viewer scoped to web-*, expired, revoked, malformed, missing, a browser session cookie instead of a
 * token) × hosts in and out of scope. Each answer's status is written out by hand below (the policy is
 * not asked to predict itself); each refusal adds exactly one audit row; each body matches the
 * OpenAPI document the server publishes.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { GET as openApiGET } from "@/app/api/v1/openapi.json/route";
import { TOKEN_REQUESTS_PER_MINUTE } from "@/lib/api/auth";
import { routeHandler, type Endpoint } from "@/lib/api/endpoint";
import { ENDPOINTS } from "@/lib/api/endpoints";
import { queryAudit } from "@/lib/audit/log";
import { createToken } from "@/lib/auth/apiTokens";
import { createSession, SESSION_COOKIE } from "@/lib/auth/sessions";
import { addUser } from "@/lib/auth/users";
import { installApiWorld, installFleet, installWorldFleet, repo, type ApiWorld } from "./fixtures";
import { responseValidator } from "./openapiValidator";

type Caller = "admin" | "operator" | "viewer" | "expired" | "revoked" | "malformed" | "missing" | "cookie";
const CALLERS: Caller[] = ["admin", "operator", "viewer", "expired", "revoked", "malformed", "missing", "cookie"];

let world: ApiWorld;
let cookie: string;
let validate: ReturnType<typeof responseValidator>;

beforeAll(async () => {
  world = installApiWorld();
  const admin = await addUser(world.db, { username: "alice", password: "a long test password 1", role: "admin", hosts: [] }, { by: "test" });
  cookie = createSession(world.db, admin.id, null);
  validate = responseValidator((await openApiGET().json()) as Record<string, unknown>);
});

const byId = (id: string) => ENDPOINTS.find((e) => e.id === id)! as Endpoint;

function headersFor(caller: Caller): Record<string, string> {
  switch (caller) {
    case "malformed":
      return { authorization: "Bearer bft_not-a-token" };
    case "missing":
      return {};
    case "cookie":
      return { cookie: `${SESSION_COOKIE}=${cookie}` };
    default:
      return { authorization: `Bearer ${world.tokens[caller]}` };
  }
}

async function call(operationId: string, path: string, caller: Caller, params: Record<string, string> = {}) {
  const request = new Request(`http://127.0.0.1:3000/api/v1${path}`, { headers: { ...headersFor(caller), "x-borg-fleet-peer": "203.0.113.9" } });
  const response = await routeHandler(byId(operationId))(request, { params: Promise.resolve(params) });
  const body = response.status === 304 ? null : await response.json();
  return { status: response.status, body, response };
}

const refusedRows = () => queryAudit(world.db, { outcome: "refused", limit: 1000 }).length;

// [operationId, path, params, expected status per caller: admin, operator, viewer; every other caller gets 401]
const MATRIX: [string, string, Record<string, string>, [number, number, number]][] = [
  ["getFleet", "/fleet", {}, [200, 200, 200]],
  ["listHosts", "/hosts", {}, [200, 200, 200]],
  ["getHost", "/hosts/web-01", { host: "web-01" }, [200, 200, 200]],
  ["getHost", "/hosts/db-01", { host: "db-01" }, [200, 404, 404]],
  ["getHost", "/hosts/nosuch", { host: "nosuch" }, [404, 404, 404]],
  ["getHost", "/hosts/..", { host: ".." }, [404, 404, 404]],
  ["getHostVerification", "/hosts/web-01/verification", { host: "web-01" }, [200, 200, 200]],
  ["getHostVerification", "/hosts/db-01/verification", { host: "db-01" }, [200, 404, 404]],
  ["listSites", "/sites", {}, [200, 200, 200]],
  ["listAlerts", "/alerts", {}, [200, 200, 200]],
  ["listRestores", "/restores", {}, [200, 200, 403]],
  ["getRestore", "/restores/WEB", { id: "WEB" }, [200, 200, 403]],
  ["getRestore", "/restores/DB", { id: "DB" }, [200, 404, 403]],
  ["getRestore", "/restores/999999", { id: "999999" }, [404, 404, 403]],
  ["listAudit", "/audit", {}, [200, 403, 403]],
];

describe("/api/v1 access matrix", () => {
  it("covers every read endpoint (the POST ones: v1-restores.test.ts, on a real borg repo)", () => {
    expect(new Set(MATRIX.map(([id]) => id))).toEqual(new Set(ENDPOINTS.filter((e) => e.method === "GET").map((e) => e.id)));
    expect(ENDPOINTS.filter((e) => e.method === "POST").map((e) => e.id)).toEqual(["startRestore", "cancelRestore"]);
  });

  for (const [operationId, rawPath, rawParams, [adminStatus, operatorStatus, viewerStatus]] of MATRIX) {
    for (const caller of CALLERS) {
      const expected = caller === "admin" ? adminStatus : caller === "operator" ? operatorStatus : caller === "viewer" ? viewerStatus : 401;
      it(`${caller} GET ${rawPath} → ${expected}`, async () => {
        const ids: Record<string, string> = { WEB: String(world.jobs.web), DB: String(world.jobs.db) };
        const path = rawPath.replace(/WEB|DB/, (m) => ids[m]!);
        const params = Object.fromEntries(Object.entries(rawParams).map(([k, v]) => [k, ids[v] ?? v]));
        const before = refusedRows();
        const { status, body, response } = await call(operationId, path, caller, params);
        expect(status).toBe(expected);
        expect(validate(operationId, status, body)).toBeNull();
        if (status >= 400) expect(response.headers.get("content-type")).toBe("application/problem+json");
        if (status === 401) expect(response.headers.get("www-authenticate")).toMatch(/^Bearer /);
        // Refusals (no token, role, out of scope, invalid input) add one audit row; "no such thing" in scope adds none.
        const inScopeMiss = /999999/.test(path) || (caller === "admin" && /nosuch/.test(path));
        const refusal = status === 401 || status === 403 || (status === 404 && !inScopeMiss);
        expect(refusedRows() - before).toBe(refusal ? 1 : 0);
        if (refusal && caller !== "missing" && caller !== "malformed" && caller !== "cookie") {
          expect(queryAudit(world.db, { outcome: "refused", limit: 1 })[0]!.username).toMatch(/^token /);
        }
      });
    }
  }
});

describe("/api/v1 answers within the token's scope", () => {
  it("lists only hosts, restore jobs and alerts in scope", async () => {
    const hosts = await call("listHosts", "/hosts", "operator");
    expect(hosts.body.items.map((h: { host: string }) => h.host)).toEqual(["web-01", "web-02"]);
    const all = await call("listHosts", "/hosts", "admin");
    expect(all.body.items.map((h: { host: string }) => h.host)).toEqual(["db-01", "web-01", "web-02"]);
    expect(all.body.items[0]).toMatchObject({ host: "db-01", status: "never" });
    const fleet = await call("getFleet", "/fleet", "viewer");
    expect(fleet.body).toMatchObject({ hosts: 2, repos: 3, statuses: { fresh: 2, stale: 1, never: 0 } });
    const jobs = await call("listRestores", "/restores", "operator");
    expect(jobs.body.items.map((j: { host: string }) => j.host)).toEqual(["web-01"]);
  });

  it("gives each repo its own threshold (freshness.hosts) and the host's checks and drills", async () => {
    const now = Date.now();
    installFleet([repo("laptop-ann", "onsite", 5 * 24), repo("web-01", "onsite", 40)], {
      staleAfterHosts: [{ match: "laptop-*", staleAfterSeconds: 14 * 86400 }],
    });
    const hosts = await call("listHosts", "/hosts", "admin");
    expect(
      hosts.body.items.map((h: { host: string; status: string; repos: { staleAfterSeconds: number }[] }) => [h.host, h.status, h.repos[0]!.staleAfterSeconds]),
    ).toEqual([
      ["laptop-ann", "fresh", 14 * 86400],
      ["web-01", "stale", 129600],
    ]);
    world.db
      .prepare(
        "INSERT INTO check_runs (repo_id, host, site, kind, started_at, ended_at, outcome, message) VALUES ('onsite/web-01', 'web-01', 'onsite', 'repository', ?, ?, 'failed', 'Data integrity error: Segment entry checksum mismatch')",
      )
      .run(now - 60_000, now);
    world.db
      .prepare(
        `INSERT INTO drill_runs (repo_id, host, site, archive, started_at, ended_at, outcome, files, bytes, mismatched, missing, details_json)
         VALUES ('onsite/web-01', 'web-01', 'onsite', 'web-01-a', ?, ?, 'ok', 3, 300, 0, 0, '{"mismatched":[],"missing":[],"method":"chunk-ids"}')`,
      )
      .run(now - 50_000, now);
    const verification = await call("getHostVerification", "/hosts/web-01/verification", "operator", { host: "web-01" });
    expect(verification.body.checks).toEqual([
      expect.objectContaining({ kind: "repository", outcome: "failed", message: expect.stringContaining("checksum mismatch") }),
    ]);
    expect(verification.body.drills).toEqual([expect.objectContaining({ outcome: "ok", files: 3, method: "chunk-ids" })]);
    expect(validate("getHostVerification", 200, verification.body)).toBeNull();
    installWorldFleet();
  });

  it("pages with cursors and answers 304 to a matching If-None-Match", async () => {
    const first = await call("listHosts", "/hosts?limit=2", "admin");
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await call("listHosts", `/hosts?limit=2&cursor=${first.body.nextCursor}`, "admin");
    expect(second.body).toEqual({ items: [expect.objectContaining({ host: "web-02" })], nextCursor: null });
    expect((await call("listHosts", "/hosts?cursor=garbage", "admin")).status).toBe(400);
    expect((await call("listHosts", "/hosts?limit=0", "admin")).status).toBe(400);

    const etag = first.response.headers.get("etag")!;
    const again = await routeHandler(byId("listHosts"))(
      new Request("http://127.0.0.1:3000/api/v1/hosts?limit=2", { headers: { authorization: `Bearer ${world.tokens.admin}`, "if-none-match": etag } }),
    );
    expect(again.status).toBe(304);
  });

  it("records the last use of a token and refuses a token past its rate limit, audited", async () => {
    const before = Date.now();
    await call("getFleet", "/fleet", "viewer");
    const row = world.db.prepare("SELECT last_used_at FROM api_tokens WHERE name = 'web-viewer'").get() as { last_used_at: number };
    expect(row.last_used_at).toBeGreaterThanOrEqual(before);

    const { secret } = createToken(world.db, { name: "busy-script", role: "viewer", hosts: ["*"] }, { by: "test" });
    const fleet = () => routeHandler(byId("getFleet"))(new Request("http://127.0.0.1:3000/api/v1/fleet", { headers: { authorization: `Bearer ${secret}` } }));
    const statuses: number[] = [];
    for (let i = 0; i < TOKEN_REQUESTS_PER_MINUTE + 2; i++) statuses.push((await fleet()).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(TOKEN_REQUESTS_PER_MINUTE);
    const limited = await fleet();
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("60");
    expect(queryAudit(world.db, { username: "token busy-script", outcome: "refused" }).length).toBe(3);
    // Other tokens are not affected.
    expect((await call("getFleet", "/fleet", "admin")).status).toBe(200);
  });
});
