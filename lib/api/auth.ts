/**
 * Who is calling the automation API, and may they do this. Tokens only: a browser session cookie is
 * never read here, so no cross-site request can borrow a signed-in user's session. The principal a
 * token acts as goes through the same `can()` as a person's, and every refusal is audited with the
 * token as the actor. Each token is rate-limited on its own.
 */
import { audit } from "@/lib/audit/log";
import { requestClientAddress } from "@/lib/audit/request";
import { authenticateToken, tokenActor } from "@/lib/auth/apiTokens";
import { can, refusalReason, type Action, type Principal } from "@/lib/auth/policy";
import { database } from "@/lib/db/current";
import { RateLimiter } from "@/lib/ping/rateLimit";
import { processGlobal } from "@/lib/processGlobal";
import { problem } from "./problem";

/** Requests per token per minute: generous for scripts, a ceiling for a runaway loop. */
export const TOKEN_REQUESTS_PER_MINUTE = 600;
const limiter = () => processGlobal<RateLimiter>("api-token-rate").ensure(() => new RateLimiter(TOKEN_REQUESTS_PER_MINUTE, 60_000));

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;
const challenge = { "WWW-Authenticate": 'Bearer realm="borg-fleet api"' };

export interface ApiCaller {
  principal: Principal;
  tokenName: string;
}

async function refuse(request: Request, username: string | null, action: string, reason: string, host?: string | null): Promise<void> {
  audit(database(), { username, address: await requestClientAddress(request), action, host: host ?? null, outcome: "refused", reason });
}

/** The caller, or the 401/429 response to send. `action` names the endpoint in the audit row. */
export async function authenticateApi(request: Request, action: string): Promise<ApiCaller | Response> {
  const header = request.headers.get("authorization");
  const presented = header ? BEARER.exec(header)?.[1] : undefined;
  if (!presented) {
    await refuse(request, null, action, header ? "malformed Authorization header" : "no bearer token");
    return problem(401, "Send an API token: Authorization: Bearer <token> (admins create tokens under Admin → API tokens).", challenge);
  }
  const check = authenticateToken(database(), presented);
  if (!check.ok) {
    await refuse(request, check.token ? tokenActor(check.token.name) : null, action, `token refused: ${check.reason}`);
    return problem(401, check.reason === "expired" || check.reason === "revoked" ? `The token is ${check.reason}.` : "The token is not valid.", challenge);
  }
  if (!limiter().allow(check.token.name)) {
    await refuse(request, check.principal.username, action, `rate limit: over ${TOKEN_REQUESTS_PER_MINUTE} requests per minute`);
    return problem(429, `At most ${TOKEN_REQUESTS_PER_MINUTE} requests per minute per token.`, { "Retry-After": "60" });
  }
  return { principal: check.principal, tokenName: check.token.name };
}

/** Input that fails validation is refused and audited like a policy refusal (it may be a probe). */
export async function refuseInvalidInput(request: Request, caller: ApiCaller, action: string, why: string): Promise<void> {
  await refuse(request, caller.principal.username, action, `invalid input: ${why}`);
}

/**
 * The policy decision for an API caller: null when allowed, else the 403/404 to send (audited). A
 * host the caller may not see answers 404, like a host page, so a token learns nothing about hosts
 * outside its scope.
 */
export async function authorizeApi(
  request: Request,
  caller: ApiCaller,
  action: Action,
  host?: string,
  notFound = `No host ${host}.`,
): Promise<Response | null> {
  if (can(caller.principal, action, host)) return null;
  await refuse(request, caller.principal.username, action, refusalReason(caller.principal, action, host), host);
  if (host !== undefined && can({ ...caller.principal, hosts: ["*"] }, action, host)) return problem(404, notFound);
  return problem(403, `A ${caller.principal.role} token may not ${action}.`);
}
