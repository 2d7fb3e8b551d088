/**
 * The alert inbox's bearer token: ALERTS_TOKEN, or the first line of the file named by ALERTS_TOKEN_FILE
 * (read at each request, so a token written or rotated after start is picked up). Without a token the
 * inbox refuses every post: anonymous alerts could put anything in front of the operators.
 */
import fs from "node:fs";

/** Shorter tokens are refused as misconfiguration (the demo and docker-compose generate ~40 characters). */
const MIN_TOKEN_LENGTH = 16;

export type TokenConfig = { ok: true; token: string } | { ok: false; reason: string };

export function alertsTokenConfig(env: Record<string, string | undefined> = process.env): TokenConfig {
  let token = env.ALERTS_TOKEN?.trim() ?? "";
  if (!token && env.ALERTS_TOKEN_FILE) {
    try {
      token = (fs.readFileSync(env.ALERTS_TOKEN_FILE, "utf8").split("\n")[0] ?? "").trim();
    } catch (err) {
      // The path is configuration, not a secret; the token itself is never logged.
      return { ok: false, reason: `cannot read ALERTS_TOKEN_FILE (${(err as NodeJS.ErrnoException).code ?? "error"})` };
    }
  }
  if (!token) return { ok: false, reason: "no token configured: set ALERTS_TOKEN or ALERTS_TOKEN_FILE" };
  if (token.length < MIN_TOKEN_LENGTH) return { ok: false, reason: `the configured token is shorter than ${MIN_TOKEN_LENGTH} characters` };
  return { ok: true, token };
}
