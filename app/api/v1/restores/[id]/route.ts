import { routeHandler } from "@/lib/api/endpoint";
import { getRestore } from "@/lib/api/endpoints/restores";

export const dynamic = "force-dynamic";
export const GET = routeHandler(getRestore);
