/**
 * proxy.ts's cross-origin check and SSO refusal with forged forwarding headers: a client that is not a
 * trusted proxy cannot make `Origin: http://evil.example` pass by also sending `X-Forwarded-Host:
 * evil.example` (the hole issue 14 found), nor sign in with SSO headers; the same headers from the
 * trusted proxy count. The peer header is what scripts/server.mjs sets from the socket.
 */
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryAudit } from "@/lib/audit/log";
import { setCurrentConfig } from "@/lib/config/current";
import { configSchema } from "@/lib/config/schema";
import { openMemoryDatabase } from "@/lib/db";
import { setDatabase } from "@/lib/db/current";
import { PEER_HEADER } from "@/lib/net/proxyTrust.mjs";
import { proxy } from "@/proxy";

const db = openMemoryDatabase();

beforeAll(() => {
  setDatabase(db);
  setCurrentConfig(
    configSchema.parse({
      sites: [{ name: "onsite", root: "/srv/borg" }],
      trustedProxies: ["127.0.0.1/32"],
      sso: { enabled: true, groups: [{ group: "admins", role: "admin" }] },
    }),
  );
});
afterAll(() => {
  setCurrentConfig(undefined);
  setDatabase(undefined);
});

const post = (headers: Record<string, string>) => proxy(new NextRequest("http://dash.example:3000/restores", { method: "POST", headers }));
const passed = (response: Response) => response.headers.get("x-middleware-next") === "1";

describe("proxy.ts with forged forwarding headers", () => {
  it("refuses a foreign Origin from a client, whatever X-Forwarded-Host it sends, and audits the real peer", () => {
    const before = queryAudit(db, {}).length;
    const response = post({
      Host: "dash.example:3000",
      Origin: "http://evil.example",
      "X-Forwarded-Host": "evil.example",
      "X-Forwarded-For": "10.9.9.9",
      [PEER_HEADER]: "192.0.2.7",
    });
    expect(response.status).toBe(403);
    const rows = queryAudit(db, {});
    expect(rows.length).toBe(before + 1);
    expect(rows[0]).toMatchObject({ address: "192.0.2.7", outcome: "refused", reason: "cross-origin request from http://evil.example" });
  });

  it("lets a client's same-origin POST through (its Host is the dashboard's)", () => {
    expect(passed(post({ Host: "dash.example:3000", Origin: "http://dash.example:3000", [PEER_HEADER]: "192.0.2.7" }))).toBe(true);
  });

  it("believes the trusted proxy's X-Forwarded-Host", () => {
    const viaProxy = { Host: "127.0.0.1:3000", "X-Forwarded-Host": "backups.example.com", "X-Forwarded-Proto": "https", [PEER_HEADER]: "127.0.0.1" };
    expect(passed(post({ ...viaProxy, Origin: "https://backups.example.com" }))).toBe(true);
    expect(post({ ...viaProxy, Origin: "https://evil.example" }).status).toBe(403);
  });

  it("refuses SSO headers from a client before anything runs, and lets the proxy's through", () => {
    const sso = { "X-Forwarded-User": "mallory", "X-Forwarded-Groups": "admins" };
    const direct = proxy(new NextRequest("http://dash.example:3000/", { headers: { ...sso, [PEER_HEADER]: "192.0.2.7" } }));
    expect(direct.status).toBe(403);
    expect(queryAudit(db, {})[0]).toMatchObject({ username: "mallory", address: "192.0.2.7", reason: "SSO header from untrusted address 192.0.2.7" });
    expect(passed(proxy(new NextRequest("http://dash.example:3000/", { headers: { ...sso, [PEER_HEADER]: "127.0.0.1" } })))).toBe(true);
  });
});
