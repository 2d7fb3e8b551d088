import { notFound } from "next/navigation";
import type { ReactNode } from "react";
import { requirePage, visibleFleetState } from "@/lib/auth/guard";
import { parseHostParam } from "./host-param";

/**
 * Rejects unknown and out-of-scope hosts before anything streams, so an unknown host gets a real 404 status: a
 * notFound() from the page itself would come after the page's (host)/loading.tsx has been sent with 200.
 * For the same reason there is no app/loading.tsx: a loading boundary at the root wraps this layout
 * too, and every unknown host would answer 200. A skeleton for `/` alone would need a route group of
 * its own.
 * Likewise the host page's skeleton lives in the route group (host)/ with the page: a loading.tsx
 * here would wrap the sub-pages (diff, retention, archives) too, and their own 404s (an archive that
 * does not exist, a viewer on the diff) would answer 200.
 */
export default async function HostLayout({ children, params }: { children: ReactNode; params: Promise<{ host: string }> }) {
  const host = parseHostParam((await params).host);
  if (!host) notFound();
  // Out of the user's scope answers exactly like an unknown host (404), and is audited.
  const principal = await requirePage("host:view", host);
  if (!visibleFleetState(principal).repos.some((r) => r.host === host)) notFound();
  return children;
}
