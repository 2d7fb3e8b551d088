/**
 * Conditional GETs for the API: a strong ETag over the exact JSON bytes sent, and 304 when the client
 * already has them (If-None-Match). Cheap for clients that poll (a CI job waiting for a restore).
 */
import { createHash } from "node:crypto";

function etagOf(body: string): string {
  return `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
}

/** True when an If-None-Match header lists this ETag (or `*`); weak prefixes compare equal. */
function notModified(ifNoneMatch: string | null, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(",").some((tag) => {
    const t = tag.trim().replace(/^W\//, "");
    return t === "*" || t === etag;
  });
}

export function jsonWithEtag(request: Request, value: unknown, status = 200): Response {
  const body = JSON.stringify(value);
  const etag = etagOf(body);
  const headers = { ETag: etag, "Cache-Control": "private, no-cache", Vary: "Authorization" };
  if (status === 200 && notModified(request.headers.get("if-none-match"), etag)) return new Response(null, { status: 304, headers });
  return new Response(body, { status, headers: { ...headers, "Content-Type": "application/json" } });
}
