import { routeHandler } from "@/lib/api/endpoint";
import { listRestores, startRestore } from "@/lib/api/endpoints/restores";

export const dynamic = "force-dynamic";
export const GET = routeHandler(listRestores);
export const POST = routeHandler(startRestore);
