/**
 * THE access policy: `can(principal, action, host?)`. Every page, server action, route handler and data
 * access function asks it (through lib/auth/guard.ts); nothing else decides who may do what.
 *
 *   viewer    fleet:view, host:view                                    (hosts in scope)
 *   operator  + host:refresh, archive:browse, archive:restore, archive:download,
 *               repo:check (run an integrity check or restore drill now)        (hosts in scope)
 *   admin     everything, on every host, plus users:manage and audit:read
 *
 * A host scope is a list of glob patterns (lib/auth/glob.ts); an admin's scope is all hosts.
 */
import { hostInScope } from "./glob";

export const ROLES = ["viewer", "operator", "admin"] as const;
export type Role = (typeof ROLES)[number];

export const ACTIONS = [
  "fleet:view",
  "host:view",
  "host:refresh",
  "archive:browse",
  "archive:restore",
  "archive:download",
  "repo:check",
  "users:manage",
  "audit:read",
] as const;
export type Action = (typeof ACTIONS)[number];

/** Who is asking: a signed-in user (or a proxy-authenticated one). */
export interface Principal {
  username: string;
  role: Role;
  /** Host glob patterns; ignored for admins (all hosts). */
  hosts: readonly string[];
  /** How they signed in: a password session (default), single sign-on through a trusted proxy, or an API token. */
  via?: "password" | "sso" | "token";
}

const ROLE_ACTIONS: Record<Role, ReadonlySet<Action>> = {
  viewer: new Set<Action>(["fleet:view", "host:view"]),
  operator: new Set<Action>(["fleet:view", "host:view", "host:refresh", "archive:browse", "archive:restore", "archive:download", "repo:check"]),
  admin: new Set<Action>(ACTIONS),
};

/** Actions no API token may do, whatever its role: a token cannot create users or more tokens. */
const PEOPLE_ONLY: ReadonlySet<Action> = new Set<Action>(["users:manage"]);

/** Actions that are about one host: they need the host, and the host must be in scope. */
const HOST_ACTIONS: ReadonlySet<Action> = new Set<Action>(["host:view", "host:refresh", "archive:browse", "archive:restore", "archive:download", "repo:check"]);

export function isHostAction(action: Action): boolean {
  return HOST_ACTIONS.has(action);
}

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/** True when the principal may see the host at all (in lists, on its page). */
export function hostVisible(principal: Principal | null, host: string): boolean {
  if (!principal) return false;
  return principal.role === "admin" || hostInScope(principal.hosts, host);
}

/** The alerts the principal may see: those about hosts in scope; alerts tied to no host, admins only. */
export function visibleAlerts<T extends { host: string | null }>(principal: Principal | null, alerts: readonly T[]): T[] {
  if (!principal) return [];
  return alerts.filter((a) => (a.host ? hostVisible(principal, a.host) : principal.role === "admin"));
}

/** True when the principal may see (and act on) restore jobs of this host: those it may restore to. */
export function restoreJobVisible(principal: Principal | null, host: string): boolean {
  return can(principal, "archive:restore", host);
}

/** True when the role may do the action on some host (for refusing before reading any input). */
export function roleAllows(principal: Principal | null | undefined, action: Action): boolean {
  if (principal?.via === "token" && PEOPLE_ONLY.has(action)) return false;
  return Boolean(principal && isRole(principal.role) && ROLE_ACTIONS[principal.role].has(action));
}

export function can(principal: Principal | null | undefined, action: Action, host?: string): boolean {
  if (!roleAllows(principal, action)) return false;
  if (!HOST_ACTIONS.has(action)) return true;
  if (host === undefined) return false;
  return hostVisible(principal ?? null, host);
}

/** Why `can` said no, in words for the audit log (never shown with host data to the refused user). */
export function refusalReason(principal: Principal | null | undefined, action: Action, host?: string): string {
  if (!principal) return "not signed in";
  if (principal.via === "token" && PEOPLE_ONLY.has(action)) return `an API token may not ${action}`;
  if (!ROLE_ACTIONS[principal.role]?.has(action)) return `role ${principal.role} may not ${action}`;
  if (HOST_ACTIONS.has(action) && host === undefined) return "no host given";
  return `host ${host} is outside the user's scope`;
}
