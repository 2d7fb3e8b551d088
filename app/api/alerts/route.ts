/**
 * The alert inbox: Alertmanager's webhook (JSON version 4, send_resolved: true) posts here with
 * `Authorization: Bearer <ALERTS_TOKEN>` (prometheus/alertmanager.yml reads it from secrets/alerts_token).
 * Firing alerts are shown on the overview and on the host pages (components/alerts/AlertBanner.tsx).
 *
 * Refuses: no token configured (503), a wrong or missing token (401), a body over 1 MiB (413), anything
 * but JSON (415), a payload that is not Alertmanager's webhook format (400). Nothing from the request
 * is logged but counts.
 */
import { getAlertStore } from "@/lib/alerts/store";
import { audit, requestAddress } from "@/lib/audit/log";
import { database } from "@/lib/db/current";
import { readBodyLimited } from "@/lib/http/body";
import { alertsTokenConfig } from "@/lib/alerts/token";
import { bearerMatches } from "@/lib/security/tokens";
import { MAX_BODY_BYTES, webhookSchema } from "@/lib/alerts/webhook";
import { formatIssues } from "@/lib/validation";

export const dynamic = "force-dynamic";

const json = (body: unknown, status: number, headers: Record<string, string> = {}) =>
  Response.json(body, { status, headers: { "Cache-Control": "no-store", ...headers } });

let warnedNoToken = false;

export async function POST(request: Request): Promise<Response> {
  const token = alertsTokenConfig();
  if (!token.ok) {
    if (!warnedNoToken) {
      warnedNoToken = true;
      console.warn(`[alerts] refusing alert posts: ${token.reason}`);
    }
    return json({ error: `alert inbox disabled: ${token.reason}` }, 503);
  }
  if (!bearerMatches(request.headers.get("authorization"), token.token)) {
    audit(database(), { address: requestAddress(request), action: "alerts:post", outcome: "refused", reason: "missing or wrong bearer token" });
    return json({ error: "unauthorized" }, 401, { "WWW-Authenticate": 'Bearer realm="alerts"' });
  }
  const store = getAlertStore();
  if (!store) return json({ error: "alert inbox unavailable: the dashboard could not open its database (see /api/health)" }, 503);

  if (!/^application\/(.+\+)?json\b/i.test(request.headers.get("content-type") ?? "")) {
    return json({ error: "expected Content-Type: application/json (Alertmanager webhook, version 4)" }, 415);
  }
  const body = await readBodyLimited(request, MAX_BODY_BYTES);
  if (body === null) return json({ error: `body larger than ${MAX_BODY_BYTES} bytes` }, 413);

  let raw: unknown;
  try {
    raw = JSON.parse(body.toString("utf8"));
  } catch {
    return json({ error: "body is not valid JSON" }, 400);
  }
  const parsed = webhookSchema.safeParse(raw);
  if (!parsed.success) return json({ error: "not an Alertmanager webhook payload (version 4)", issues: formatIssues(parsed.error, { root: "(body)" }) }, 400);

  const result = store.ingest(parsed.data, Date.now());
  return json({ status: "ok", ...result }, 200);
}
