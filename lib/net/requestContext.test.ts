/**
 * Every forged-header case, decided by the one module that decides them: without a trusted proxy a
 * client's X-Forwarded-Host (Origin check), X-Forwarded-Proto (Secure cookie), X-Forwarded-For (audit
 * address and rate-limit key) and SSO headers count for nothing; from a trusted proxy they count.
 * The same over real HTTP through the wrapper and nginx: e2e/reverse-proxy.spec.ts.
 */
import { describe, expect, it } from "vitest";
import { decideSso } from "@/lib/auth/sso";
import { configSchema, ssoSchema } from "@/lib/config/schema";
import { configuredTrustedProxies, isSameOrigin, requestContextOf } from "./requestContext";
import { PEER_HEADER } from "./proxyTrust.mjs";

const headers = (h: Record<string, string>) => new Headers(h);
const PROXIES = ["127.0.0.1/32"];
const FORGED = {
  Host: "dash.example:3000",
  "X-Forwarded-Host": "evil.example",
  "X-Forwarded-Proto": "https",
  "X-Forwarded-For": "10.9.9.9",
};
const direct = headers({ ...FORGED, [PEER_HEADER]: "192.0.2.7" });
const viaProxy = headers({ ...FORGED, "X-Forwarded-Host": "dash.example", "X-Forwarded-For": "198.51.100.4", [PEER_HEADER]: "127.0.0.1" });

describe("requestContextOf, client talking to the dashboard directly (no trusted proxy)", () => {
  const context = requestContextOf(direct, PROXIES);

  it("ignores X-Forwarded-Host: the Origin check compares with the Host the client connected to", () => {
    expect(context.host).toBe("dash.example:3000");
    expect(isSameOrigin("http://evil.example", context)).toBe(false);
    expect(isSameOrigin("http://dash.example:3000", context)).toBe(true);
  });

  it("ignores X-Forwarded-Proto: the session cookie is not marked Secure on plain http", () => {
    expect(context.scheme).toBe("http");
    expect(context.origin).toBe("http://dash.example:3000");
  });

  it("ignores X-Forwarded-For: the audit address and rate-limit key are the socket peer", () => {
    expect(context.clientAddress).toBe("192.0.2.7");
    expect(context.viaTrustedProxy).toBe(false);
  });

  it("treats a request without the wrapper's peer header as from nobody trusted, address unknown", () => {
    const bare = requestContextOf(headers(FORGED), PROXIES);
    expect(bare).toEqual({
      peer: null,
      viaTrustedProxy: false,
      clientAddress: null,
      scheme: "http",
      host: "dash.example:3000",
      origin: "http://dash.example:3000",
    });
  });

  it("refuses the SSO headers", () => {
    const sso = ssoSchema.parse({ enabled: true, trustedProxies: PROXIES, groups: [{ group: "admins", role: "admin" }] });
    const decision = decideSso(headers({ [PEER_HEADER]: "192.0.2.7", "X-Forwarded-User": "eve", "X-Forwarded-Groups": "admins" }), sso);
    expect(decision).toMatchObject({ kind: "refused", status: 403, reason: "SSO header from untrusted address 192.0.2.7" });
  });
});

describe("requestContextOf, through a trusted proxy", () => {
  const context = requestContextOf(viaProxy, PROXIES);

  it("believes the proxy's host, scheme and client address", () => {
    expect(context).toEqual({
      peer: "127.0.0.1",
      viaTrustedProxy: true,
      clientAddress: "198.51.100.4",
      scheme: "https",
      host: "dash.example",
      origin: "https://dash.example",
    });
    expect(isSameOrigin("https://dash.example", context)).toBe(true);
    expect(isSameOrigin("https://evil.example", context)).toBe(false);
  });

  it("takes the nearest proxy's value when a proxy appended to a client's header", () => {
    const appended = requestContextOf(
      headers({ [PEER_HEADER]: "127.0.0.1", "X-Forwarded-Proto": "https, http", "X-Forwarded-Host": "evil.example, dash.example" }),
      PROXIES,
    );
    expect(appended.scheme).toBe("http");
    expect(appended.host).toBe("dash.example");
  });

  it("never takes a malformed host, from anyone", () => {
    const odd = requestContextOf(headers({ [PEER_HEADER]: "127.0.0.1", Host: "dash", "X-Forwarded-Host": "evil.example/path@x" }), PROXIES);
    expect(odd.host).toBe("dash");
    expect(isSameOrigin("not a url", odd)).toBe(false);
    expect(requestContextOf(headers({ [PEER_HEADER]: "192.0.2.7" }), PROXIES).origin).toBeNull();
  });

  it("accepts the SSO headers and maps the groups", () => {
    const sso = ssoSchema.parse({ enabled: true, groups: [{ group: "admins", role: "admin" }] });
    const decision = decideSso(headers({ [PEER_HEADER]: "127.0.0.1", "X-Forwarded-User": "alice", "X-Forwarded-Groups": "admins" }), sso, PROXIES);
    expect(decision).toMatchObject({ kind: "principal", principal: { username: "alice", role: "admin" } });
  });
});

describe("the trusted-proxy list", () => {
  const SITES = { sites: [{ name: "onsite", root: "/srv/borg" }] };

  it("is the top-level trustedProxies plus the older sso.trustedProxies", () => {
    const config = configSchema.parse({ ...SITES, trustedProxies: ["10.0.0.0/8"], sso: { trustedProxies: ["::1", "10.0.0.0/8"] } });
    expect(configuredTrustedProxies(config)).toEqual(["10.0.0.0/8", "::1"]);
    expect(configuredTrustedProxies(configSchema.parse(SITES))).toEqual([]);
    expect(configuredTrustedProxies(undefined)).toEqual([]);
  });

  it("must name a proxy when SSO is on, in either place, and only valid ranges", () => {
    const sso = { enabled: true, groups: [{ group: "admins", role: "admin" }] };
    expect(configSchema.safeParse({ ...SITES, sso }).success).toBe(false);
    expect(configSchema.safeParse({ ...SITES, trustedProxies: ["127.0.0.1"], sso }).success).toBe(true);
    expect(configSchema.safeParse({ ...SITES, sso: { ...sso, trustedProxies: ["127.0.0.1"] } }).success).toBe(true);
    expect(configSchema.safeParse({ ...SITES, trustedProxies: ["10.0.0.0/33"] }).success).toBe(false);
  });
});
