/** proxy.ts on a server that could not open its database: one clear 503 everywhere but /api/health. */
import { NextRequest } from "next/server";
import { afterAll, describe, expect, it } from "vitest";
import { setDatabase, setDatabaseUnavailable } from "@/lib/db/current";
import { proxy } from "@/proxy";

afterAll(() => setDatabase(undefined));

describe("proxy without a database", () => {
  it("answers 503 with the start-up reason for pages, actions and API routes", async () => {
    setDatabase(undefined);
    setDatabaseUnavailable("Invalid config /etc/fleet.yml:\n  sites.0.name: expected a site name");
    for (const [method, path] of [
      ["GET", "/"],
      ["GET", "/hosts/web1"],
      ["POST", "/restores"],
      ["GET", "/api/archives/entries"],
      ["GET", "/metrics"],
    ] as const) {
      const response = proxy(new NextRequest(`http://localhost:3000${path}`, { method }));
      expect(response.status, `${method} ${path}`).toBe(503);
      expect(response.headers.get("retry-after")).toBe("60");
      expect(await response.text()).toContain("sites.0.name: expected a site name");
    }
  });

  it("lets the health check through so it can report the failure itself", () => {
    const response = proxy(new NextRequest("http://localhost:3000/api/health"));
    expect(response.status).toBe(200);
    expect(response.headers.get("x-middleware-next")).toBe("1");
  });
});

describe("proxy in front of the automation API", () => {
  it("answers 401 problem+json to every /api/v1 path without a bearer token, even with a session cookie, and audits it", async () => {
    const { openMemoryDatabase } = await import("@/lib/db");
    const { queryAudit } = await import("@/lib/audit/log");
    const db = openMemoryDatabase();
    setDatabase(db);
    for (const path of ["/api/v1/hosts", "/api/v1/fleet", "/api/v1/no-such-endpoint", "/api/v1/restores/1/cancel"]) {
      const response = proxy(new NextRequest(`http://localhost:3000${path}`, { headers: { cookie: "borg_fleet_session=abc" } }));
      expect(response.status, path).toBe(401);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect(response.headers.get("www-authenticate")).toMatch(/^Bearer /);
    }
    expect(queryAudit(db, { outcome: "refused" })).toHaveLength(4);
    // The description is public; a request with a token goes on to the route, which checks the token.
    expect(proxy(new NextRequest("http://localhost:3000/api/v1/openapi.json")).headers.get("x-middleware-next")).toBe("1");
    expect(proxy(new NextRequest("http://localhost:3000/api/v1/hosts", { headers: { authorization: "Bearer bft_x" } })).headers.get("x-middleware-next")).toBe(
      "1",
    );
  });
});
