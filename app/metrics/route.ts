import { metricsBody, metricsContentType } from "@/lib/metrics/exposition";
import { audit, requestAddress } from "@/lib/audit/log";
import { database } from "@/lib/db/current";
import { bearerAllowed } from "@/lib/security/tokens";

export const dynamic = "force-dynamic";

/**
 * Prometheus exposition. Open unless METRICS_TOKEN is set, then `Authorization: Bearer <token>`.
 * The body is rendered once per fleet-state change and served as the same bytes in between
 * (lib/metrics/exposition.ts).
 */
export async function GET(request: Request): Promise<Response> {
  if (!bearerAllowed(request.headers.get("authorization"), process.env.METRICS_TOKEN)) {
    audit(database(), { address: requestAddress(request), action: "metrics:scrape", outcome: "refused", reason: "missing or wrong bearer token" });
    return new Response("unauthorized\n", { status: 401, headers: { "WWW-Authenticate": 'Bearer realm="metrics"' } });
  }
  const body = await metricsBody();
  return new Response(body, {
    // no-transform: served uncompressed. For a 1,000-host fleet (about 1 MiB of text) gzip costs the
    // dashboard more CPU per scrape than the loopback/LAN bandwidth it would save Prometheus.
    headers: { "Content-Type": metricsContentType(), "Cache-Control": "no-store, no-transform" },
  });
}
