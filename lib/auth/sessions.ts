/**
 * Server-side sessions. The cookie holds a random 256-bit token; the database holds its SHA-256, the
 * user and two times: a session ends after IDLE_MS without a request or ABSOLUTE_MS after sign-in,
 * whichever comes first, on logout, and when the user is removed or their password changes.
 */
import { createHash, randomBytes } from "node:crypto";
import type { Db } from "../db";
import { findUserById, type User } from "./users";

export const SESSION_COOKIE = "borg_fleet_session";
const IDLE_MS = 8 * 60 * 60_000;
const ABSOLUTE_MS = 7 * 24 * 60 * 60_000;
/** last_seen_at is written at most this often (one write per minute per session, not per request). */
const TOUCH_EVERY_MS = 60_000;

export interface SessionLimits {
  idleMs: number;
  absoluteMs: number;
}

export function sessionLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): SessionLimits {
  const idle = Number(env.SESSION_IDLE_SECONDS);
  const absolute = Number(env.SESSION_MAX_SECONDS);
  return { idleMs: idle > 0 ? idle * 1000 : IDLE_MS, absoluteMs: absolute > 0 ? absolute * 1000 : ABSOLUTE_MS };
}

const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

export function createSession(db: Db, userId: number, address: string | null, now = Date.now()): string {
  const token = randomBytes(32).toString("base64url");
  db.prepare("INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, address) VALUES (?, ?, ?, ?, ?)").run(
    hashToken(token),
    userId,
    now,
    now,
    address,
  );
  return token;
}

export interface SessionInfo {
  user: User;
  createdAt: number;
}

/** The session's user, or null when the token is unknown, expired or revoked (expired ones are deleted). */
export function readSession(db: Db, token: string | undefined, now = Date.now(), limits: SessionLimits = sessionLimitsFromEnv()): SessionInfo | null {
  if (!token || token.length > 100) return null;
  const hash = hashToken(token);
  const row = db.prepare("SELECT user_id, created_at, last_seen_at FROM sessions WHERE token_hash = ?").get(hash) as
    { user_id: number; created_at: number; last_seen_at: number } | undefined;
  if (!row) return null;
  if (now - row.last_seen_at > limits.idleMs || now - row.created_at > limits.absoluteMs) {
    db.prepare("DELETE FROM sessions WHERE token_hash = ?").run(hash);
    return null;
  }
  const user = findUserById(db, row.user_id);
  if (!user) return null;
  if (now - row.last_seen_at > Math.min(TOUCH_EVERY_MS, limits.idleMs / 10))
    db.prepare("UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?").run(now, hash);
  return { user, createdAt: row.created_at };
}

export function deleteSession(db: Db, token: string | undefined): void {
  if (token) db.prepare("DELETE FROM sessions WHERE token_hash = ?").run(hashToken(token));
}

export function pruneSessions(db: Db, now = Date.now(), limits: SessionLimits = sessionLimitsFromEnv()): number {
  return db.prepare("DELETE FROM sessions WHERE last_seen_at < ? OR created_at < ?").run(now - limits.idleMs, now - limits.absoluteMs).changes;
}
