import { routeHandler } from "@/lib/api/endpoint";
import { getHost } from "@/lib/api/endpoints/fleet";

export const dynamic = "force-dynamic";
export const GET = routeHandler(getHost);
