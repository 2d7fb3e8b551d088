/**
 * The policy (lib/auth/policy.ts) applied to requests: pages, server actions and route handlers call
 * these themselves. Every refusal is audited.
 *
 *   requirePage(action, host?)    pages/layouts: no session → redirect to /login; not allowed → 404 for
 *                                 host pages (nothing about the host leaks), 403 otherwise
 *   authorize(action, host?)      server actions and route handlers: 401 without a session, 403 when
 *                                 not allowed (Next's unauthorized()/forbidden(), experimental.authInterrupts)
 *   visibleFleetState(principal)  THE data access function for fleet state: only hosts in scope
 */
import { cookies, headers } from "next/headers";
import { forbidden, notFound, redirect, unauthorized } from "next/navigation";
import { cache } from "react";
import { audit } from "@/lib/audit/log";
import { getFleetState } from "@/lib/fleet/store";
import type { FleetState } from "@/lib/fleet/types";
import { can, hostVisible, isHostAction, refusalReason, roleAllows, type Action, type Principal } from "./policy";
import { readSession, SESSION_COOKIE } from "./sessions";
import { getAuthDb } from "./store";

/**
 * The client's address as the Next.js server saw it (`next start` sets X-Forwarded-For to the socket
 * address unless the request already carries one). Used for the audit log and throttling only.
 */
export async function clientAddress(): Promise<string> {
  const h = await headers();
  return (h.get("x-forwarded-for") ?? "").split(",")[0]!.trim().slice(0, 100) || "unknown";
}

/** True when the request came over https (directly, or through a proxy that says so). */
export async function requestIsHttps(): Promise<boolean> {
  const h = await headers();
  return (h.get("x-forwarded-proto") ?? "").split(",")[0]!.trim() === "https";
}

/** The signed-in user of this request, or null. Read once per request. */
export const currentPrincipal = cache(async (): Promise<Principal | null> => {
  const db = getAuthDb();
  if (!db) return null;
  const token = (await cookies()).get(SESSION_COOKIE)?.value;
  const session = readSession(db, token);
  if (!session) return null;
  return { username: session.user.username, role: session.user.role, hosts: session.user.hosts };
});

export async function auditRefusal(principal: Principal | null, action: Action | string, host?: string, reason?: string): Promise<void> {
  const db = getAuthDb();
  if (!db) return;
  audit(db, {
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

/** Fleet state with only the repos of hosts the principal may see (pages read fleet state through this). */
export function visibleFleetState(principal: Principal): FleetState {
  const state = getFleetState();
  if (principal.role === "admin") return state;
  return { ...state, repos: state.repos.filter((r) => hostVisible(principal, r.host)) };
}
