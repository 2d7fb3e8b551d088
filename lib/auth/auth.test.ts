import { describe, expect, it } from "vitest";
import { audit, pruneAudit, queryAudit } from "@/lib/audit/log";
import { openMemoryDatabase } from "@/lib/db";
import { globMatch, hostInScope, isValidHostPattern } from "./glob";
import { hashPassword, verifyDummy, verifyPassword } from "./passwords";
import { ACTIONS, can, type Action, type Principal } from "./policy";
import { createSession, deleteSession, readSession } from "./sessions";
import { LoginThrottle } from "./throttle";
import { addUser, findUser, removeUser, setPassword, UserError } from "./users";

describe("passwords", () => {
  it("hashes with scrypt and a random salt, and verifies", async () => {
    const a = await hashPassword("correct horse battery");
    const b = await hashPassword("correct horse battery");
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword("correct horse battery", a)).toBe(true);
    expect(await verifyPassword("correct horse batterz", a)).toBe(false);
    expect(await verifyPassword("", a)).toBe(false);
  });

  it("treats non-ASCII passwords by their NFC form", async () => {
    const composed = "pässwörd-ünïcødé-🔑";
    const hash = await hashPassword(composed);
    expect(await verifyPassword(composed.normalize("NFD"), hash)).toBe(true);
  });

  it("refuses malformed records and oversized passwords without throwing", async () => {
    expect(await verifyPassword("x", "plain")).toBe(false);
    expect(await verifyPassword("x", "scrypt$a$b$c$d$e")).toBe(false);
    const hash = await hashPassword("long enough password");
    expect(await verifyPassword("x".repeat(100_000), hash)).toBe(false);
    expect(await verifyDummy()).toBe(false);
  });
});

describe("host scope globs", () => {
  it.each([
    ["web-*", "web-01", true],
    ["web-*", "web-", true],
    ["web-*", "db-01", false],
    ["db-?.example.com", "db-1.example.com", true],
    ["db-?.example.com", "db-12.example.com", false],
    ["db-?.example.com", "db-1xexample.com", false],
    ["*", "anything", true],
    ["*.example.com", "a.b.example.com", true],
    ["WEB-*", "web-01", true],
    ["a*b*c", "aXbYc", true],
    ["a*b*c", "aXbY", false],
  ])("%s matches %s: %s", (pattern, host, expected) => {
    expect(globMatch(pattern, host)).toBe(expected);
  });

  it("is not a regex: regex syntax in patterns is refused or literal", () => {
    expect(isValidHostPattern("web-(01|02)")).toBe(false);
    expect(isValidHostPattern(".*")).toBe(true);
    expect(globMatch(".*", "web-01")).toBe(false);
    expect(globMatch(".*", ".anything")).toBe(true);
    expect(hostInScope(["web-(01|02)"], "web-01")).toBe(false);
  });

  it("stays linear on patterns built to backtrack", () => {
    const started = Date.now();
    expect(globMatch(`${"*a".repeat(100)}b`, "a".repeat(5000))).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe("policy", () => {
  const viewer: Principal = { username: "v", role: "viewer", hosts: ["web-*"] };
  const operator: Principal = { username: "o", role: "operator", hosts: ["web-*", "db-?"] };
  const admin: Principal = { username: "a", role: "admin", hosts: [] };

  // The whole table: role × action × (in scope, out of scope).
  const expected: Record<string, Record<Action, [boolean, boolean]>> = {
    viewer: {
      "fleet:view": [true, true],
      "host:view": [true, false],
      "host:refresh": [false, false],
      "archive:browse": [false, false],
      "archive:restore": [false, false],
      "archive:download": [false, false],
      "repo:check": [false, false],
      "users:manage": [false, false],
      "audit:read": [false, false],
    },
    operator: {
      "fleet:view": [true, true],
      "host:view": [true, false],
      "host:refresh": [true, false],
      "archive:browse": [true, false],
      "archive:restore": [true, false],
      "archive:download": [true, false],
      "repo:check": [true, false],
      "users:manage": [false, false],
      "audit:read": [false, false],
    },
    admin: Object.fromEntries(ACTIONS.map((a) => [a, [true, true]])) as Record<Action, [boolean, boolean]>,
  };

  for (const principal of [viewer, operator, admin]) {
    for (const action of ACTIONS) {
      it(`${principal.role} ${action}`, () => {
        const [inScope, outOfScope] = expected[principal.role]![action];
        expect(can(principal, action, "web-01")).toBe(inScope);
        expect(can(principal, action, "mail")).toBe(outOfScope);
      });
    }
  }

  it("refuses everything to nobody, and host actions without a host", () => {
    for (const action of ACTIONS) expect(can(null, action, "web-01")).toBe(false);
    expect(can(operator, "host:refresh")).toBe(false);
    expect(can({ ...operator, role: "root" as never }, "fleet:view")).toBe(false);
  });
});

describe("login throttle", () => {
  it("refuses a user after 5 failures in the window, then lets them try again", () => {
    const t = new LoginThrottle({ windowMs: 60_000, maxPerUser: 5, maxPerAddress: 100 });
    for (let i = 0; i < 5; i++) {
      expect(t.retryAfterMs("alice", "10.0.0.1", 1000 + i)).toBe(0);
      t.fail("alice", "10.0.0.1", 1000 + i);
    }
    expect(t.retryAfterMs("alice", "10.0.0.2", 2000)).toBeGreaterThan(0);
    expect(t.retryAfterMs("ALICE", "10.0.0.2", 2000)).toBeGreaterThan(0);
    expect(t.retryAfterMs("bob", "10.0.0.2", 2000)).toBe(0);
    expect(t.retryAfterMs("alice", "10.0.0.2", 1000 + 60_001)).toBe(0);
  });

  it("refuses an address that guesses across many usernames", () => {
    const t = new LoginThrottle({ windowMs: 60_000, maxPerUser: 5, maxPerAddress: 3 });
    for (const u of ["a", "b", "c"]) t.fail(u, "10.0.0.9", 1000);
    expect(t.retryAfterMs("d", "10.0.0.9", 1001)).toBeGreaterThan(0);
    expect(t.retryAfterMs("d", "10.0.0.8", 1001)).toBe(0);
  });
});

describe("users, sessions and the audit log", () => {
  const ctx = { by: "test" };

  it("adds users with validated names, scopes and passwords, and audits in the same transaction", async () => {
    const db = openMemoryDatabase();
    const user = await addUser(db, { username: "Jürgen.Müller", password: "a long password", role: "operator", hosts: ["web-*"] }, ctx);
    expect(user.hosts).toEqual(["web-*"]);
    expect(findUser(db, "Jürgen.Müller".normalize("NFD"))?.id).toBe(user.id);
    await expect(addUser(db, { username: "x".repeat(65), password: "a long password", role: "viewer", hosts: ["*"] }, ctx)).rejects.toThrow(UserError);
    await expect(addUser(db, { username: "-rf", password: "a long password", role: "viewer", hosts: ["*"] }, ctx)).rejects.toThrow(UserError);
    await expect(addUser(db, { username: "eve", password: "short", role: "viewer", hosts: ["*"] }, ctx)).rejects.toThrow(/at least/);
    await expect(addUser(db, { username: "eve", password: "a long password", role: "viewer", hosts: ["web-(1|2)"] }, ctx)).rejects.toThrow(/pattern/);
    await expect(addUser(db, { username: "Jürgen.Müller", password: "a long password", role: "viewer", hosts: ["*"] }, ctx)).rejects.toThrow(/exists/);
    expect(queryAudit(db, { action: "user:add" })).toHaveLength(1);
  });

  it("ends sessions on idle and absolute expiry, logout, password change and removal", async () => {
    const db = openMemoryDatabase();
    const user = await addUser(db, { username: "op", password: "a long password", role: "operator", hosts: ["web-*"] }, ctx);
    const limits = { idleMs: 1000, absoluteMs: 10_000 };
    const t0 = 1_000_000;
    const token = createSession(db, user.id, "127.0.0.1", t0);
    expect(readSession(db, token, t0 + 500, limits)?.user.username).toBe("op");
    expect(readSession(db, "forged", t0, limits)).toBeNull();
    expect(readSession(db, token, t0 + 2000, limits)).toBeNull(); // idle
    expect(readSession(db, token, t0 + 2000 - 1500, limits)).toBeNull(); // deleted, stays gone

    const long = createSession(db, user.id, null, t0);
    for (let t = t0; t < t0 + 10_000; t += 900) expect(readSession(db, long, t, { idleMs: 1000, absoluteMs: 10_000 })).not.toBeNull();
    expect(readSession(db, long, t0 + 10_001, limits)).toBeNull(); // absolute

    const a = createSession(db, user.id, null);
    deleteSession(db, a);
    expect(readSession(db, a)).toBeNull();

    const b = createSession(db, user.id, null);
    await setPassword(db, "op", "another long password", ctx);
    expect(readSession(db, b)).toBeNull();

    const c = createSession(db, user.id, null);
    removeUser(db, "op", ctx);
    expect(readSession(db, c)).toBeNull();
    expect(queryAudit(db).map((r) => r.action)).toEqual(["user:remove", "user:passwd", "user:add"]);
  });

  it("keeps the audit log append-only; only retention pruning deletes", () => {
    const db = openMemoryDatabase();
    audit(db, { username: "u", action: "login", outcome: "refused", reason: "wrong password" }, 1000);
    audit(db, { username: "u".repeat(10_000), action: "login", outcome: "ok" }, 5000);
    expect(() => db.prepare("UPDATE audit_log SET outcome = 'ok'").run()).toThrow(/append-only/);
    expect(queryAudit(db)[0]!.username!.length).toBeLessThan(300);
    expect(pruneAudit(db, 2000, 5000)).toBe(1);
    expect(queryAudit(db)).toHaveLength(1);
  });
});
