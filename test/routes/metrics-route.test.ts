/** The /metrics route handler: open without METRICS_TOKEN, bearer-protected with it. */
import { afterEach, describe, expect, it } from "vitest";
import { GET } from "@/app/metrics/route";
import { queryAudit } from "@/lib/audit/log";
import { openMemoryDatabase } from "@/lib/db";
import { setDatabase } from "@/lib/db/current";
import { setFleetProvider } from "@/lib/fleet/store";

const EMPTY = {
  repos: [],
  sites: [],
  staleAfterSeconds: 129600,
  source: "collector" as const,
  problems: [],
  collector: { lastCycleStartedAt: null, lastCycleDurationMs: 1500, running: false },
};

setFleetProvider({ getState: () => EMPTY, getRepoHistory: () => [], getSiteHistory: () => [] });
// Refused scrapes are audited: the runtime database is always there on a running server.
const db = openMemoryDatabase();
setDatabase(db);

afterEach(() => {
  delete process.env.METRICS_TOKEN;
});

const request = (authorization?: string) => new Request("http://localhost/metrics", { headers: authorization ? { authorization } : {} });

describe("GET /metrics", () => {
  it("is open when METRICS_TOKEN is unset and serves the exposition format", async () => {
    const response = await GET(request());
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    expect(await response.text()).toContain("borg_collect_duration_seconds 1.5");
    // Not gzipped by the server (see the route): no-transform tells Next's compression to leave it.
    expect(response.headers.get("cache-control")).toContain("no-transform");
  });

  it("refuses a missing or wrong token when METRICS_TOKEN is set", async () => {
    process.env.METRICS_TOKEN = "s3cret-token";
    for (const auth of [undefined, "Bearer wrong", "Basic czNjcmV0LXRva2Vu", "Bearer s3cret-token-and-more"]) {
      const response = await GET(request(auth));
      expect(response.status, String(auth)).toBe(401);
      expect(await response.text()).not.toContain("borg_");
    }
    expect(queryAudit(db, { action: "metrics:scrape", outcome: "refused" })).toHaveLength(4);
  });

  it("accepts the right bearer token", async () => {
    process.env.METRICS_TOKEN = "s3cret-token";
    const response = await GET(request("Bearer s3cret-token"));
    expect(response.status).toBe(200);
  });
});
