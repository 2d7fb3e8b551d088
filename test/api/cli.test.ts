/**
 * The borg-fleet CLI (bin/borg-fleet.mjs) against the real /api/v1 route handlers (a fetch that
 * dispatches to them in-process): exit codes for cron/CI, tables and --json, token from the
 * environment only, and clear errors.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { routeHandler } from "@/lib/api/endpoint";
import { ENDPOINTS } from "@/lib/api/endpoints";
// @ts-expect-error plain ESM without type declarations (it runs without a build step)
import { main } from "@/bin/borg-fleet.mjs";
import { installApiWorld, installFleet, installWorldFleet, repo, type ApiWorld } from "./fixtures";

let world: ApiWorld;
beforeAll(() => {
  world = installApiWorld();
});

/** fetch → the endpoint whose path template matches, called like Next would call the route handler. */
async function inProcessFetch(input: URL | string, init?: RequestInit): Promise<Response> {
  const url = new URL(String(input));
  const path = url.pathname.replace(/^\/api\/v1/, "");
  for (const endpoint of ENDPOINTS) {
    const names: string[] = [];
    const pattern = new RegExp(`^${endpoint.path.replace(/\{(\w+)\}/g, (_, name: string) => (names.push(name), "([^/]+)"))}$`);
    const match = pattern.exec(path);
    if (!match || endpoint.method !== (init?.method ?? "GET")) continue;
    const params = Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(match[i + 1]!)]));
    return routeHandler(endpoint)(new Request(url, init), { params: Promise.resolve(params) });
  }
  return new Response("not found", { status: 404 });
}

async function cli(argv: string[], token: string | null = world.tokens.admin) {
  let out = "";
  const env = { BORG_FLEET_URL: "http://127.0.0.1:3000", ...(token ? { BORG_FLEET_TOKEN: token } : {}) };
  try {
    const code = await main(argv, { env, out: (s: string) => void (out += s), fetchImpl: inProcessFetch, sleep: async () => undefined });
    return { code, out };
  } catch (err) {
    return { code: 2, out: (err as Error).message };
  }
}

describe("borg-fleet CLI", () => {
  it("status: exit 1 and the hosts that need attention; exit 0 when all in scope are fine", async () => {
    const all = await cli(["status"]);
    expect(all.code).toBe(1);
    expect(all.out).toMatch(/^HOST\s+STATUS\s+LAST ARCHIVE\n/);
    // db-01 was never backed up; web-01's offsite copy is 40 h old (threshold 36 h), so the host is stale.
    expect(all.out).toContain("2 of 3 hosts need attention: db-01, web-01");
    const scoped = await cli(["status", "--json"], world.tokens.viewer);
    expect(scoped.code).toBe(1);
    expect(JSON.parse(scoped.out)).toEqual({ ok: false, hosts: 2, attention: [{ host: "web-01", status: "stale" }] });
  });

  it("status is 0 when every host in scope is fresh", async () => {
    installFleet([repo("web-01", "onsite", 2), repo("web-02", "onsite", 5)]);
    const ok = await cli(["status"]);
    expect(ok).toEqual({ code: 0, out: expect.stringContaining("all 2 hosts ok") });
    installWorldFleet();
  });

  it("hosts: one row per repo with its threshold", async () => {
    const { code, out } = await cli(["hosts"]);
    expect(code).toBe(0);
    expect(out.split("\n").filter((l) => l.startsWith("web-01"))).toHaveLength(2);
    expect(out).toContain("36h");
  });

  it("restore get and wait read a job; wait exits by the job's outcome", async () => {
    world.db.prepare("UPDATE restore_jobs SET state = 'failed', error = 'disk full', finished_at = ? WHERE id = ?").run(Date.now(), world.jobs.web);
    const waited = await cli(["restore", "wait", String(world.jobs.web), "--timeout", "5s"]);
    expect(waited.code).toBe(1);
    expect(waited.out).toContain("disk full");
    world.db.prepare("UPDATE restore_jobs SET state = 'succeeded', error = NULL WHERE id = ?").run(world.jobs.web);
    expect((await cli(["restore", "wait", String(world.jobs.web)])).code).toBe(0);
    // Out of the operator's scope: the API says not found, the CLI says so and exits 2.
    const hidden = await cli(["restore", "get", String(world.jobs.db)], world.tokens.operator);
    expect(hidden).toEqual({ code: 2, out: expect.stringContaining("404 Not Found: No restore job") });
  });

  it("refuses to run without URL or token, and reports a refused token", async () => {
    expect((await cli(["status"], null)).out).toContain("set BORG_FLEET_TOKEN");
    const revoked = await cli(["status"], world.tokens.revoked);
    expect(revoked).toEqual({ code: 2, out: expect.stringContaining("401 Unauthorized: The token is revoked.") });
    expect((await cli(["frobnicate"])).out).toContain("unknown command");
  });
});
