/**
 * API tokens: what a script, Ansible or a CI job uses instead of a password. Each token has a name, a
 * role and a host scope exactly like a user (so `can()` decides for it as for a person), an expiry,
 * and a last-used time. The token is shown once, when created; the database keeps only the public
 * lookup part and sha256 of the secret part (the secret is 32 random bytes: a fast hash is enough,
 * nothing to brute-force). Creating and revoking are audited in the same transaction.
 *
 *   bft_<lookup: 12 hex>_<secret: 43 base64url>
 *
 * The prefix lets secret scanners recognise a leaked token; the lookup part finds the row without
 * comparing secrets against every row; the secret is compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { audit } from "../audit/log";
import type { Db } from "../db";
import { isRole, type Principal, type Role } from "./policy";
import { scopeProblem, usernameProblem, type ChangeContext } from "./users";

const TOKEN_PREFIX = "bft_";
const TOKEN_PATTERN = /^bft_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
/** Longest lifetime a token may be given: a token that never expires is a credential nobody rotates. */
export const MAX_TOKEN_LIFETIME_SECONDS = 366 * 86400;
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 90 * 86400;

export class TokenError extends Error {}

export interface ApiToken {
  id: number;
  name: string;
  role: Role;
  hosts: string[];
  createdAt: number;
  createdBy: string;
  expiresAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
  revokedBy: string | null;
}

interface TokenRow {
  id: number;
  name: string;
  lookup: string;
  secret_sha256: string;
  role: string;
  hosts_json: string;
  created_at: number;
  created_by: string;
  expires_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
  revoked_by: string | null;
}

function fromRow(row: TokenRow): ApiToken {
  return {
    id: row.id,
    name: row.name,
    role: isRole(row.role) ? row.role : "viewer",
    hosts: JSON.parse(row.hosts_json) as string[],
    createdAt: row.created_at,
    createdBy: row.created_by,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
    revokedBy: row.revoked_by,
  };
}

const sha256 = (value: string) => createHash("sha256").update(value, "utf8").digest();

/** The actor name a token's requests are audited and authorised as. */
export const tokenActor = (name: string) => `token ${name}`;

/** What a token is at `now`: usable, past its expiry, or revoked. */
export function tokenState(token: Pick<ApiToken, "revokedAt" | "expiresAt">, now: number): "active" | "expired" | "revoked" {
  return token.revokedAt !== null ? "revoked" : token.expiresAt <= now ? "expired" : "active";
}

export function listTokens(db: Db): ApiToken[] {
  return (db.prepare("SELECT * FROM api_tokens ORDER BY name").all() as TokenRow[]).map(fromRow);
}

export function findToken(db: Db, name: string): ApiToken | undefined {
  const row = db.prepare("SELECT * FROM api_tokens WHERE name = ?").get(name) as TokenRow | undefined;
  return row ? fromRow(row) : undefined;
}

export interface NewToken {
  name: string;
  role: Role;
  hosts: string[];
  /** Lifetime in seconds (at most MAX_TOKEN_LIFETIME_SECONDS). */
  lifetimeSeconds?: number;
}

/** Creates a token and returns it with its secret, which is not stored and cannot be shown again. */
export function createToken(db: Db, input: NewToken, ctx: ChangeContext, now = Date.now()): { token: ApiToken; secret: string } {
  const lifetime = input.lifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS;
  const problem =
    usernameProblem(input.name)?.replace("username", "token name") ??
    (isRole(input.role) ? null : `unknown role "${input.role}"`) ??
    scopeProblem(input.hosts) ??
    (input.role !== "admin" && input.hosts.length === 0 ? `a ${input.role} token needs a host scope ("*" for all hosts)` : null) ??
    (Number.isFinite(lifetime) && lifetime > 0 && lifetime <= MAX_TOKEN_LIFETIME_SECONDS
      ? null
      : `a token expires within ${MAX_TOKEN_LIFETIME_SECONDS / 86400} days`);
  if (problem) throw new TokenError(problem);
  const lookup = randomBytes(6).toString("hex");
  const secretPart = randomBytes(32).toString("base64url");
  const hosts = input.role === "admin" ? ["*"] : input.hosts;
  const expiresAt = now + Math.round(lifetime * 1000);
  db.transaction(() => {
    if (findToken(db, input.name)) throw new TokenError(`a token named "${input.name}" exists`);
    db.prepare(
      `INSERT INTO api_tokens (name, lookup, secret_sha256, role, hosts_json, created_at, created_by, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(input.name, lookup, sha256(secretPart).toString("hex"), input.role, JSON.stringify(hosts), now, ctx.by, expiresAt);
    audit(
      db,
      {
        username: ctx.by,
        address: ctx.address,
        action: "token:create",
        outcome: "ok",
        reason: `${input.name} as ${input.role} on ${hosts.join(" ")}, expires ${new Date(expiresAt).toISOString()}`,
      },
      now,
    );
  })();
  return { token: findToken(db, input.name)!, secret: `${TOKEN_PREFIX}${lookup}_${secretPart}` };
}

export function revokeToken(db: Db, name: string, ctx: ChangeContext, now = Date.now()): ApiToken {
  db.transaction(() => {
    const token = findToken(db, name);
    if (!token) throw new TokenError(`no token "${name}"`);
    if (token.revokedAt !== null) throw new TokenError(`token "${name}" is already revoked`);
    db.prepare("UPDATE api_tokens SET revoked_at = ?, revoked_by = ? WHERE id = ?").run(now, ctx.by, token.id);
    audit(db, { username: ctx.by, address: ctx.address, action: "token:revoke", outcome: "ok", reason: name }, now);
  })();
  return findToken(db, name)!;
}

export type TokenCheck =
  { ok: true; token: ApiToken; principal: Principal } | { ok: false; reason: "malformed" | "unknown" | "expired" | "revoked"; token?: ApiToken };

/** A presented token checked: the principal it acts as, or why it is refused. Records the last use. */
export function authenticateToken(db: Db, presented: string, now = Date.now()): TokenCheck {
  const match = TOKEN_PATTERN.exec(presented);
  // Hash even a malformed or unknown token, so timing does not tell the cases apart.
  const given = sha256(match?.[2] ?? presented);
  if (!match) return { ok: false, reason: "malformed" };
  const row = db.prepare("SELECT * FROM api_tokens WHERE lookup = ?").get(match[1]) as TokenRow | undefined;
  const expected = row ? Buffer.from(row.secret_sha256, "hex") : sha256("");
  const equal = timingSafeEqual(given, expected);
  if (!row || !equal) return { ok: false, reason: "unknown" };
  const token = fromRow(row);
  if (token.revokedAt !== null) return { ok: false, reason: "revoked", token };
  if (token.expiresAt <= now) return { ok: false, reason: "expired", token };
  db.prepare("UPDATE api_tokens SET last_used_at = ? WHERE id = ?").run(now, token.id);
  return {
    ok: true,
    token: { ...token, lastUsedAt: now },
    principal: { username: tokenActor(token.name), role: token.role, hosts: token.hosts, via: "token" },
  };
}
