/** Bearer tokens for machine endpoints, compared in constant time. */
import { createHash, timingSafeEqual } from "node:crypto";

/** Hash both sides first so the comparison takes the same time whatever the lengths. */
export function tokensEqual(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/** True when no token is required (`expected` unset) or the request carries `Authorization: Bearer <expected>`. */
export function bearerAllowed(authorization: string | null, expected: string | undefined): boolean {
  if (!expected) return true;
  const match = /^Bearer\s+(.+)$/i.exec(authorization ?? "");
  return tokensEqual(match?.[1]?.trim() ?? "", expected);
}
