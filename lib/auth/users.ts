/**
 * Users in SQLite: name, scrypt password hash, role, host scope. Changes that end a user's access
 * (removal, a new password, a new role or scope) revoke their sessions in the same transaction, and
 * every change is audited in that transaction too.
 */
import { audit } from "../audit/log";
import type { Db } from "../db";
import { isValidHostPattern } from "./glob";
import { hashPassword, passwordProblem } from "./passwords";
import { isRole, type Principal, type Role } from "./policy";

export interface User extends Principal {
  id: number;
  passwordHash: string;
  createdAt: number;
  passwordChangedAt: number;
}

interface UserRow {
  id: number;
  username: string;
  password_hash: string;
  role: string;
  hosts_json: string;
  created_at: number;
  password_changed_at: number;
}

export const MAX_USERNAME_LENGTH = 64;
const USERNAME = /^[\p{L}\p{N}][\p{L}\p{N}._@-]*$/u;

/** NFC, so "é" typed either way is one user. */
export function normalizeUsername(raw: string): string {
  return raw.normalize("NFC").trim();
}

export function usernameProblem(username: string): string | null {
  if (username.length === 0) return "a username is required";
  if ([...username].length > MAX_USERNAME_LENGTH) return `a username has at most ${MAX_USERNAME_LENGTH} characters`;
  if (!USERNAME.test(username)) return "a username has letters, digits, '.', '_', '@', '-' and starts with a letter or digit";
  return null;
}

export function scopeProblem(hosts: readonly string[]): string | null {
  const bad = hosts.find((h) => !isValidHostPattern(h));
  return bad === undefined ? null : `invalid host pattern "${bad}" (host name characters, '*' and '?')`;
}

export class UserError extends Error {}

function fromRow(row: UserRow): User {
  return {
    id: row.id,
    username: row.username,
    passwordHash: row.password_hash,
    role: isRole(row.role) ? row.role : "viewer",
    hosts: JSON.parse(row.hosts_json) as string[],
    createdAt: row.created_at,
    passwordChangedAt: row.password_changed_at,
  };
}

export function countUsers(db: Db): number {
  return (db.prepare("SELECT count(*) AS n FROM users").get() as { n: number }).n;
}

export function findUser(db: Db, username: string): User | undefined {
  const row = db.prepare("SELECT * FROM users WHERE username = ?").get(normalizeUsername(username)) as UserRow | undefined;
  return row ? fromRow(row) : undefined;
}

export function findUserById(db: Db, id: number): User | undefined {
  const row = db.prepare("SELECT * FROM users WHERE id = ?").get(id) as UserRow | undefined;
  return row ? fromRow(row) : undefined;
}

export function listUsers(db: Db): User[] {
  return (db.prepare("SELECT * FROM users ORDER BY username").all() as UserRow[]).map(fromRow);
}

export interface ChangeContext {
  /** Who made the change (an admin's name, or "cli"). */
  by: string;
  address?: string | null;
}

export async function addUser(
  db: Db,
  input: { username: string; password: string; role: Role; hosts: string[] },
  ctx: ChangeContext,
  now = Date.now(),
): Promise<User> {
  const username = normalizeUsername(input.username);
  const problem =
    usernameProblem(username) ?? passwordProblem(input.password) ?? (isRole(input.role) ? null : `unknown role "${input.role}"`) ?? scopeProblem(input.hosts);
  if (problem) throw new UserError(problem);
  const hash = await hashPassword(input.password);
  const hosts = input.role === "admin" ? ["*"] : input.hosts;
  db.transaction(() => {
    if (findUser(db, username)) throw new UserError(`user "${username}" exists`);
    db.prepare("INSERT INTO users (username, password_hash, role, hosts_json, created_at, password_changed_at) VALUES (?, ?, ?, ?, ?, ?)").run(
      username,
      hash,
      input.role,
      JSON.stringify(hosts),
      now,
      now,
    );
    audit(
      db,
      {
        username: ctx.by,
        address: ctx.address,
        action: "user:add",
        outcome: "ok",
        reason: `${username} as ${input.role} on ${hosts.join(" ") || "(no hosts)"}`,
      },
      now,
    );
  })();
  return findUser(db, username)!;
}

export async function setPassword(db: Db, username: string, password: string, ctx: ChangeContext, now = Date.now()): Promise<void> {
  const problem = passwordProblem(password);
  if (problem) throw new UserError(problem);
  const hash = await hashPassword(password);
  db.transaction(() => {
    const user = findUser(db, username);
    if (!user) throw new UserError(`no user "${username}"`);
    db.prepare("UPDATE users SET password_hash = ?, password_changed_at = ? WHERE id = ?").run(hash, now, user.id);
    db.prepare("DELETE FROM sessions WHERE user_id = ?").run(user.id);
    audit(
      db,
      { username: ctx.by, address: ctx.address, action: "user:passwd", outcome: "ok", reason: `${user.username}: password changed, sessions revoked` },
      now,
    );
  })();
}

export function removeUser(db: Db, username: string, ctx: ChangeContext, now = Date.now()): void {
  db.transaction(() => {
    const user = findUser(db, username);
    if (!user) throw new UserError(`no user "${username}"`);
    db.prepare("DELETE FROM sessions WHERE user_id = ?").run(user.id);
    db.prepare("DELETE FROM users WHERE id = ?").run(user.id);
    audit(db, { username: ctx.by, address: ctx.address, action: "user:remove", outcome: "ok", reason: `${user.username} removed, sessions revoked` }, now);
  })();
}
