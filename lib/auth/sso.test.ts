import { describe, expect, it } from "vitest";
import { queryAudit } from "@/lib/audit/log";
import { ssoSchema, type SsoConfig } from "@/lib/config/schema";
import { openMemoryDatabase } from "@/lib/db";
import { PEER_HEADER, UNTRUSTED_SSO_HEADER } from "@/lib/net/proxyTrust.mjs";
import { auditSsoSignIn, decideSso, mapGroups, passwordLoginAllowed, ssoGroupsSchema, ssoUserSchema } from "./sso";

const MAPPING: SsoConfig["groups"] = [
  { group: "backup-ops", role: "operator", hosts: ["web-*"] },
  { group: "dba", role: "operator", hosts: ["db-?"] },
  { group: "everyone", role: "viewer", hosts: ["*"] },
  { group: "it-admins", role: "admin", hosts: [] },
];

const sso = (over: Partial<Record<string, unknown>> = {}): SsoConfig =>
  ssoSchema.parse({ enabled: true, trustedProxies: ["127.0.0.1/32", "::1"], groups: MAPPING, ...over });

const headers = (h: Record<string, string>) => new Headers(h);

describe("SSO header values", () => {
  it("accepts user names, ids and e-mail addresses", () => {
    for (const ok of ["alice", "alice@example.com", "4f1c2a9e-77", "j.doe+ops", "A"]) expect(ssoUserSchema.safeParse(ok).success, ok).toBe(true);
  });

  it("refuses empty, overlong, non-ASCII and control characters", () => {
    for (const bad of ["", "x".repeat(129), "ålice", "alice bob", "alice\tx", "-alice", "alice,admin", "alice;drop", "\u0000"]) {
      expect(ssoUserSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it("splits groups on commas and spaces, drops duplicates and empty entries", () => {
    expect(ssoGroupsSchema.parse("a,b c ,, d\t a")).toEqual(["a", "b", "c", "d"]);
    expect(ssoGroupsSchema.parse("foo|bar|baz")).toEqual(["foo", "bar", "baz"]);
    expect(ssoGroupsSchema.parse("role:admin,/org/team,user@x")).toEqual(["role:admin", "/org/team", "user@x"]);
    expect(ssoGroupsSchema.parse("")).toEqual([]);
  });

  it("refuses overlong or strange group headers", () => {
    expect(ssoGroupsSchema.safeParse("g,".repeat(4097)).success).toBe(false);
    expect(ssoGroupsSchema.safeParse(Array.from({ length: 201 }, (_, i) => `g${i}`).join(",")).success).toBe(false);
    expect(ssoGroupsSchema.safeParse("ops,<script>").success).toBe(false);
    expect(ssoGroupsSchema.safeParse("ops,grüppe").success).toBe(false);
  });
});

describe("mapGroups", () => {
  it("gives the highest role, with the hosts of the groups that grant it", () => {
    expect(mapGroups(["backup-ops"], MAPPING)).toEqual({ role: "operator", hosts: ["web-*"] });
    expect(mapGroups(["backup-ops", "dba"], MAPPING)).toEqual({ role: "operator", hosts: ["web-*", "db-?"] });
    // The viewer group's "*" does not make the operator an operator of every host.
    expect(mapGroups(["backup-ops", "everyone"], MAPPING)).toEqual({ role: "operator", hosts: ["web-*"] });
    expect(mapGroups(["everyone"], MAPPING)).toEqual({ role: "viewer", hosts: ["*"] });
    expect(mapGroups(["everyone", "it-admins", "dba"], MAPPING)).toEqual({ role: "admin", hosts: [] });
  });

  it("is null for a user in no mapped group (refused, never a viewer)", () => {
    expect(mapGroups([], MAPPING)).toBeNull();
    expect(mapGroups(["marketing", "Backup-Ops"], MAPPING)).toBeNull();
  });
});

describe("decideSso", () => {
  const trusted = { [PEER_HEADER]: "127.0.0.1" };
  const untrusted = { [PEER_HEADER]: "127.0.0.2" };

  it("ignores everything when SSO is off", () => {
    const off = ssoSchema.parse({});
    expect(decideSso(headers({ ...untrusted, "X-Forwarded-User": "alice" }), off)).toEqual({ kind: "none" });
    expect(decideSso(headers({ "X-Forwarded-User": "alice" }), undefined)).toEqual({ kind: "none" });
  });

  it("makes a principal from a trusted proxy's headers", () => {
    const d = decideSso(headers({ ...trusted, "X-Forwarded-User": "alice", "X-Forwarded-Groups": "dba, everyone" }), sso());
    expect(d).toEqual({ kind: "principal", principal: { username: "alice", role: "operator", hosts: ["db-?"], via: "sso" }, groups: ["dba", "everyone"] });
    // IPv6 loopback and the IPv4-mapped form of a trusted IPv4 address are trusted too.
    expect(decideSso(headers({ [PEER_HEADER]: "::1", "X-Forwarded-User": "bob", "X-Forwarded-Groups": "it-admins" }), sso()).kind).toBe("principal");
    expect(decideSso(headers({ [PEER_HEADER]: "::ffff:127.0.0.1", "X-Forwarded-User": "bob", "X-Forwarded-Groups": "it-admins" }), sso()).kind).toBe(
      "principal",
    );
  });

  it("uses the configured header names", () => {
    const authelia = sso({ userHeader: "Remote-User", groupsHeader: "Remote-Groups" });
    const d = decideSso(headers({ ...trusted, "Remote-User": "carol", "Remote-Groups": "backup-ops" }), authelia);
    expect(d.kind === "principal" && d.principal.username).toBe("carol");
    expect(decideSso(headers({ ...trusted, "X-Forwarded-User": "carol", "X-Forwarded-Groups": "backup-ops" }), authelia)).toEqual({ kind: "none" });
  });

  it("refuses SSO headers from anyone else, and says from where", () => {
    const d = decideSso(headers({ ...untrusted, "X-Forwarded-User": "alice", "X-Forwarded-Groups": "it-admins", "X-Forwarded-For": "127.0.0.1" }), sso());
    expect(d).toMatchObject({ kind: "refused", status: 403, reason: "SSO header from untrusted address 127.0.0.2", username: "alice" });
    expect(decideSso(headers({ ...untrusted, "X-Forwarded-Groups": "it-admins" }), sso()).kind).toBe("refused");
    // The wrapper removed them already and left its note.
    expect(decideSso(headers({ ...untrusted, [UNTRUSTED_SSO_HEADER]: "x-forwarded-user" }), sso()).kind).toBe("refused");
    // Without the wrapper nobody vouches for the peer: refused too.
    expect(decideSso(headers({ "X-Forwarded-User": "alice", "X-Forwarded-Groups": "it-admins" }), sso())).toMatchObject({
      kind: "refused",
      reason: "SSO header from untrusted address unknown",
    });
    // No SSO header from an untrusted peer: nothing to decide (the session cookie decides).
    expect(decideSso(headers(untrusted), sso())).toEqual({ kind: "none" });
  });

  it("refuses a user in no mapped group, and malformed header values", () => {
    expect(decideSso(headers({ ...trusted, "X-Forwarded-User": "dave", "X-Forwarded-Groups": "marketing" }), sso())).toMatchObject({
      kind: "refused",
      status: 403,
      reason: "SSO user in no mapped group (groups: marketing)",
      username: "dave",
    });
    expect(decideSso(headers({ ...trusted, "X-Forwarded-User": "dave" }), sso())).toMatchObject({
      kind: "refused",
      reason: "SSO user in no mapped group (groups: none)",
    });
    expect(decideSso(headers({ ...trusted, "X-Forwarded-User": "x".repeat(500), "X-Forwarded-Groups": "it-admins" }), sso())).toMatchObject({
      kind: "refused",
      username: null,
    });
    expect(decideSso(headers({ ...trusted, "X-Forwarded-User": "eve", "X-Forwarded-Groups": "it-admins,<b>" }), sso())).toMatchObject({
      kind: "refused",
      username: "eve",
    });
  });

  it("lets a trusted proxy's request without a user through to the session cookie", () => {
    expect(decideSso(headers(trusted), sso())).toEqual({ kind: "none" });
  });
});

describe("sso config", () => {
  it("validates addresses, header names and the mapping", () => {
    expect(ssoSchema.safeParse({ enabled: true, trustedProxies: ["10.0.0.0/33"], groups: MAPPING }).success).toBe(false);
    expect(ssoSchema.safeParse({ enabled: true, trustedProxies: ["::1"], groups: [] }).success).toBe(false);
    expect(ssoSchema.safeParse({ userHeader: "X Forwarded User" }).success).toBe(false);
    expect(ssoSchema.safeParse({ userHeader: "X-Borg-Fleet-Peer" }).success).toBe(false);
    expect(ssoSchema.safeParse({ groups: [{ group: "ops", role: "root" }] }).success).toBe(false);
    expect(ssoSchema.safeParse({ groups: [{ group: "ops", role: "viewer", hosts: ["web-[0-9]"] }] }).success).toBe(false);
    expect(ssoSchema.safeParse({ logoutUrl: "javascript:alert(1)" }).success).toBe(false);
    const parsed = ssoSchema.parse({ enabled: true, trustedProxies: ["127.0.0.1/32", "fd00::/8"], groups: MAPPING, auditSignInEvery: "1h" });
    expect(parsed).toMatchObject({ userHeader: "X-Forwarded-User", groupsHeader: "X-Forwarded-Groups", allowPasswordLogin: true, auditSignInEvery: 3600 });
  });

  it("keeps password sign-in unless SSO is on and forbids it", () => {
    expect(passwordLoginAllowed(undefined)).toBe(true);
    expect(passwordLoginAllowed(sso())).toBe(true);
    expect(passwordLoginAllowed(sso({ allowPasswordLogin: false }))).toBe(false);
    expect(passwordLoginAllowed(ssoSchema.parse({ allowPasswordLogin: false }))).toBe(true);
  });
});

describe("auditSsoSignIn", () => {
  it("records a user's sign-in when first seen and again after the interval, not per request", () => {
    const db = openMemoryDatabase();
    const decision = decideSso(headers({ [PEER_HEADER]: "127.0.0.1", "X-Forwarded-User": "frank-audit", "X-Forwarded-Groups": "backup-ops" }), sso());
    if (decision.kind !== "principal") throw new Error("expected a principal");
    const t0 = 1_000_000_000_000;
    expect(auditSsoSignIn(db, decision, "198.51.100.7", 900, t0)).toBe(true);
    expect(auditSsoSignIn(db, decision, "198.51.100.7", 900, t0 + 60_000)).toBe(false);
    expect(auditSsoSignIn(db, decision, "198.51.100.7", 900, t0 + 899_000)).toBe(false);
    expect(auditSsoSignIn(db, decision, "198.51.100.7", 900, t0 + 900_000)).toBe(true);
    // New groups, new role or scope: recorded at once.
    const promoted = decideSso(headers({ [PEER_HEADER]: "127.0.0.1", "X-Forwarded-User": "frank-audit", "X-Forwarded-Groups": "it-admins" }), sso());
    if (promoted.kind !== "principal") throw new Error("expected a principal");
    expect(auditSsoSignIn(db, promoted, "198.51.100.7", 900, t0 + 900_001)).toBe(true);
    const rows = queryAudit(db, { username: "frank-audit" });
    expect(rows.map((r) => [r.action, r.outcome, r.address])).toEqual([
      ["login", "ok", "198.51.100.7"],
      ["login", "ok", "198.51.100.7"],
      ["login", "ok", "198.51.100.7"],
    ]);
    expect(rows[0]!.reason).toBe("single sign-on as admin (groups: it-admins)");
    expect(rows[1]!.reason).toBe("single sign-on as operator of web-* (groups: backup-ops)");
  });
});
