import { routeHandler } from "@/lib/api/endpoint";
import { cancelRestore } from "@/lib/api/endpoints/restores";

export const dynamic = "force-dynamic";
export const POST = routeHandler(cancelRestore);
