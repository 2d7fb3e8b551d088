/**
 * The policy (lib/auth/policy.ts) applied to requests: pages, server actions and route handlers call
 * these themselves. Every refusal is audited.
 *
 *   requirePage(action, host?)    pages/layouts: no session → redirect to /login; not allowed → 404 for
 *                                 host pages (nothing about the host leaks), 403 otherwise
 *   authorize(action, host?)      server actions and route handlers: 401 without a session, 403 when
 *                                 not allowed (Next's unauthorized()/forbidden(), experimental.authInterrupts)
 *   requireRestoreRole()          restore pages: signed in, and a role that may restore (403 otherwise)
 *   visibleFleetState(principal)  THE data access function for fleet state: only hosts in scope
 */
import { cookies, headers } from "next/headers";
import { forbidden, notFound, redirect, unauthorized } from "next/navigation";
import { cache } from "react";
import { audit } from "@/lib/audit/log";
import { getFleetState } from "@/lib/fleet/store";
import { clientAddressOf, requestContextOf } from "@/lib/net/requestContext";
import type { FleetState } from "@/lib/fleet/types";
import { can, hostVisible, isHostAction, refusalReason, roleAllows, type Action, type Principal } from "./policy";
import { readSession, SESSION_COOKIE } from "./sessions";
import { auditSsoRefusal, auditSsoSignIn, passwordLoginAllowed, ssoConfig, ssoDecision } from "./sso";
import { database } from "@/lib/db/current";

/**
 * The client's address (lib/net/requestContext.ts): the socket peer recorded by the server wrapper, or,
 * when that peer is a trusted proxy, the client it forwarded for. A client-sent X-Forwarded-For is
 * never believed. For the audit log and throttling; "unknown" when the app runs without the wrapper.
 */
export async function clientAddress(): Promise<string> {
  return clientAddressOf(await headers()) ?? "unknown";
}

/** True when the request came over https: only a trusted proxy can say so (the wrapper serves http). */
export async function requestIsHttps(): Promise<boolean> {
  return requestContextOf(await headers()).scheme === "https";
}

/**
 * The signed-in user of this request, or null. Read once per request. In SSO mode a trusted proxy's
 * user headers win over a session cookie; SSO headers from anyone else, or an SSO user in no mapped
 * group, are refused here with 403 and audited (proxy.ts refuses them first; this decides again so no
 * page, action or route handler depends on it).
 */
export const currentPrincipal = cache(async (): Promise<Principal | null> => {
  // headers() first: it marks the page dynamic, so a build's prerender (no database) never gets further.
  const h = await headers();
  const db = database();
  const sso = ssoDecision(h);
  if (sso.kind === "refused") {
    auditSsoRefusal(db, sso, clientAddressOf(h), "sso");
    forbidden();
  }
  if (sso.kind === "principal") {
    auditSsoSignIn(db, sso, clientAddressOf(h), ssoConfig()?.auditSignInEvery ?? 900);
    return sso.principal;
  }
  if (!passwordLoginAllowed()) return null;
  const token = (await cookies()).get(SESSION_COOKIE)?.value;
  const session = readSession(db, token);
  if (!session) return null;
  return { username: session.user.username, role: session.user.role, hosts: session.user.hosts, via: "password" };
});

async function auditRefusal(principal: Principal | null, action: Action | string, host?: string, reason?: string): Promise<void> {
  audit(database(), {
    username: principal?.username ?? null,
    address: await clientAddress(),
    action,
    host: host ?? null,
    outcome: "refused",
    reason: reason ?? refusalReason(principal, action as Action, host),
  });
}

/** For pages and layouts. Returns the principal when allowed. */
export async function requirePage(action: Action, host?: string): Promise<Principal> {
  const principal = await currentPrincipal();
  if (!principal) {
    await auditRefusal(null, action, host);
    redirect("/login");
  }
  if (!can(principal, action, host)) {
    await auditRefusal(principal, action, host);
    if (isHostAction(action)) notFound();
    forbidden();
  }
  return principal;
}

/** For server actions and route handlers: 401 without a session, 403 when the policy says no. */
export async function authorize(action: Action, host?: string): Promise<Principal> {
  const principal = await currentPrincipal();
  if (!principal) {
    await auditRefusal(null, action, host);
    unauthorized();
  }
  if (!can(principal, action, host)) {
    await auditRefusal(principal, action, host);
    forbidden();
  }
  return principal;
}

/** For server actions, before reading their input: 401 without a session, 403 when the role never may. */
export async function authorizeRole(action: Action): Promise<Principal> {
  const principal = await currentPrincipal();
  if (!principal) {
    await auditRefusal(null, action);
    unauthorized();
  }
  if (!roleAllows(principal, action)) {
    await auditRefusal(principal, action);
    forbidden();
  }
  return principal;
}

/**
 * For the restore pages: signed in (else /login), and a role that may restore (operators, admins);
 * others get 403, audited. Which jobs a user sees is then decided per job host (restoreJobVisible).
 */
export async function requireRestoreRole(): Promise<Principal> {
  const principal = await requirePage("fleet:view");
  if (!roleAllows(principal, "archive:restore")) {
    await auditRefusal(principal, "archive:restore");
    forbidden();
  }
  return principal;
}

/** Fleet state with only the repos of hosts the principal may see (pages read fleet state through this). */
export function visibleFleetState(principal: Principal): FleetState {
  const state = getFleetState();
  if (principal.role === "admin") return state;
  return { ...state, repos: state.repos.filter((r) => hostVisible(principal, r.host)) };
}
