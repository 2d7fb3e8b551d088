import { routeHandler } from "@/lib/api/endpoint";
import { getHostVerification } from "@/lib/api/endpoints/verify";

export const dynamic = "force-dynamic";
export const GET = routeHandler(getHostVerification);
