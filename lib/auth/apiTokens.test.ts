import { describe, expect, it } from "vitest";
import { queryAudit } from "../audit/log";
import { openMemoryDatabase } from "../db";
import { authenticateToken, createToken, findToken, listTokens, MAX_TOKEN_LIFETIME_SECONDS, revokeToken, TokenError } from "./apiTokens";
import { can } from "./policy";

const T0 = Date.UTC(2026, 11, 1);
const DAY = 86400_000;

describe("API tokens", () => {
  it("creates a token shown once, stored only as a hash, acting with its role and scope", () => {
    const db = openMemoryDatabase();
    const { token, secret } = createToken(db, { name: "ansible", role: "operator", hosts: ["web-*"], lifetimeSeconds: 30 * 86400 }, { by: "admin" }, T0);
    expect(secret).toMatch(/^bft_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(token).toMatchObject({ name: "ansible", role: "operator", hosts: ["web-*"], expiresAt: T0 + 30 * DAY, createdBy: "admin", lastUsedAt: null });
    // Nothing in the table holds the secret part.
    const stored = JSON.stringify(db.prepare("SELECT * FROM api_tokens").all());
    expect(stored).not.toContain(secret.slice(-43));

    const check = authenticateToken(db, secret, T0 + DAY);
    expect(check.ok).toBe(true);
    if (!check.ok) return;
    expect(check.principal).toEqual({ username: "token ansible", role: "operator", hosts: ["web-*"], via: "token" });
    expect(can(check.principal, "archive:restore", "web-01")).toBe(true);
    expect(can(check.principal, "archive:restore", "db-01")).toBe(false);
    expect(findToken(db, "ansible")!.lastUsedAt).toBe(T0 + DAY);
    expect(queryAudit(db, { action: "token:create" })[0]).toMatchObject({ username: "admin", outcome: "ok" });
  });

  it("refuses malformed, unknown, tampered, expired and revoked tokens, saying which", () => {
    const db = openMemoryDatabase();
    const { secret } = createToken(db, { name: "ci", role: "viewer", hosts: ["*"], lifetimeSeconds: 86400 }, { by: "admin" }, T0);
    expect(authenticateToken(db, "", T0)).toEqual({ ok: false, reason: "malformed" });
    expect(authenticateToken(db, "Bearer " + secret, T0)).toEqual({ ok: false, reason: "malformed" });
    expect(authenticateToken(db, secret + "x", T0)).toEqual({ ok: false, reason: "malformed" });
    const otherSecret = secret.slice(0, -1) + (secret.endsWith("A") ? "B" : "A");
    expect(authenticateToken(db, otherSecret, T0)).toEqual({ ok: false, reason: "unknown" });
    expect(authenticateToken(db, "bft_000000000000_" + secret.slice(-43), T0)).toEqual({ ok: false, reason: "unknown" });
    expect(authenticateToken(db, secret, T0 + DAY)).toMatchObject({ ok: false, reason: "expired" });
    expect(authenticateToken(db, secret, T0 + DAY - 1).ok).toBe(true);
    revokeToken(db, "ci", { by: "admin" }, T0 + 1000);
    expect(authenticateToken(db, secret, T0 + 2000)).toMatchObject({ ok: false, reason: "revoked" });
    expect(queryAudit(db, { action: "token:revoke" })[0]).toMatchObject({ username: "admin", reason: "ci" });
    expect(() => revokeToken(db, "ci", { by: "admin" })).toThrow(/already revoked/);
    expect(() => revokeToken(db, "nope", { by: "admin" })).toThrow(TokenError);
  });

  it("validates name, role, scope and lifetime", () => {
    const db = openMemoryDatabase();
    const make = (input: Partial<Parameters<typeof createToken>[1]>) =>
      createToken(db, { name: "t1", role: "viewer", hosts: ["*"], ...input } as Parameters<typeof createToken>[1], { by: "admin" }, T0);
    expect(() => make({ name: "" })).toThrow(/token name is required/);
    expect(() => make({ name: "-x" })).toThrow(TokenError);
    expect(() => make({ role: "root" as never })).toThrow(/unknown role/);
    expect(() => make({ hosts: [] })).toThrow(/needs a host scope/);
    expect(() => make({ hosts: ["web/../*"] })).toThrow(/invalid host pattern/);
    expect(() => make({ lifetimeSeconds: MAX_TOKEN_LIFETIME_SECONDS + 1 })).toThrow(/expires within 366 days/);
    expect(() => make({ lifetimeSeconds: 0 })).toThrow(/expires within/);
    make({});
    expect(() => make({})).toThrow(/exists/);
    // An admin token covers every host, whatever scope was asked for.
    expect(createToken(db, { name: "root", role: "admin", hosts: ["web-*"] }, { by: "admin" }, T0).token.hosts).toEqual(["*"]);
    expect(listTokens(db).map((t) => t.name)).toEqual(["root", "t1"]);
  });
});
