/**
 * Refuses cross-origin state-changing requests before anything else runs: a POST (server actions,
 * sign-in, route handlers) whose Origin is not this dashboard's (lib/net/requestContext.ts decides which
 * host the request was addressed to) answers 403, and is audited. Next's
 * own server-action check would also refuse it, with a 500. Machine endpoints that authenticate with
 * a bearer token (/api/alerts) carry no Origin and are not affected.
 *
 * Not an access check: every page, action and route handler checks the session and the policy itself
 * (lib/auth/guard.ts).
 */
import { NextResponse, type NextRequest } from "next/server";
import { audit, requestAddress } from "@/lib/audit/log";
import { auditSsoRefusal, ssoDecision } from "@/lib/auth/sso";
import { database, databaseStatus } from "@/lib/db/current";
import { isSameOrigin, requestContextOf } from "@/lib/net/requestContext";

/** Paths that answer without the database: the health check says why the server is not ready. */
const WITHOUT_DATABASE = new Set(["/api/health"]);

export function proxy(request: NextRequest): NextResponse {
  // A server that could not open its database (invalid config, unwritable data directory) serves
  // nothing but its health check: one clear 503 here instead of a broken page or action further in.
  const db = databaseStatus();
  if (!db.ok && !WITHOUT_DATABASE.has(request.nextUrl.pathname)) {
    return new NextResponse(`Service unavailable: ${db.reason}\nSee /api/health once the cause is fixed and the server restarted.\n`, {
      status: 503,
      headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store", "Retry-After": "60" },
    });
  }
  // The automation API takes API tokens only: without one, every /api/v1 path (a route or not) is a 401
  // here, whatever cookie the browser sends. The route handlers check the token itself (lib/api/auth.ts).
  if (
    request.nextUrl.pathname.startsWith("/api/v1/") &&
    request.nextUrl.pathname !== "/api/v1/openapi.json" &&
    !/^Bearer\s+\S/i.test(request.headers.get("authorization") ?? "")
  ) {
    audit(database(), {
      address: requestAddress(request),
      action: `${request.method} ${request.nextUrl.pathname}`.slice(0, 200),
      outcome: "refused",
      reason: "no bearer token",
    });
    return NextResponse.json(
      { type: "about:blank", title: "Unauthorized", status: 401, detail: "Send an API token: Authorization: Bearer <token>." },
      {
        status: 401,
        headers: { "Content-Type": "application/problem+json", "Cache-Control": "no-store", "WWW-Authenticate": 'Bearer realm="borg-fleet api"' },
      },
    );
  }
  // SSO headers from anyone but a trusted proxy, or an SSO user in no mapped group: refused before any
  // page, action or route handler runs (each of them also asks lib/auth/guard.ts itself).
  const sso = ssoDecision(request.headers);
  if (sso.kind === "refused") {
    auditSsoRefusal(database(), sso, requestAddress(request), `${request.method} ${request.nextUrl.pathname}`.slice(0, 200));
    return new NextResponse(`Forbidden: ${sso.message}\n`, {
      status: sso.status,
      headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" },
    });
  }
  if (request.method === "GET" || request.method === "HEAD" || request.method === "OPTIONS") return NextResponse.next();
  const origin = request.headers.get("origin");
  if (origin === null) return NextResponse.next();
  // The host this request was addressed to, as its own connection or a TRUSTED proxy says: a client's
  // X-Forwarded-Host counts for nothing (it once let `Origin: http://evil.example` + `X-Forwarded-Host:
  // evil.example` run a server action).
  if (isSameOrigin(origin, requestContextOf(request.headers))) return NextResponse.next();
  audit(database(), {
    address: requestAddress(request),
    action: `POST ${request.nextUrl.pathname}`.slice(0, 200),
    outcome: "refused",
    reason: `cross-origin request from ${origin.slice(0, 200)}`,
  });
  return NextResponse.json({ error: "cross-origin request refused" }, { status: 403 });
}

export const config = {
  matcher: ["/((?!_next/static|_next/image).*)"],
};
