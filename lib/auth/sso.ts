/**
 * Single sign-on behind a proxy (config `sso`): the proxy (oauth2-proxy, Authelia...) authenticates
 * the user and passes their name and groups in headers. Those headers are believed only when the
 * request's socket peer is one of `sso.trustedProxies` — the peer as the server wrapper
 * (scripts/server.mjs) recorded it, never an address a client wrote. Anyone else sending them is
 * refused and audited. Groups map to a role and a host scope; a user in no mapped group is refused,
 * never let in as a viewer.
 *
 * Used by proxy.ts (refuses before anything renders) and by lib/auth/guard.ts currentPrincipal (which
 * decides again itself).
 */
import { z } from "zod";
import type { Db } from "@/lib/db";
import { audit } from "@/lib/audit/log";
import { getCurrentConfig } from "@/lib/config/current";
import type { SsoConfig } from "@/lib/config/schema";
import { configuredTrustedProxies, requestContextOf, type HeaderReader } from "@/lib/net/requestContext";
import { UNTRUSTED_SSO_HEADER } from "@/lib/net/proxyTrust.mjs";
import { ROLES, type Principal, type Role } from "./policy";
import { processGlobal } from "@/lib/processGlobal";

/** What a proxy may put in the user header: an ASCII user name, id or e-mail address. */
export const ssoUserSchema = z
  .string()
  .max(128, "the SSO user header is longer than 128 characters")
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@+-]*$/, "the SSO user header has characters other than letters, digits and . _ @ + -");

const GROUP = /^[A-Za-z0-9._@+=:/~-]{1,256}$/;

/** The groups header: names separated by commas, spaces or "|" (authentik); at most 8 KiB and 200 groups. */
export const ssoGroupsSchema = z
  .string()
  .max(8192, "the SSO groups header is longer than 8 KiB")
  .transform((value) => [...new Set(value.split(/[\s,|]+/).filter(Boolean))])
  .pipe(
    z
      .array(z.string().regex(GROUP, "a group name in the SSO groups header has characters other than letters, digits and . _ @ + = : / ~ -"))
      .max(200, "the SSO groups header names more than 200 groups"),
  );

export type SsoGroupMapping = SsoConfig["groups"][number];

/**
 * The role and scope for a set of groups: the highest role any mapped group grants, with the hosts of
 * the groups that grant that role (admin: all hosts). Lower-role groups add nothing, so a "viewer of
 * db-*" group never makes an operator of web-* an operator of db-*. Null when no group is mapped.
 */
export function mapGroups(groups: readonly string[], mappings: readonly SsoGroupMapping[]): { role: Role; hosts: string[] } | null {
  const member = new Set(groups);
  const matched = mappings.filter((m) => member.has(m.group));
  if (matched.length === 0) return null;
  const rank = (role: Role) => ROLES.indexOf(role);
  const role = matched.reduce<Role>((best, m) => (rank(m.role) > rank(best) ? m.role : best), "viewer");
  const hosts = role === "admin" ? [] : [...new Set(matched.filter((m) => m.role === role).flatMap((m) => m.hosts))];
  return { role, hosts };
}

export type SsoDecision =
  /** No SSO identity in play: the session cookie decides. */
  | { kind: "none" }
  | { kind: "principal"; principal: Principal; groups: string[] }
  /** reason: for the audit log; message: for the refused user (no host data, no config details). */
  | { kind: "refused"; status: 401 | 403; reason: string; message: string; username: string | null };

/**
 * What the SSO headers of a request say. Pure: the config and the headers in, a decision out.
 *   - SSO off → none (the headers are ignored, as if absent).
 *   - SSO headers from a peer that is not a trusted proxy (or the wrapper's note that it removed some)
 *     → refused, whatever the headers contain.
 *   - a trusted proxy without the user header → none (local users keep signing in with a password).
 *   - a trusted proxy with a valid user → principal, or refused when no group is mapped or a header
 *     value is malformed.
 */
export function decideSso(headers: HeaderReader, sso: SsoConfig | undefined, trustedProxies: readonly string[] = sso?.trustedProxies ?? []): SsoDecision {
  if (!sso?.enabled) return { kind: "none" };
  const rawUser = headers.get(sso.userHeader);
  const rawGroups = headers.get(sso.groupsHeader);
  const stripped = headers.get(UNTRUSTED_SSO_HEADER);
  const context = requestContextOf(headers, trustedProxies);
  if (!context.viaTrustedProxy) {
    if (rawUser === null && rawGroups === null && !stripped) return { kind: "none" };
    const user = rawUser === null ? null : ssoUserSchema.safeParse(rawUser);
    return {
      kind: "refused",
      status: 403,
      reason: `SSO header from untrusted address ${context.clientAddress ?? "unknown"}`,
      message: "single sign-on headers are only accepted from the configured proxy",
      username: user?.success ? user.data : null,
    };
  }
  if (rawUser === null) return { kind: "none" };
  const user = ssoUserSchema.safeParse(rawUser);
  const malformed = "the single sign-on proxy sent a user or group name this dashboard does not accept";
  if (!user.success) return { kind: "refused", status: 403, reason: user.error.issues[0]!.message, message: malformed, username: null };
  const groups = ssoGroupsSchema.safeParse(rawGroups ?? "");
  if (!groups.success) return { kind: "refused", status: 403, reason: groups.error.issues[0]!.message, message: malformed, username: user.data };
  const mapped = mapGroups(groups.data, sso.groups);
  if (!mapped) {
    const shown = groups.data.length ? groups.data.slice(0, 20).join(", ") : "none";
    return {
      kind: "refused",
      status: 403,
      reason: `SSO user in no mapped group (groups: ${shown})`,
      message: `${user.data} is signed in, but none of their groups gives access to this dashboard`,
      username: user.data,
    };
  }
  return { kind: "principal", principal: { username: user.data, role: mapped.role, hosts: mapped.hosts, via: "sso" }, groups: groups.data };
}

/** decideSso with the running server's config and its trusted proxies. */
export function ssoDecision(headers: HeaderReader): SsoDecision {
  const config = getCurrentConfig();
  return decideSso(headers, config?.sso, configuredTrustedProxies(config));
}

export function ssoConfig(): SsoConfig | undefined {
  return getCurrentConfig()?.sso;
}

/** True when local users may sign in with a password (always, unless SSO is on and forbids it). */
export function passwordLoginAllowed(sso: SsoConfig | undefined = ssoConfig()): boolean {
  return !sso?.enabled || sso.allowPasswordLogin;
}

const seenUsers = processGlobal<Map<string, number>>("sso-seen");

/**
 * Audits an SSO user's sign-in when first seen, then again once `everySeconds` have passed (every
 * request carries the headers: one row per request would drown the log). The key includes the role
 * and scope, so a change of groups is recorded at once. In memory: a restart records a fresh sign-in.
 */
export function auditSsoSignIn(
  db: Db,
  decision: Extract<SsoDecision, { kind: "principal" }>,
  address: string | null,
  everySeconds: number,
  now = Date.now(),
): boolean {
  const seen = seenUsers.ensure(() => new Map());
  const { principal } = decision;
  const key = `${principal.username}\n${principal.role}\n${principal.hosts.join(",")}`;
  const last = seen.get(key);
  if (last !== undefined && now - last < everySeconds * 1000) return false;
  if (seen.size > 10_000) seen.clear();
  seen.set(key, now);
  audit(
    db,
    {
      username: principal.username,
      address,
      action: "login",
      outcome: "ok",
      reason: `single sign-on as ${principal.role}${principal.role === "admin" ? "" : ` of ${principal.hosts.join(", ") || "no hosts"}`} (groups: ${decision.groups.slice(0, 20).join(", ")})`,
    },
    now,
  );
  return true;
}

/** Audits an SSO refusal. */
export function auditSsoRefusal(db: Db, decision: Extract<SsoDecision, { kind: "refused" }>, address: string | null, action: string): void {
  audit(db, { username: decision.username, address, action, outcome: "refused", reason: decision.reason });
}
