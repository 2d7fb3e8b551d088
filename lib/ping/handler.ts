/**
 * The run-report endpoint, compatible with the Healthchecks.io ping API, so the backup script's curl
 * calls and borgmatic's healthchecks hook work unchanged:
 *   /ping/<token>          success          /ping/<token>/start   run started
 *   /ping/<token>/fail     failure          /ping/<token>/<0-255> ended with this exit status
 *   /ping/<token>/log      log only
 * GET, HEAD or POST; a POST body (the log, e.g. its last lines) is stored as text, at most
 * MAX_BODY_BYTES (the rest is cut off and the run marked truncated; the report itself is kept).
 *
 * Tokens are per host (npm run ping-token -- create <host>), stored as sha256, compared in constant
 * time. Rate limits: per token (valid tokens), and per client address for refused requests (unknown
 * or malformed tokens: the socket peer recorded by scripts/server.mjs, or the client a trusted proxy
 * forwarded for, never a client-written X-Forwarded-For; without the wrapper all clients share one
 * bucket, which still bounds guessing without ever blocking a valid token).
 */
import { requestAddress } from "@/lib/audit/log";
import { RateLimiter } from "./rateLimit";
import { getPingStore, hashToken, type PingEvent, type PingStore } from "./store";

export const MAX_BODY_BYTES = 100 * 1024;
const WINDOW_MS = 60_000;
export const PER_TOKEN_PER_MINUTE = 30;
export const PER_ADDRESS_PER_MINUTE = 120;

const limits = { token: new RateLimiter(PER_TOKEN_PER_MINUTE, WINDOW_MS), address: new RateLimiter(PER_ADDRESS_PER_MINUTE, WINDOW_MS) };

/** Tests only. */
export function resetRateLimits(): void {
  limits.token.reset();
  limits.address.reset();
}

const text = (body: string, status: number, headers: Record<string, string> = {}) =>
  new Response(body, {
    status,
    headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", ...headers },
  });

function parsePingPath(slug: readonly string[]): { token: string; event: PingEvent } | null {
  if (slug.length < 1 || slug.length > 2) return null;
  const [token, suffix] = slug as [string, string | undefined];
  if (suffix === undefined) return { token, event: { kind: "end", exitStatus: 0 } };
  if (suffix === "start") return { token, event: { kind: "start" } };
  if (suffix === "fail") return { token, event: { kind: "end", exitStatus: 1 } };
  if (suffix === "log") return { token, event: { kind: "log" } };
  if (/^(0|[1-9][0-9]{0,2})$/.test(suffix) && Number(suffix) <= 255) return { token, event: { kind: "end", exitStatus: Number(suffix) } };
  return null;
}

/** The client address as the server wrapper recorded it (lib/audit/log.ts), or one shared bucket when unknown. */
function clientAddress(request: Request): string {
  return requestAddress(request) ?? "all";
}

/** The body as text, at most `limit` bytes (reading stops there). */
async function readBody(request: Request, limit: number): Promise<{ text: string; truncated: boolean }> {
  if (!request.body) return { text: "", truncated: false };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > limit) {
      chunks.push(value.subarray(0, limit - size));
      size = limit;
      truncated = true;
      await reader.cancel().catch(() => undefined);
      break;
    }
    chunks.push(value);
    size += value.byteLength;
  }
  // Invalid UTF-8 becomes U+FFFD; NUL too (text, never bytes).
  const decoded = new TextDecoder("utf-8", { fatal: false }).decode(Buffer.concat(chunks)).replaceAll("\u0000", "\uFFFD");
  return { text: decoded, truncated };
}

export async function handlePing(request: Request, slug: readonly string[], store: PingStore | undefined = getPingStore()): Promise<Response> {
  // Refusals count against the client address (guessing); a valid token is limited on its own, so
  // nobody can lock a host out of reporting by flooding the endpoint with wrong tokens.
  const refuse = () =>
    limits.address.allow(`addr:${clientAddress(request)}`) ? text("not found\n", 404) : text("rate limited\n", 429, { "Retry-After": "60" });
  const parsed = parsePingPath(slug);
  if (!parsed) return refuse();
  if (!store) return text("run reports unavailable: the dashboard could not open its database\n", 503);
  const host = store.hostForToken(parsed.token);
  if (!host) return refuse();
  if (!limits.token.allow(`token:${hashToken(parsed.token)}`)) return text("rate limited\n", 429, { "Retry-After": "60" });
  const body = request.method === "POST" ? await readBody(request, MAX_BODY_BYTES) : { text: "", truncated: false };
  store.record(host, parsed.event, body.text, body.truncated);
  return text(body.truncated ? `OK (body cut at ${MAX_BODY_BYTES} bytes)\n` : "OK\n", 200);
}
