import { getFleetState } from "@/lib/fleet/store";
import { runtimeStatus } from "@/lib/runtime";

export const dynamic = "force-dynamic";

/** Liveness and a short readiness summary for load balancers and container health checks. */
export function GET(): Response {
  const status = runtimeStatus();
  const state = getFleetState();
  const body = {
    status: status.error ? "error" : "ok",
    source: state.source,
    repos: state.repos.length,
    collector: state.collector,
    error: status.error,
  };
  return Response.json(body, { status: status.error ? 503 : 200, headers: { "Cache-Control": "no-store" } });
}
