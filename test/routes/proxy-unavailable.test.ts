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
