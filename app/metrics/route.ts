import { getRegistry } from "@/lib/metrics/registry";
import { bearerAllowed } from "@/lib/security/tokens";

export const dynamic = "force-dynamic";

/** Prometheus exposition. Open unless METRICS_TOKEN is set, then `Authorization: Bearer <token>`. */
export async function GET(request: Request): Promise<Response> {
  if (!bearerAllowed(request.headers.get("authorization"), process.env.METRICS_TOKEN)) {
    return new Response("unauthorized\n", { status: 401, headers: { "WWW-Authenticate": 'Bearer realm="metrics"' } });
  }
  const registry = getRegistry();
  return new Response(await registry.metrics(), {
    headers: { "Content-Type": registry.contentType, "Cache-Control": "no-store" },
  });
}
