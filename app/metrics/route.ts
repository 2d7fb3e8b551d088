import { getRegistry } from "@/lib/metrics/registry";
import { audit, requestAddress } from "@/lib/audit/log";
import { database } from "@/lib/db/current";
import { bearerAllowed } from "@/lib/security/tokens";

export const dynamic = "force-dynamic";

/** Prometheus exposition. Open unless METRICS_TOKEN is set, then `Authorization: Bearer <token>`. */
export async function GET(request: Request): Promise<Response> {
  if (!bearerAllowed(request.headers.get("authorization"), process.env.METRICS_TOKEN)) {
    audit(database(), { address: requestAddress(request), action: "metrics:scrape", outcome: "refused", reason: "missing or wrong bearer token" });
    return new Response("unauthorized\n", { status: 401, headers: { "WWW-Authenticate": 'Bearer realm="metrics"' } });
  }
  const registry = getRegistry();
  return new Response(await registry.metrics(), {
    // no-transform: served uncompressed. For a 1,000-host fleet (about 1 MiB of text) gzip costs the
    // dashboard more CPU per scrape than the loopback/LAN bandwidth it would save Prometheus.
    headers: { "Content-Type": registry.contentType, "Cache-Control": "no-store, no-transform" },
  });
}
