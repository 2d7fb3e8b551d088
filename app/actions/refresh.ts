"use server";

/**
 * "Refresh now" for one host: re-reads each of its repos immediately (joining a refresh already in
 * flight, so repeated clicks never start a second borg process on a repo).
 * An action is a public POST endpoint: it checks the session and the policy itself ("host:refresh" on
 * this host: operators in scope and admins; 401/403 otherwise), validates its own input, does not trust
 * the page, and audits what it did.
 */
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { actionFailed, actionOk, type ActionResult } from "@/lib/actionResult";
import { auditRequest } from "@/lib/audit/request";
import { authorize, authorizeRole } from "@/lib/auth/guard";
import { hostNameSchema } from "@/lib/config/schema";
import { getFleetProvider, getFleetState } from "@/lib/fleet/store";
import { hostPath } from "@/lib/publicUrl";

const inputSchema = z.object({ host: hostNameSchema });

/** A refresh per host at most this often; clicks in between join the last one's result. */
const MIN_INTERVAL_MS = 5_000;
const lastRefresh = new Map<string, number>();

export async function refreshHostAction(_prev: ActionResult | null, formData: FormData): Promise<ActionResult> {
  // Who is asking comes first: an anonymous or viewer request learns nothing, not even input errors.
  await authorizeRole("host:refresh");
  const parsed = inputSchema.safeParse({ host: formData instanceof FormData ? formData.get("host") : undefined });
  if (!parsed.success) return actionFailed("Invalid host name.");
  const { host } = parsed.data;
  const principal = await authorize("host:refresh", host);
  await auditRequest({ username: principal.username, action: "host:refresh", host, outcome: "ok" });

  const provider = getFleetProvider();
  if (!provider?.refreshRepo) return actionFailed("This dashboard reads its data from Prometheus; there is nothing to refresh here.");
  const repos = getFleetState().repos.filter((r) => r.host === host);
  if (repos.length === 0) return actionFailed(`Unknown host ${host}.`);

  const now = Date.now();
  if (now - (lastRefresh.get(host) ?? 0) < MIN_INTERVAL_MS) {
    return actionOk("Refreshed a moment ago.");
  }
  lastRefresh.set(host, now);

  const results = await Promise.allSettled(repos.map((r) => provider.refreshRepo!(r.id)));
  revalidatePath(hostPath(host));
  const failed = results.filter((r) => r.status === "rejected").length;
  const after = getFleetState().repos.filter((r) => r.host === host);
  const problems = after.filter((r) => r.lastError).map((r) => `${r.site}: ${r.lastError!.message}`);
  const busy = after.filter((r) => r.busy).map((r) => r.site);
  if (failed > 0 || problems.length > 0) return actionFailed(`Refreshed with problems. ${problems.join(" ")}`.trim());
  if (busy.length > 0) return actionOk(`A backup is running (${busy.join(", ")}); the dashboard reads the repo again when it finishes.`);
  return actionOk(`Refreshed ${repos.length} repo${repos.length === 1 ? "" : "s"}.`);
}
