import { routeHandler } from "@/lib/api/endpoint";
import { listHosts } from "@/lib/api/endpoints/fleet";

export const dynamic = "force-dynamic";
export const GET = routeHandler(listHosts);
