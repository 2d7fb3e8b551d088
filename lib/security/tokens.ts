/** Bearer tokens for machine endpoints, compared in constant time. */
import { createHash, timingSafeEqual } from "node:crypto";

/** Hash both sides first so the comparison takes the same time whatever the lengths. */
function tokensEqual(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Constant-time check of `Authorization: Bearer <token>`. */
export function bearerMatches(authorization: string | null, token: string): boolean {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? "");
  // Compare even when the header is malformed, so timing does not tell the two cases apart.
  return tokensEqual(match?.[1] ?? "", token) && match !== null;
}

/** True when no token is required (`expected` unset) or the request carries `Authorization: Bearer <expected>`. */
export function bearerAllowed(authorization: string | null, expected: string | undefined): boolean {
  return !expected || bearerMatches(authorization, expected);
}
